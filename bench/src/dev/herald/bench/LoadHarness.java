package dev.herald.bench;

import com.sun.net.httpserver.HttpServer;
import dev.herald.Herald;
import dev.herald.config.ConfigLoader;
import dev.herald.config.HeraldConfig;
import dev.herald.projects.Projects;
import dev.herald.util.Ids;
import dev.herald.util.Json;
import dev.herald.util.Version;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.ToDoubleFunction;
import java.util.stream.Stream;
import org.eclipse.jetty.client.BufferingResponseListener;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.client.StringRequestContent;
import org.eclipse.jetty.client.transport.HttpClientTransportOverHTTP;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Promise;
import org.eclipse.jetty.util.thread.Invocable;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Load harness: one JVM runs a receiver, Herald (embedded SQLite in a temp dir, durable settings) and
 * a publisher. Each run measures
 * <ol>
 *   <li><b>herald</b>: E events POSTed to {@code /api/v1/events} with fan-out to N webhooks ("*"), until
 *   the receiver has all E x N deliveries: events/s accepted, deliveries/s end to end (first publish to
 *   last delivery received) and enqueue-to-first-attempt latency percentiles;</li>
 *   <li><b>raw</b>: the same E x N POSTs (same body size, same headers, same paths) sent straight to the
 *   same receiver by a Jetty client set up like Herald's outbound client, with the same number of
 *   requests in flight as Herald's dispatcher allows.</li>
 * </ol>
 * and prints the ratio herald/raw. Every phase is bounded by {@code --timeout}; a phase that does not
 * finish fails the harness (exit 1). All traffic goes to 127.0.0.1.
 */
public final class LoadHarness {
    private static final PrintStream OUT = System.out;
    private static final String EVENT_TYPE = "bench.event";
    private static final byte[] OK = "ok".getBytes(StandardCharsets.US_ASCII);

    // ---------------------------------------------------------------- options

    record Options(int events, int webhooks, int concurrency, int runs, int warmup, int payload, int rawConcurrency,
                   int timeoutSeconds, String receiver, int ports, Map<String, String> settings, boolean progress, String only,
                   double rate, int batch, boolean noMatch, boolean cold, int coldSeconds, List<Integer> queueSizes, int queueSeconds) {

        static Options parse(String[] args) {
            int events = 20_000, webhooks = 1, concurrency = 32, runs = 3, warmup = 10_000, payload = 200, raw = 0, timeout = 300, ports = 0;
            double rate = 0;
            int batch = 0, coldSeconds = 15, queueSeconds = 20;
            List<Integer> queueSizes = new ArrayList<>();
            boolean noMatch = false, cold = false;
            String receiver = "jetty", only = "both";
            boolean progress = false;
            Map<String, String> settings = new LinkedHashMap<>();
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                String v = null;
                int eq = a.indexOf('=');
                if (a.startsWith("--") && eq > 0) {
                    v = a.substring(eq + 1);
                    a = a.substring(0, eq);
                }
                if (a.equals("--help") || a.equals("-h")) {
                    usage();
                    System.exit(0);
                }
                if (a.equals("--progress")) {
                    progress = true;
                    continue;
                }
                if (a.equals("--no-match")) {
                    noMatch = true;
                    continue;
                }
                if (a.equals("--cold")) {
                    cold = true;
                    continue;
                }
                if (v == null) {
                    if (i + 1 >= args.length) fail("missing value for " + a);
                    v = args[++i];
                }
                switch (a) {
                    case "--events" -> events = positive(a, v);
                    case "--webhooks", "--fanout" -> webhooks = positive(a, v);
                    case "--workload" -> {
                        if (v.equals("1:1")) {
                            webhooks = 1;
                        } else if (v.matches("1:[1-9][0-9]*")) {
                            webhooks = positive(a, v.substring(2));
                        } else {
                            fail("--workload is 1:1 (one webhook) or 1:N (fan-out to N webhooks)");
                        }
                    }
                    case "--batch" -> {
                        batch = positive(a, v);
                        if (batch > 1000) fail("--batch is at most 1000 (the API's limit)");
                    }
                    case "--cold-seconds" -> coldSeconds = positive(a, v);
                    case "--queue" -> {
                        for (String n : v.split(",")) queueSizes.add(positive(a, n.trim()));
                    }
                    case "--queue-seconds" -> queueSeconds = positive(a, v);
                    case "--concurrency" -> concurrency = positive(a, v);
                    case "--runs" -> runs = positive(a, v);
                    case "--warmup" -> warmup = nonNegative(a, v);
                    case "--payload" -> payload = nonNegative(a, v);
                    case "--raw-concurrency" -> raw = positive(a, v);
                    case "--timeout" -> timeout = positive(a, v);
                    case "--ports" -> ports = positive(a, v);
                    case "--rate" -> rate = positive(a, v);
                    case "--receiver" -> {
                        if (!v.equals("jetty") && !v.equals("jdk")) fail("--receiver is jetty or jdk");
                        receiver = v;
                    }
                    case "--only" -> {
                        if (!Set.of("both", "herald", "raw").contains(v)) fail("--only is both, herald or raw");
                        only = v;
                    }
                    case "--set" -> {
                        int e = v.indexOf('=');
                        if (e <= 0) fail("--set needs KEY=VALUE");
                        settings.put(v.substring(0, e), v.substring(e + 1));
                    }
                    default -> fail("unknown option " + a + " (see --help)");
                }
            }
            if (noMatch && !only.equals("raw")) only = "herald";
            // A port per webhook unless --ports says otherwise: N webhooks are N receivers, as fan-out means,
            // and an HTTP client keeps its connections per host and port (one port would share one pool).
            if (ports == 0) ports = webhooks;
            return new Options(events, webhooks, concurrency, runs, warmup, payload, raw, timeout, receiver, ports, settings, progress, only, rate,
                    batch, noMatch, cold, coldSeconds, queueSizes, queueSeconds);
        }

