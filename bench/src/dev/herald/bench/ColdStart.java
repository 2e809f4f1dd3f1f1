package dev.herald.bench;

import dev.herald.util.Json;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.jetty.client.BufferingResponseListener;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.client.StringRequestContent;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code ./herald bench --cold}: what a new user sees in the first seconds. Per run, on a fresh data dir:
 * {@code ./herald admin create-project} (before the server, so it does not compete with it), then
 * {@code ./herald serve} launched as a separate process through the launcher (with whatever ahead-of-time
 * cache it keeps), {@code /healthz} polled every 10 ms from the launch, one webhook (or {@code --fanout N})
 * created through the API, and events published as fast as {@code --concurrency} allows until
 * {@code --cold-seconds} after the launch. Deliveries are counted at the receiver up to that moment.
 */
final class ColdStart {
    private static final java.io.PrintStream OUT = System.out;

    private ColdStart() {}

    record ColdResult(double healthzMs, int accepted, int delivered, double publishFromS, double acceptedPerS, double deliveredPerS,
                      double deliveredPerSFromLaunch, int duplicates, int[] perSecond) {
        /** Deliveries per second over {@code seconds} seconds from second {@code from} after the launch. */
        double rate(int from, int seconds) {
            int n = 0;
            for (int s = from; s < from + seconds; s++) n += perSecond[s];
            return n / (double) seconds;
        }

        /** The first {@link #SPAN} s from the launch over the last {@link #SPAN} s of the same run (a window of at least {@link #MIN_WARM_WINDOW} s). */
        double ratio() {
            return rate(0, SPAN) / rate(perSecond.length - SPAN, SPAN);
        }
    }

    /** The cold window, and the span of a run's end taken as its warm rate. */
    static final int SPAN = 15;
    /**
     * The shortest window whose last {@link #SPAN} s count as warm: the JIT compiles for about 40 s after a
     * launch (docs/BENCHMARKS.md, ninth session), and the warm rate came after two 15-s rounds.
     */
    static final int MIN_WARM_WINDOW = 60;

    static int run(LoadHarness.Options o, LoadHarness.Receiver receiver) throws Exception {
        Path root = Path.of(System.getProperty("herald.root", ".")).toAbsolutePath();
        Path launcher = root.resolve("herald");
        if (!Files.isExecutable(launcher)) LoadHarness.fail("cannot find the launcher at " + launcher + " (set -Dherald.root)");
        OUT.printf(Locale.ROOT, "herald bench --cold: %s serve, %d webhook(s), %d s window, publisher concurrency %d, %d run(s)%n",
                launcher, o.webhooks(), o.coldSeconds(), o.concurrency(), o.runs());
        // The publisher and the receiver stand in for systems already running: their code is compiled before
        // the first launch (raw POSTs from a client of the same library), so run 1 measures Herald's cold
        // start and not the harness's own.
        LoadHarness.RawResult warm = LoadHarness.rawPhase(o, 30_000, receiver, o.concurrency());
        OUT.printf(Locale.ROOT, "harness warmed: %,.0f raw requests/s%n", warm.perSec());
        List<ColdResult> results = new ArrayList<>();
        for (int run = 1; run <= o.runs(); run++) {
            String load = LoadHarness.loadAverage();
            ColdResult r = once(o, receiver, launcher);
            results.add(r);
            OUT.printf(Locale.ROOT, "%nrun %d/%d (load average before it: %s)%n", run, o.runs(), load);
            OUT.printf(Locale.ROOT, "  /healthz after %.0f ms; first publish %.2f s after the launch%n", r.healthzMs(), r.publishFromS());
            OUT.printf(Locale.ROOT, "  first %d s: %,d events accepted (%,.0f/s from the first publish), %,d deliveries = %,.0f/s from the first publish, "
                            + "%,.0f/s over the whole window from the launch%s%n", o.coldSeconds(), r.accepted(), r.acceptedPerS(), r.delivered(),
                    r.deliveredPerS(), r.deliveredPerSFromLaunch(), r.duplicates() > 0 ? " (" + r.duplicates() + " DUPLICATES)" : "");
            StringBuilder seconds = new StringBuilder();
            for (int sec = 0; sec < r.perSecond().length; sec++) seconds.append(sec == 0 ? "" : " ").append(r.perSecond()[sec]);
            OUT.printf(Locale.ROOT, "  deliveries in each second from the launch: %s%n", seconds);
            if (o.coldSeconds() >= MIN_WARM_WINDOW) {
                int last = o.coldSeconds() - SPAN;
                OUT.printf(Locale.ROOT, "  first %d s from the launch: %,.0f deliveries/s; seconds %d-%d (the same process, warm): %,.0f/s; ratio %.2f%n",
                        SPAN, r.rate(0, SPAN), last, o.coldSeconds(), r.rate(last, SPAN), r.ratio());
            }
            OUT.flush();
        }
        OUT.printf(Locale.ROOT, "%n== median of %d cold run(s) ==%n", results.size());
        OUT.printf(Locale.ROOT, "  /healthz after launch       %,8.0f ms%n", median(results, ColdResult::healthzMs));
        OUT.printf(Locale.ROOT, "  events/s accepted           %,8.0f%n", median(results, ColdResult::acceptedPerS));
        OUT.printf(Locale.ROOT, "  deliveries/s (from publish) %,8.0f%n", median(results, ColdResult::deliveredPerS));
        OUT.printf(Locale.ROOT, "  deliveries/s (from launch)  %,8.0f%n", median(results, ColdResult::deliveredPerSFromLaunch));
        if (o.coldSeconds() >= MIN_WARM_WINDOW) {
            OUT.printf(Locale.ROOT, "  first %d s / last %d s        %8.2f   (median of per-run ratios, each inside one process)%n", SPAN, SPAN,
                    median(results, ColdResult::ratio));
        }
        OUT.flush();
        for (ColdResult r : results) if (r.duplicates() > 0) LoadHarness.fail("duplicate deliveries in a cold run");
        return 0;
    }

