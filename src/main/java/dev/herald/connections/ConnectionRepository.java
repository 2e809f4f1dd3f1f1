package dev.herald.connections;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.StatementContext;

/** SQL for connections. Every method takes the caller's handle, so it joins the caller's transaction. */
final class ConnectionRepository {
    private static final String COLUMNS = "id, project_id, name, display_name, description, type, details_enc, details_view, created_at, updated_at";

    private ConnectionRepository() {}

    static void insert(Handle h, Connection c) {
        h.createUpdate("INSERT INTO connections (" + COLUMNS + ") VALUES (:id, :p, :name, :display_name, :description, :type, :enc, :view, :created, :updated)")
                .bind("id", c.id()).bind("p", c.projectId()).bind("name", c.name()).bind("display_name", c.displayName())
                .bind("description", c.description()).bind("type", c.type()).bind("enc", c.detailsSealed()).bind("view", c.detailsView())
                .bind("created", c.createdAt()).bind("updated", c.updatedAt())
                .execute();
    }

    static boolean update(Handle h, Connection c) {
        return h.createUpdate("UPDATE connections SET display_name = :display_name, description = :description, type = :type, details_enc = :enc, "
                        + "details_view = :view, updated_at = :updated WHERE id = :id AND project_id = :p")
                .bind("id", c.id()).bind("p", c.projectId()).bind("display_name", c.displayName()).bind("description", c.description())
                .bind("type", c.type()).bind("enc", c.detailsSealed()).bind("view", c.detailsView()).bind("updated", c.updatedAt())
                .execute() == 1;
    }

    static boolean exists(Handle h, String projectId, String name) {
        return h.createQuery("SELECT 1 FROM connections WHERE project_id = :p AND name = :n").bind("p", projectId).bind("n", name)
                .mapTo(Integer.class).findOne().isPresent();
    }

    static Optional<Connection> find(Handle h, String projectId, String name) {
        return h.createQuery("SELECT " + COLUMNS + " FROM connections WHERE project_id = :p AND name = :n")
                .bind("p", projectId).bind("n", name).map(ConnectionRepository::map).findOne();
    }

    static Optional<Connection> findById(Handle h, String id) {
        return h.createQuery("SELECT " + COLUMNS + " FROM connections WHERE id = :id").bind("id", id).map(ConnectionRepository::map).findOne();
    }

    static List<Connection> list(Handle h, String projectId) {
        return h.createQuery("SELECT " + COLUMNS + " FROM connections WHERE project_id = :p ORDER BY name")
                .bind("p", projectId).map(ConnectionRepository::map).list();
    }

    static boolean delete(Handle h, String projectId, String name) {
        return h.createUpdate("DELETE FROM connections WHERE project_id = :p AND name = :n").bind("p", projectId).bind("n", name).execute() == 1;
    }

    private static Connection map(ResultSet rs, StatementContext ctx) throws SQLException {
        return new Connection(rs.getString("id"), rs.getString("project_id"), rs.getString("name"), rs.getString("display_name"),
                rs.getString("description"), rs.getString("type"), rs.getString("details_enc"), rs.getString("details_view"),
                rs.getLong("created_at"), rs.getLong("updated_at"));
    }
}