        static void usage() {
            OUT.println("""
                    Usage: ./herald bench [options]

                      --workload 1:1        one webhook subscribed to "*" (the default); 1:N is --fanout N
                      --fanout N            N webhooks subscribed to "*": each event fans out to N deliveries
                                            (--webhooks N is the same; default 1)
                      --batch N             publish through POST /api/v1/events/batch, N events per request (1-1000)
                      --no-match            the webhooks subscribe to "nomatch.*", which no event matches: ingest
                                            alone (events/s accepted; implies --only herald)
                      --cold                cold start: launch ./herald serve as a separate process on a fresh
                                            data dir, time the launch to /healthz, then publish (1:1 or --fanout)
                                            and count deliveries in the first --cold-seconds (default 15) after
                                            the launch; --runs times, no warm-up
                      --queue N,N,...       queue scale: for each size, N deliveries queued for one webhook; the claim's
                                            cost (median us) with free slots and behind a full target, then the
                                            RSS of ./herald serve draining that queue after --queue-seconds (20)
                      --events N            events published per run (default 20000)
                      --concurrency N       publisher requests in flight to POST /api/v1/events (default 32)
                      --runs N              measured runs; medians are reported (default 3)
                      --warmup N            events in an unreported warm-up run first (default 10000; 0 skips it)
                      --rate N              publish at most N events/s (paced, for latency below saturation;
                                            default 0: as fast as --concurrency allows)
                      --payload N           bytes of padding in each event's data (default 200)
                      --raw-concurrency N   requests in flight in the raw phase (default: what Herald's dispatcher
                                            allows, min(HERALD_DELIVERY_CONCURRENCY, webhooks x per-webhook concurrency))
                      --receiver jetty|jdk  receiver implementation (default jetty: Jetty 12 core handler)
                      --ports N             receiver listens on N ports, webhook i uses port i mod N (default: one per webhook)
                      --timeout S           seconds each phase may take before the harness fails (default 300)
                      --set KEY=VALUE       a Herald setting for this harness (e.g. --set HERALD_DELIVERY_BATCH_SIZE=512); repeatable
                      --only both|herald|raw  run only one phase (default both)
                      --progress            print progress to stderr every second

                    Herald runs in-process on SQLite in a fresh temp dir per run, with the default (durable)
                    HERALD_SQLITE_SYNCHRONOUS=FULL unless --set changes it. All traffic is to 127.0.0.1.""");
        }

        private static int positive(String name, String v) {
            int n = nonNegative(name, v);
            if (n == 0) fail(name + " must be at least 1");
            return n;
        }

