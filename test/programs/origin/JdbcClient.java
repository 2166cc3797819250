// The origin scenario's Java service talking to PostgreSQL through JDBC (Debian's libpostgresql-jdbc-java):
// waits for discovery, then runs prepared queries and an occasional failing one until killed.
// Usage: java -cp /usr/share/java/postgresql.jar JdbcClient.java <port> <marker>
import java.sql.*;

public class JdbcClient {
  public static void main(String[] args) throws Exception {
    Thread.sleep(2000);
    String url = "jdbc:postgresql://127.0.0.1:" + args[0] + "/shop?user=postgres&sslmode=disable";
    try (Connection c = DriverManager.getConnection(url)) {
      PreparedStatement byId = c.prepareStatement("SELECT name FROM users WHERE id = ?");
      for (int i = 0; ; i++) {
        byId.setInt(1, 1 + i % 20);
        try (ResultSet rs = byId.executeQuery()) { while (rs.next()) rs.getString(1); }
        if (i % 10 == 0) {
          try (Statement s = c.createStatement()) { s.executeQuery("SELECT * FROM missing_table"); } catch (SQLException e) { /* 42P01 */ }
        }
        Thread.sleep(20);
      }
    }
  }
}
