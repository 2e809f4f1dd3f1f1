package dev.herald.support;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * A real HTTP receiver for tests (JDK HttpServer on 127.0.0.1, port 0). Records every request and
 * answers per path with a programmable {@link Reply}; the default is 200 "ok".
 */
public final class Receiver implements AutoCloseable {
    /** One received request: path, headers (lower-case names) and the raw body. */
    public record Request(String path, Map<String, String> headers, byte[] body, long receivedAtNanos, String method, String query) {
        public String header(String name) {
            return headers.get(name.toLowerCase(java.util.Locale.ROOT));
        }

        public String bodyText() {
            return new String(body, java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    /** How to answer: status, body, extra headers, and a delay before answering. */
    public record Reply(int status, byte[] body, Map<String, String> headers, Duration delay) {
        public static Reply status(int status) {
            return new Reply(status, new byte[0], Map.of(), Duration.ZERO);
        }

        public static Reply ok() {
            return new Reply(200, "ok".getBytes(), Map.of(), Duration.ZERO);
        }

        public Reply withBody(byte[] b) {
            return new Reply(status, b, headers, delay);
        }

        public Reply withHeader(String k, String v) {
            Map<String, String> h = new java.util.HashMap<>(headers);
            h.put(k, v);
            return new Reply(status, body, h, delay);
        }

        public Reply after(Duration d) {
            return new Reply(status, body, headers, d);
        }
    }

    private final HttpServer server;
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final Map<String, Function<Request, Reply>> handlers = new ConcurrentHashMap<>();
    private final Map<String, RawHandler> raw = new ConcurrentHashMap<>();
    private final String scheme;

    /** Writes the whole answer itself (streaming, broken responses). */
    @FunctionalInterface
    public interface RawHandler {
        void handle(HttpExchange ex) throws IOException;
    }

    public Receiver() {
        this(null);
    }

    /** An HTTPS receiver when {@code tls} is given (see {@link TestCerts}). */
    public Receiver(javax.net.ssl.SSLContext tls) {
        try {
            if (tls == null) {
                server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 512);
                scheme = "http";
            } else {
                com.sun.net.httpserver.HttpsServer https = com.sun.net.httpserver.HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 512);
                https.setHttpsConfigurator(new com.sun.net.httpserver.HttpsConfigurator(tls));
                server = https;
                scheme = "https";
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", this::handle);
        server.start();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** {@code http://127.0.0.1:<port><path>} */
    public String url(String path) {
        return scheme + "://127.0.0.1:" + port() + path;
    }

    /** The request is recorded (without its body) and {@code handler} writes the answer. */
    public Receiver onRaw(String path, RawHandler handler) {
        raw.put(path, handler);
        return this;
    }

    public Receiver on(String path, Function<Request, Reply> handler) {
        handlers.put(path, handler);
        return this;
    }

    public Receiver on(String path, Reply reply) {
        return on(path, r -> reply);
    }

    public List<Request> requests() {
        return new ArrayList<>(requests);
    }

    public List<Request> requests(String path) {
        return requests.stream().filter(r -> r.path().equals(path)).toList();
    }

    /** Waits until {@code count} requests match, or fails after {@code timeout}. */
    public List<Request> await(Predicate<Request> match, int count, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            List<Request> hits = requests.stream().filter(match).toList();
            if (hits.size() >= count) return hits;
            if (System.nanoTime() > deadline) {
                throw new AssertionError("expected " + count + " matching requests within " + timeout + ", got " + hits.size()
                        + " (all requests: " + requests.size() + ")");
            }
            sleep(10);
        }
    }

    public List<Request> await(String path, int count, Duration timeout) {
        return await(r -> r.path().equals(path), count, timeout);
    }

    private void handle(HttpExchange ex) throws IOException {
        RawHandler rh = raw.get(ex.getRequestURI().getPath());
        if (rh != null) {
            Map<String, String> headers = new TreeMap<>();
            ex.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(java.util.Locale.ROOT), String.join(",", v)));
            requests.add(new Request(ex.getRequestURI().getPath(), headers, new byte[0], System.nanoTime(), ex.getRequestMethod(), ex.getRequestURI().getRawQuery()));
            try {
                rh.handle(ex);
            } finally {
                ex.close();
            }
            return;
        }
        byte[] body;
        try (InputStream in = ex.getRequestBody()) {
            body = in.readAllBytes();
        }
        Map<String, String> headers = new TreeMap<>();
        ex.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(java.util.Locale.ROOT), String.join(",", v)));
        Request req = new Request(ex.getRequestURI().getPath(), headers, body, System.nanoTime(), ex.getRequestMethod(), ex.getRequestURI().getRawQuery());
        requests.add(req);
        Function<Request, Reply> h = handlers.get(req.path());
        Reply reply = h == null ? Reply.ok() : h.apply(req);
        if (!reply.delay().isZero()) sleep(reply.delay().toMillis());
        reply.headers().forEach((k, v) -> ex.getResponseHeaders().add(k, v));
        try (OutputStream out = ex.getResponseBody()) {
            ex.sendResponseHeaders(reply.status(), reply.body().length == 0 ? -1 : reply.body().length);
            if (reply.body().length > 0) out.write(reply.body());
        } catch (IOException ignored) {
            // the client went away (timeouts, capped reads)
        }
    }

    public static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
