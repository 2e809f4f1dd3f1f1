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
import java.util.Set;
import org.jdbi.v3.core.Handle;

/**
 * Sign-in sessions of Herald's browser pages: the review page ({@link #review}) and the console
 * ({@link #console}). A person signs in once with their own API key (a role the surface admits); the
 * browser then holds a random session token in an HttpOnly, SameSite=Strict cookie scoped to the
 * surface's path. Only the token's SHA-256 is stored; each session has its own CSRF token for the
 * pages' forms. A session ends when it expires, on sign-out, or as soon as its API key is revoked or
 * deleted. Both surfaces share one store: a console session of a key that may review also opens the
 * review page (the console sets both cookies for the same token), and signing out of either ends both.
 */
public final class ReviewSessions {
    public static final String COOKIE = "herald_review";
    public static final String CONSOLE_COOKIE = "herald_console";
    static final Duration LIFETIME = Duration.ofHours(12);
    static final Set<Role> REVIEW_ROLES = Set.of(Role.REVIEWER, Role.CLIENT_ADMIN);
    static final Set<Role> CONSOLE_ROLES = Set.of(Role.CLIENT_ADMIN, Role.VIEWER);

    private final Database db;
    private final ApiKeys keys;
    private final Clock clock;
    private final boolean secureCookie;
    private final SecureRandom random = new SecureRandom();
    private final String cookieName;
    private final String path;
    private final Set<Role> roles;

    /** The review page's sessions (REVIEWER or CLIENT_ADMIN keys, cookie {@value #COOKIE} on /review). */
    public ReviewSessions(Database db, ApiKeys keys, Clock clock, boolean secureCookie) {
        this(db, keys, clock, secureCookie, COOKIE, "/review", REVIEW_ROLES);
    }

    private ReviewSessions(Database db, ApiKeys keys, Clock clock, boolean secureCookie, String cookieName, String path, Set<Role> roles) {
        this.db = db;
        this.keys = keys;
        this.clock = clock;
        this.secureCookie = secureCookie;
        this.cookieName = cookieName;
        this.path = path;
        this.roles = roles;
    }

    /** The console's sessions (CLIENT_ADMIN or VIEWER keys, cookie {@value #CONSOLE_COOKIE} on /console), in the same store. */
    public static ReviewSessions console(Database db, ApiKeys keys, Clock clock, boolean secureCookie) {
        return new ReviewSessions(db, keys, clock, secureCookie, CONSOLE_COOKIE, "/console", CONSOLE_ROLES);
    }

    /** The review page's view of the same store, for the console to open the review page with the same session. */
    ReviewSessions review() {
        return new ReviewSessions(db, keys, clock, secureCookie);
    }

    /** Whether this surface admits a key of {@code role}. */
    boolean admits(Role role) {
        return roles.contains(role);
    }

    String cookieName() {
        return cookieName;
    }

    /** A signed-in reviewer: who, for which project, and the CSRF token their forms must carry. */
    public record Reviewer(Principal principal, String name, String csrf) {}

    /** Starts a session for a reviewer's API key; empty when the key is unknown or may not review. */
    Optional<String> signIn(String apiKey) {
        Optional<Principal> p = keys.authenticate(apiKey == null ? null : apiKey.trim());
        if (p.isEmpty() || !roles.contains(p.get().role())) return Optional.empty();
        String token = token(32);
        db.writer().execute(h -> {
            start(h, token, p.get().keyId(), p.get().projectId(), clock.millis());
            return null;
        });
        return Optional.of(token);
    }

    private void start(Handle h, String token, String keyId, String projectId, long now) {
        h.createUpdate("DELETE FROM review_sessions WHERE expires_at < :now").bind("now", now).execute();
        h.createUpdate("INSERT INTO review_sessions (id_hash, api_key_id, project_id, csrf_token, created_at, expires_at) "
                        + "VALUES (:h, :k, :p, :c, :now, :exp)")
                .bind("h", ApiKeys.hash(token)).bind("k", keyId).bind("p", projectId).bind("c", token(24))
                .bind("now", now).bind("exp", now + LIFETIME.toMillis()).execute();
    }

    // ---- one-time sign-in links (herald admin console-link) ----

    /** The longest a sign-in link may last (the command's default is 15 minutes). */
    public static final Duration LINK_MAX_LIFETIME = Duration.ofHours(24);
    /** The console page a link opens, with its token as the {@code token} query parameter. */
    public static final String LINK_PATH = "/console/link";

    /** Who a sign-in link signs in as. */
    record Link(String keyName, Role role, String projectName) {}

