package dev.herald.outbound;

import dev.herald.util.Hashes;
import dev.herald.util.Json;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import tools.jackson.databind.JsonNode;

/**
 * Access tokens of the OAuth 2.0 client-credentials grant (RFC 6749 §4.4), one cache entry per
 * credential set. A token is reused until shortly before it expires; while a fetch is under way every
 * caller waits on that same fetch, so a burst of requests costs the token endpoint one request.
 *
 * <p>Client authentication is detected per token endpoint, as the Go oauth2 library does: HTTP Basic
 * first (RFC 6749 §2.3.1), and if the endpoint answers 400 or 401, the credentials in the form body;
 * whichever works is remembered.
 *
 * <p>Hazard: a cache entry must never be handed to a different credential set. The key is a hash of
 * every field, the secret included, so a changed secret is a new entry and never reuses an old token.
 */
final class OAuthTokens {
    /** Token responses are small; this caps what is read of one. */
    private static final int MAX_TOKEN_RESPONSE = 64 * 1024;
    private static final Duration DEFAULT_LIFETIME = Duration.ofHours(1);
    private static final Duration MAX_EARLY_REFRESH = Duration.ofSeconds(60);

    record Token(String value, long refreshAtMillis) {
        @Override
        public String toString() {
            return "Token[(hidden), refreshAt=" + refreshAtMillis + "]";
        }
    }

    private final OutboundClient client;
    private final Clock clock;
    private final ConcurrentHashMap<String, CompletableFuture<Token>> cache = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Boolean> credentialsInBody = new ConcurrentHashMap<>();

    OAuthTokens(OutboundClient client, Clock clock) {
        this.client = client;
        this.clock = clock;
    }

    /** A valid token: the cached one, the one being fetched, or a new fetch. */
    CompletableFuture<Token> get(Auth.OAuthClientCredentials c, Duration timeout) {
        if (cache.size() > 10_000) cache.clear();
        return cache.compute(key(c), (k, cur) -> usable(cur) ? cur : fetch(c, timeout));
    }

    /** Replaces a token the target refused, unless another caller already did (then that newer token is returned). */
    CompletableFuture<Token> refresh(Auth.OAuthClientCredentials c, Token refused, Duration timeout) {
        return cache.compute(key(c), (k, cur) -> {
            if (cur != null && !cur.isDone()) return cur;
            if (usable(cur) && !cur.join().value().equals(refused.value())) return cur;
            return fetch(c, timeout);
        });
    }

    private boolean usable(CompletableFuture<Token> f) {
        if (f == null) return false;
        if (!f.isDone()) return true;
        return !f.isCompletedExceptionally() && clock.millis() < f.join().refreshAtMillis();
    }

    private CompletableFuture<Token> fetch(Auth.OAuthClientCredentials c, Duration timeout) {
        String endpoint = c.tokenUrl();
        Boolean known = credentialsInBody.get(endpoint);
        boolean inBody = known != null && known;
        return request(c, inBody, timeout).thenCompose(resp -> {
            if (known == null && (resp.status() == 400 || resp.status() == 401)) {
                return request(c, true, timeout).thenApply(second -> {
                    Token t = parse(c, second);
                    credentialsInBody.put(endpoint, true);
                    return t;
                });
            }
            Token t = parse(c, resp);
            credentialsInBody.putIfAbsent(endpoint, inBody);
            return CompletableFuture.completedFuture(t);
        });
    }

