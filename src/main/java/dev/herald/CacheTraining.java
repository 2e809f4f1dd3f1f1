package dev.herald;

import com.sun.net.httpserver.HttpServer;
import dev.herald.config.ConfigLoader;
import dev.herald.config.HeraldConfig;
import dev.herald.projects.Projects;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The training run behind the launcher's ahead-of-time cache ({@code ./herald} builds it once per jar and
 * JDK; see docs/operations.md): starts Herald on a throw-away SQLite data dir on 127.0.0.1, creates a
 * project, a webhook pointing at a receiver in this process, publishes events (one by one and as a batch)
 * and waits for their deliveries, then stops. Every class a server loads to start, accept and deliver is
 * loaded here, so the JVM can record them; nothing of the run is kept but the cache.
 */
final class CacheTraining {
    private static final int EVENTS = 200;

    private CacheTraining() {}

    static int run() throws Exception {
        Path dir = Files.createTempDirectory("herald-training");
        HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        CountDownLatch delivered = new CountDownLatch(EVENTS + 10);
        receiver.createContext("/", ex -> {
            try (InputStream in = ex.getRequestBody()) {
                in.readAllBytes();
            }
            ex.sendResponseHeaders(200, -1);
            ex.close();
            delivered.countDown();
        });
        receiver.start();
        Map<String, String> flags = new HashMap<>();
        flags.put("HERALD_DATA_DIR", dir.toString());
        flags.put("HERALD_HTTP_HOST", "127.0.0.1");
        flags.put("HERALD_HTTP_PORT", "0");
        flags.put("HERALD_LOG_LEVEL", "WARN");
        flags.put("SECURITY_OUTBOUND_ALLOW_HTTP", "true");
        flags.put("SECURITY_OUTBOUND_ALLOW_PRIVATE_NETWORKS", "true");
        HeraldConfig cfg = ConfigLoader.load(flags, Map.of());
        Herald herald = Herald.start(cfg, Herald.Mode.ALL);
        try {
            String key = new Projects(herald.database(), Clock.systemUTC()).create("training").adminKey().key();
            String base = "http://127.0.0.1:" + herald.port();
            HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            call(client, base + "/healthz", null, null);
            call(client, base + "/api/v1/webhooks", key, "{\"url\":\"http://127.0.0.1:" + receiver.getAddress().getPort() + "/t\",\"events\":[\"*\"]}");
            for (int i = 0; i < EVENTS; i++) {
                call(client, base + "/api/v1/events", key, "{\"type\":\"training.event\",\"data\":{\"n\":" + i + ",\"pad\":\"" + "x".repeat(200) + "\"}}");
            }
            StringBuilder batch = new StringBuilder("{\"events\":[");
            for (int i = 0; i < 10; i++) batch.append(i == 0 ? "" : ",").append("{\"type\":\"training.batch\",\"data\":{\"n\":").append(i).append("}}");
            call(client, base + "/api/v1/events/batch", key, batch.append("]}").toString());
            delivered.await(30, TimeUnit.SECONDS);
            call(client, base + "/api/v1/events", key, null);
            call(client, base + "/api/v1/deliveries", key, null);
        } finally {
            herald.close();
            receiver.stop(0);
            try (Stream<Path> s = Files.walk(dir)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException ignored) {
                // a temp dir left behind
            }
        }
        return 0;
    }

    private static void call(HttpClient client, String url, String key, String body) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30));
        if (key != null) b.header("Authorization", "Bearer " + key);
        if (body != null) b.header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        client.send(b.build(), HttpResponse.BodyHandlers.discarding());
    }
}