    /**
     * Creates a one-time console sign-in link for the operator key {@code keyId} of {@code projectId},
     * valid for {@code ttl}, and returns its token; only the token's SHA-256 is stored. Used by
     * {@code herald admin console-link}, beside a running server on the same database.
     */
    public static String createLink(Database db, Clock clock, String projectId, String keyId, Duration ttl) {
        if (ttl.isNegative() || ttl.isZero() || ttl.compareTo(LINK_MAX_LIFETIME) > 0) {
            throw new IllegalArgumentException("a link lasts more than 0 and at most " + LINK_MAX_LIFETIME.toHours() + "h");
        }
        byte[] b = new byte[32];
        new SecureRandom().nextBytes(b);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(b);
        long now = clock.millis();
        db.writer().execute(h -> {
            h.createUpdate("DELETE FROM console_links WHERE expires_at < :now").bind("now", now).execute();
            h.createUpdate("INSERT INTO console_links (id_hash, api_key_id, project_id, created_at, expires_at) VALUES (:h, :k, :p, :now, :exp)")
                    .bind("h", ApiKeys.hash(token)).bind("k", keyId).bind("p", projectId).bind("now", now).bind("exp", now + ttl.toMillis()).execute();
            return null;
        });
        return token;
    }

    /** Who an unused, unexpired link would sign in as, without using it; empty when it cannot be used. */
    Optional<Link> link(String token) {
        if (!plausible(token)) return Optional.empty();
        return db.read(h -> h.createQuery("SELECT k.name, k.role, p.name AS project FROM console_links l JOIN api_keys k ON k.id = l.api_key_id "
                        + "JOIN projects p ON p.id = l.project_id WHERE l.id_hash = :h AND l.expires_at > :now AND k.revoked_at IS NULL")
                .bind("h", ApiKeys.hash(token)).bind("now", clock.millis())
                .map((rs, ctx) -> new Link(rs.getString("name"), Role.valueOf(rs.getString("role")), rs.getString("project"))).findOne())
                .filter(l -> roles.contains(l.role()));
    }

    /**
     * Uses a link: it is deleted (a second use finds nothing, on any node) and a session of its key starts;
     * returns the session's token. Empty when the link is unknown, used, expired, or its key was revoked.
     */
    Optional<String> redeem(String linkToken) {
        if (!plausible(linkToken)) return Optional.empty();
        long now = clock.millis();
        String session = token(32);
        return db.writer().execute(h -> {
            String hash = ApiKeys.hash(linkToken);
            Optional<String[]> found = h.createQuery("SELECT l.api_key_id, l.project_id, k.role FROM console_links l JOIN api_keys k ON k.id = l.api_key_id "
                            + "WHERE l.id_hash = :h AND l.expires_at > :now AND k.revoked_at IS NULL")
                    .bind("h", hash).bind("now", now)
                    .map((rs, ctx) -> new String[] {rs.getString("api_key_id"), rs.getString("project_id"), rs.getString("role")}).findOne();
            if (found.isEmpty() || !roles.contains(Role.valueOf(found.get()[2]))) return Optional.<String>empty();
            if (h.createUpdate("DELETE FROM console_links WHERE id_hash = :h").bind("h", hash).execute() != 1) return Optional.<String>empty();
            start(h, session, found.get()[0], found.get()[1], now);
            return Optional.of(session);
        });
    }

    private static boolean plausible(String token) {
        return token != null && token.length() >= 20 && token.length() <= 100;
    }

    /** The reviewer behind a cookie value, if the session and its key are still valid. */
    Optional<Reviewer> current(String token) {
        if (!plausible(token)) return Optional.empty();
        long now = clock.millis();
        return db.read(h -> h.createQuery("SELECT s.api_key_id, s.project_id, s.csrf_token, k.role, k.name FROM review_sessions s "
                        + "JOIN api_keys k ON k.id = s.api_key_id WHERE s.id_hash = :h AND s.expires_at > :now AND k.revoked_at IS NULL")
                .bind("h", ApiKeys.hash(token)).bind("now", now)
                .map((rs, ctx) -> {
                    Role role = Role.valueOf(rs.getString("role"));
                    return new Reviewer(new Principal(rs.getString("project_id"), rs.getString("api_key_id"), role), rs.getString("name"),
                            rs.getString("csrf_token"));
                }).findOne())
                .filter(r -> roles.contains(r.principal().role()));
    }

    void signOut(String token) {
        if (token == null) return;
        db.writer().execute(h -> h.createUpdate("DELETE FROM review_sessions WHERE id_hash = :h").bind("h", ApiKeys.hash(token)).execute());
    }

    String cookie(String token) {
        return cookieName + "=" + token + "; Path=" + path + "; HttpOnly; SameSite=Strict; Max-Age=" + LIFETIME.toSeconds() + (secureCookie ? "; Secure" : "");
    }

    String clearCookie() {
        return cookieName + "=; Path=" + path + "; HttpOnly; SameSite=Strict; Max-Age=0" + (secureCookie ? "; Secure" : "");
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
