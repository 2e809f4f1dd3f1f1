package dev.herald.inbound;

import dev.herald.signing.SecretBox;
import dev.herald.store.Database;
import dev.herald.util.Ids;
import dev.herald.util.Json;
import dev.herald.util.JsonBody;
import dev.herald.util.Problem;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.jdbi.v3.core.Handle;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Inbound sources: create, read, change and delete a project's provider callback endpoints. Credentials
 * are checked by the provider, sealed at rest (AES-GCM under the master key, bound to the source id),
 * never logged and never returned; a secret Herald generates (email_status) is shown once, in the
 * answer that creates it.
 */
public final class InboundSources {
    public static final Set<String> FIELDS = Set.of("name", "provider", "credentials", "options");
    static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9 ._-]{0,99}");

    private final Database db;
    private final SecretBox secrets;
    private final Clock clock;
    private final Supplier<String> publicUrl;
    private final Duration tolerance;
    private final SnsClient sns;

    /** @param publicUrl Herald's public URL (read when a callback URL is shown, as it may be known only once the server is bound) */
    public InboundSources(Database db, SecretBox secrets, Clock clock, Supplier<String> publicUrl, Duration tolerance, SnsClient sns) {
        this.db = db;
        this.secrets = secrets;
        this.clock = clock;
        this.publicUrl = publicUrl;
        this.tolerance = tolerance;
        this.sns = sns;
    }

    /** A new source and the credentials Herald generated for it (shown once; empty for most providers). */
    public record Created(InboundSource source, Map<String, String> generated) {}

    /** Where the provider must send its callbacks: {@code HERALD_PUBLIC_URL/inbound/{id}}. */
    public String callbackUrl(String id) {
        String base = publicUrl.get();
        return (base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + "/inbound/" + id;
    }

    public Created create(String projectId, JsonBody in) {
        in.only(FIELDS);
        String name = name(in);
        String providerName = in.string("provider", true);
        Provider provider = Providers.find(providerName).orElseThrow(() -> Problem.invalid("provider",
                "'provider' must be one of " + String.join(", ", Providers.names())));
        Map<String, String> creds = new LinkedHashMap<>(provider.credentials(in.object("credentials", credentialFields(in))));
        Map<String, String> generated = provider.generated();
        creds.putAll(generated);
        Map<String, Object> options = provider.options(in.object("options", optionFields(in)));
        long now = clock.millis();
        String id = Ids.uuid7(now);
        InboundSource s = new InboundSource(id, projectId, name, provider.name(), options, now, now);
        db.writer().execute(h -> {
            if (exists(h, projectId, name, null)) throw Problem.conflict("an inbound source named '" + name + "' already exists");
            h.createUpdate("INSERT INTO inbound_sources (id, project_id, name, provider, credentials_enc, options, created_at, updated_at) "
                            + "VALUES (:id, :p, :n, :pr, :c, :o, :now, :now)")
                    .bind("id", id).bind("p", projectId).bind("n", name).bind("pr", provider.name())
                    .bind("c", seal(id, creds)).bind("o", Json.write(options)).bind("now", now).execute();
            return null;
        });
        return new Created(s, generated);
    }

    public List<InboundSource> list(String projectId) {
        return db.read(h -> h.createQuery("SELECT id, project_id, name, provider, options, created_at, updated_at FROM inbound_sources "
                + "WHERE project_id = :p ORDER BY id").bind("p", projectId).map((rs, ctx) -> row(rs)).list());
    }

    public InboundSource get(String projectId, String id) {
        if (!Ids.isUuid(id)) throw Problem.notFound("inbound source");
        return db.read(h -> find(h, id)).filter(s -> s.projectId().equals(projectId)).orElseThrow(() -> Problem.notFound("inbound source"));
    }

    /** Changes the name, replaces the credentials (all of them, checked again) or the options. The provider cannot change. */
    public InboundSource update(String projectId, String id, JsonBody in) {
        in.only(FIELDS);
        InboundSource old = get(projectId, id);
        if (in.has("provider") && !old.provider().equals(in.string("provider", false))) {
            throw Problem.invalid("provider", "'provider' cannot change; create a new source instead");
        }
        Provider provider = Providers.find(old.provider()).orElseThrow();
        String name = in.has("name") ? name(in) : old.name();
        Map<String, String> creds = null;
        if (in.has("credentials")) {
            creds = new LinkedHashMap<>(provider.credentials(in.object("credentials", credentialFields(in))));
            if (!provider.generated().isEmpty()) throw Problem.invalid("credentials", "this provider's secret is generated by Herald; it cannot be set");
        }
        Map<String, Object> options = in.has("options") ? provider.options(in.object("options", optionFields(in))) : old.options();
        long now = clock.millis();
        Map<String, String> newCreds = creds;
        db.writer().execute(h -> {
            if (exists(h, projectId, name, id)) throw Problem.conflict("an inbound source named '" + name + "' already exists");
            h.createUpdate("UPDATE inbound_sources SET name = :n, options = :o, updated_at = :now WHERE id = :id")
                    .bind("n", name).bind("o", Json.write(options)).bind("now", now).bind("id", id).execute();
            if (newCreds != null) {
                h.createUpdate("UPDATE inbound_sources SET credentials_enc = :c WHERE id = :id").bind("c", seal(id, newCreds)).bind("id", id).execute();
            }
            return null;
        });
        return get(projectId, id);
    }

    /** Deletes the source and the record of its callbacks; the statuses it produced stay with their events. */
    public void delete(String projectId, String id) {
        get(projectId, id);
        db.writer().execute(h -> {
            h.createUpdate("DELETE FROM inbound_requests WHERE source_id = :id").bind("id", id).execute();
            return h.createUpdate("DELETE FROM inbound_sources WHERE id = :id").bind("id", id).execute();
        });
    }

    /** The provider of a source, without opening its credentials; empty when there is no such source. */
    Optional<String> provider(String id) {
        if (!Ids.isUuid(id)) return Optional.empty();
        return db.read(h -> find(h, id)).map(InboundSource::provider);
    }

    /** The source with its credentials in clear, for verifying a callback; empty when there is none. */
    Optional<Opened> open(String id) {
        if (!Ids.isUuid(id)) return Optional.empty();
        return db.read(h -> h.createQuery("SELECT id, project_id, name, provider, options, created_at, updated_at, credentials_enc "
                        + "FROM inbound_sources WHERE id = :id").bind("id", id)
                .map((rs, ctx) -> {
                    InboundSource s = row(rs);
                    Map<String, String> creds = new LinkedHashMap<>();
                    Json.parse(secrets.open(rs.getString("credentials_enc"), InboundSource.credentialsContext(s.id())))
                            .properties().forEach(e -> creds.put(e.getKey(), e.getValue().asString()));
                    return new Opened(s, new Provider.Source(s.id(), s.projectId(), Map.copyOf(creds), s.options(), tolerance, sns));
                }).findOne());
    }

    /** A source and what its provider may read of it. */
    record Opened(InboundSource source, Provider.Source verifiable) {}

    private static Set<String> credentialFields(JsonBody in) {
        // Each provider names its own fields with JsonBody.only; here any name passes to it.
        JsonNode c = in.raw("credentials");
        return c instanceof ObjectNode o ? Set.copyOf(o.propertyNames()) : Set.of();
    }

    private static Set<String> optionFields(JsonBody in) {
        JsonNode c = in.raw("options");
        return c instanceof ObjectNode o ? Set.copyOf(o.propertyNames()) : Set.of();
    }

    private static String name(JsonBody in) {
        String name = in.string("name", true).strip();
        if (!NAME.matcher(name).matches()) {
            throw Problem.invalid("name", "'name' must be 1 to 100 letters, digits, spaces, dots, dashes or underscores, starting with a letter or digit");
        }
        return name;
    }

    private String seal(String id, Map<String, String> creds) {
        ObjectNode n = Json.object();
        creds.forEach(n::put);
        return secrets.seal(Json.write(n), InboundSource.credentialsContext(id));
    }

    private static boolean exists(Handle h, String projectId, String name, String exceptId) {
        return h.createQuery("SELECT id FROM inbound_sources WHERE project_id = :p AND name = :n").bind("p", projectId).bind("n", name)
                .mapTo(String.class).list().stream().anyMatch(x -> !x.equals(exceptId));
    }

    private static Optional<InboundSource> find(Handle h, String id) {
        return h.createQuery("SELECT id, project_id, name, provider, options, created_at, updated_at FROM inbound_sources WHERE id = :id")
                .bind("id", id).map((rs, ctx) -> row(rs)).findOne();
    }

    private static InboundSource row(java.sql.ResultSet rs) throws java.sql.SQLException {
        Map<String, Object> options = new LinkedHashMap<>();
        Json.parse(rs.getString("options")).properties().forEach(e -> options.put(e.getKey(), Json.MAPPER.convertValue(e.getValue(), Object.class)));
        return new InboundSource(rs.getString("id"), rs.getString("project_id"), rs.getString("name"), rs.getString("provider"),
                Map.copyOf(options), rs.getLong("created_at"), rs.getLong("updated_at"));
    }
}
