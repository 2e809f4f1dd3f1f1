package dev.herald.delivery;

import dev.herald.Herald;
import dev.herald.config.ConfigLoader;
import dev.herald.config.HeraldConfig;
import dev.herald.projects.Projects;
import dev.herald.util.Ids;
import dev.herald.util.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * {@code ./herald bench --queue 10000,100000,1000000}: the claim's cost and a server's memory with a long
 * queue. Per size N, on a fresh SQLite data dir (durable default):
 * <ol>
 *   <li>an API-only Herald (no dispatcher) creates a project and one webhook, and N pending deliveries of N
 *   events of about 250 bytes are written straight into the tables (one batched write), all to that
 *   webhook, plus 100 to each of three other webhooks, due after it;</li>
 *   <li>claims, as the dispatcher runs them ({@link DeliveryRepository#claim} through {@code Database.claim}),
 *   are timed in the two shapes the 1:1 workload produces: the busy webhook with free slots (each claim
 *   leases up to 32), and the busy webhook at its limit (each claim must look behind its backlog for the
 *   other webhooks' work); medians of 200 claims each, leases returned between claims;</li>
 *   <li>Herald is stopped and {@code ./herald serve} (the launcher, its ahead-of-time cache, default
 *   settings) started on the data dir with the webhook pointing at an in-process receiver that answers
 *   200 at once: its resident set size (VmRSS) is read {@code --queue-seconds} (default 20) after the
 *   first delivery arrived, with how many deliveries arrived by then.</li>
 * </ol>
 */
public final class QueueScaleBench {
    private static final java.io.PrintStream OUT = System.out;

    private QueueScaleBench() {}

    public record Result(int queued, double freeClaimUs, double fullClaimUs, double rssMiB, int delivered, double seconds) {}

    public static List<Result> run(List<Integer> sizes, int seconds, Path launcher) throws Exception {
        List<Result> out = new ArrayList<>();
        for (int n : sizes) {
            Result r = once(n, seconds, launcher);
            out.add(r);
            OUT.printf(Locale.ROOT, "  queued %,9d: claim with free slots %8.0f us, claim behind a full target %8.0f us; ./herald serve RSS %5.0f MiB after %.0f s (%,d delivered)%n",
                    r.queued(), r.freeClaimUs(), r.fullClaimUs(), r.rssMiB(), r.seconds(), r.delivered());
            OUT.flush();
        }
        return out;
    }

    static Result once(int n, int seconds, Path launcher) throws Exception {
        Path dir = Files.createTempDirectory("herald-queue");
        com.sun.net.httpserver.HttpServer receiver = com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 1024);
        java.util.concurrent.atomic.AtomicInteger received = new java.util.concurrent.atomic.AtomicInteger();
        receiver.setExecutor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
        receiver.createContext("/", ex -> {
            ex.getRequestBody().readAllBytes();
            ex.sendResponseHeaders(200, -1);
            ex.close();
            received.incrementAndGet();
        });
        receiver.start();
        Map<String, String> s = new HashMap<>();
        s.put("HERALD_DATA_DIR", dir.resolve("data").toString());
        s.put("HERALD_HTTP_HOST", "127.0.0.1");
        s.put("HERALD_HTTP_PORT", "0");
        s.put("HERALD_LOG_LEVEL", "WARN");
        s.put("SECURITY_OUTBOUND_ALLOW_HTTP", "true");
        s.put("SECURITY_OUTBOUND_ALLOW_PRIVATE_NETWORKS", "true");
        HeraldConfig cfg = ConfigLoader.load(s, Map.of());
        Process serve = null;
        try {
            double freeUs;
            double fullUs;
            Herald herald = Herald.start(cfg, Herald.Mode.API_ONLY);
            try {
                String key = new Projects(herald.database(), Clock.systemUTC()).create("queue").adminKey().key();
                String base = "http://127.0.0.1:" + herald.port();
                List<String> hooks = new ArrayList<>();
                for (int w = 0; w < 4; w++) hooks.add(webhook(base, key, "http://127.0.0.1:" + receiver.getAddress().getPort() + "/q/" + w));
                String project = herald.database().read(h -> h.createQuery("SELECT id FROM projects").mapTo(String.class).one());
                populate(herald, project, hooks, n);
                var db = herald.database();
                long now = System.currentTimeMillis() + 60_000;
                freeUs = time(db, now, Map.of(), Set.of());
                fullUs = time(db, now, Map.of(hooks.get(0), 32), Set.of(hooks.get(0)));
            } finally {
                herald.close();
            }
            // The real server on that queue: its memory while it drains.
            ProcessBuilder pb = new ProcessBuilder(launcher.toString(), "serve", "--port", "0", "--data-dir", dir.resolve("data").toString());
            pb.environment().keySet().removeIf(k -> k.startsWith("HERALD_") || k.startsWith("SECURITY_") || k.startsWith("NOTIFICATION_"));
            pb.environment().put("HERALD_HTTP_HOST", "127.0.0.1");
            pb.environment().put("HERALD_LOG_LEVEL", "WARN");
            pb.environment().put("SECURITY_OUTBOUND_ALLOW_HTTP", "true");
            pb.environment().put("SECURITY_OUTBOUND_ALLOW_PRIVATE_NETWORKS", "true");
            pb.redirectErrorStream(true);
            pb.redirectOutput(dir.resolve("serve.log").toFile());
            received.set(0);
            serve = pb.start();
            // From the first delivery (the launcher may first build its start-up cache).
            long limit = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
            while (received.get() == 0 && serve.isAlive() && System.nanoTime() < limit) TimeUnit.MILLISECONDS.sleep(20);
            long t0 = System.nanoTime();
            TimeUnit.SECONDS.sleep(seconds);
            double rss = rssMiB(javaPid(serve));
            return new Result(n, freeUs, fullUs, rss, received.get(), (System.nanoTime() - t0) / 1e9);
        } finally {
            if (serve != null) {
                serve.destroy();
                if (!serve.waitFor(30, TimeUnit.SECONDS)) serve.destroyForcibly();
            }
            receiver.stop(0);
            try (java.util.stream.Stream<Path> files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    /** The launcher execs java, so the process it started is the JVM itself. */
    private static long javaPid(Process p) {
        return p.pid();
    }

    private static double rssMiB(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("\\D+", "")) / 1024.0;
        }
        return Double.NaN;
    }

    private static String webhook(String base, String key, String url) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(base + "/api/v1/webhooks"))
                .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"url\":\"" + url + "\",\"events\":[\"*\"]}")).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 201) throw new IllegalStateException("webhook: " + r.statusCode() + " " + r.body());
        return Json.parse(r.body()).get("id").asString();
    }

    /** N events to the first webhook, due from a minute ago, then 100 each to the others, due after them. */
    private static void populate(Herald herald, String project, List<String> hooks, int n) {
        long t = System.currentTimeMillis() - 60_000;
        String pad = "x".repeat(200);
        int chunk = 50_000;
        for (int from = 0; from < n + 300; from += chunk) {
            int start = from;
            herald.database().writer().execute(h -> {
                PreparedStatement m = h.getConnection().prepareStatement("INSERT INTO messages (id, project_id, kind, type, body, created_at) VALUES (?, ?, 'event', 'bench.event', ?, ?)");
                PreparedStatement d = h.getConnection().prepareStatement("INSERT INTO deliveries (id, project_id, message_id, channel, target_id, status, attempts, "
                        + "schedule_pos, next_attempt_at, created_at, updated_at) VALUES (?, ?, ?, 'webhook', ?, 'pending', 0, 0, ?, ?, ?)");
                for (int i = start; i < Math.min(start + chunk, n + 300); i++) {
                    long at = t + i / 100;
                    String mid = Ids.uuid7(at);
                    byte[] body = ("{\"id\":\"" + mid + "\",\"type\":\"bench.event\",\"created_at\":\"2026-01-01T00:00:00Z\",\"data\":{\"seq\":" + i
                            + ",\"pad\":\"" + pad + "\"}}").getBytes(StandardCharsets.UTF_8);
                    m.setString(1, mid);
                    m.setString(2, project);
                    m.setBytes(3, body);
                    m.setLong(4, at);
                    m.addBatch();
                    d.setString(1, Ids.uuid7(at));
                    d.setString(2, project);
                    d.setString(3, mid);
                    d.setString(4, i < n ? hooks.get(0) : hooks.get(1 + (i - n) / 100));
                    d.setLong(5, at);
                    d.setLong(6, at);
                    d.setLong(7, at);
                    d.addBatch();
                }
                m.executeBatch();
                d.executeBatch();
                m.close();
                d.close();
                return null;
            });
        }
    }

    /** Median microseconds of 200 claims; each claim's leases are given back before the next. */
    private static double time(dev.herald.store.Database db, long now, Map<String, Integer> inFlight, Set<String> excluded) {
        double[] us = new double[200];
        for (int i = 0; i < us.length + 20; i++) {
            long[] took = new long[1];
            // Timed inside the writer's job: the claim's own statements, not the queueing or the commit around them.
            List<Claim> got = db.claim(h -> {
                long t0 = System.nanoTime();
                List<Claim> c = DeliveryRepository.claim(h, "bench", now, now + 60_000, 256, 32, inFlight, excluded);
                took[0] = System.nanoTime() - t0;
                return c;
            });
            if (i >= 20) us[i - 20] = took[0] / 1e3;
            if (got.isEmpty()) throw new IllegalStateException("the claim found nothing");
            List<String> ids = got.stream().map(Claim::id).toList();
            db.writer().execute(h -> h.createUpdate("UPDATE deliveries SET status = 'pending', lease_owner = NULL, lease_until = NULL WHERE id IN (<ids>)")
                    .bindList("ids", ids).execute());
        }
        Arrays.sort(us);
        return us[us.length / 2];
    }
}