    private CompletableFuture<OutboundResponse> request(Auth.OAuthClientCredentials c, boolean credentialsInForm, Duration timeout) {
        Map<String, String> form = new LinkedHashMap<>();
        form.put("grant_type", "client_credentials");
        if (c.scopes() != null && !c.scopes().isBlank()) form.put("scope", c.scopes());
        form.putAll(c.extraParams());
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Accept", "application/json");
        if (credentialsInForm) {
            form.put("client_id", c.clientId());
            form.put("client_secret", c.clientSecret());
        } else {
            String pair = urlEncode(c.clientId()) + ":" + urlEncode(c.clientSecret());
            headers.put("Authorization", "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8)));
        }
        StringBuilder body = new StringBuilder();
        form.forEach((k, v) -> body.append(body.isEmpty() ? "" : "&").append(urlEncode(k)).append('=').append(urlEncode(v)));
        OutboundRequest r = new OutboundRequest("POST", URI.create(c.tokenUrl()), headers, body.toString().getBytes(StandardCharsets.UTF_8),
                "application/x-www-form-urlencoded", timeout, MAX_TOKEN_RESPONSE, MAX_TOKEN_RESPONSE);
        return client.send(r).exceptionallyCompose(e -> CompletableFuture.failedFuture(asAuthFailure(c, e)));
    }

    private static Throwable asAuthFailure(Auth.OAuthClientCredentials c, Throwable e) {
        Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
        if (cause instanceof PolicyDeniedException pd) return new PolicyDeniedException(pd.rule(), "token_url: " + pd.getMessage());
        String kind = cause instanceof OutboundException oe ? oe.kind().code() + ": " : "";
        return new OutboundException(ErrorKind.AUTH, "OAuth token request to " + host(c) + " failed (" + kind + cause.getMessage() + ")", cause);
    }

    private Token parse(Auth.OAuthClientCredentials c, OutboundResponse resp) {
        JsonNode json = null;
        try {
            if (!resp.tooLarge()) json = Json.parse(new String(resp.captured(), StandardCharsets.UTF_8));
        } catch (RuntimeException ignored) {
            // reported below
        }
        if (!resp.isSuccess()) {
            StringBuilder m = new StringBuilder("OAuth token endpoint ").append(host(c)).append(" answered ").append(resp.status());
            if (json != null && json.path("error").isString()) {
                m.append(": ").append(clip(json.path("error").asString()));
                if (json.path("error_description").isString()) m.append(" (").append(clip(json.path("error_description").asString())).append(')');
            }
            throw new OutboundException(ErrorKind.AUTH, m.toString(), null);
        }
        if (json == null || !json.path("access_token").isString() || json.path("access_token").asString().isEmpty()) {
            throw new OutboundException(ErrorKind.AUTH, "OAuth token endpoint " + host(c) + " answered " + resp.status()
                    + " without an access_token in a JSON object", null);
        }
        JsonNode type = json.path("token_type");
        if (type.isString() && !type.asString().equalsIgnoreCase("bearer")) {
            throw new OutboundException(ErrorKind.AUTH, "OAuth token endpoint " + host(c) + " issued a '" + clip(type.asString())
                    + "' token; only Bearer tokens are supported", null);
        }
        Duration lifetime = DEFAULT_LIFETIME;
        JsonNode exp = json.path("expires_in");
        try {
            long s = exp.isNumber() ? exp.asLong() : exp.isString() ? Long.parseLong(exp.asString().trim()) : -1;
            if (s > 0) lifetime = Duration.ofSeconds(s);
        } catch (NumberFormatException ignored) {
            // keep the default
        }
        Duration early = lifetime.dividedBy(10);
        if (early.compareTo(MAX_EARLY_REFRESH) > 0) early = MAX_EARLY_REFRESH;
        return new Token(json.path("access_token").asString(), clock.millis() + lifetime.minus(early).toMillis());
    }

    private static String host(Auth.OAuthClientCredentials c) {
        String h = URI.create(c.tokenUrl()).getHost();
        return h == null ? "(token_url)" : h;
    }

    private static String clip(String s) {
        String t = s.replaceAll("[\\p{Cntrl}]", " ");
        return t.length() > 200 ? t.substring(0, 200) + "..." : t;
    }

    private static String urlEncode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static String key(Auth.OAuthClientCredentials c) {
        List<String> parts = new ArrayList<>(List.of(c.tokenUrl(), c.clientId(), c.clientSecret(), c.scopes() == null ? "" : c.scopes()));
        for (Map.Entry<String, String> e : new TreeMap<>(c.extraParams()).entrySet()) parts.add(e.getKey() + "=" + e.getValue());
        return Hashes.sha256HexOfParts(parts);
    }
}