    static double median(List<ColdResult> rs, java.util.function.ToDoubleFunction<ColdResult> f) {
        double[] v = rs.stream().mapToDouble(f).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    static ColdResult once(LoadHarness.Options o, LoadHarness.Receiver receiver, Path launcher) throws Exception {
        Path dir = Files.createTempDirectory("herald-cold");
        Path data = dir.resolve("data");
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String key = createProject(launcher, dir, data);
        ProcessBuilder pb = new ProcessBuilder(launcher.toString(), "serve", "--port", Integer.toString(port), "--data-dir", data.toString());
        pb.environment().keySet().removeIf(k -> k.startsWith("HERALD_") || k.startsWith("SECURITY_") || k.startsWith("NOTIFICATION_"));
        pb.environment().put("HERALD_HTTP_HOST", "127.0.0.1");
        pb.environment().put("HERALD_LOG_LEVEL", "WARN");
        pb.environment().put("SECURITY_OUTBOUND_ALLOW_HTTP", "true");
        pb.environment().put("SECURITY_OUTBOUND_ALLOW_PRIVATE_NETWORKS", "true");
        pb.environment().putAll(o.settings());
        pb.redirectErrorStream(true);
        Path log = dir.resolve("serve.log");
        pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));

        HttpClient client = new HttpClient();
        client.setMaxConnectionsPerDestination(o.concurrency());
        client.setMaxRequestsQueuedPerDestination(Math.max(1024, o.concurrency() * 4));
        QueuedThreadPool pool = new QueuedThreadPool(32, 4);
        pool.setName("bench-publisher");
        client.setExecutor(pool);
        client.start();
        LoadHarness.Recorder rec = new LoadHarness.Recorder(2_000_000);
        Process p = null;
        try {
            long launch = System.nanoTime();
            p = pb.start();
            long windowEnd = launch + TimeUnit.SECONDS.toNanos(o.coldSeconds());
            String base = "http://127.0.0.1:" + port;
            long healthy = awaitHealthy(client, base, p, log, launch + TimeUnit.SECONDS.toNanos(120));
            for (int w = 0; w < o.webhooks(); w++) {
                ObjectNode body = Json.object();
                body.put("url", "http://127.0.0.1:" + receiver.port(w) + "/hook/" + w);
                body.putArray("events").add("*");
                ContentResponse res = client.newRequest(base + "/api/v1/webhooks").method(HttpMethod.POST)
                        .headers(hs -> hs.put(HttpHeader.AUTHORIZATION, "Bearer " + key))
                        .body(new StringRequestContent("application/json", Json.write(body))).timeout(30, TimeUnit.SECONDS).send();
                if (res.getStatus() != 201) LoadHarness.fail("creating webhook " + w + " answered " + res.getStatus() + ": " + res.getContentAsString());
            }
            receiver.use(rec);
            AtomicInteger accepted = new AtomicInteger();
            AtomicReference<String> failure = new AtomicReference<>();
            Semaphore inFlight = new Semaphore(o.concurrency());
            String pad = "x".repeat(o.payload());
            long firstPublish = System.nanoTime();
            for (int i = 0; System.nanoTime() < windowEnd && failure.get() == null; i++) {
                if (!inFlight.tryAcquire(windowEnd - System.nanoTime(), TimeUnit.NANOSECONDS)) break;
                client.newRequest(base + "/api/v1/events").method(HttpMethod.POST)
                        .headers(hs -> hs.put(HttpHeader.AUTHORIZATION, "Bearer " + key))
                        .body(new StringRequestContent("application/json", LoadHarness.eventJson(i, pad)))
                        .timeout(60, TimeUnit.SECONDS)
                        .send(new BufferingResponseListener(64 * 1024) {
                            @Override
                            public void onComplete(Result result) {
                                try {
                                    if (result.isFailed()) failure.compareAndSet(null, "publish failed: " + result.getFailure());
                                    else if (result.getResponse().getStatus() != 202) failure.compareAndSet(null, "publish answered " + result.getResponse().getStatus());
                                    else if (System.nanoTime() <= windowEnd) accepted.incrementAndGet();
                                } finally {
                                    inFlight.release();
                                }
                            }
                        });
            }
            long left = windowEnd - System.nanoTime();
            if (left > 0) TimeUnit.NANOSECONDS.sleep(left);
            if (failure.get() != null) LoadHarness.fail(failure.get() + " (log: " + log + ")");
            receiver.use(null);
            int delivered = 0;
            int[] perSecond = new int[o.coldSeconds()];
            int n = rec.received();
            for (int i = 0; i < n; i++) {
                if (rec.arrivals[i] > windowEnd) continue;
                delivered++;
                perSecond[(int) Math.min(perSecond.length - 1, Math.max(0, (rec.arrivals[i] - launch) / 1_000_000_000L))]++;
            }
            double fromPublish = (windowEnd - firstPublish) / 1e9;
            return new ColdResult((healthy - launch) / 1e6, accepted.get(), delivered, (firstPublish - launch) / 1e9,
                    accepted.get() / fromPublish, delivered / fromPublish, delivered / (double) o.coldSeconds(), rec.duplicates.get(), perSecond);
        } finally {
            receiver.use(null);
            if (p != null) {
                p.destroy();
                if (!p.waitFor(30, TimeUnit.SECONDS)) p.destroyForcibly();
            }
            client.stop();
            LoadHarness.deleteTree(dir);
        }
    }

    private static long awaitHealthy(HttpClient client, String base, Process p, Path log, long deadline) throws Exception {
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) LoadHarness.fail("herald serve exited with " + p.exitValue() + " (log: " + log + ")\n" + tail(log));
            try {
                ContentResponse r = client.newRequest(base + "/healthz").timeout(2, TimeUnit.SECONDS).send();
                if (r.getStatus() == 200) return System.nanoTime();
            } catch (java.util.concurrent.ExecutionException e) {
                // not listening yet
            }
            Thread.sleep(10);
        }
        LoadHarness.fail("herald serve did not answer /healthz within 120 s (log: " + log + ")\n" + tail(log));
        return 0;
    }

    private static String createProject(Path launcher, Path dir, Path data) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(launcher.toString(), "admin", "create-project", "bench", "--data-dir", data.toString());
        pb.environment().keySet().removeIf(k -> k.startsWith("HERALD_") || k.startsWith("SECURITY_") || k.startsWith("NOTIFICATION_"));
        Path log = dir.resolve("admin.log");
        pb.redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()));
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            LoadHarness.fail("herald admin create-project did not finish");
        }
        if (p.exitValue() != 0) LoadHarness.fail("herald admin create-project exited " + p.exitValue() + "\n" + tail(log));
        String json = out.lines().filter(l -> l.startsWith("{")).reduce((a, b) -> b).orElse(null);
        if (json == null) LoadHarness.fail("herald admin create-project printed no JSON: " + out);
        JsonNode n = Json.parse(json);
        return n.get("api_key").asString();
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "(no log)";
        }
    }
}
