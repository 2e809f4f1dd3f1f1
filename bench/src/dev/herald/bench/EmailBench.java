package dev.herald.bench;

import dev.herald.Herald;
import dev.herald.config.ConfigLoader;
import dev.herald.config.HeraldConfig;
import dev.herald.projects.Projects;
import jakarta.mail.Address;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.subethamail.smtp.MessageContext;
import org.subethamail.smtp.MessageHandler;
import org.subethamail.smtp.server.SMTPServer;

/**
 * Email throughput: one JVM runs a local SMTP sink (SubEthaSMTP on 127.0.0.1), Herald with
 * {@code NOTIFICATION_TRANSPORT=smtp} pointed at it (embedded SQLite, durable default) and a
 * publisher. Each run measures
 * <ol>
 *   <li><b>herald</b>: E emails POSTed to {@code /api/v1/emails} (the built-in {@code user_invited}
 *   template, one recipient each, {@code --concurrency} requests in flight) until the sink has every
 *   message: emails/s accepted and emails/s end to end (first POST to last message received);</li>
 *   <li><b>drain</b>: E emails accepted by an API-only Herald (nothing sent), then a worker-only Herald on
 *   the same database started and timed until the sink has them all: the delivery side alone
 *   (dispatcher, SMTP attempts, records);</li>
 *   <li><b>raw</b>: the same number of messages, built the same way, sent straight to the sink by
 *   Jakarta Mail over as many reused connections as Herald may open ({@code NOTIFICATION_SMTP_CONNECTIONS}).</li>
 * </ol>
 * After an unreported warm-up run, medians of {@code --runs} runs are printed.
 *
 * <pre>./herald bench-email [--emails 5000] [--runs 3] [--warmup 2000] [--concurrency 32] [--set KEY=VALUE]</pre>
 */
public final class EmailBench {
    static final PrintStream OUT = System.out;

    record Options(int emails, int runs, int warmup, int concurrency, Map<String, String> settings, int timeoutSeconds) {}

    record Run(double acceptedPerSec, double endToEndPerSec, double drainPerSec, double rawPerSec) {}

    public static void main(String[] args) throws Exception {
        Options o = parse(args);
        OUT.printf(Locale.ROOT, "email bench: %d emails per run, %d run(s) after a %d-email warm-up, publisher concurrency %d, settings %s%n",
                o.emails(), o.runs(), o.warmup(), o.concurrency(), o.settings());
        try (Sink sink = new Sink()) {
            if (o.warmup() > 0) run(o, o.warmup(), sink);
            List<Run> runs = new ArrayList<>();
            for (int i = 1; i <= o.runs(); i++) {
                Run r = run(o, o.emails(), sink);
                runs.add(r);
                OUT.printf(Locale.ROOT, "run %d: %,.0f emails/s accepted, %,.0f emails/s end to end, %,.0f emails/s drained, raw %,.0f messages/s, "
                        + "drain/raw %.2f%n", i, r.acceptedPerSec(), r.endToEndPerSec(), r.drainPerSec(), r.rawPerSec(), r.drainPerSec() / r.rawPerSec());
            }
            OUT.printf(Locale.ROOT, "%n== median of %d run(s) ==%n", runs.size());
            OUT.printf(Locale.ROOT, "  emails/s accepted        %,10.0f%n", median(runs.stream().map(Run::acceptedPerSec).toList()));
            OUT.printf(Locale.ROOT, "  emails/s end to end      %,10.0f%n", median(runs.stream().map(Run::endToEndPerSec).toList()));
            OUT.printf(Locale.ROOT, "  emails/s drained         %,10.0f%n", median(runs.stream().map(Run::drainPerSec).toList()));
            OUT.printf(Locale.ROOT, "  raw messages/s           %,10.0f%n", median(runs.stream().map(Run::rawPerSec).toList()));
            OUT.printf(Locale.ROOT, "  ratio drain/raw          %10.2f%n", median(runs.stream().map(r -> r.drainPerSec() / r.rawPerSec()).toList()));
            OUT.println("\n| run | emails/s accepted | emails/s end to end | emails/s drained | raw messages/s | drain/raw |\n|---|---|---|---|---|---|");
            for (int i = 0; i < runs.size(); i++) {
                Run r = runs.get(i);
                OUT.printf(Locale.ROOT, "| %d | %,.0f | %,.0f | %,.0f | %,.0f | %.2f |%n", i + 1, r.acceptedPerSec(), r.endToEndPerSec(), r.drainPerSec(),
                        r.rawPerSec(), r.drainPerSec() / r.rawPerSec());
            }
        }
        System.exit(0);
    }

