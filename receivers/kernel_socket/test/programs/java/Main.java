// Java's built-in com.sun.net.httpserver for the kernel_socket tests (routes like server.mjs). argv: port.
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpExchange;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;

public class Main {
    static void send(HttpExchange ex, int status, byte[] body) throws java.io.IOException {
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        try (OutputStream os = ex.getResponseBody()) { os.write(body); }
    }

    public static void main(String[] args) throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", Integer.parseInt(args[0])), 128);
        server.createContext("/hello", ex -> send(ex, 200, "hello world".getBytes(StandardCharsets.UTF_8)));
        server.createContext("/sleep", ex -> {
            try { Thread.sleep(50); } catch (InterruptedException e) { }
            send(ex, 200, "slept".getBytes(StandardCharsets.UTF_8));
        });
        server.createContext("/status/", ex -> {
            int code = Integer.parseInt(ex.getRequestURI().getPath().substring(8));
            send(ex, code, ("status " + code).getBytes(StandardCharsets.UTF_8));
        });
        server.createContext("/echo", ex -> send(ex, 200, ex.getRequestBody().readAllBytes()));
        server.createContext("/chunked", ex -> {
            ex.sendResponseHeaders(200, 0);
            try (OutputStream os = ex.getResponseBody()) {
                os.write("first chunk;".getBytes(StandardCharsets.UTF_8));
                os.flush();
                os.write("second chunk".getBytes(StandardCharsets.UTF_8));
            }
        });
        server.setExecutor(Executors.newFixedThreadPool(8));
        server.start();
    }
}
