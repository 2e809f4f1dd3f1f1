package dev.herald.bench;

import dev.herald.config.ConfigLoader;
import dev.herald.config.HeraldConfig;
import dev.herald.util.Json;
import dev.herald.util.Version;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.StringRequestContent;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Promise;
import org.eclipse.jetty.util.thread.Invocable;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import tools.jackson.databind.JsonNode;

/**
 * Scale-out benchmark: deliveries/s with Herald running as separate OS processes, on the embedded
 * SQLite default and on PostgreSQL with one or several worker processes, against a receiver that takes
 * {@code --receiver-delay-ms} (default 50 ms) per request.
 *
 * <p>Configurations (each on a fresh SQLite data dir or a fresh PostgreSQL schema, dropped afterwards):
 * <ul>
 *   <li>{@code sqlite-1}: one {@code herald serve} on SQLite;</li>
 *   <li>{@code pg-1}: one {@code herald serve} on PostgreSQL;</li>
 *   <li>{@code pg-api+Nw}: one {@code herald serve --api-only} and N {@code herald worker notifications}
 *   (the defaults run N = 1 and N = 3).</li>
 * </ul>
 * Each run creates a project ({@code herald admin create-project}), {@code --webhooks} webhooks (each on a
 * receiver port of its own, so each is a separate HTTP destination for Herald's outbound client and
 * neither the per-webhook limit nor the per-destination connection pool is the bound), publishes an
 * unmeasured warm-up, then publishes {@code --events} events from {@code --publishers} threads and
 * measures distinct deliveries received over the time from the first publish to the last delivery.
 * Every delivery must arrive (and be recorded as succeeded in the database), or the benchmark fails.
 * Runs are interleaved: run 1 of every configuration, then run 2, and so on.
 */
public final class ScaleBench {
    private static final PrintStream OUT = System.out;
    private static final String EVENT_TYPE = "bench.tick";
    private static final byte[] OK = "ok".getBytes(StandardCharsets.US_ASCII);
    private static final Pattern API_WORKERS = Pattern.compile("pg-api\\+(\\d+)w");
    private static final List<String> DEFAULT_CONFIGS = List.of("sqlite-1", "pg-1", "pg-api+1w", "pg-api+3w");

    /** Every process started and every schema made, for the shutdown hook (cleanup even on failure or Ctrl-C). */
    private static final Set<Node> LIVE = ConcurrentHashMap.newKeySet();
    private static final Map<String, Database> SCHEMAS = new ConcurrentHashMap<>();

    // ---------------------------------------------------------------- options

    record Options(int events, int runs, List<String> configs, int receiverDelayMs, String databaseUrl, int webhooks,
                   int publishers, int warmup, int drain, int timeoutSeconds, Map<String, String> settings, String heap, boolean keep) {

        static Options parse(String[] args) {
            int events = 5_000, runs = 3, delay = 50, webhooks = 16, publishers = 32, warmup = 1_000, drain = 0, timeout = 300;
            List<String> configs = DEFAULT_CONFIGS;
            String db = "postgresql://postgres@127.0.0.1:5432/test";
            String heap = "1g";
            boolean keep = false;
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
                if (a.equals("--keep-logs")) {
                    keep = true;
                    continue;
                }
                if (v == null) {
                    if (i + 1 >= args.length) fail("missing value for " + a);
                    v = args[++i];
                }
                switch (a) {
                    case "--events" -> events = positive(a, v);
                    case "--runs" -> runs = positive(a, v);
                    case "--receiver-delay-ms" -> delay = nonNegative(a, v);
                    case "--database-url" -> db = v;
                    case "--webhooks" -> webhooks = positive(a, v);
                    case "--publishers" -> publishers = positive(a, v);
                    case "--warmup" -> warmup = nonNegative(a, v);
                    case "--drain" -> drain = nonNegative(a, v);
                    case "--timeout" -> timeout = positive(a, v);
                    case "--heap" -> heap = v;
                    case "--configs" -> {
                        configs = Arrays.stream(v.split(",")).map(String::trim).filter(s -> !s.isEmpty()).distinct().toList();
                        if (configs.isEmpty()) fail("--configs names no configuration");
                        for (String c : configs) Layout.of(c);
                    }
                    case "--set" -> {
                        int e = v.indexOf('=');
                        if (e <= 0) fail("--set needs KEY=VALUE");
                        settings.put(v.substring(0, e), v.substring(e + 1));
                    }
                    default -> fail("unknown option " + a + " (see --help)");
                }
            }
            return new Options(events, runs, configs, delay, db, webhooks, publishers, warmup, drain, timeout, settings, heap, keep);
        }

