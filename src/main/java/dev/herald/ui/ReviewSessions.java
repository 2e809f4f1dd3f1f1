package dev.herald.ui;

import dev.herald.projects.ApiKeys;
import dev.herald.projects.Principal;
import dev.herald.projects.Role;
import dev.herald.store.Database;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;

/**
 * Sign-in sessions of the review page. A reviewer signs in once with their own API key (role REVIEWER or
 * CLIENT_ADMIN); the browser then holds a random session token in an HttpOnly, SameSite=Strict cookie.
 * Only the token's SHA-256 is stored; each session has its own CSRF token for the page's forms. A
 * session ends when it expires, on sign-out, or as soon as its API key is revoked or deleted.
 */
public final class ReviewSessions {
    public static final String COOKIE = "herald_review";
    static final Duration LIFETIME = Duration.ofHours(12);

    private final Database db;
    private final ApiKeys keys;
    private final Clock clock;
    private final boolean secureCookie;
    private final SecureRandom random = new SecureRandom();

    public ReviewSessions(Database db, ApiKeys keys, Clock clock, boolean secureCookie) {
        this.db = db;
        this.keys = keys;
        this.clock = clock;
        this.secureCookie = secureCookie;
    }

    /** A signed-in reviewer: who, for which project, and the CSRF token their forms must carry. */
    public record Reviewer(Principal principal, String name, String csrf) {}

    /** Starts a session for a reviewer's API key; empty when the key is unknown or may not review. */
    Optional<String> signIn(String apiKey) {
        Optional<Principal> p = keys.authenticate(apiKey == null ? null : apiKey.trim());
        if (p.isEmpty() || !(p.get().role() == Role.REVIEWER || p.get().role() == Role.CLIENT_ADMIN)) return Optional.empty();
        String token = token(32);
        String csrf = token(24);
        long now = clock.millis();
        db.writer().execute(h -> {
            h.createUpdate("DELETE FROM review_sessions WHERE expires_at < :now").bind("now", now).execute();
            h.createUpdate("INSERT INTO review_sessions (id_hash, api_key_id, project_id, csrf_token, created_at, expires_at) "
                            + "VALUES (:h, :k, :p, :c, :now, :exp)")
                    .bind("h", ApiKeys.hash(token)).bind("k", p.get().keyId()).bind("p", p.get().projectId()).bind("c", csrf)
                    .bind("now", now).bind("exp", now + LIFETIME.toMillis()).execute();
            return null;
        });
        return Optional.of(token);
    }

    /** The reviewer behind a cookie value, if the session and its key are still valid. */
    Optional<Reviewer> current(String token) {
        if (token == null || token.length() < 20 || token.length() > 100) return Optional.empty();
        long now = clock.millis();
        return db.read(h -> h.createQuery("SELECT s.api_key_id, s.project_id, s.csrf_token, k.role, k.name FROM review_sessions s "
                        + "JOIN api_keys k ON k.id = s.api_key_id WHERE s.id_hash = :h AND s.expires_at > :now AND k.revoked_at IS NULL")
                .bind("h", ApiKeys.hash(token)).bind("now", now)
                .map((rs, ctx) -> {
                    Role role = Role.valueOf(rs.getString("role"));
                    return new Reviewer(new Principal(rs.getString("project_id"), rs.getString("api_key_id"), role), rs.getString("name"),
                            rs.getString("csrf_token"));
                }).findOne())
                .filter(r -> r.principal().role() == Role.REVIEWER || r.principal().role() == Role.CLIENT_ADMIN);
    }

    void signOut(String token) {
        if (token == null) return;
        db.writer().execute(h -> h.createUpdate("DELETE FROM review_sessions WHERE id_hash = :h").bind("h", ApiKeys.hash(token)).execute());
    }

    String cookie(String token) {
        return COOKIE + "=" + token + "; Path=/review; HttpOnly; SameSite=Strict; Max-Age=" + LIFETIME.toSeconds() + (secureCookie ? "; Secure" : "");
    }

    String clearCookie() {
        return COOKIE + "=; Path=/review; HttpOnly; SameSite=Strict; Max-Age=0" + (secureCookie ? "; Secure" : "");
    }

    static boolean same(String a, String b) {
        return a != null && b != null && MessageDigest.isEqual(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    }

    private String token(int bytes) {
        byte[] b = new byte[bytes];
        random.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }
}
