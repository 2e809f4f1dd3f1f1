package dev.herald.api;

import dev.herald.projects.ApiKeys;
import dev.herald.projects.Principal;
import io.javalin.http.Context;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * Who is calling: exactly one API key, as {@code Authorization: Bearer <key>} or {@code X-Api-Key: <key>}.
 * A request with more than one credential (both headers, or either header twice) is refused with
 * {@code 400 invalid_request} before any key is looked at, valid or not: which one would count is
 * exactly what a confused client or a header-injecting proxy gets wrong (RFC 6750 section 3.1 answers
 * "more than one method" with 400). A missing or unknown key is {@code 401} with
 * {@code WWW-Authenticate: Bearer realm="herald"}.
 */
final class Credentials {
    /** The challenge every 401 carries. */
    static final String CHALLENGE = "Bearer realm=\"herald\"";
    static final String REQUIRED = "an API key is required (Authorization: Bearer <key> or X-Api-Key)";

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
        Optional<Principal> p = keys.authenticate(key);
        if (p.isEmpty()) throw new ApiException(401, "unauthorized", "the API key is not valid", null);
        ctx.attribute(Http.PRINCIPAL, p.get());
    }
}
