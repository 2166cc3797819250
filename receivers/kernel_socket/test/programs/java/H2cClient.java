import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/**
 * The JDK's HTTP/2 client over cleartext: HttpClient.Version.HTTP_2 with an http:// URL asks for h2c by an
 * HTTP/1.1 Upgrade on its first request, then sends the others as streams of the upgraded connection.
 * Usage: java H2cClient.java PORT MARKER PATH... (waits for a stdin line; prints "status version" per path, DONE).
 */
public class H2cClient {
  public static void main(String[] args) throws Exception {
    new BufferedReader(new InputStreamReader(System.in)).readLine();
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
    for (int i = 2; i < args.length; i++) {
      HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + args[0] + args[i])).header("x-mark", args[1]).GET().build();
      HttpResponse<String> resp = client.send(req, HttpResponse.BodyHandlers.ofString());
      System.out.println(resp.statusCode() + " " + resp.version());
    }
    System.out.println("DONE");
  }
}
