package dev.herald.projects;

import dev.herald.store.Database;
import dev.herald.store.Dialect;
import dev.herald.store.Sql;
import dev.herald.store.Writer;
import dev.herald.util.Hashes;
import dev.herald.util.Ids;
import dev.herald.util.Json;
import dev.herald.util.Problem;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.Query;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * API keys: {@code hk_} + 32 random bytes (base64url), shown once, stored as SHA-256 (the keys are
 * random, so a slow hash adds nothing). Listed by name, role and prefix, never by value or hash.
 *
 * <p>Every request looks its key up in the database (one indexed read), so a revoked key fails at once
 * on every node, SQLite or PostgreSQL, and on the review page, whose sessions check their key on each
 * request too. The one exception is {@link #recall}, for publishing events on PostgreSQL: the principal
 * comes from this node's memory and the write that stores the events {@link #confirm}s the key before it
 * commits, so revocation still takes effect from the next request on. Hazard: anything else remembered
 * here would have to be validated per request, or revocation would lag behind on other nodes.
 *
 * <p>{@code last_used_at} is written at most once a minute per key (and only when the stored value is
 * older), off the request's path, as a relaxed write: losing one on a power failure costs a minute of
 * accuracy, nothing else.
 */
public final class ApiKeys {
    private static final Logger log = LoggerFactory.getLogger(ApiKeys.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    /** How stale {@code last_used_at} may get: at most one write per key per this many milliseconds. */
    public static final long LAST_USED_RESOLUTION_MILLIS = 60_000;

    private final Database db;
    private final Clock clock;
    /** Per key id, when this process last wrote (or saw written) its {@code last_used_at}. */
    private final Map<String, Long> touched = new ConcurrentHashMap<>();
    /** What {@link #recall} remembers: the principal of each key hash found active on this node (PostgreSQL only). */
    private final Map<String, Principal> recalled = new ConcurrentHashMap<>();
    /** Keys {@link #recall} remembers at most; past this it starts again from none. */
    static final int RECALLED_MAX = 10_000;

    /** A key as created: the only time its secret value exists outside the caller's hands. */
    public record Created(String id, String projectId, String name, Role role, String key, long createdAt) {
        public ObjectNode json() {
            ObjectNode n = Json.object();
            n.put("id", id);
            n.put("name", name);
            n.put("role", role.name());
            n.put("api_key", key);
            n.put("created_at", Instant.ofEpochMilli(createdAt).toString());
            return n;
        }
    }

    /** A key as listed: who and what, its first characters to recognise it by, never the key or its hash. */
    public record Info(String id, String projectId, String name, Role role, String prefix, long createdAt, Long lastUsedAt) {
        public ObjectNode json() {
            ObjectNode n = Json.object();
            n.put("id", id);
            n.put("name", name);
            n.put("role", role.name());
            n.put("prefix", prefix);
            n.put("created_at", Instant.ofEpochMilli(createdAt).toString());
            n.put("last_used_at", lastUsedAt == null ? null : Instant.ofEpochMilli(lastUsedAt).toString());
            return n;
        }
    }

    /** One page of keys, newest first; {@code nextCursor} is null on the last page. */
    public record Page(List<Info> keys, String nextCursor) {}

    public ApiKeys(Database db, Clock clock) {
        this.db = db;
        this.clock = clock;
    }

    public Created create(String projectId, String name, Role role) {
        return db.writer().execute(h -> {
            boolean exists = h.createQuery("SELECT COUNT(*) FROM projects WHERE id = :p").bind("p", projectId).mapTo(Integer.class).one() > 0;
            if (!exists) throw Problem.notFound("project");
            return insert(h, projectId, name, role, clock.millis());
        });
    }

    /**
     * The id of the project's operator key named {@code name} with {@code role}, created when there is none
     * active: the identity a console session started by an operator ({@code herald admin console-link}) acts
     * as, so what it does is recorded under that name and revoking the key ends its sessions. The key's value
     * is never shown to anyone (no request can present it); it is listed with the project's other keys.
     */
    public String operatorKey(String projectId, String name, Role role) {
        return db.writer().execute(h -> {
            boolean exists = h.createQuery("SELECT COUNT(*) FROM projects WHERE id = :p").bind("p", projectId).mapTo(Integer.class).one() > 0;
            if (!exists) throw Problem.notFound("project");
            lockProject(h, projectId);
            return h.createQuery("SELECT id FROM api_keys WHERE project_id = :p AND name = :n AND role = :r AND revoked_at IS NULL ORDER BY id LIMIT 1")
                    .bind("p", projectId).bind("n", name).bind("r", role.name()).mapTo(String.class).findOne()
                    .orElseGet(() -> insert(h, projectId, name, role, clock.millis()).id());
        });
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

    /** The principal for a presented key, or empty for an unknown or revoked key. Reads the database every time. */
    public Optional<Principal> authenticate(String presented) {
        if (presented == null || presented.length() < 10 || presented.length() > 200) return Optional.empty();
        String hash = hash(presented);
        record Found(Principal principal, Long lastUsedAt) {}
        // Plain JDBC on a statement each pooled connection prepares once: this runs on every API request.
        Optional<Found> found = db.read(h -> {
            try {
                java.sql.PreparedStatement ps = Sql.pooled(h, "SELECT id, project_id, role, last_used_at FROM api_keys WHERE key_hash = ? AND revoked_at IS NULL");
                ps.setString(1, hash);
                try (java.sql.ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) return Optional.<Found>empty();
                    long used = rs.getLong(4);
                    Long lastUsed = rs.wasNull() ? null : used;
                    return Optional.of(new Found(new Principal(rs.getString(2), rs.getString(1), Role.valueOf(rs.getString(3))), lastUsed));
                }
            } catch (java.sql.SQLException e) {
                throw new dev.herald.store.StoreException("cannot read API keys: " + e.getMessage(), e);
            }
        });
        found.ifPresent(f -> touch(f.principal().keyId(), f.lastUsedAt()));
        return found.map(Found::principal);
    }

    /** A principal {@link #recall} found, and whether it was read from the database just now ({@code confirmed}). */
    public record Recalled(Principal principal, boolean confirmed) {}

    /**
     * For a request whose whole effect is one write that {@link #confirm}s the key before its commit
     * ({@code POST /api/v1/events}): on PostgreSQL, where every read is a round trip, the principal this
     * node found for {@code presented} before, without reading it again ({@code confirmed} false); the
     * write then checks that the key is still active with the rest of its batch, so a revoked key still
     * fails from the next request on, on every node, and nothing it sent is stored. Otherwise (SQLite, a
     * key not seen here yet) what {@link #authenticate} reads. Only keys that were active are remembered.
     */
    public Optional<Recalled> recall(String presented) {
        if (db.dialect() != Dialect.POSTGRESQL || presented == null || presented.length() < 10 || presented.length() > 200) {
            return authenticate(presented).map(p -> new Recalled(p, true));
        }
        String hash = hash(presented);
        Principal known = recalled.get(hash);
        if (known != null) {
            touch(known.keyId(), null);
            return Optional.of(new Recalled(known, false));
        }
        Optional<Principal> read = authenticate(presented);
        read.ifPresent(p -> {
            if (recalled.size() >= RECALLED_MAX) recalled.clear();
            recalled.put(hash, p);
        });
        return read.map(p -> new Recalled(p, true));
    }

    /**
     * Inside a write, on the writer's thread: makes it fail with {@link KeyNotActive} unless key {@code keyId}
     * is active when it commits. With {@code batch} (the writer batch's {@link Confirmations}, PostgreSQL), all
     * keys of the batch are checked by one read before the commit; if one was revoked, the writer rolls the
     * batch back and runs it again confirming each write by itself, so only the writes of that key fail.
     * Without it ({@code batch} null), one read now.
     */
    public void confirm(Handle h, Confirmations batch, String keyId) {
        if (batch != null) {
            batch.keyIds.add(keyId);
            return;
        }
        try {
            java.sql.PreparedStatement ps = Sql.cached(h, "SELECT 1 FROM api_keys WHERE id = ? AND revoked_at IS NULL");
            ps.setString(1, keyId);
            try (java.sql.ResultSet rs = ps.executeQuery()) {
                if (rs.next()) return;
            }
        } catch (java.sql.SQLException e) {
            throw new dev.herald.store.StoreException("cannot read API keys: " + e.getMessage(), e);
        }
        // Forgotten here so the key's next request reads it (and is refused before doing any work).
        recalled.values().removeIf(p -> p.keyId().equals(keyId));
        throw new KeyNotActive();
    }

    /** A write {@link #confirm}ed a key that is no longer active: the request is refused as if the key were unknown. */
    public static final class KeyNotActive extends RuntimeException {
        public KeyNotActive() {
            super("the API key is not valid", null, false, false);
        }
    }

    /** The keys the writes of one writer batch confirm, checked by one read before its commit (PostgreSQL). */
    public static final class Confirmations implements Writer.Deferred {
        private final java.util.Set<String> keyIds = new java.util.HashSet<>();

        @Override
        public void flush(Handle h) throws java.sql.SQLException {
            if (keyIds.isEmpty()) return;
            try {
                java.sql.PreparedStatement ps = Sql.cached(h, "SELECT count(*) FROM api_keys WHERE id = ANY(?) AND revoked_at IS NULL");
                ps.setArray(1, h.getConnection().createArrayOf("text", keyIds.toArray()));
                try (java.sql.ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    // The writer runs the batch again confirming each write by itself, which finds the ones at fault.
                    if (rs.getInt(1) != keyIds.size()) throw new dev.herald.store.StoreException("an API key confirmed in this batch is no longer active", null);
                }
            } finally {
                keyIds.clear();
            }
        }
    }

    /** Records that a key was used now, unless that was recorded less than a minute ago (here or by another node). */
    private void touch(String keyId, Long storedLastUse) {
        long now = clock.millis();
        if (storedLastUse != null && now - storedLastUse < LAST_USED_RESOLUTION_MILLIS) return;
        boolean[] mine = new boolean[1];
        touched.compute(keyId, (k, previous) -> {
            if (previous != null && now - previous < LAST_USED_RESOLUTION_MILLIS) return previous;
            mine[0] = true;
            return now;
        });
        if (!mine[0]) return;
        if (touched.size() > 100_000) touched.clear();
        db.writer().submitRelaxed(h -> h.createUpdate("UPDATE api_keys SET last_used_at = :now WHERE id = :id AND (last_used_at IS NULL OR last_used_at < :now)")
                        .bind("now", now).bind("id", keyId).execute())
                .exceptionally(t -> {
                    log.debug("could not record the use of API key {}: {}", keyId, t.getMessage());
                    return null;
                });
    }

    /** The project's active keys, newest first, {@code limit} at a time after {@code cursor} (the last id of the previous page). */
    public Page list(String projectId, String cursor, int limit) {
        List<Info> rows = db.read(h -> {
            Query q = h.createQuery("SELECT " + INFO + " FROM api_keys "
                            + "WHERE project_id = :p AND revoked_at IS NULL" + (cursor == null ? "" : " AND id < :c") + " ORDER BY id DESC LIMIT :lim")
                    .bind("p", projectId).bind("lim", limit + 1);
            if (cursor != null) q.bind("c", cursor);
            return q.map((rs, ctx) -> info(rs)).list();
        });
        boolean more = rows.size() > limit;
        List<Info> page = more ? rows.subList(0, limit) : rows;
        return new Page(List.copyOf(page), more ? page.get(limit - 1).id() : null);
    }

    /**
     * Revokes a key of {@code projectId} through the API, on behalf of the key {@code callerKeyId}: the
     * project's last CLIENT_ADMIN key cannot be revoked this way (the caller is a CLIENT_ADMIN, so that key
     * is the caller's own, and the project would lock itself out); an operator can with {@link #revoke(String)}.
     */
    public void revoke(String projectId, String keyId, String callerKeyId) {
        if (!Ids.isUuid(keyId)) throw Problem.notFound("API key");
        db.writer().execute(h -> {
            lockProject(h, projectId);
            Optional<Role> role = activeRole(h, projectId, keyId);
            if (role.isEmpty()) throw Problem.notFound("API key");
            if (role.get() == Role.CLIENT_ADMIN) {
                int admins = h.createQuery("SELECT COUNT(*) FROM api_keys WHERE project_id = :p AND role = :r AND revoked_at IS NULL AND id <> :id")
                        .bind("p", projectId).bind("r", Role.CLIENT_ADMIN.name()).bind("id", keyId).mapTo(Integer.class).one();
                if (admins == 0) {
                    throw new Problem(Problem.Kind.CONFLICT, "last_admin_key", "this is the project's last CLIENT_ADMIN key"
                            + (keyId.equals(callerKeyId) ? " (the one making this request)" : "")
                            + "; create another CLIENT_ADMIN key first, or ask an operator (./herald admin revoke-key)", null);
                }
            }
            markRevoked(h, keyId);
            return null;
        });
    }

    /** Revokes any key, by an operator (./herald admin revoke-key); returns what it was. Even a project's last CLIENT_ADMIN key. */
    public Info revoke(String keyId) {
        if (!Ids.isUuid(keyId)) throw Problem.notFound("API key");
        return db.writer().execute(h -> {
            Info info = h.createQuery("SELECT " + INFO + " FROM api_keys WHERE id = :id AND revoked_at IS NULL")
                    .bind("id", keyId)
                    .map((rs, ctx) -> info(rs)).findOne().orElseThrow(() -> Problem.notFound("API key"));
            markRevoked(h, keyId);
            return info;
        });
    }

    private static final String INFO = "id, project_id, name, role, key_prefix, created_at, last_used_at";

    private static Info info(java.sql.ResultSet rs) throws java.sql.SQLException {
        long used = rs.getLong("last_used_at");
        Long lastUsed = rs.wasNull() ? null : used;
        return new Info(rs.getString("id"), rs.getString("project_id"), rs.getString("name"), Role.valueOf(rs.getString("role")),
                rs.getString("key_prefix"), rs.getLong("created_at"), lastUsed);
    }

    private void markRevoked(Handle h, String keyId) {
        h.createUpdate("UPDATE api_keys SET revoked_at = :now WHERE id = :id AND revoked_at IS NULL").bind("now", clock.millis()).bind("id", keyId).execute();
    }

    private static Optional<Role> activeRole(Handle h, String projectId, String keyId) {
        return h.createQuery("SELECT role FROM api_keys WHERE id = :id AND project_id = :p AND revoked_at IS NULL")
                .bind("id", keyId).bind("p", projectId).mapTo(String.class).findOne().map(Role::valueOf);
    }

    /**
     * Serializes key changes of one project: on PostgreSQL two nodes revoking each other's admin key at
     * the same moment would otherwise both see the other key still active. SQLite's writes never overlap.
     */
    private static void lockProject(Handle h, String projectId) {
        if (Dialect.of(h) == Dialect.POSTGRESQL) {
            h.createQuery("SELECT id FROM projects WHERE id = :p FOR UPDATE").bind("p", projectId).mapTo(String.class).findOne();
        }
    }

    /** The name a key was given (who approved or drafted something), or its id if it is gone. */
    public String name(String keyId) {
        return db.read(h -> h.createQuery("SELECT name FROM api_keys WHERE id = :id").bind("id", keyId).mapTo(String.class).findOne()).orElse(keyId);
    }

    public static String hash(String key) {
        return Hashes.sha256Hex(key);
    }
}
