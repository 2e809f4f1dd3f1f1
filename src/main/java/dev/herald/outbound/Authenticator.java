package dev.herald.outbound;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The one auth layer: applies a target's {@link Auth} to a request and sends it through the
 * {@link OutboundClient}. With OAuth client credentials it adds the cached token and, when the target
 * answers 401, fetches a fresh token and tries once more.
 *
 * <p>Hazard: the token fetch and the retry after a 401 share the request's timeout, so one attempt
 * never runs longer than its {@code timeout_seconds} (and so never outlives its delivery lease).
 */
public final class Authenticator {
    private static final Duration MIN_RETRY_BUDGET = Duration.ofMillis(500);

    private final OutboundClient client;
    private final OAuthTokens tokens;

    public Authenticator(OutboundClient client, Clock clock) {
        this.client = client;
        this.tokens = new OAuthTokens(client, clock);
    }

    /** Sends {@code request} authenticated with {@code auth} (null: as it is). Fails only with {@link OutboundException}. */
    public CompletableFuture<OutboundResponse> send(OutboundRequest request, Auth auth) {
        if (auth == null) return client.send(request);
        if (!(auth instanceof Auth.OAuthClientCredentials o)) return client.send(request.withHeaders(with(request.headers(), headers(auth))));
        long deadline = System.nanoTime() + request.timeout().toNanos();
        return tokens.get(o, request.timeout()).thenCompose(token -> client.send(bearer(request, token.value())).thenCompose(resp -> {
            Duration left = Duration.ofNanos(deadline - System.nanoTime());
            if (resp.status() != 401 || left.compareTo(MIN_RETRY_BUDGET) < 0) return CompletableFuture.completedFuture(resp);
            return tokens.refresh(o, token, left).thenCompose(fresh -> {
                Duration rest = Duration.ofNanos(deadline - System.nanoTime());
                if (rest.compareTo(MIN_RETRY_BUDGET) < 0) return CompletableFuture.completedFuture(resp);
                return client.send(bearer(request, fresh.value()).withTimeout(rest));
            });
        }));
    }

    /** Obtains (or reuses) the OAuth token, without sending anything else: a credentials check. */
    public CompletableFuture<Void> token(Auth auth, Duration timeout) {
        if (!(auth instanceof Auth.OAuthClientCredentials o)) return CompletableFuture.completedFuture(null);
        return tokens.get(o, timeout).thenApply(t -> null);
    }

    /** The headers a static method adds; OAuth's come from the token cache. */
    static Map<String, String> headers(Auth auth) {
        return switch (auth) {
            case Auth.BearerToken b -> Map.of("Authorization", "Bearer " + b.token());
            case Auth.BasicAuth b -> Map.of("Authorization", "Basic "
                    + Base64.getEncoder().encodeToString((b.username() + ":" + b.password()).getBytes(StandardCharsets.UTF_8)));
            case Auth.StaticHeaders s -> s.headers();
            case Auth.OAuthClientCredentials o -> Map.of();
        };
    }

    private static OutboundRequest bearer(OutboundRequest r, String token) {
        return r.withHeaders(with(r.headers(), Map.of("Authorization", "Bearer " + token)));
    }

    private static Map<String, String> with(Map<String, String> base, Map<String, String> auth) {
        Map<String, String> out = new LinkedHashMap<>(base);
        out.putAll(auth);
        return out;
    }
}
