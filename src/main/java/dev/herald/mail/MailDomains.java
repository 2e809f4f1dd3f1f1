package dev.herald.mail;

import dev.herald.store.Database;
import dev.herald.util.Ids;
import dev.herald.util.Json;
import dev.herald.util.JsonBody;
import dev.herald.util.Problem;
import java.net.IDN;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;
import tools.jackson.databind.node.ObjectNode;

/**
 * The domains a project receives mail for. A domain belongs to one project in the whole installation,
 * so the SMTP listener knows whose mail a recipient is from its domain alone (the unique index decides a
 * race between two projects claiming the same domain).
 */
public final class MailDomains {
    public static final Set<String> FIELDS = Set.of("domain");
    private static final Pattern LABEL = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");

    private final Database db;
    private final Clock clock;

    public MailDomains(Database db, Clock clock) {
        this.db = db;
        this.clock = clock;
    }

    public record Domain(String id, String projectId, String domain, long createdAt) {
        public ObjectNode json() {
            ObjectNode n = Json.object();
            n.put("id", id);
            n.put("domain", domain);
            n.put("created_at", Instant.ofEpochMilli(createdAt).toString());
            return n;
        }
    }

    public Domain create(String projectId, JsonBody in) {
        String domain = normalize(in.string("domain", true));
        if (domain == null) throw Problem.invalid("domain", "'domain' must be a domain name such as mail.example.com");
        Domain d = new Domain(Ids.uuid7(clock.millis()), projectId, domain, clock.millis());
        try {
            db.writer().execute(h -> {
                if (find(h, domain).isPresent()) throw taken(domain);
                return h.createUpdate("INSERT INTO mail_domains (id, project_id, domain, created_at) VALUES (:id, :p, :d, :at)")
                        .bind("id", d.id()).bind("p", projectId).bind("d", domain).bind("at", d.createdAt()).execute();
            });
        } catch (UnableToExecuteStatementException e) {
            // Another node claimed it between the check and the insert (PostgreSQL): the unique index decided.
            if (find(domain).isPresent()) throw taken(domain);
            throw e;
        }
        return d;
    }

    private static Problem taken(String domain) {
        return new Problem(Problem.Kind.CONFLICT, "domain_taken", "'" + domain + "' is already claimed (by this or another project)", "domain");
    }

    public List<Domain> list(String projectId) {
        return db.read(h -> h.createQuery("SELECT id, project_id, domain, created_at FROM mail_domains WHERE project_id = :p ORDER BY domain")
                .bind("p", projectId).map((rs, ctx) -> new Domain(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4))).list());
    }

    public void delete(String projectId, String id) {
        if (!Ids.isUuid(id)) throw Problem.notFound("mail domain");
        int n = db.writer().execute(h -> h.createUpdate("DELETE FROM mail_domains WHERE id = :id AND project_id = :p")
                .bind("id", Ids.canonical(id)).bind("p", projectId).execute());
        if (n == 0) throw Problem.notFound("mail domain");
    }

    /** The project that claimed the domain of {@code address} (lower-case), if any. */
    public Optional<String> projectOf(String address) {
        int at = address.lastIndexOf('@');
        if (at < 0) return Optional.empty();
        String domain = normalize(address.substring(at + 1));
        if (domain == null) return Optional.empty();
        return find(domain).map(Domain::projectId);
    }

    /** Reads in the caller's transaction. */
    static Optional<Domain> find(Handle h, String domain) {
        return h.createQuery("SELECT id, project_id, domain, created_at FROM mail_domains WHERE domain = :d").bind("d", domain)
                .map((rs, ctx) -> new Domain(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4))).findOne();
    }

    private Optional<Domain> find(String domain) {
        return db.read(h -> find(h, domain));
    }

    /** The domain in its ASCII (punycode) lower-case form, or null when it is not a domain name. */
    static String normalize(String in) {
        if (in == null) return null;
        String d = in.trim();
        if (d.endsWith(".")) d = d.substring(0, d.length() - 1);
        if (d.isEmpty() || d.length() > 253) return null;
        try {
            d = IDN.toASCII(d, IDN.USE_STD3_ASCII_RULES).toLowerCase(Locale.ROOT);
        } catch (IllegalArgumentException e) {
            return null;
        }
        String[] labels = d.split("\\.", -1);
        if (labels.length < 2) return null;
        for (String l : labels) {
            if (!LABEL.matcher(l).matches()) return null;
        }
        return d;
    }
}
