// Java HttpClient for the kernel_socket tests: "METHOD URL [BODY]" per stdin line, prints
// "STATUS <code> <body bytes>". args[0] is a marker for discovery.
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

public class Client {
    public static void main(String[] args) throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
        for (String line; (line = in.readLine()) != null; ) {
            String[] p = line.trim().split(" ", 3);
            if (p.length < 2) continue;
            HttpRequest.BodyPublisher body = p.length == 3 ? HttpRequest.BodyPublishers.ofString(p[2]) : HttpRequest.BodyPublishers.noBody();
            HttpRequest req = HttpRequest.newBuilder(URI.create(p[1])).method(p[0], body).build();
            HttpResponse<byte[]> r = client.send(req, HttpResponse.BodyHandlers.ofByteArray());
            System.out.println("STATUS " + r.statusCode() + " " + r.body().length);
        }
    }
}