    static HeraldConfig config(Options o, Path dir, Sink sink) {
        Map<String, String> s = new HashMap<>();
        s.put("HERALD_DATA_DIR", dir.toString());
        s.put("HERALD_HTTP_HOST", "127.0.0.1");
        s.put("HERALD_HTTP_PORT", "0");
        s.put("NOTIFICATION_TRANSPORT", "smtp");
        s.put("NOTIFICATION_SMTP_HOST", "127.0.0.1");
        s.put("NOTIFICATION_SMTP_PORT", Integer.toString(sink.port()));
        s.put("NOTIFICATION_SMTP_FROM", "Bench <bench@herald.test>");
        s.putAll(o.settings());
        return ConfigLoader.load(s, Map.of());
    }

    static Run run(Options o, int emails, Sink sink) throws Exception {
        ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("dev.herald")).setLevel(ch.qos.logback.classic.Level.WARN);
        ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("org.subethamail")).setLevel(ch.qos.logback.classic.Level.WARN);
        double accepted;
        double endToEnd;
        double drained;
        Path dir = Files.createTempDirectory("herald-email-bench");
        HeraldConfig cfg = config(o, dir, sink);
        try (Herald h = Herald.start(cfg, Herald.Mode.ALL)) {
            sink.reset();
            long start = System.nanoTime();
            long acceptedAt = publish(o, h, emails);
            awaitSink(o, sink, emails);
            accepted = emails / ((acceptedAt - start) / 1e9);
            endToEnd = emails / ((sink.lastAt() - start) / 1e9);
        } finally {
            LoadHarness.deleteTree(dir);
        }
        Path dir2 = Files.createTempDirectory("herald-email-bench");
        try {
            HeraldConfig cfg2 = config(o, dir2, sink);
            try (Herald api = Herald.start(cfg2, Herald.Mode.API_ONLY)) {
                publish(o, api, emails);
            }
            sink.reset();
            Herald worker = Herald.start(cfg2, Herald.Mode.WORKER_ONLY);
            try {
                awaitSink(o, sink, emails);
                // From the first message to the last: the worker's start-up is not counted.
                drained = (emails - 1) / ((sink.lastAt() - sink.firstAt()) / 1e9);
            } finally {
                worker.close();
            }
        } finally {
            LoadHarness.deleteTree(dir2);
        }
        return new Run(accepted, endToEnd, drained, raw(cfg, emails, sink));
    }

    /** POSTs the emails with {@code --concurrency} in flight; returns when the last was accepted. */
    static long publish(Options o, Herald h, int emails) throws Exception {
        String key = new Projects(h.database(), Clock.systemUTC()).create("bench").adminKey().key();
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).executor(Executors.newVirtualThreadPerTaskExecutor()).build();
        URI uri = URI.create("http://127.0.0.1:" + h.port() + "/api/v1/emails");
        Semaphore inFlight = new Semaphore(o.concurrency());
        AtomicInteger failed = new AtomicInteger();
        AtomicReference<String> firstError = new AtomicReference<>();
        for (int i = 0; i < emails; i++) {
            inFlight.acquire();
            HttpRequest req = HttpRequest.newBuilder(uri).header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body(i))).build();
            client.sendAsync(req, HttpResponse.BodyHandlers.ofString()).whenComplete((r, e) -> {
                if (e != null || r.statusCode() != 202) {
                    failed.incrementAndGet();
                    firstError.compareAndSet(null, e != null ? e.toString() : r.statusCode() + " " + r.body());
                }
                inFlight.release();
            });
        }
        inFlight.acquire(o.concurrency());
        long done = System.nanoTime();
        if (failed.get() > 0) throw new IllegalStateException(failed.get() + " emails not accepted, first: " + firstError.get());
        return done;
    }

    static void awaitSink(Options o, Sink sink, int emails) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(o.timeoutSeconds());
        while (sink.count() < emails && System.nanoTime() < deadline) Thread.sleep(5);
        if (sink.count() < emails) throw new IllegalStateException("the sink got " + sink.count() + " of " + emails + " emails in time");
    }

    /** The same messages straight to the sink: one reused Jakarta Mail connection per allowed SMTP connection. */
    static double raw(HeraldConfig cfg, int emails, Sink sink) throws Exception {
        Properties p = new Properties();
        p.put("mail.smtp.host", "127.0.0.1");
        p.put("mail.smtp.port", Integer.toString(sink.port()));
        p.put("mail.smtp.localhost", "localhost");
        Session session = Session.getInstance(p);
        // A message as Herald builds it (same template rendered, same headers), parsed from bytes as Herald's attempts do.
        MimeMessage template = new MimeMessage(session);
        template.setFrom(new InternetAddress("bench@herald.test", "Bench"));
        template.setSubject("You're invited to join Acme & Co on Wipe", "UTF-8");
        template.setText("Hello,\r\n\r\nYou have been invited to join Acme & Co on Wipe as Admin.\r\n", "UTF-8");
        template.saveChanges();
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        template.writeTo(bytes);
        byte[] mime = bytes.toByteArray();
        sink.reset();
        int connections = cfg.email().connections();
        AtomicInteger next = new AtomicInteger();
        long start = System.nanoTime();
        try (ExecutorService pool = Executors.newFixedThreadPool(connections)) {
            List<Future<?>> fs = new ArrayList<>();
            for (int c = 0; c < connections; c++) {
                fs.add(pool.submit(() -> {
                    Transport t = session.getTransport("smtp");
                    t.connect();
                    try {
                        for (int i; (i = next.getAndIncrement()) < emails; ) {
                            MimeMessage m = new MimeMessage(session, new ByteArrayInputStream(mime));
                            t.sendMessage(m, new Address[] {new InternetAddress("user" + i + "@example.com")});
                        }
                    } finally {
                        t.close();
                    }
                    return null;
                }));
            }
            for (Future<?> f : fs) f.get();
        }
        return emails / ((sink.lastAt() - start) / 1e9);
    }

    static String body(int i) {
        String to = "user" + i + "@example.com";
        return "{\"to\":[\"" + to + "\"],\"template\":\"user_invited\",\"variables\":{\"app_name\":\"Wipe\",\"logo_url\":\"https://wipe.example/logo.png\","
                + "\"accept_url\":\"https://wipe.example/invite/" + i + "\",\"email\":\"" + to + "\",\"role\":\"Admin\",\"organization_name\":\"Acme & Co\"}}";
    }

    static double median(List<Double> xs) {
        List<Double> s = new ArrayList<>(xs);
        s.sort(null);
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }

    static Options parse(String[] args) {
        int emails = 5000;
        int runs = 3;
        int warmup = 2000;
        int concurrency = 32;
        int timeout = 300;
        Map<String, String> settings = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String v = i + 1 < args.length ? args[i + 1] : null;
            switch (a) {
                case "--emails" -> { emails = Integer.parseInt(v); i++; }
                case "--runs" -> { runs = Integer.parseInt(v); i++; }
                case "--warmup" -> { warmup = Integer.parseInt(v); i++; }
                case "--concurrency" -> { concurrency = Integer.parseInt(v); i++; }
                case "--timeout" -> { timeout = Integer.parseInt(v); i++; }
                case "--set" -> {
                    int eq = v.indexOf('=');
                    settings.put(v.substring(0, eq), v.substring(eq + 1));
                    i++;
                }
                default -> {
                    System.err.println("unknown option " + a + "; options: --emails --runs --warmup --concurrency --timeout --set KEY=VALUE");
                    System.exit(2);
                }
            }
        }
        return new Options(emails, runs, warmup, concurrency, settings, timeout);
    }

    /** A local SMTP server that counts the messages it accepts and notes when the last one arrived. */
    static final class Sink implements AutoCloseable {
        private final SMTPServer server;
        private final AtomicLong count = new AtomicLong();
        private final AtomicLong lastAt = new AtomicLong();
        private final AtomicLong firstAt = new AtomicLong();

        Sink() throws java.io.IOException {
            server = SMTPServer.port(0).bindAddress(InetAddress.getByName("127.0.0.1")).hostName("sink.bench").insertReceivedHeaders(false)
                    .maxConnections(200).messageHandlerFactory(this::handler).build();
            server.start();
        }

        int port() {
            return server.getPortAllocated();
        }

        long count() {
            return count.get();
        }

        long lastAt() {
            return lastAt.get();
        }

        long firstAt() {
            return firstAt.get();
        }

        void reset() {
            count.set(0);
            lastAt.set(0);
            firstAt.set(0);
        }

        private MessageHandler handler(MessageContext ctx) {
            return new MessageHandler() {
                @Override public void from(String from) {}
                @Override public void recipient(String recipient) {}
                @Override public String data(InputStream in) throws java.io.IOException {
                    in.transferTo(java.io.OutputStream.nullOutputStream());
                    long now = System.nanoTime();
                    firstAt.compareAndSet(0, now);
                    lastAt.set(now);
                    count.incrementAndGet();
                    return null;
                }
                @Override public void done() {}
            };
        }

        @Override
        public void close() {
            server.stop();
        }
    }

    static {
        // Quiet Jakarta Mail and the sink.
        java.util.logging.Logger.getLogger("").setLevel(java.util.logging.Level.WARNING);
    }

    private EmailBench() {}
}
