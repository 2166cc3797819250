import com.sun.net.httpserver.HttpServer;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.URL;
import java.util.concurrent.Executors;

/**
 * The chain's Java service (JDK com.sun.net.httpserver, thread-per-request): GET /req/ID calls the Node
 * service's /req/ID with HttpURLConnection (keep-alive) on the serving thread and answers with its body.
 * Usage: java ChainJava PORT NODE_PORT MARKER (CHAIN_LISTEN / CHAIN_NEXT_HOST: addresses, 127.0.0.1 by default)
 */
public class ChainJava {
    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        String next = "http://" + env("CHAIN_NEXT_HOST") + ":" + args[1];
        HttpServer server = HttpServer.create(new InetSocketAddress(env("CHAIN_LISTEN"), port), 256);
        server.setExecutor(Executors.newFixedThreadPool(64));
        server.createContext("/", exchange -> {
            String path = exchange.getRequestURI().getPath();
            byte[] body;
            int status;
            try {
                HttpURLConnection c = (HttpURLConnection) new URL(next + path).openConnection();
                status = c.getResponseCode();
                try (InputStream in = c.getInputStream()) {
                    body = in.readAllBytes();
                }
            } catch (Exception e) {
                status = 502;
                body = e.toString().getBytes();
            }
            exchange.sendResponseHeaders(status, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        System.out.println("listening " + port);
    }

    private static String env(String name) {
        String v = System.getenv(name);
        return v == null || v.isEmpty() ? "127.0.0.1" : v;
    }
}
