package dev.herald.api;

import dev.herald.delivery.Ingress;
import dev.herald.projects.ApiKeys;
import dev.herald.projects.Principal;
import dev.herald.store.StoreException;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Who is calling: exactly one API key, as {@code Authorization: Bearer <key>} or {@code X-Api-Key: <key>}.
 * A request with more than one credential (both headers, or either header twice) is refused with
 * {@code 400 invalid_request} before any key is looked at, valid or not: which one would count is
 * exactly what a confused client or a header-injecting proxy gets wrong (RFC 6750 section 3.1 answers
 * "more than one method" with 400). A missing or unknown key is {@code 401} with
 * {@code WWW-Authenticate: Bearer realm="herald"}.
 *
 * <p>Publishing events recalls the key on PostgreSQL ({@link ApiKeys#recall}) and confirms it in the write
 * ({@link #guard}); a request refused before its write reads it after all ({@link #revokedMeanwhile}).
 */
final class Credentials {
    /** The challenge every 401 carries. */
    static final String CHALLENGE = "Bearer realm=\"herald\"";
    static final String REQUIRED = "an API key is required (Authorization: Bearer <key> or X-Api-Key)";
    static final String NOT_VALID = "the API key is not valid";
    /**
     * The routes (all {@code POST}) whose whole effect is one write that confirms the caller's key before its
     * commit ({@link #guard}), so their key is {@link ApiKeys#recall}ed rather than read: publishing events.
     */
    private static final Set<String> RECALLED = Set.of("/api/v1/events", "/api/v1/events/batch");
    /** The request attribute holding a recalled key's value, until a read or its write confirms it. */
    private static final String UNCONFIRMED = "herald.unconfirmed-key";

    private Credentials() {}

    static void authenticate(Context ctx, ApiKeys keys) {
        List<String> auth = Collections.list(ctx.req().getHeaders("Authorization"));
        List<String> apiKey = Collections.list(ctx.req().getHeaders("X-Api-Key"));
        if (auth.size() + apiKey.size() > 1) {
            ctx.header("WWW-Authenticate", CHALLENGE + ", error=\"invalid_request\"");
            String field = auth.size() > 1 ? "Authorization" : "X-Api-Key";
            throw ApiException.invalid(field, "send one credential: either Authorization: Bearer <key> or X-Api-Key, once; this request has "
                    + (auth.size() > 1 ? auth.size() + " Authorization headers" : apiKey.size() > 1 ? apiKey.size() + " X-Api-Key headers" : "both"));
        }
        String key = apiKey.isEmpty() ? null : apiKey.get(0).trim();
        if (!auth.isEmpty()) {
            String a = auth.get(0);
            if (a.regionMatches(true, 0, "Bearer ", 0, 7)) key = a.substring(7).trim();
        }
        if (key == null || key.isEmpty()) throw new ApiException(401, "unauthorized", REQUIRED, null);
        if (RECALLED.contains(ctx.path()) && ctx.method() == HandlerType.POST) {
            Optional<ApiKeys.Recalled> r = keys.recall(key);
            if (r.isEmpty()) throw new ApiException(401, "unauthorized", NOT_VALID, null);
            ctx.attribute(Http.PRINCIPAL, r.get().principal());
            if (!r.get().confirmed()) ctx.attribute(UNCONFIRMED, key);
            return;
        }
        Optional<Principal> p = keys.authenticate(key);
        if (p.isEmpty()) throw new ApiException(401, "unauthorized", NOT_VALID, null);
        ctx.attribute(Http.PRINCIPAL, p.get());
    }

    /**
     * What the write of a request authenticated by {@link ApiKeys#recall} must find true to commit: that its key
     * is still active ({@link ApiKeys#confirm}). Null when the key was read for this request.
     */
    static Ingress.Guard guard(Context ctx, ApiKeys keys) {
        if (ctx.attribute(UNCONFIRMED) == null) return null;
        Principal p = ctx.attribute(Http.PRINCIPAL);
        String keyId = p.keyId();
        return q -> keys.confirm(q.handle(), q.deferred(ApiKeys.Confirmations.class, ApiKeys.Confirmations::new), keyId);
    }

    /**
     * For a request refused before its write (a bad body, a wrong role) whose key was recalled, not read: reads
     * the key now, so a key revoked meanwhile is answered 401, as it would have been had it been read first.
     * When the database cannot be read, the request keeps its own refusal (it stored nothing either way).
     */
    static boolean revokedMeanwhile(Context ctx, ApiKeys keys) {
        String key = ctx.attribute(UNCONFIRMED);
        if (key == null || keys == null) return false;
        try {
            return keys.authenticate(key).isEmpty();
        } catch (StoreException e) {
            return false;
        }
    }
}
