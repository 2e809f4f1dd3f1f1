package dev.herald.outbound;

import dev.herald.util.TrustAnchors;
import dev.herald.util.Version;
import java.io.ByteArrayOutputStream;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLException;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The only component that opens connections to user-supplied URLs. It applies the network policy
 * (URL rules before sending, address rules at connect time through {@link VettingResolver}), never
 * follows redirects, enforces the per-request timeout, and reads at most {@code maxResponseBytes} of a
 * response, keeping the first {@link #CAPTURE_BYTES}.
 *
 * <p>Hazard: reading a response body without a cap lets a receiver exhaust memory; the listener here
 * counts bytes and aborts the response past the cap.
 */
public final class OutboundClient implements AutoCloseable {
    public static final int CAPTURE_BYTES = 4096;

    private final HttpClient http;
    private final OutboundPolicy policy;
    private final long maxResponseBytes;
    private final ExecutorService resolverExecutor = Executors.newVirtualThreadPerTaskExecutor();
    private static final PolicyDeniedException ALLOWED = new PolicyDeniedException("none", "allowed");
    private final java.util.concurrent.ConcurrentHashMap<String, PolicyDeniedException> urlVerdicts = new java.util.concurrent.ConcurrentHashMap<>();

    public OutboundClient(OutboundPolicy policy, HostResolver resolver, long maxResponseBytes, int maxConnectionsPerHost) {
        this.policy = policy;
        this.maxResponseBytes = maxResponseBytes;
        ClientConnector connector = new ClientConnector();
        SslContextFactory.Client tls = new SslContextFactory.Client();
        tls.setEndpointIdentificationAlgorithm("HTTPS");
        if (policy.settings().caFile() != null) tls.setTrustStore(TrustAnchors.withExtra(policy.settings().caFile()));
        connector.setSslContextFactory(tls);
        this.http = new HttpClient(new org.eclipse.jetty.client.transport.HttpClientTransportOverHTTP(connector));
        QueuedThreadPool pool = new QueuedThreadPool(64, 4);
        pool.setName("herald-outbound");
        http.setExecutor(pool);
        http.setFollowRedirects(false);
        http.setUserAgentField(new HttpField(HttpHeader.USER_AGENT, "Herald/" + Version.get()));
        http.setSocketAddressResolver(new VettingResolver(resolver, policy, resolverExecutor));
        http.setMaxConnectionsPerDestination(Math.max(maxConnectionsPerHost, 8));
        http.setMaxRequestsQueuedPerDestination(100_000);
        http.setConnectTimeout(10_000);
        http.setIdleTimeout(60_000);
        try {
            http.start();
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the outbound HTTP client", e);
        }
        // A 401/407 is an answer to record (or, with OAuth, to refresh the token on), not a challenge for
        // the client to handle: Jetty's handlers would turn a 401 without WWW-Authenticate into a protocol
        // error. Redirects are never followed, so that handler goes too.
        http.getProtocolHandlers().remove(org.eclipse.jetty.client.WWWAuthenticationProtocolHandler.NAME);
        http.getProtocolHandlers().remove(org.eclipse.jetty.client.ProxyAuthenticationProtocolHandler.NAME);
        http.getProtocolHandlers().remove(org.eclipse.jetty.client.RedirectProtocolHandler.NAME);
    }

    /** Sends the request; the future fails with {@link OutboundException} (kind set) and never with anything else. */
    public CompletableFuture<OutboundResponse> send(OutboundRequest r) {
        CompletableFuture<OutboundResponse> result = new CompletableFuture<>();
        String url = r.url().toString();
        // The URL rules depend only on the URL text and the settings, so each URL is judged once; the
        // address rules still run on every new connection (VettingResolver).
        PolicyDeniedException denied = urlVerdicts.computeIfAbsent(url, u -> {
            try {
                policy.checkUrl(u);
                return ALLOWED;
            } catch (PolicyDeniedException e) {
                return e;
            }
        });
        if (urlVerdicts.size() > 10_000) urlVerdicts.clear();
        if (denied != ALLOWED) {
            result.completeExceptionally(denied);
            return result;
        }
        long timeoutMs = r.timeout().toMillis();
        Request req;
        try {
            req = http.newRequest(r.url());
        } catch (RuntimeException e) {
            result.completeExceptionally(new PolicyDeniedException("invalid_url", "the URL cannot be sent: " + e.getMessage()));
            return result;
        }
        req = req
                .method(r.method())
                .timeout(timeoutMs, TimeUnit.MILLISECONDS)
                .idleTimeout(timeoutMs, TimeUnit.MILLISECONDS);
        if (r.body() != null) req = req.body(new BytesRequestContent(r.contentType(), r.body()));
        req.headers(h -> {
            for (Map.Entry<String, String> e : r.headers().entrySet()) h.put(e.getKey(), e.getValue());
        });
        long max = r.maxResponseBytes() > 0 ? r.maxResponseBytes() : maxResponseBytes;
        req.send(new CappedListener(result, max, r.captureBytes() > 0 ? r.captureBytes() : CAPTURE_BYTES));
        return result;
    }

    /** Captures the head of the body, counts the rest, aborts past the cap; maps failures to an {@link ErrorKind}. */
    private final class CappedListener implements Response.Listener {
        private final CompletableFuture<OutboundResponse> result;
        private final ByteArrayOutputStream captured = new ByteArrayOutputStream(256);
        private final long max;
        private final int capture;
        private long total;
        private boolean cutOff;

        CappedListener(CompletableFuture<OutboundResponse> result, long max, int capture) {
            this.result = result;
            this.max = max;
            this.capture = capture;
        }

        @Override
        public void onContent(Response response, ByteBuffer content) {
            int n = content.remaining();
            int room = capture - captured.size();
            if (room > 0) {
                byte[] chunk = new byte[Math.min(room, n)];
                content.get(chunk);
                captured.writeBytes(chunk);
            }
            total += n;
            if (total > max && !cutOff) {
                cutOff = true;
                response.abort(new ResponseTooLarge());
            }
        }

        @Override
        public void onComplete(Result r) {
            Response resp = r.getResponse();
            boolean haveStatus = resp != null && resp.getStatus() > 0;
            if (r.isSucceeded() || (cutOff && haveStatus)) {
                result.complete(new OutboundResponse(resp.getStatus(), resp.getHeaders().get(HttpHeader.RETRY_AFTER),
                        captured.toByteArray(), total > capture, cutOff));
                return;
            }
            result.completeExceptionally(classify(r.getFailure()));
        }
    }

    private static final class ResponseTooLarge extends RuntimeException {
        ResponseTooLarge() {
            super("response larger than the configured maximum", null, false, false);
        }
    }

    static OutboundException classify(Throwable t) {
        Throwable c = t;
        for (int depth = 0; c != null && depth < 8; depth++, c = c.getCause()) {
            if (c instanceof OutboundException oe) return oe;
            if (c instanceof TimeoutException) return new OutboundException(ErrorKind.TIMEOUT, "timed out", t);
            if (c instanceof java.net.SocketTimeoutException) return new OutboundException(ErrorKind.TIMEOUT, "timed out", t);
            if (c instanceof UnknownHostException) return new OutboundException(ErrorKind.DNS, "cannot resolve host", t);
            if (c instanceof SSLException) return new OutboundException(ErrorKind.TLS, "TLS failed: " + c.getMessage(), t);
            if (c instanceof ConnectException || c instanceof NoRouteToHostException) {
                return new OutboundException(ErrorKind.CONNECT, "connection failed: " + c.getMessage(), t);
            }
        }
        return new OutboundException(ErrorKind.IO, "request failed: " + (t == null ? "unknown" : t.getMessage()), t);
    }

    @Override
    public void close() {
        try {
            http.stop();
        } catch (Exception ignored) {
            // shutting down
        }
        resolverExecutor.shutdown();
    }
}