        static void usage() {
            OUT.println("""
                    Usage: ./herald bench-scale [options]

                      --events N              events published per measured run; each fans out to every webhook (default 5000)
                      --webhooks N            webhooks, each on a receiver port of its own (default 16)
                      --runs N                runs per configuration, interleaved; medians are reported (default 3)
                      --configs LIST          comma-separated subset of sqlite-1,pg-1,pg-api+1w,pg-api+3w
                                              (pg-api+Nw works for any N; default: all four)
                      --receiver-delay-ms N   the receiver answers 200 this long after each request (default 50)
                      --database-url URL      PostgreSQL server; each run gets a fresh schema in it
                                              (default postgresql://postgres@127.0.0.1:5432/test)
                      --publishers N          client threads POSTing /api/v1/events, one request each at a time (default 32)
                      --warmup N              events published and delivered before each measured run, unmeasured (default 1000)
                      --drain N               also measure the delivery side alone: N events are published before any
                                              worker runs (for sqlite-1 / pg-1 through a `serve --api-only` stopped
                                              afterwards), then the workers (or `serve`) start and deliveries/s is timed
                                              from the first delivery to the last (default 0: off)
                      --timeout S             seconds a run may take to deliver everything before the benchmark fails (default 300)
                      --heap SIZE             -Xmx of every Herald process (default 1g)
                      --set KEY=VALUE         a Herald setting for every process (repeatable); HERALD_* variables in
                                              the shell are not passed on
                      --keep-logs             keep the processes' logs and data dirs (they are kept anyway on failure)

                    Herald runs as separate OS processes (java -cp <test classpath> dev.herald.Main), with
                    SECURITY_OUTBOUND_ALLOW_HTTP and SECURITY_OUTBOUND_ALLOW_PRIVATE_NETWORKS on, HERALD_LOG_LEVEL=WARN,
                    one HERALD_MASTER_KEY per configuration and everything else at its default (SQLite synchronous=FULL,
                    delivery concurrency 256 per process, 32 per webhook, pool size 8). All traffic is to 127.0.0.1.""");
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

    /** A configuration: the engine and which processes run. {@code workers == 0} means one {@code serve} doing both. */
    record Layout(String name, boolean postgres, int workers) {
        static Layout of(String name) {
            if (name.equals("sqlite-1")) return new Layout(name, false, 0);
            if (name.equals("pg-1")) return new Layout(name, true, 0);
            Matcher m = API_WORKERS.matcher(name);
            if (m.matches() && Integer.parseInt(m.group(1)) >= 1) return new Layout(name, true, Integer.parseInt(m.group(1)));
            fail("unknown configuration " + name + " (sqlite-1, pg-1, pg-api+1w, pg-api+3w, or pg-api+Nw)");
            return null;
        }

        String processes() {
            if (workers == 0) return postgres ? "1 × serve (PostgreSQL)" : "1 × serve (SQLite)";
            return "serve --api-only + " + workers + " × worker notifications";
        }
    }

    static void fail(String message) {
        throw new BenchFailure(message);
    }

    static final class BenchFailure extends RuntimeException {
        BenchFailure(String message) {
            super(message);
        }
    }

    // ---------------------------------------------------------------- receiver

    /** What the receiver saw during one phase. */
    static final class Tally {
        final Set<String> ids = ConcurrentHashMap.newKeySet(1 << 16);
        final AtomicInteger distinct = new AtomicInteger();
        final AtomicLong requests = new AtomicLong();
        final AtomicInteger withoutId = new AtomicInteger();
        final AtomicLong lastNew = new AtomicLong();
        final AtomicLong firstNew = new AtomicLong(Long.MAX_VALUE);

        void record(String deliveryId, long now) {
            requests.incrementAndGet();
            if (deliveryId == null) {
                withoutId.incrementAndGet();
                return;
            }
            if (ids.add(deliveryId)) {
                distinct.incrementAndGet();
                lastNew.accumulateAndGet(now, Math::max);
                firstNew.accumulateAndGet(now, Math::min);
            }
        }

        long duplicates() {
            return requests.get() - withoutId.get() - distinct.get();
        }
    }

    /**
     * Jetty 12 core handler on one port per webhook: reads the body, counts the request and its
     * {@code X-Webhook-Delivery} id, and answers 200 after the delay (a timer, no thread held meanwhile).
     */
    static final class SlowReceiver implements AutoCloseable {
        private final Server server;
        private final List<ServerConnector> connectors = new ArrayList<>();
        private final ScheduledExecutorService timer = Executors.newScheduledThreadPool(2, r -> {
            Thread t = new Thread(r, "receiver-timer");
            t.setDaemon(true);
            return t;
        });
        private final AtomicReference<Tally> tally = new AtomicReference<>();

        SlowReceiver(int ports, int delayMs) throws Exception {
            QueuedThreadPool pool = new QueuedThreadPool(Math.max(64, ports * 2 + 32), 8);
            pool.setName("receiver");
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
                public boolean handle(Request request, Response response, Callback callback) {
                    String delivery = request.getHeaders().get("X-Webhook-Delivery");
                    Content.Source.asByteArrayAsync(request, 1 << 20, Promise.Invocable.from(Invocable.InvocationType.NON_BLOCKING, (body, err) -> {
                        if (err != null) {
                            Response.writeError(request, response, callback, err);
                            return;
                        }
                        Tally t = tally.get();
                        if (t != null) t.record(delivery, System.nanoTime());
                        Runnable answer = () -> {
                            response.setStatus(200);
                            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain");
                            response.write(true, ByteBuffer.wrap(OK), callback);
                        };
                        if (delayMs == 0) answer.run();
                        else timer.schedule(answer, delayMs, TimeUnit.MILLISECONDS);
                    }));
                    return true;
                }
            });
            server.start();
        }

        int port(int index) {
            return connectors.get(index % connectors.size()).getLocalPort();
        }

        void use(Tally t) {
            tally.set(t);
        }

