package dev.herald.projects;

import dev.herald.store.Database;
import dev.herald.util.Ids;
import java.time.Clock;
import java.util.List;

/** Projects: everything in Herald belongs to exactly one. */
public final class Projects {
    private final Database db;
    private final Clock clock;

    public Projects(Database db, Clock clock) {
        this.db = db;
        this.clock = clock;
    }

    /** A new project and its first CLIENT_ADMIN key (shown only here). */
    public record Created(String projectId, String name, ApiKeys.Created adminKey) {}

    /** A project as an operator lists it: how many keys it has that work. */
    public record Info(String id, String name, long createdAt, int activeKeys) {}

    /** Every project, oldest first. */
    public List<Info> list() {
        return db.read(h -> h.createQuery("SELECT p.id, p.name, p.created_at, "
                        + "(SELECT COUNT(*) FROM api_keys k WHERE k.project_id = p.id AND k.revoked_at IS NULL) AS keys FROM projects p ORDER BY p.id")
                .map((rs, ctx) -> new Info(rs.getString("id"), rs.getString("name"), rs.getLong("created_at"), rs.getInt("keys")))
                .list());
    }

    public boolean exists(String id) {
        return db.read(h -> h.createQuery("SELECT COUNT(*) FROM projects WHERE id = :id").bind("id", id).mapTo(Integer.class).one()) > 0;
    }

    public Created create(String name) {
        if (name == null || name.isBlank() || name.length() > 200) throw new IllegalArgumentException("project name must be 1 to 200 characters");
        return db.writer().execute(h -> {
            long now = clock.millis();
            String id = Ids.uuid7(now);
            h.createUpdate("INSERT INTO projects (id, name, created_at) VALUES (:id, :n, :now)").bind("id", id).bind("n", name.trim()).bind("now", now).execute();
            return new Created(id, name.trim(), ApiKeys.insert(h, id, "admin", Role.CLIENT_ADMIN, now));
        });
    }
}
