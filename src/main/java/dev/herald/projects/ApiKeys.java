package dev.herald.projects;

import dev.herald.store.Database;
import dev.herald.util.Hashes;
import dev.herald.util.Ids;
import dev.herald.util.Json;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.jdbi.v3.core.Handle;
import tools.jackson.databind.node.ObjectNode;

/**
 * API keys: {@code hk_} + 32 random bytes (base64url), shown once, stored as SHA-256 (the keys are
 * random, so a slow hash adds nothing). Lookups are cached for a few seconds; a key revoked in the
 * database stops working within that time.
 */
public final class ApiKeys {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final long CACHE_MILLIS = 5_000;

    private final Database db;
    private final Clock clock;
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();

    private record Cached(Optional<Principal> principal, long until) {}

    /** A key as created: the only time its secret value exists outside the caller's hands. */
    public record Created(String id, String projectId, String name, Role role, String key, long createdAt) {
        public ObjectNode json() {
            ObjectNode n = Json.object();
            n.put("id", id);
            n.put("name", name);
            n.put("role", role.name());
            n.put("api_key", key);
            n.put("created_at", java.time.Instant.ofEpochMilli(createdAt).toString());
            return n;
        }
    }

    public ApiKeys(Database db, Clock clock) {
        this.db = db;
        this.clock = clock;
    }

    public Created create(String projectId, String name, Role role) {
        return db.writer().execute(h -> insert(h, projectId, name, role, clock.millis()));
    }

    static Created insert(Handle h, String projectId, String name, Role role, long now) {
        byte[] raw = new byte[32];
        RANDOM.nextBytes(raw);
        String key = "hk_" + Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
        String id = Ids.uuid7(now);
        h.createUpdate("INSERT INTO api_keys (id, project_id, name, role, key_hash, key_prefix, created_at) VALUES (:id, :p, :n, :r, :h, :pre, :now)")
                .bind("id", id).bind("p", projectId).bind("n", name).bind("r", role.name()).bind("h", hash(key))
                .bind("pre", key.substring(0, 10)).bind("now", now).execute();
        return new Created(id, projectId, name, role, key, now);
    }

    /** The principal for a presented key, or empty for an unknown or revoked key. */
    public Optional<Principal> authenticate(String presented) {
        if (presented == null || presented.length() < 10 || presented.length() > 200) return Optional.empty();
        String hash = hash(presented);
        long now = clock.millis();
        Cached c = cache.get(hash);
        if (c != null && c.until() > now) return c.principal();
        Optional<Principal> p = db.read(h -> h.createQuery("SELECT id, project_id, role FROM api_keys WHERE key_hash = :h AND revoked_at IS NULL")
                .bind("h", hash)
                .map((rs, ctx) -> new Principal(rs.getString("project_id"), rs.getString("id"), Role.valueOf(rs.getString("role"))))
                .findOne());
        if (cache.size() > 10_000) cache.clear();
        cache.put(hash, new Cached(p, now + CACHE_MILLIS));
        return p;
    }

    /** The name a key was given (who approved or drafted something), or its id if it is gone. */
    public String name(String keyId) {
        return db.read(h -> h.createQuery("SELECT name FROM api_keys WHERE id = :id").bind("id", keyId).mapTo(String.class).findOne()).orElse(keyId);
    }

    public static String hash(String key) {
        return Hashes.sha256Hex(key);
    }
}