        @Override
        public void close() {
            try {
                server.stop();
            } catch (Exception ignored) {
                // shutting down
            }
            timer.shutdownNow();
        }
    }

    // ---------------------------------------------------------------- Herald processes

    /** One Herald OS process. */
    static final class Node implements AutoCloseable {
        final String name;
        final Process process;
        final int port;
        final Path log;

        private Node(String name, Process process, int port, Path log) {
            this.name = name;
            this.process = process;
            this.port = port;
            this.log = log;
        }

        long pid() {
            return process.pid();
        }

        /** SIGTERM (Herald's own shutdown hook finishes attempts in flight), SIGKILL after 15 s. */
        @Override
        public void close() {
            try {
                if (process.isAlive()) {
                    process.destroy();
                    if (!process.waitFor(15, TimeUnit.SECONDS)) {
                        process.destroyForcibly();
                        process.waitFor(10, TimeUnit.SECONDS);
                    }
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            } finally {
                LIVE.remove(this);
            }
        }
    }

    /** The class path the Herald processes run with: set by {@link #snapshotClassPath} before the first one starts. */
    private static volatile String childClassPath = System.getProperty("java.class.path");

    /**
     * Copies the directories on this JVM's class path (target/classes, target/test-classes) under {@code into}
     * and points the Herald processes at the copies, so a rebuild in the checkout while the benchmark runs
     * (minutes) cannot pull classes from under a process that is starting. Jars are used in place.
     */
    static void snapshotClassPath(Path into) throws IOException {
        List<String> entries = new ArrayList<>();
        int i = 0;
        for (String e : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            Path p = Path.of(e);
            if (!Files.isDirectory(p)) {
                entries.add(e);
                continue;
            }
            Path copy = into.resolve("cp" + i++);
            try (Stream<Path> s = Files.walk(p)) {
                for (Path f : (Iterable<Path>) s::iterator) {
                    Path to = copy.resolve(p.relativize(f).toString());
                    if (Files.isDirectory(f)) Files.createDirectories(to);
                    else Files.copy(f, to);
                }
            }
            entries.add(copy.toString());
        }
        childClassPath = String.join(java.io.File.pathSeparator, entries);
    }

    static List<String> command(Options o, String... args) {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of(java, "-XX:+UseG1GC", "-Xmx" + o.heap()));
        if (Runtime.version().feature() >= 24) cmd.add("--enable-native-access=ALL-UNNAMED");
        cmd.addAll(List.of("-cp", childClassPath, "dev.herald.Main"));
        cmd.addAll(List.of(args));
        return cmd;
    }

    static ProcessBuilder builder(Options o, Map<String, String> env, Path log, String... args) {
        ProcessBuilder pb = new ProcessBuilder(command(o, args));
        // Herald's settings come only from here: nothing from the shell leaks into the measurement.
        pb.environment().keySet().removeIf(k -> k.startsWith("HERALD_") || k.startsWith("SECURITY_") || k.startsWith("NOTIFICATION_"));
        pb.environment().putAll(env);
        pb.redirectErrorStream(true);
        pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        return pb;
    }

    /** Runs {@code herald admin create-project} and returns its API key. */
    static String createProject(Options o, Map<String, String> env, Path dir) throws Exception {
        Path log = dir.resolve("admin.log");
        ProcessBuilder pb = new ProcessBuilder(command(o, "admin", "create-project", "bench"));
        pb.environment().keySet().removeIf(k -> k.startsWith("HERALD_") || k.startsWith("SECURITY_") || k.startsWith("NOTIFICATION_"));
        pb.environment().putAll(env);
        pb.redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()));
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("herald admin create-project did not finish in 120 s (log: " + log + ")");
        }
        if (p.exitValue() != 0) fail("herald admin create-project exited " + p.exitValue() + " (log: " + log + ")\n" + tail(log));
        String json = out.lines().filter(l -> l.startsWith("{")).reduce((a, b) -> b).orElse(null);
        if (json == null) fail("herald admin create-project printed no JSON: " + out);
        return Json.parse(json).get("api_key").asString();
    }

    /** Starts {@code herald <args>} and waits until it answers /healthz on {@code port}. */
    static Node start(Options o, String name, Map<String, String> env, Path dir, int port, String... args) throws Exception {
        Path log = dir.resolve(name + ".log");
        Process p = builder(o, env, log, args).start();
        Node n = new Node(name, p, port, log);
        LIVE.add(n);
        java.net.http.HttpClient c = java.net.http.HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) fail(name + " exited with " + p.exitValue() + " before becoming healthy (log: " + log + ")\n" + tail(log));
            try {
                var r = c.send(java.net.http.HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/healthz"))
                        .timeout(Duration.ofSeconds(5)).build(), java.net.http.HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200) return n;
            } catch (IOException ignored) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        fail(name + " did not become healthy within 120 s (log: " + log + ")\n" + tail(log));
        return n;
    }

    static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return "    " + String.join("\n    ", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException | RuntimeException e) {
            return "    (no log)";
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    // ---------------------------------------------------------------- PostgreSQL

    /** The PostgreSQL server: the URL as given and the JDBC form Herald derives from it. */
    record Database(String url, String jdbcUrl, String user, String password) {
        static Database of(String url) {
            if (!url.startsWith("postgresql://") && !url.startsWith("postgres://") && !url.startsWith("jdbc:postgresql:")) {
                fail("--database-url must be a PostgreSQL URL (postgresql://user@host:5432/database), got " + url);
            }
            Map<String, String> s = new HashMap<>();
            s.put("HERALD_DATABASE_URL", url);
            s.put("HERALD_DATA_DIR", System.getProperty("java.io.tmpdir"));
            HeraldConfig cfg = ConfigLoader.load(s, Map.of());
            return new Database(url, cfg.databaseUrl(), cfg.databaseUser(), cfg.databasePassword());
        }

        Connection connect() throws SQLException {
            return DriverManager.getConnection(jdbcUrl, user, password);
        }

        String heraldUrl(String schema) {
            return url + (url.contains("?") ? "&" : "?") + "currentSchema=" + schema;
        }

        String createSchema() throws SQLException {
            String name = "herald_bench_" + System.currentTimeMillis() / 1000 + "_" + Long.toString(ThreadLocalRandom.current().nextLong() >>> 1, 36);
            try (Connection c = connect(); Statement s = c.createStatement()) {
                s.execute("CREATE SCHEMA " + name);
            }
            SCHEMAS.put(name, this);
            return name;
        }

        /** ANALYZE every table of a schema, as autovacuum does once a table has grown. */
        void analyze(String name) throws SQLException {
            try (Connection c = connect(); Statement s = c.createStatement()) {
                List<String> tables = new ArrayList<>();
                try (ResultSet rs = s.executeQuery("SELECT tablename FROM pg_tables WHERE schemaname = '" + name + "'")) {
                    while (rs.next()) tables.add(rs.getString(1));
                }
                for (String t : tables) s.execute("ANALYZE " + name + "." + t);
            }
        }

        void dropSchema(String name) {
            try (Connection c = connect(); Statement s = c.createStatement()) {
                s.execute("DROP SCHEMA IF EXISTS " + name + " CASCADE");
                SCHEMAS.remove(name);
            } catch (SQLException e) {
                System.err.println("bench-scale: could not drop schema " + name + ": " + e.getMessage());
            }
        }
    }

    // ---------------------------------------------------------------- CPU accounting

    /** CPU time (clock ticks) of a process from /proc/PID/stat, utime + stime; -1 when it is gone. */
    static long cpuTicks(long pid) {
        try {
            String s = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** The postmaster of the PostgreSQL server in use, when it runs on this machine; -1 otherwise. */
    private static volatile long postmaster = -1;

    /** Finds the postmaster: the parent of this connection's backend, if that process is local and named postgres. */
    static void findPostmaster(Database db) {
        try (Connection c = db.connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT pg_backend_pid()")) {
            rs.next();
            String s = Files.readString(Path.of("/proc/" + rs.getInt(1) + "/stat"));
            if (!s.substring(s.indexOf('(') + 1, s.lastIndexOf(')')).equals("postgres")) return;
            postmaster = Long.parseLong(s.substring(s.lastIndexOf(')') + 2).split(" ")[1]);
        } catch (IOException | SQLException | RuntimeException e) {
            postmaster = -1;
        }
    }

    /**
     * Per-pid CPU ticks of the PostgreSQL server in use (its postmaster and every child: backends, WAL
     * writer, checkpointer...), so another PostgreSQL on the machine is not counted. Empty when not local.
     */
    static Map<Long, Long> postgresTicks() {
        Map<Long, Long> m = new HashMap<>();
        long server = postmaster;
        if (server < 0) return m;
        try (Stream<Path> ps = Files.list(Path.of("/proc"))) {
            ps.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit)).forEach(p -> {
                try {
                    String s = Files.readString(p.resolve("stat"));
                    long pid = Long.parseLong(p.getFileName().toString());
                    String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
                    if (pid != server && Long.parseLong(f[1]) != server) return;
                    m.put(pid, Long.parseLong(f[11]) + Long.parseLong(f[12]));
                } catch (IOException | RuntimeException ignored) {
                    // gone meanwhile
                }
            });
        } catch (IOException ignored) {
            // no /proc
        }
        return m;
    }

    /** Busy and total jiffies of the whole machine, from the "cpu" line of /proc/stat. */
    static long[] machineTicks() {
        try {
            String line = Files.readAllLines(Path.of("/proc/stat")).get(0);
            long[] v = Arrays.stream(line.trim().split("\\s+")).skip(1).mapToLong(Long::parseLong).toArray();
            long total = 0;
            for (int i = 0; i < Math.min(v.length, 8); i++) total += v[i];
            long idle = v[3] + (v.length > 4 ? v[4] : 0);
            return new long[] {total - idle, total};
        } catch (IOException | RuntimeException e) {
            return new long[] {0, 0};
        }
    }

    /** CPU use of each process over a measured window, in cores (CPU seconds per wall second). */
    static final class CpuWindow {
        static final double HZ = 100.0; // USER_HZ, 100 on Linux
        final Map<String, Long> pids = new LinkedHashMap<>();
        final Map<String, Long> before = new LinkedHashMap<>();
        Map<Long, Long> pgBefore;
        long[] machineBefore;
        long t0;

        CpuWindow(List<Node> nodes) {
            for (Node n : nodes) pids.put(n.name, n.pid());
            pids.put("bench", ProcessHandle.current().pid());
        }

        void begin() {
            t0 = System.nanoTime();
            pids.forEach((name, pid) -> before.put(name, cpuTicks(pid)));
            pgBefore = postgresTicks();
            machineBefore = machineTicks();
        }

        Map<String, Double> end() {
            double wall = (System.nanoTime() - t0) / 1e9;
            Map<String, Double> cores = new LinkedHashMap<>();
            pids.forEach((name, pid) -> {
                long now = cpuTicks(pid);
                long was = before.get(name);
                cores.put(name, now < 0 || was < 0 ? Double.NaN : (now - was) / HZ / wall);
            });
            long pg = 0;
            for (Map.Entry<Long, Long> e : postgresTicks().entrySet()) pg += e.getValue() - pgBefore.getOrDefault(e.getKey(), 0L);
            cores.put("postgres", postmaster < 0 ? Double.NaN : pg / HZ / wall);
            long[] m = machineTicks();
            long total = m[1] - machineBefore[1];
            int cpus = Runtime.getRuntime().availableProcessors();
            cores.put("machine", total <= 0 ? Double.NaN : (double) (m[0] - machineBefore[0]) / total * cpus);
            return cores;
        }
    }

    // ---------------------------------------------------------------- results

    /**
     * One run of one configuration. {@code backlog}: deliveries not yet received when the last event was
     * accepted; {@code tailSeconds}: from then to the last delivery. {@code drainPerSec}: the --drain figure (NaN when off).
     */
    record RunResult(String config, int run, int events, int deliveries, double publishSeconds, double totalSeconds, long duplicates,
                     int backlog, double tailSeconds, double drainPerSec, Map<String, Double> cpu, String loadBefore) {
        double deliveriesPerSec() {
            return deliveries / totalSeconds;
        }

        double eventsPerSec() {
            return events / publishSeconds;
        }
    }

    // ---------------------------------------------------------------- main

    public static void main(String[] args) {
        Runtime.getRuntime().addShutdownHook(new Thread(ScaleBench::cleanUpEverything, "bench-scale-cleanup"));
        int code = 0;
        try {
            code = run(Options.parse(args), args);
        } catch (BenchFailure e) {
            System.err.println("bench-scale: FAILED: " + e.getMessage());
            code = 1;
        } catch (Throwable t) {
            System.err.println("bench-scale: FAILED with an unexpected error:");
            t.printStackTrace();
            code = 1;
        }
        System.exit(code);
    }

    /** Stops every process still running and drops every schema still there (also runs on Ctrl-C). */
    static void cleanUpEverything() {
        for (Node n : List.copyOf(LIVE)) n.process.destroy();
        for (Node n : List.copyOf(LIVE)) n.close();
        for (Map.Entry<String, Database> e : Map.copyOf(SCHEMAS).entrySet()) e.getValue().dropSchema(e.getKey());
    }

    static int run(Options o, String[] args) throws Exception {
        List<Layout> layouts = o.configs().stream().map(Layout::of).toList();
        Database db = layouts.stream().anyMatch(Layout::postgres) ? Database.of(o.databaseUrl()) : null;
        if (db != null) {
            try (Connection c = db.connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SHOW server_version")) {
                rs.next();
                OUT.printf(Locale.ROOT, "PostgreSQL %s at %s%n", rs.getString(1), db.jdbcUrl());
                findPostmaster(db);
            } catch (SQLException e) {
                fail("cannot reach PostgreSQL at " + db.jdbcUrl() + ": " + e.getMessage());
            }
        }
        String commandLine = "./herald bench-scale" + (args.length == 0 ? "" : " " + String.join(" ", args));
        OUT.printf(Locale.ROOT, "herald bench-scale: Herald %s, Java %s, %d CPUs; %s%n", Version.get(), System.getProperty("java.version"),
                Runtime.getRuntime().availableProcessors(), commandLine);
        OUT.printf(Locale.ROOT, "  %d events x %d webhooks = %d deliveries per run (after a %d-event warm-up), %d publisher threads, %d run(s), "
                        + "receiver answers after %d ms%s%n",
                o.events(), o.webhooks(), o.events() * o.webhooks(), o.warmup(), o.publishers(), o.runs(), o.receiverDelayMs(),
                o.settings().isEmpty() ? "" : "; settings " + o.settings());
        OUT.printf(Locale.ROOT, "  configurations: %s%n", String.join(", ", o.configs()));
        OUT.flush();

        Path base = Files.createTempDirectory("herald-bench-scale");
        snapshotClassPath(base.resolve("classpath"));
        boolean ok = false;
        Map<String, List<RunResult>> results = new LinkedHashMap<>();
        for (Layout l : layouts) results.put(l.name(), new ArrayList<>());
        HttpClient client = new HttpClient();
        client.setMaxConnectionsPerDestination(Math.max(o.publishers(), 8));
        QueuedThreadPool clientPool = new QueuedThreadPool(Math.max(32, o.publishers() * 2), 4);
        clientPool.setName("publisher");
        client.setExecutor(clientPool);
        client.start();
        try (SlowReceiver receiver = new SlowReceiver(o.webhooks(), o.receiverDelayMs())) {
            for (int run = 1; run <= o.runs(); run++) {
                for (Layout l : layouts) {
                    Path dir = Files.createDirectories(base.resolve(l.name().replace('+', '_') + "-run" + run));
                    RunResult r = runOnce(o, l, run, db, receiver, client, dir);
                    results.get(l.name()).add(r);
                    printRun(r);
                }
            }
            ok = true;
        } finally {
            client.stop();
            if (ok && !o.keep()) deleteTree(base);
            else OUT.println("logs and data dirs: " + base);
        }
        printSummary(o, layouts, results, commandLine);
        return 0;
    }

    static RunResult runOnce(Options o, Layout l, int run, Database db, SlowReceiver receiver, HttpClient client, Path dir) throws Exception {
        String load = loadAverage();
        OUT.printf(Locale.ROOT, "%n[run %d/%d] %s: %s (load average %s)%n", run, o.runs(), l.name(), l.processes(), load);
        OUT.flush();
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        Map<String, String> env = new HashMap<>();
        env.put("HERALD_LOG_LEVEL", "WARN");
        env.put("HERALD_HTTP_HOST", "127.0.0.1");
        env.put("HERALD_MASTER_KEY", Base64.getEncoder().encodeToString(key));
        env.put("SECURITY_OUTBOUND_ALLOW_HTTP", "true");
        env.put("SECURITY_OUTBOUND_ALLOW_PRIVATE_NETWORKS", "true");
        env.putAll(o.settings());
        String schema = null;
        List<Node> nodes = new ArrayList<>();
        Path sqliteFile = null;
        try {
            if (l.postgres()) {
                schema = db.createSchema();
                env.put("HERALD_DATABASE_URL", db.heraldUrl(schema));
            } else {
                Path data = Files.createDirectories(dir.resolve("data"));
                env.put("HERALD_DATA_DIR", data.toString());
                sqliteFile = data.resolve("herald.db");
            }
            // Migrates the fresh database, then the servers start on it.
            String apiKey = createProject(o, withDataDir(env, dir, "admin"), dir);
            boolean drain = o.drain() > 0;
            Tally drained = null;
            if (drain && l.workers() == 0) {
                // The drain batch goes in through an API-only node that is stopped before `serve` starts.
                int loaderPort = freePort();
                Node loader = start(o, "loader", withDataDir(env, dir, "loader"), dir, loaderPort, "serve", "--api-only", "--port", Integer.toString(loaderPort));
                nodes.add(loader);
                createWebhooks(o, client, "http://127.0.0.1:" + loaderPort, apiKey, receiver);
                publish(o, client, "http://127.0.0.1:" + loaderPort, apiKey, o.drain(), 0, "drain");
                loader.close();
                nodes.remove(loader);
                drained = new Tally();
                receiver.use(drained);
            }
            int apiPort = freePort();
            Node api = start(o, l.workers() == 0 ? "serve" : "api", withDataDir(env, dir, "api"), dir, apiPort,
                    l.workers() == 0 ? new String[] {"serve", "--port", Integer.toString(apiPort)}
                            : new String[] {"serve", "--api-only", "--port", Integer.toString(apiPort)});
            nodes.add(api);
            String baseUrl = "http://127.0.0.1:" + api.port;
            if (!(drain && l.workers() == 0)) createWebhooks(o, client, baseUrl, apiKey, receiver);
            if (drain && l.workers() > 0) {
                // No worker runs yet: the drain batch waits in the database.
                publish(o, client, baseUrl, apiKey, o.drain(), 0, "drain");
                drained = new Tally();
                receiver.use(drained);
            }
            List<CompletableFuture<Node>> starting = new ArrayList<>();
            for (int w = 1; w <= l.workers(); w++) {
                String name = "worker" + w;
                int port = freePort();
                Map<String, String> wenv = withDataDir(env, dir, name);
                starting.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        return start(o, name, wenv, dir, port, "worker", "notifications", "--port", Integer.toString(port));
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }));
            }
            for (CompletableFuture<Node> f : starting) {
                try {
                    nodes.add(f.join());
                } catch (java.util.concurrent.CompletionException e) {
                    if (e.getCause() instanceof BenchFailure bf) throw bf;
                    throw e;
                }
            }
            double drainPerSec = Double.NaN;
            if (drained != null) {
                awaitAll(o, drained, o.drain() * o.webhooks(), nodes, l.name() + " drain");
                drainPerSec = o.drain() * o.webhooks() / ((drained.lastNew.get() - drained.firstNew.get()) / 1e9);
            }

            if (o.warmup() > 0) {
                Tally warm = new Tally();
                receiver.use(warm);
                publish(o, client, baseUrl, apiKey, o.warmup(), o.drain(), "warm-up");
                awaitAll(o, warm, o.warmup() * o.webhooks(), nodes, l.name() + " warm-up");
                // A fresh schema has no statistics yet; a running database has them (autovacuum analyzes a table
                // within a minute of its growth). Without this the measured run would use plans made for empty tables.
                if (schema != null) db.analyze(schema);
            }

            Tally tally = new Tally();
            receiver.use(tally);
            CpuWindow cpu = new CpuWindow(nodes);
            cpu.begin();
            long start = System.nanoTime();
            long published = publish(o, client, baseUrl, apiKey, o.events(), o.drain() + o.warmup(), "measured");
            int expected = o.events() * o.webhooks();
            int backlog = expected - tally.distinct.get();
            awaitAll(o, tally, expected, nodes, l.name());
            Map<String, Double> cores = cpu.end();
            long last = tally.lastNew.get();
            // A moment for stray requests (duplicates) to show up before the tally is read.
            Thread.sleep(500);
            receiver.use(null);
            if (tally.distinct.get() != expected) fail(l.name() + ": the receiver has " + tally.distinct.get() + " distinct deliveries, expected " + expected);
            if (tally.withoutId.get() > 0) fail(l.name() + ": " + tally.withoutId.get() + " requests without an X-Webhook-Delivery header");
            verifyRecorded(l, db, schema, sqliteFile, (o.events() + o.warmup() + o.drain()) * o.webhooks());
            return new RunResult(l.name(), run, o.events(), expected, (published - start) / 1e9, (last - start) / 1e9, tally.duplicates(),
                    backlog, Math.max(0, last - published) / 1e9, drainPerSec, cores, load);
        } finally {
            receiver.use(null);
            for (int i = nodes.size() - 1; i >= 0; i--) nodes.get(i).process.destroy();
            for (int i = nodes.size() - 1; i >= 0; i--) nodes.get(i).close();
            if (schema != null) db.dropSchema(schema);
        }
    }

    static void createWebhooks(Options o, HttpClient client, String baseUrl, String apiKey, SlowReceiver receiver) throws Exception {
        for (int w = 0; w < o.webhooks(); w++) {
            String body = "{\"url\":\"http://127.0.0.1:" + receiver.port(w) + "/hook/" + w + "\",\"events\":[\"" + EVENT_TYPE
                    + "\"],\"description\":\"bench-scale receiver " + w + "\"}";
            ContentResponse res = client.newRequest(baseUrl + "/api/v1/webhooks").method(HttpMethod.POST)
                    .headers(h -> h.put(HttpHeader.AUTHORIZATION, "Bearer " + apiKey))
                    .body(new StringRequestContent("application/json", body)).timeout(30, TimeUnit.SECONDS).send();
            if (res.getStatus() != 201) fail("creating webhook " + w + " answered " + res.getStatus() + ": " + res.getContentAsString());
        }
    }

    static Map<String, String> withDataDir(Map<String, String> env, Path dir, String name) throws IOException {
        if (env.containsKey("HERALD_DATA_DIR")) return env; // SQLite: every process uses the one data dir
        Map<String, String> e = new HashMap<>(env);
        e.put("HERALD_DATA_DIR", Files.createDirectories(dir.resolve(name + "-data")).toString());
        return e;
    }

    /**
     * Publishes {@code count} events from {@code --publishers} threads, one request in flight each; every
     * answer must be 202 with a fan-out to every webhook. Returns System.nanoTime() of the last 202.
     */
    static long publish(Options o, HttpClient client, String baseUrl, String apiKey, int count, int seqOffset, String phase) throws Exception {
        AtomicInteger next = new AtomicInteger();
        AtomicReference<String> failure = new AtomicReference<>();
        AtomicLong lastAccepted = new AtomicLong();
        List<Thread> threads = new ArrayList<>();
        for (int p = 0; p < o.publishers(); p++) {
            threads.add(Thread.ofPlatform().name("publisher-" + p).start(() -> {
                int i;
                while (failure.get() == null && (i = next.getAndIncrement()) < count) {
                    String body = "{\"type\":\"" + EVENT_TYPE + "\",\"data\":{\"seq\":" + (seqOffset + i) + ",\"phase\":\"" + phase + "\"}}";
                    try {
                        ContentResponse r = client.newRequest(baseUrl + "/api/v1/events").method(HttpMethod.POST)
                                .headers(h -> h.put(HttpHeader.AUTHORIZATION, "Bearer " + apiKey))
                                .body(new StringRequestContent("application/json", body)).timeout(60, TimeUnit.SECONDS).send();
                        if (r.getStatus() != 202) {
                            failure.compareAndSet(null, "publish answered " + r.getStatus() + ": " + r.getContentAsString());
                            break;
                        }
                        JsonNode n = Json.parse(r.getContentAsString());
                        if (n.get("deliveries").asInt() != o.webhooks()) {
                            failure.compareAndSet(null, "an event fanned out to " + n.get("deliveries").asInt() + " webhooks, expected " + o.webhooks());
                        }
                        lastAccepted.accumulateAndGet(System.nanoTime(), Math::max);
                    } catch (Exception e) {
                        failure.compareAndSet(null, "publish failed: " + e);
                    }
                }
            }));
        }
        for (Thread t : threads) t.join();
        if (failure.get() != null) fail(phase + ": " + failure.get());
        return lastAccepted.get();
    }

    /** Waits until the receiver has {@code expected} distinct deliveries; fails on the timeout or a dead process. */
    static void awaitAll(Options o, Tally tally, int expected, List<Node> nodes, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(o.timeoutSeconds());
        while (tally.distinct.get() < expected) {
            for (Node n : nodes) {
                if (!n.process.isAlive()) fail(what + ": " + n.name + " exited with " + n.process.exitValue() + " (log: " + n.log + ")\n" + tail(n.log));
            }
            if (System.nanoTime() > deadline) {
                fail(what + ": after " + o.timeoutSeconds() + " s (--timeout) the receiver has " + tally.distinct.get() + " of " + expected
                        + " deliveries (" + tally.requests.get() + " requests)");
            }
            Thread.sleep(5);
        }
    }

    /** Every delivery must also be recorded as succeeded (the recorder writes outcomes in batches: wait for it). */
    static void verifyRecorded(Layout l, Database db, String schema, Path sqliteFile, int expected) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        Map<String, Integer> counts = Map.of();
        while (System.nanoTime() < deadline) {
            counts = new TreeMap<>();
            try (Connection c = l.postgres() ? db.connect() : DriverManager.getConnection("jdbc:sqlite:" + sqliteFile);
                 Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT status, count(*) FROM " + (schema == null ? "" : schema + ".") + "deliveries GROUP BY status")) {
                while (rs.next()) counts.put(rs.getString(1), rs.getInt(2));
            }
            if (counts.getOrDefault("succeeded", 0) == expected && counts.size() == 1) return;
            Thread.sleep(200);
        }
        fail(l.name() + ": the database records " + counts + ", expected " + expected + " succeeded deliveries");
    }

    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "n/a";
        }
    }

    static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // best effort
        }
    }

    // ---------------------------------------------------------------- printing

    static String cpuText(Map<String, Double> cpu) {
        StringBuilder b = new StringBuilder();
        cpu.forEach((k, v) -> b.append(b.isEmpty() ? "" : ", ").append(k).append(' ').append(String.format(Locale.ROOT, "%.2f", v)));
        return b.toString();
    }

    static void printRun(RunResult r) {
        OUT.printf(Locale.ROOT, "  %,d deliveries in %.2f s = %,.0f deliveries/s end to end; %,d events published in %.2f s = %,.0f events/s%s%n",
                r.deliveries(), r.totalSeconds(), r.deliveriesPerSec(), r.events(), r.publishSeconds(), r.eventsPerSec(),
                r.duplicates() > 0 ? "; " + r.duplicates() + " duplicate requests" : "");
        OUT.printf(Locale.ROOT, "  when the last event was accepted %,d deliveries (%.0f%%) were still to come; they took %.2f s more%s%n",
                r.backlog(), 100.0 * r.backlog() / r.deliveries(), r.tailSeconds(),
                r.backlog() * 20 >= r.deliveries() && r.tailSeconds() > 0 ? String.format(Locale.ROOT, " (%,.0f deliveries/s)", r.backlog() / r.tailSeconds()) : "");
        if (!Double.isNaN(r.drainPerSec())) OUT.printf(Locale.ROOT, "  drain (delivery side alone, first to last delivery): %,.0f deliveries/s%n", r.drainPerSec());
        OUT.printf(Locale.ROOT, "  CPU in cores over the run: %s%n", cpuText(r.cpu()));
        OUT.flush();
    }

    static double median(List<Double> values) {
        double[] v = values.stream().mapToDouble(Double::doubleValue).filter(d -> !Double.isNaN(d)).sorted().toArray();
        if (v.length == 0) return Double.NaN;
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    static void printSummary(Options o, List<Layout> layouts, Map<String, List<RunResult>> results, String commandLine) {
        Map<String, Double> medians = new LinkedHashMap<>();
        results.forEach((k, rs) -> medians.put(k, median(rs.stream().map(RunResult::deliveriesPerSec).toList())));
        Double sqlite = medians.get("sqlite-1");
        Double oneWorker = medians.get("pg-api+1w");
        OUT.printf(Locale.ROOT, "%n== deliveries/s end to end, %d run(s) per configuration ==%n%n", o.runs());
        StringBuilder head = new StringBuilder("| config | processes |");
        StringBuilder rule = new StringBuilder("|---|---|");
        for (int i = 1; i <= o.runs(); i++) {
            head.append(" run ").append(i).append(" |");
            rule.append("---|");
        }
        head.append(" **median** | events/s published (median) | deliveries still to come at the last 202 (median) |");
        rule.append("---|---|---|");
        if (sqlite != null) {
            head.append(" vs sqlite-1 |");
            rule.append("---|");
        }
        if (oneWorker != null) {
            head.append(" vs pg-api+1w |");
            rule.append("---|");
        }
        OUT.println(head);
        OUT.println(rule);
        for (Layout l : layouts) {
            List<RunResult> rs = results.get(l.name());
            StringBuilder row = new StringBuilder("| " + l.name() + " | " + l.processes() + " |");
            for (RunResult r : rs) row.append(String.format(Locale.ROOT, " %,.0f |", r.deliveriesPerSec()));
            double m = medians.get(l.name());
            row.append(String.format(Locale.ROOT, " **%,.0f** | %,.0f | %.0f%% |", m, median(rs.stream().map(RunResult::eventsPerSec).toList()),
                    median(rs.stream().map(r -> 100.0 * r.backlog() / r.deliveries()).toList())));
            if (sqlite != null) row.append(String.format(Locale.ROOT, " %.2f |", m / sqlite));
            if (oneWorker != null) row.append(String.format(Locale.ROOT, " %.2f |", m / oneWorker));
            OUT.println(row);
        }
        if (o.drain() > 0) {
            Map<String, Double> drains = new LinkedHashMap<>();
            results.forEach((k, rs) -> drains.put(k, median(rs.stream().map(RunResult::drainPerSec).toList())));
            Double sqliteDrain = drains.get("sqlite-1");
            Double oneWorkerDrain = drains.get("pg-api+1w");
            OUT.printf(Locale.ROOT, "%n== drain: deliveries/s of %,d events x %d webhooks queued before the workers started "
                    + "(first delivery to last) ==%n%n", o.drain(), o.webhooks());
            StringBuilder dh = new StringBuilder("| config |");
            StringBuilder dr = new StringBuilder("|---|");
            for (int i = 1; i <= o.runs(); i++) {
                dh.append(" run ").append(i).append(" |");
                dr.append("---|");
            }
            dh.append(" **median** |").append(sqliteDrain != null ? " vs sqlite-1 |" : "").append(oneWorkerDrain != null ? " vs pg-api+1w |" : "");
            dr.append("---|").append(sqliteDrain != null ? "---|" : "").append(oneWorkerDrain != null ? "---|" : "");
            OUT.println(dh);
            OUT.println(dr);
            for (Layout l : layouts) {
                StringBuilder row = new StringBuilder("| " + l.name() + " |");
                for (RunResult r : results.get(l.name())) row.append(String.format(Locale.ROOT, " %,.0f |", r.drainPerSec()));
                double m = drains.get(l.name());
                row.append(String.format(Locale.ROOT, " **%,.0f** |", m));
                if (sqliteDrain != null) row.append(String.format(Locale.ROOT, " %.2f |", m / sqliteDrain));
                if (oneWorkerDrain != null) row.append(String.format(Locale.ROOT, " %.2f |", m / oneWorkerDrain));
                OUT.println(row);
            }
        }
        OUT.printf(Locale.ROOT, "%nCPU in cores during the measured window (median of runs; machine = all processes, %d CPUs):%n%n",
                Runtime.getRuntime().availableProcessors());
        OUT.println("| config | Herald processes | postgres | bench (receiver + publishers) | machine |");
        OUT.println("|---|---|---|---|---|");
        for (Layout l : layouts) {
            List<RunResult> rs = results.get(l.name());
            Map<String, List<Double>> byName = new LinkedHashMap<>();
            for (RunResult r : rs) r.cpu().forEach((k, v) -> byName.computeIfAbsent(k, x -> new ArrayList<>()).add(v));
            StringBuilder herald = new StringBuilder();
            double heraldSum = 0;
            for (Map.Entry<String, List<Double>> e : byName.entrySet()) {
                if (Set.of("bench", "postgres", "machine").contains(e.getKey())) continue;
                double m = median(e.getValue());
                heraldSum += m;
                herald.append(herald.isEmpty() ? "" : ", ").append(e.getKey()).append(String.format(Locale.ROOT, " %.2f", m));
            }
            if (byName.size() > 4) herald.append(String.format(Locale.ROOT, " (sum %.2f)", heraldSum));
            OUT.printf(Locale.ROOT, "| %s | %s | %.2f | %.2f | %.2f |%n", l.name(), herald, median(byName.getOrDefault("postgres", List.of())),
                    median(byName.getOrDefault("bench", List.of())), median(byName.getOrDefault("machine", List.of())));
        }
        OUT.printf(Locale.ROOT, "%n%,d events x %d webhooks per run, receiver delay %d ms, %d publisher threads, %d-event warm-up per run%s.%n",
                o.events(), o.webhooks(), o.receiverDelayMs(), o.publishers(), o.warmup(),
                o.drain() > 0 ? String.format(Locale.ROOT, ", %,d-event drain before it", o.drain()) : "");
        OUT.println("Command: " + commandLine);
        OUT.flush();
    }
}
