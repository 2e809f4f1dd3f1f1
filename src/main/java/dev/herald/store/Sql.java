package dev.herald.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.WeakHashMap;
import org.jdbi.v3.core.Handle;

/**
 * Plain-JDBC helpers for the hot paths, where Jdbi's per-statement work (SQL rewriting, binding
 * reflection) cost a fifth of the process CPU under load (docs/BENCHMARKS.md).
 *
 * <p>Id lists are bound as one JSON array parameter ({@link #idsIn}), so the SQL text is the same for
 * every list size: statements stay cacheable and nothing is re-parsed.
 */
public final class Sql {
    private static final Map<Connection, Map<String, PreparedStatement>> CACHE = new WeakHashMap<>();

    private Sql() {}

    /**
     * A prepared statement for a read on a pooled connection ({@code h}), which the caller must not close
     * (a result set it opens it closes). On SQLite it is kept for the life of the connection: cached on
     * the physical connection under the pool's proxy, so each connection compiles it once; a local file
     * does not go away under a connection. On PostgreSQL it is prepared through the pool's proxy, which
     * closes it when the connection goes back to the pool and, above all, sees its errors: a connection
     * the database dropped is then evicted instead of being handed out again (pgjdbc keeps its own
     * per-connection cache of prepared statements, so preparing again is cheap).
     */
    public static PreparedStatement pooled(Handle h, String sql) throws SQLException {
        if (Dialect.of(h) != Dialect.SQLITE) return h.getConnection().prepareStatement(sql);
        return cached(h.getConnection().unwrap(Connection.class), sql);
    }

    private static PreparedStatement cached(Connection c, String sql) throws SQLException {
        Map<String, PreparedStatement> byText;
        synchronized (CACHE) {
            byText = CACHE.computeIfAbsent(c, k -> new HashMap<>());
        }
        synchronized (byText) {
            PreparedStatement ps = byText.get(sql);
            if (ps == null || ps.isClosed()) {
                ps = c.prepareStatement(sql);
                byText.put(sql, ps);
            }
            return ps;
        }
    }

    /**
     * A prepared statement kept for the life of the connection. Only for the writer's connection, which
     * one thread uses for as long as it is open; pooled read connections must prepare per use.
     */
    public static PreparedStatement cached(Handle h, String sql) throws SQLException {
        return cached(h.getConnection(), sql);
    }

    /** A subquery yielding the ids of a JSON array bound to {@code param}: {@code id IN (} + this + {@code )}. */
    public static String idsIn(Handle h, String param) {
        return Dialect.of(h).idsIn(param);
    }

    /** The JSON array of ids to bind for {@link #idsIn}. Ids are UUIDs and never need escaping, but quotes are escaped anyway. */
    public static String jsonArray(Collection<String> ids) {
        StringBuilder b = new StringBuilder(ids.size() * 40 + 2).append('[');
        boolean first = true;
        for (String id : ids) {
            if (!first) b.append(',');
            first = false;
            b.append('"').append(id.replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
        }
        return b.append(']').toString();
    }
}
