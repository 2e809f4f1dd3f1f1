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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * The training run behind the launcher's ahead-of-time cache ({@code ./herald} builds it once per jar and
 * JDK; see docs/operations.md): starts Herald on a throw-away SQLite data dir on 127.0.0.1, creates a
 * project, a webhook pointing at a receiver in this process, publishes events (one by one and as a batch)
 * and waits for their deliveries, then stops. Every class a server loads to start, accept and deliver is
 * loaded here, so the JVM can record them; nothing of the run is kept but the cache.
 */
final class CacheTraining {
    /** Events published one by one first: every class of the path is loaded and linked. */
    private static final int EVENTS = 200;
    /**
     * Then publishers in parallel for this long, so the methods of accepting and delivering run often
     * enough for the JVM to record their profiles in the cache (JDK 25+): a started server compiles
     * them without profiling them again first.
     */
    private static final Duration LOAD = Duration.ofSeconds(4);
    private static final int PUBLISHERS = 16;

    private CacheTraining() {}

    static int run() throws Exception {
        Path dir = Files.createTempDirectory("herald-training");
        HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        AtomicLong delivered = new AtomicLong();
        receiver.createContext("/", ex -> {
            try (InputStream in = ex.getRequestBody()) {
                in.readAllBytes();
            }
            ex.sendResponseHeaders(200, -1);
            ex.close();
            delivered.incrementAndGet();
        });
        receiver.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        receiver.start();
        Map<String, String> flags = new HashMap<>();
        flags.put("HERALD_DATA_DIR", dir.toString());
        flags.put("HERALD_HTTP_HOST", "127.0.0.1");
        flags.put("HERALD_HTTP_PORT", "0");
        // A free loopback port: a Herald already running on this machine keeps the default one.
        flags.put("HERALD_MAIL_SMTP_HOST", "127.0.0.1");
        flags.put("HERALD_MAIL_SMTP_PORT", "0");
        flags.put("HERALD_LOG_LEVEL", "WARN");
        flags.put("SECURITY_OUTBOUND_ALLOW_HTTP", "true");
        flags.put("SECURITY_OUTBOUND_ALLOW_PRIVATE_NETWORKS", "true");
        HeraldConfig cfg = ConfigLoader.load(flags, Map.of());
        Herald herald = Herald.start(cfg, Herald.Mode.ALL);
        try {
            String key = new Projects(herald.database(), Clock.systemUTC()).create("training").adminKey().key();
            String base = "http://127.0.0.1:" + herald.port();
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
            call(client, base + "/healthz", null, null);
            call(client, base + "/api/v1/webhooks", key, "{\"url\":\"http://127.0.0.1:" + receiver.getAddress().getPort() + "/t\",\"events\":[\"*\"]}");
            for (int i = 0; i < EVENTS; i++) {
                call(client, base + "/api/v1/events", key, "{\"type\":\"training.event\",\"data\":{\"n\":" + i + ",\"pad\":\"" + "x".repeat(200) + "\"}}");
            }
            StringBuilder batch = new StringBuilder("{\"events\":[");
            for (int i = 0; i < 10; i++) batch.append(i == 0 ? "" : ",").append("{\"type\":\"training.batch\",\"data\":{\"n\":").append(i).append("}}");
            call(client, base + "/api/v1/events/batch", key, batch.append("]}").toString());
            long accepted = EVENTS + 10 + load(client, base, key);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (delivered.get() < accepted && System.nanoTime() < deadline) Thread.sleep(20);
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

    /** {@link #PUBLISHERS} publishers posting events for {@link #LOAD}; the number accepted. */
    private static long load(HttpClient client, String base, String key) throws InterruptedException {
        AtomicLong accepted = new AtomicLong();
        long end = System.nanoTime() + LOAD.toNanos();
        String pad = "x".repeat(200);
        try (ExecutorService publishers = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int p = 0; p < PUBLISHERS; p++) {
                publishers.submit(() -> {
                    for (int i = 0; System.nanoTime() < end; i++) {
                        if (call(client, base + "/api/v1/events", key, "{\"type\":\"training.load\",\"data\":{\"n\":" + i + ",\"pad\":\"" + pad + "\"}}") == 202) {
                            accepted.incrementAndGet();
                        }
                    }
                    return null;
                });
            }
        }
        return accepted.get();
    }

    private static int call(HttpClient client, String url, String key, String body) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30));
        if (key != null) b.header("Authorization", "Bearer " + key);
        if (body != null) b.header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        return client.send(b.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }
}