        private static int nonNegative(String name, String v) {
            try {
                int n = Integer.parseInt(v.replace("_", ""));
                if (n < 0) fail(name + " must not be negative");
                return n;
            } catch (NumberFormatException e) {
                fail(name + " must be an integer, got " + v);
                return 0;
            }
        }
    }

    static void fail(String message) {
        throw new HarnessFailure(message);
    }

    static final class HarnessFailure extends RuntimeException {
        HarnessFailure(String message) {
            super(message);
        }
    }

    // ---------------------------------------------------------------- receiver

    /**
     * What the receiver saw in one phase: one slot per expected delivery (event id, arrival time), in
     * arrival order. A delivery id seen twice is a duplicate (a retry or a lease taken over).
     */
    static final class Recorder {
        final int expected;
        final String[] eventIds;
        final long[] arrivals;
        final AtomicInteger next = new AtomicInteger();
        final Set<String> deliveryIds;
        final CountDownLatch done;
        final AtomicInteger duplicates = new AtomicInteger();
        final AtomicInteger unexpected = new AtomicInteger();
        final AtomicLong lastArrival = new AtomicLong();

        Recorder(int expected) {
            this.expected = expected;
            this.eventIds = new String[expected];
            this.arrivals = new long[expected];
            this.deliveryIds = ConcurrentHashMap.newKeySet(expected * 2);
            this.done = new CountDownLatch(expected);
        }

        void record(byte[] body, String deliveryId, long arrivedNanos) {
            String eventId = eventId(body);
            if (eventId == null || deliveryId == null) {
                unexpected.incrementAndGet();
                return;
            }
            if (!deliveryIds.add(deliveryId)) {
                duplicates.incrementAndGet();
                return;
            }
            int i = next.getAndIncrement();
            if (i >= expected) {
                unexpected.incrementAndGet();
                return;
            }
            eventIds[i] = eventId;
            arrivals[i] = arrivedNanos;
            lastArrival.accumulateAndGet(arrivedNanos, Math::max);
            done.countDown();
        }

        int received() {
            return Math.min(next.get(), expected);
        }

        /** The "id" of the event body, which Herald writes first: {"id":"<uuid>",...}. */
        static String eventId(byte[] b) {
            int n = b.length;
            outer:
            for (int i = 0; i + 6 + 36 <= n; i++) {
                if (b[i] != '"') continue;
                byte[] key = {'"', 'i', 'd', '"', ':', '"'};
                for (int k = 1; k < key.length; k++) if (b[i + k] != key[k]) continue outer;
                return new String(b, i + 6, 36, StandardCharsets.US_ASCII);
            }
            return null;
        }
    }

    interface Receiver extends AutoCloseable {
        int port(int index);

        void use(Recorder r);

        @Override
        void close();
    }

    /** Jetty 12 core handler (no servlets): read the body asynchronously, record, answer 200 "ok". */
    static final class JettyReceiver implements Receiver {
        private final Server server;
        private final List<ServerConnector> connectors = new ArrayList<>();
        private final AtomicReference<Recorder> recorder = new AtomicReference<>();

        JettyReceiver(int ports) throws Exception {
            QueuedThreadPool pool = new QueuedThreadPool(64, 8);
            pool.setName("bench-receiver");
            server = new Server(pool);
            for (int i = 0; i < ports; i++) {
                ServerConnector c = new ServerConnector(server, 1, 1);
                c.setHost("127.0.0.1");
                c.setPort(0);
                c.setAcceptQueueSize(1024);
                server.addConnector(c);
                connectors.add(c);
            }
            server.setHandler(new Handler.Abstract.NonBlocking() {
                @Override
                public boolean handle(Request request, org.eclipse.jetty.server.Response response, Callback callback) {
                    String delivery = request.getHeaders().get("X-Webhook-Delivery");
                    Content.Source.asByteArrayAsync(request, 1 << 20, Promise.Invocable.from(Invocable.InvocationType.NON_BLOCKING, (body, err) -> {
                        if (err != null) {
                            org.eclipse.jetty.server.Response.writeError(request, response, callback, err);
                            return;
                        }
                        long now = System.nanoTime();
                        Recorder r = recorder.get();
                        if (r != null) r.record(body, delivery, now);
                        response.setStatus(200);
                        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain");
                        response.write(true, ByteBuffer.wrap(OK), callback);
                    }));
                    return true;
                }
            });
            server.start();
        }

        @Override
        public int port(int index) {
            return connectors.get(index % connectors.size()).getLocalPort();
        }

        @Override
        public void use(Recorder r) {
            recorder.set(r);
        }

        @Override
        public void close() {
            try {
                server.stop();
            } catch (Exception ignored) {
                // shutting down
            }
        }
    }

    /** The JDK's com.sun.net.httpserver on a virtual-thread executor, like the tests' Receiver. */
    static final class JdkReceiver implements Receiver {
        private final List<HttpServer> servers = new ArrayList<>();
        private final AtomicReference<Recorder> recorder = new AtomicReference<>();
        private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();

        JdkReceiver(int ports) throws IOException {
            for (int i = 0; i < ports; i++) {
                HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 1024);
                s.setExecutor(executor);
                s.createContext("/", ex -> {
                    byte[] body;
                    try (InputStream in = ex.getRequestBody()) {
                        body = in.readAllBytes();
                    }
                    long now = System.nanoTime();
                    Recorder r = recorder.get();
                    if (r != null) r.record(body, ex.getRequestHeaders().getFirst("X-Webhook-Delivery"), now);
                    ex.getResponseHeaders().add("Content-Type", "text/plain");
                    ex.sendResponseHeaders(200, OK.length);
                    try (OutputStream out = ex.getResponseBody()) {
                        out.write(OK);
                    }
                });
                s.start();
                servers.add(s);
            }
        }

        @Override
        public int port(int index) {
            return servers.get(index % servers.size()).getAddress().getPort();
        }

        @Override
        public void use(Recorder r) {
            recorder.set(r);
        }

        @Override
        public void close() {
            for (HttpServer s : servers) s.stop(0);
            executor.shutdown();
        }
    }

    // ---------------------------------------------------------------- results

    record Latency(double p50, double p90, double p99, double max) {
        static Latency of(double[] ms) {
            if (ms.length == 0) return new Latency(Double.NaN, Double.NaN, Double.NaN, Double.NaN);
            double[] s = ms.clone();
            Arrays.sort(s);
            return new Latency(pct(s, 50), pct(s, 90), pct(s, 99), s[s.length - 1]);
        }

        static double pct(double[] sorted, double p) {
            int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
            return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "p50 %.1f  p90 %.1f  p99 %.1f  max %.1f ms", p50, p90, p99, max);
        }
    }

    record HeraldResult(int events, int deliveries, double publishSeconds, double totalSeconds, double eventsPerSec,
                        double deliveriesPerSec, Latency fromAccepted, Latency fromCreated, int duplicates,
                        Latency toAttemptStart, Latency attemptDuration) {}

    record RawResult(int requests, double seconds, double perSec, int concurrency) {}

    record RunResult(HeraldResult herald, RawResult raw) {
        double ratio() {
            return herald == null || raw == null ? Double.NaN : herald.deliveriesPerSec() / raw.perSec();
        }
    }

    // ---------------------------------------------------------------- main

    public static void main(String[] args) {
        int code = 0;
        try {
            code = run(Options.parse(args));
        } catch (HarnessFailure e) {
            System.err.println("bench: FAILED: " + e.getMessage());
            code = 1;
        } catch (Throwable t) {
            System.err.println("bench: FAILED with an unexpected error:");
            t.printStackTrace();
            code = 1;
        }
        System.exit(code);
    }

    static int run(Options o) throws Exception {
        if (!o.queueSizes().isEmpty()) {
            OUT.printf(Locale.ROOT, "herald bench --queue %s (load average %s)%n", o.queueSizes(), loadAverage());
            dev.herald.delivery.QueueScaleBench.run(o.queueSizes(), o.queueSeconds(),
                    Path.of(System.getProperty("herald.root", ".")).toAbsolutePath().resolve("herald"));
            return 0;
        }
        if (o.cold()) {
            try (Receiver receiver = o.receiver().equals("jdk") ? new JdkReceiver(o.ports()) : new JettyReceiver(o.ports())) {
                return ColdStart.run(o, receiver);
            }
        }
        HeraldConfig defaults = config(Path.of(System.getProperty("java.io.tmpdir")), o);
        int rawConcurrency = o.rawConcurrency() > 0 ? o.rawConcurrency()
                : Math.min(defaults.deliveryConcurrency(), o.webhooks() * defaults.perWebhookConcurrency());
        OUT.printf(Locale.ROOT, "herald bench: Herald %s, Java %s (%s), %d CPUs%n", Version.get(), System.getProperty("java.version"),
                System.getProperty("java.vm.name"), Runtime.getRuntime().availableProcessors());
        OUT.printf(Locale.ROOT, "  events %d x webhooks %d = %d deliveries per run; publisher concurrency %d%s; payload %d B; runs %d; warm-up %d events%n",
                o.events(), o.webhooks(), o.events() * o.webhooks(), o.concurrency(),
                o.rate() > 0 ? String.format(Locale.ROOT, ", paced at %.0f events/s", o.rate()) : ", unpaced", o.payload(), o.runs(), o.warmup());
        OUT.printf(Locale.ROOT, "  Herald: SQLite synchronous=%s, delivery concurrency %d global / %d per webhook, batch %d, poll %s%s%n",
                defaults.sqliteSynchronous(), defaults.deliveryConcurrency(), defaults.perWebhookConcurrency(), defaults.deliveryBatchSize(),
                defaults.pollInterval(), o.settings().isEmpty() ? "" : "; overrides " + o.settings());
        OUT.printf(Locale.ROOT, "  raw: %d requests in flight, Jetty client with %d connections per destination (as Herald's outbound client)%n",
                rawConcurrency, Math.max(defaults.perWebhookConcurrency(), 8));
        OUT.printf(Locale.ROOT, "  receiver: %s on 127.0.0.1, %d port(s)%n", o.receiver(), o.ports());
        OUT.flush();

        try (Receiver receiver = o.receiver().equals("jdk") ? new JdkReceiver(o.ports()) : new JettyReceiver(o.ports())) {
            if (o.warmup() > 0) {
                OUT.printf(Locale.ROOT, "%nwarm-up (%d events, not reported)...%n", o.warmup());
                OUT.flush();
                runOnce(o, o.warmup(), 0, receiver, rawConcurrency);
            }
            List<RunResult> results = new ArrayList<>();
            for (int run = 1; run <= o.runs(); run++) {
                String load = loadAverage();
                RunResult r = runOnce(o, o.events(), o.rate(), receiver, rawConcurrency);
                results.add(r);
                OUT.printf(Locale.ROOT, "%nrun %d/%d (load average before it: %s)%n", run, o.runs(), load);
                printRun(r);
                OUT.flush();
            }
            printSummary(o, results);
        }
        return 0;
    }

    static RunResult runOnce(Options o, int events, double rate, Receiver receiver, int rawConcurrency) throws Exception {
        HeraldResult h = o.only().equals("raw") ? null : heraldPhase(o, events, rate, receiver);
        RawResult r = o.only().equals("herald") ? null : rawPhase(o, events, receiver, rawConcurrency);
        return new RunResult(h, r);
    }

    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "n/a";
        }
    }

    static HeraldConfig config(Path dir, Options o) {
        Map<String, String> s = new HashMap<>();
        s.put("HERALD_DATA_DIR", dir.toString());
        s.put("HERALD_HTTP_HOST", "127.0.0.1");
        s.put("HERALD_HTTP_PORT", "0");
        s.put("HERALD_LOG_LEVEL", "WARN");
        s.put("SECURITY_OUTBOUND_ALLOW_HTTP", "true");
        s.put("SECURITY_OUTBOUND_ALLOW_PRIVATE_NETWORKS", "true");
        s.putAll(o.settings());
        // Flags only: HERALD_* variables in the shell do not leak into the measurement.
        return ConfigLoader.load(s, Map.of());
    }

    // ---------------------------------------------------------------- herald phase

    static HeraldResult heraldPhase(Options o, int events, double rate, Receiver receiver) throws Exception {
        Path dir = Files.createTempDirectory("herald-bench");
        HttpClient client = new HttpClient();
        client.setMaxConnectionsPerDestination(o.concurrency());
        client.setMaxRequestsQueuedPerDestination(Math.max(1024, o.concurrency() * 4));
        QueuedThreadPool pool = new QueuedThreadPool(32, 4);
        pool.setName("bench-publisher");
        client.setExecutor(pool);
        client.start();
        Herald herald = null;
        try {
            herald = Herald.start(config(dir, o), Herald.Mode.ALL);
            String base = "http://127.0.0.1:" + herald.port();
            String key = new Projects(herald.database(), Clock.systemUTC()).create("bench").adminKey().key();
            for (int w = 0; w < o.webhooks(); w++) {
                ObjectNode body = Json.object();
                body.put("url", "http://127.0.0.1:" + receiver.port(w) + "/hook/" + w);
                body.putArray("events").add(o.noMatch() ? "nomatch.*" : "*");
                body.put("description", "bench receiver " + w);
                ContentResponse res = client.newRequest(base + "/api/v1/webhooks").method(HttpMethod.POST)
                        .headers(hs -> hs.put(HttpHeader.AUTHORIZATION, "Bearer " + key))
                        .body(new StringRequestContent("application/json", Json.write(body))).timeout(30, TimeUnit.SECONDS).send();
                if (res.getStatus() != 201) fail("creating webhook " + w + " answered " + res.getStatus() + ": " + res.getContentAsString());
            }

            int fanout = o.noMatch() ? 0 : o.webhooks();
            int expected = events * fanout;
            Recorder rec = new Recorder(expected);
            receiver.use(rec);
            String[] eventIds = new String[events];
            long[] accepted = new long[events];
            AtomicReference<String> failure = new AtomicReference<>();
            AtomicInteger acceptedCount = new AtomicInteger();
            Semaphore inFlight = new Semaphore(o.concurrency());
            String pad = "x".repeat(o.payload());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(o.timeoutSeconds());
            Thread progress = o.progress() ? progress("herald", acceptedCount, events, rec, internals(herald)) : null;
            long wallZeroMs = System.currentTimeMillis();
            long nanoZero = System.nanoTime();
            long start = System.nanoTime();
            int per = Math.max(1, o.batch());
            for (int i = 0; i < events && failure.get() == null; i += per) {
                if (rate > 0) pace(start + (long) (i * 1e9 / rate), deadline);
                acquire(inFlight, 1, deadline, () -> "publishing: " + acceptedCount.get() + " of " + events + " events accepted");
                final int first = i;
                final int count = Math.min(per, events - i);
                String body;
                if (o.batch() == 0) {
                    body = eventJson(i, pad);
                } else {
                    StringBuilder b = new StringBuilder(count * (pad.length() + 64)).append("{\"events\":[");
                    for (int k = 0; k < count; k++) b.append(k == 0 ? "" : ",").append(eventJson(first + k, pad));
                    body = b.append("]}").toString();
                }
                client.newRequest(base + (o.batch() == 0 ? "/api/v1/events" : "/api/v1/events/batch")).method(HttpMethod.POST)
                        .headers(hs -> hs.put(HttpHeader.AUTHORIZATION, "Bearer " + key))
                        .body(new StringRequestContent("application/json", body))
                        .timeout(60, TimeUnit.SECONDS)
                        .send(new BufferingResponseListener(4 * 1024 * 1024) {
                            @Override
                            public void onComplete(Result result) {
                                long now = System.nanoTime();
                                try {
                                    int want = o.batch() == 0 ? 202 : 200;
                                    if (result.isFailed()) {
                                        failure.compareAndSet(null, "publish failed: " + result.getFailure());
                                    } else if (result.getResponse().getStatus() != want) {
                                        failure.compareAndSet(null, "publish answered " + result.getResponse().getStatus() + ": " + getContentAsString());
                                    } else {
                                        JsonNode n = Json.parse(getContentAsString());
                                        for (int k = 0; k < count; k++) {
                                            JsonNode item = o.batch() == 0 ? n : n.get("data").get(k);
                                            if (o.batch() > 0 && item.get("status").asInt() != 202) {
                                                failure.compareAndSet(null, "batch item answered " + item);
                                                return;
                                            }
                                            if (item.get("deliveries").asInt() != fanout) {
                                                failure.compareAndSet(null, "event fanned out to " + item.get("deliveries").asInt() + ", expected " + fanout);
                                            }
                                            eventIds[first + k] = item.get("id").asString();
                                            accepted[first + k] = now;
                                            acceptedCount.incrementAndGet();
                                        }
                                    }
                                } catch (RuntimeException e) {
                                    failure.compareAndSet(null, "bad publish answer: " + e);
                                } finally {
                                    inFlight.release();
                                }
                            }
                        });
            }
            acquire(inFlight, o.concurrency(), deadline, () -> "publishing: " + acceptedCount.get() + " of " + events + " events accepted");
            long published = System.nanoTime();
            if (failure.get() != null) fail(failure.get());
            await(rec, deadline, "herald");
            if (progress != null) progress.interrupt();
            receiver.use(null);
            long last = rec.lastArrival.get();

            // Latency: arrival at the receiver minus (a) the 202 seen by the publisher and (b) created_at,
            // the millisecond Herald stamped inside the transaction that stored the event (the uuid7 time).
            Map<String, Integer> index = new HashMap<>(events * 2);
            for (int i = 0; i < events; i++) index.put(eventIds[i], i);
            double[] fromAccepted = new double[expected];
            double[] fromCreated = new double[expected];
            for (int i = 0; i < expected; i++) {
                Integer e = index.get(rec.eventIds[i]);
                if (e == null) fail("received a delivery of unknown event " + rec.eventIds[i]);
                fromAccepted[i] = (rec.arrivals[i] - accepted[e]) / 1e6;
                double arrivalWallMs = wallZeroMs + (rec.arrivals[i] - nanoZero) / 1e6;
                fromCreated[i] = arrivalWallMs - uuid7Millis(rec.eventIds[i]);
            }
            double publishS = (published - start) / 1e9;
            double totalS = expected == 0 ? publishS : (last - start) / 1e9;
            // Herald's own records, read after the measurement: when each attempt started (claimed and handed
            // to the HTTP client) relative to the event's created_at, and how long the attempt took (this
            // includes waiting in the HTTP client for a free connection).
            List<long[]> rows = herald.database().read(hd -> hd.createQuery(
                            "SELECT a.started_at - m.created_at AS waited, a.duration_ms AS took FROM attempts a "
                                    + "JOIN deliveries d ON d.id = a.delivery_id JOIN messages m ON m.id = d.message_id")
                    .map((rs, ctx) -> new long[] {rs.getLong("waited"), rs.getLong("took")}).list());
            double[] waited = rows.stream().mapToDouble(r -> r[0]).toArray();
            double[] took = rows.stream().mapToDouble(r -> r[1]).toArray();
            return new HeraldResult(events, expected, publishS, totalS, events / publishS, expected / totalS,
                    Latency.of(fromAccepted), Latency.of(fromCreated), rec.duplicates.get(), Latency.of(waited), Latency.of(took));
        } finally {
            receiver.use(null);
            if (herald != null) herald.close();
            client.stop();
            deleteTree(dir);
        }
    }

    /** One event as the publisher sends it: about 250 bytes with the default --payload 200. */
    static String eventJson(int seq, String pad) {
        return "{\"type\":\"" + EVENT_TYPE + "\",\"data\":{\"seq\":" + seq + ",\"pad\":\"" + pad + "\"}}";
    }

    static long uuid7Millis(String uuid) {
        return java.util.UUID.fromString(uuid).getMostSignificantBits() >>> 16;
    }

    // ---------------------------------------------------------------- raw phase

    /** An outbound client set up like Herald's {@code OutboundClient} (transport, pool, limits, timeouts). */
    static HttpClient outboundLikeClient(int maxConnectionsPerDestination) throws Exception {
        ClientConnector connector = new ClientConnector();
        HttpClient http = new HttpClient(new HttpClientTransportOverHTTP(connector));
        QueuedThreadPool pool = new QueuedThreadPool(64, 4);
        pool.setName("bench-raw");
        http.setExecutor(pool);
        http.setFollowRedirects(false);
        http.setUserAgentField(new HttpField(HttpHeader.USER_AGENT, "Herald/" + Version.get()));
        http.setMaxConnectionsPerDestination(maxConnectionsPerDestination);
        http.setMaxRequestsQueuedPerDestination(100_000);
        http.setConnectTimeout(10_000);
        http.setIdleTimeout(60_000);
        http.start();
        return http;
    }

    static RawResult rawPhase(Options o, int events, Receiver receiver, int concurrency) throws Exception {
        HeraldConfig cfg = config(Path.of(System.getProperty("java.io.tmpdir")), o);
        HttpClient http = outboundLikeClient(Math.max(cfg.perWebhookConcurrency(), 8));
        try {
            int expected = events * o.webhooks();
            // Bodies exactly as Herald builds them: {"id","type","created_at","data"}, same data.
            String pad = "x".repeat(o.payload());
            byte[][] bodies = new byte[events][];
            long t = System.currentTimeMillis();
            for (int i = 0; i < events; i++) {
                ObjectNode data = (ObjectNode) Json.parse("{\"seq\":" + i + ",\"pad\":\"" + pad + "\"}");
                ObjectNode b = Json.object();
                b.put("id", Ids.uuid7(t));
                b.put("type", EVENT_TYPE);
                b.put("created_at", DateTimeFormatter.ISO_INSTANT.format(Instant.ofEpochMilli(t)));
                b.set("data", data);
                bodies[i] = Json.bytes(b);
            }
            String[] urls = new String[o.webhooks()];
            for (int w = 0; w < o.webhooks(); w++) urls[w] = "http://127.0.0.1:" + receiver.port(w) + "/hook/" + w;
            // A signature-sized header value: "sha256=" + 64 hex digits, as the default scheme sends.
            String signature = "sha256=" + "0123456789abcdef".repeat(4);

            Recorder rec = new Recorder(expected);
            receiver.use(rec);
            AtomicReference<String> failure = new AtomicReference<>();
            AtomicInteger answered = new AtomicInteger();
            Semaphore inFlight = new Semaphore(concurrency);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(o.timeoutSeconds());
            Thread progress = o.progress() ? progress("raw", answered, expected, rec, () -> "") : null;
            long start = System.nanoTime();
            outer:
            for (int e = 0; e < events; e++) {
                for (int w = 0; w < o.webhooks(); w++) {
                    if (failure.get() != null) break outer;
                    acquire(inFlight, 1, deadline, () -> "raw: " + answered.get() + " of " + expected + " answered");
                    String deliveryId = Ids.uuid7(System.currentTimeMillis());
                    http.newRequest(urls[w]).method(HttpMethod.POST)
                            .timeout(10_000, TimeUnit.MILLISECONDS)
                            .idleTimeout(10_000, TimeUnit.MILLISECONDS)
                            .body(new BytesRequestContent("application/json", bodies[e]))
                            .headers(h -> {
                                h.put("Content-Type", "application/json");
                                h.put("X-Webhook-Event", EVENT_TYPE);
                                h.put("X-Webhook-Delivery", deliveryId);
                                h.put("X-Webhook-Signature", signature);
                            })
                            .send(new CapturingListener(r -> {
                                if (r.isFailed()) failure.compareAndSet(null, "raw POST failed: " + r.getFailure());
                                else if (r.getResponse().getStatus() != 200) failure.compareAndSet(null, "raw POST answered " + r.getResponse().getStatus());
                                answered.incrementAndGet();
                                inFlight.release();
                            }));
                }
            }
            acquire(inFlight, concurrency, deadline, () -> "raw: " + answered.get() + " of " + expected + " answered");
            if (failure.get() != null) fail(failure.get());
            await(rec, deadline, "raw");
            if (progress != null) progress.interrupt();
            double seconds = (rec.lastArrival.get() - start) / 1e9;
            return new RawResult(expected, seconds, expected / seconds, concurrency);
        } finally {
            receiver.use(null);
            http.stop();
        }
    }

    /** Like Herald's capped listener: keeps the first 4 KiB of the response body. */
    static final class CapturingListener implements Response.Listener {
        private final java.util.function.Consumer<Result> done;
        private final ByteArrayOutputStream captured = new ByteArrayOutputStream(256);

        CapturingListener(java.util.function.Consumer<Result> done) {
            this.done = done;
        }

        @Override
        public void onContent(Response response, ByteBuffer content) {
            int room = 4096 - captured.size();
            if (room > 0) {
                byte[] chunk = new byte[Math.min(room, content.remaining())];
                content.get(chunk);
                captured.writeBytes(chunk);
            }
        }

        @Override
        public void onComplete(Result r) {
            done.accept(r);
        }
    }

    // ---------------------------------------------------------------- helpers

    interface Status {
        String get();
    }

    static void acquire(Semaphore s, int permits, long deadline, Status status) throws InterruptedException {
        long left = deadline - System.nanoTime();
        if (left <= 0 || !s.tryAcquire(permits, left, TimeUnit.NANOSECONDS)) fail("timed out (--timeout) " + status.get());
    }

    /** Sleeps until {@code at} (System.nanoTime), for paced publishing. */
    static void pace(long at, long deadline) throws InterruptedException {
        if (at > deadline) fail("timed out (--timeout): the paced publishing would end after the deadline");
        long wait = at - System.nanoTime();
        if (wait > 0) TimeUnit.NANOSECONDS.sleep(wait);
    }

    static void await(Recorder rec, long deadline, String phase) throws InterruptedException {
        long left = deadline - System.nanoTime();
        if (left <= 0 || !rec.done.await(left, TimeUnit.NANOSECONDS)) {
            fail("timed out (--timeout) in the " + phase + " phase: the receiver has " + rec.received() + " of " + rec.expected
                    + " deliveries (" + rec.duplicates.get() + " duplicates, " + rec.unexpected.get() + " unexpected requests)");
        }
    }

    /**
     * For --progress only: the writer's queue length and the dispatcher's attempts in flight, read by
     * reflection (diagnostics; nothing in Herald is changed). Empty when the fields are not found.
     */
    static Status internals(Herald herald) {
        try {
            java.lang.reflect.Field q = herald.database().writer().getClass().getDeclaredField("queue");
            q.setAccessible(true);
            java.util.Collection<?> queue = (java.util.Collection<?>) q.get(herald.database().writer());
            java.lang.reflect.Field d = Herald.class.getDeclaredField("dispatcher");
            d.setAccessible(true);
            dev.herald.delivery.Dispatcher dispatcher = (dev.herald.delivery.Dispatcher) d.get(herald);
            return () -> ", writer queue " + queue.size() + ", in flight " + dispatcher.inFlight();
        } catch (ReflectiveOperationException | RuntimeException e) {
            return () -> "";
        }
    }

    static Thread progress(String phase, AtomicInteger sent, int sentOf, Recorder rec, Status internals) {
        return Thread.ofPlatform().daemon(true).name("bench-progress").start(() -> {
            long t0 = System.nanoTime();
            int before = 0;
            try {
                while (!Thread.currentThread().isInterrupted()) {
                    Thread.sleep(1000);
                    int got = rec.received();
                    System.err.printf(Locale.ROOT, "  [%s %5.1fs] sent %d/%d, received %d/%d (+%d/s), duplicates %d%s%n", phase,
                            (System.nanoTime() - t0) / 1e9, sent.get(), sentOf, got, rec.expected, got - before, rec.duplicates.get(), internals.get());
                    before = got;
                }
            } catch (InterruptedException ignored) {
                // done
            }
        });
    }

    static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // best effort
        }
    }

    // ---------------------------------------------------------------- printing

    static void printRun(RunResult r) {
        HeraldResult h = r.herald();
        if (h != null) {
            OUT.printf(Locale.ROOT, "  herald : %,d events accepted in %.2f s = %,.0f events/s; %,d deliveries in %.2f s = %,.0f deliveries/s end to end%s%n",
                    h.events(), h.publishSeconds(), h.eventsPerSec(), h.deliveries(), h.totalSeconds(), h.deliveriesPerSec(),
                    h.duplicates() > 0 ? " (" + h.duplicates() + " duplicate deliveries)" : "");
            OUT.printf(Locale.ROOT, "           enqueue -> first attempt, from the 202: %s%n", h.fromAccepted());
            OUT.printf(Locale.ROOT, "           enqueue -> first attempt, from created_at: %s%n", h.fromCreated());
            OUT.printf(Locale.ROOT, "           Herald's records: created_at -> attempt started: %s%n", h.toAttemptStart());
            OUT.printf(Locale.ROOT, "                             attempt duration (incl. HTTP client queue): %s%n", h.attemptDuration());
        }
        RawResult raw = r.raw();
        if (raw != null) {
            OUT.printf(Locale.ROOT, "  raw    : %,d POSTs in %.2f s = %,.0f requests/s (%d in flight)%n", raw.requests(), raw.seconds(), raw.perSec(), raw.concurrency());
        }
        if (h != null && raw != null) OUT.printf(Locale.ROOT, "  ratio herald/raw: %.2f%n", r.ratio());
    }

    static double median(List<RunResult> rs, ToDoubleFunction<RunResult> f) {
        double[] v = rs.stream().mapToDouble(f).filter(d -> !Double.isNaN(d)).sorted().toArray();
        if (v.length == 0) return Double.NaN;
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    static void printSummary(Options o, List<RunResult> rs) {
        OUT.printf(Locale.ROOT, "%n== median of %d run(s) ==%n", rs.size());
        boolean herald = rs.get(0).herald() != null;
        boolean raw = rs.get(0).raw() != null;
        if (herald) {
            OUT.printf(Locale.ROOT, "  events/s accepted        %,10.0f%n", median(rs, r -> r.herald().eventsPerSec()));
            OUT.printf(Locale.ROOT, "  deliveries/s end to end  %,10.0f%n", median(rs, r -> r.herald().deliveriesPerSec()));
            OUT.printf(Locale.ROOT, "  first attempt after 202  p50 %.1f  p90 %.1f  p99 %.1f  max %.1f ms%n",
                    median(rs, r -> r.herald().fromAccepted().p50()), median(rs, r -> r.herald().fromAccepted().p90()),
                    median(rs, r -> r.herald().fromAccepted().p99()), median(rs, r -> r.herald().fromAccepted().max()));
            OUT.printf(Locale.ROOT, "  first attempt after created_at  p50 %.1f  p90 %.1f  p99 %.1f  max %.1f ms%n",
                    median(rs, r -> r.herald().fromCreated().p50()), median(rs, r -> r.herald().fromCreated().p90()),
                    median(rs, r -> r.herald().fromCreated().p99()), median(rs, r -> r.herald().fromCreated().max()));
        }
        if (raw) OUT.printf(Locale.ROOT, "  raw requests/s           %,10.0f%n", median(rs, r -> r.raw().perSec()));
        if (herald && raw) {
            OUT.printf(Locale.ROOT, "  ratio herald/raw         %10.2f   (median of per-run ratios)%n", median(rs, RunResult::ratio));
            // One machine-readable line per run, for docs/BENCHMARKS.md.
            OUT.println();
            OUT.println("| run | events/s | deliveries/s | p50 ms | p90 ms | p99 ms | max ms | raw req/s | ratio |");
            OUT.println("|---|---|---|---|---|---|---|---|---|");
            int i = 1;
            for (RunResult r : rs) {
                HeraldResult h = r.herald();
                OUT.printf(Locale.ROOT, "| %d | %,.0f | %,.0f | %.1f | %.1f | %.1f | %.1f | %,.0f | %.2f |%n", i++, h.eventsPerSec(), h.deliveriesPerSec(),
                        h.fromAccepted().p50(), h.fromAccepted().p90(), h.fromAccepted().p99(), h.fromAccepted().max(), r.raw().perSec(), r.ratio());
            }
            OUT.printf(Locale.ROOT, "| **median** | %,.0f | %,.0f | %.1f | %.1f | %.1f | %.1f | %,.0f | %.2f |%n",
                    median(rs, r -> r.herald().eventsPerSec()), median(rs, r -> r.herald().deliveriesPerSec()),
                    median(rs, r -> r.herald().fromAccepted().p50()), median(rs, r -> r.herald().fromAccepted().p90()),
                    median(rs, r -> r.herald().fromAccepted().p99()), median(rs, r -> r.herald().fromAccepted().max()),
                    median(rs, r -> r.raw().perSec()), median(rs, RunResult::ratio));
        }
        OUT.flush();
    }
}
