package dev.herald.support;

import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import dev.herald.util.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The API contract, {@code src/main/resources/openapi/openapi.json}, as the tests hold Herald to it.
 * {@link #check} takes one answer Herald gave and says what is wrong with it: a route or status the
 * document does not describe, or a JSON body that does not match the operation's schema for that
 * status (JSON Schema 2020-12, formats asserted). {@link Api} calls it on every answer, so every
 * end-to-end test that talks to the API through {@link Api} checks the document as a side effect.
 */
public final class OpenApiContract {
    /** The document as read from the classpath (the file Herald serves). */
    public static final JsonNode DOCUMENT = load();
    private static final OpenApiContract INSTANCE = new OpenApiContract(DOCUMENT);
    /** What is held to the document: the API and its public companions; browser pages (review, console, docs) are not. */
    private static final List<String> CHECKED_PREFIXES = List.of("/api/v1/", "/v1/", "/inbound/");
    private static final Set<String> CHECKED_PATHS = Set.of("/healthz", "/readyz", "/metrics");
    /** Statuses an unknown route or method may answer (with the error shape): auth runs before routing under /api. */
    private static final Set<Integer> UNROUTED = Set.of(400, 401, 404, 405, 413, 414, 431);

    /** One operation: its method, path template and the pattern of concrete paths it takes. */
    public record Operation(String method, String template, Pattern pattern, int literals, JsonNode node) {}

    private final List<Operation> operations = new ArrayList<>();
    private final ObjectNode defs;
    private final Map<String, Schema> schemas = new ConcurrentHashMap<>();
    private final SchemaRegistry registry = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);
    /** Every operation and status the tests of this JVM have seen answered, for target/openapi-coverage/. */
    private final Set<String> seen = ConcurrentHashMap.newKeySet();

    private OpenApiContract(JsonNode doc) {
        defs = (ObjectNode) rewriteRefs(doc.path("components").path("schemas"));
        doc.path("paths").properties().forEach(p -> p.getValue().properties().forEach(m -> {
            String method = m.getKey().toUpperCase(Locale.ROOT);
            if (!Set.of("GET", "PUT", "POST", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE").contains(method)) return;
            StringBuilder re = new StringBuilder();
            int literals = 0;
            for (String seg : p.getKey().substring(1).split("/", -1)) {
                re.append('/');
                if (seg.startsWith("{") && seg.endsWith("}")) {
                    re.append("[^/]+");
                } else {
                    re.append(Pattern.quote(seg));
                    literals++;
                }
            }
            operations.add(new Operation(method, p.getKey(), Pattern.compile(re.toString()), literals, m.getValue()));
        }));
        Runtime.getRuntime().addShutdownHook(new Thread(this::writeCoverage, "openapi-coverage"));
    }

    /**
     * Which documented operations and statuses the tests of this JVM received, and which documented
     * operations none did: {@code target/openapi-coverage/<engine>.txt}, to see what the answers checked.
     */
    private void writeCoverage() {
        Path dir = Path.of("target", "openapi-coverage");
        if (seen.isEmpty() || !Files.isDirectory(dir.getParent())) return;
        StringBuilder b = new StringBuilder("# answers checked against the OpenAPI document, by operation and status\n");
        new TreeSet<>(seen).forEach(s -> b.append(s).append('\n'));
        b.append("# documented operations no checked answer came from\n");
        for (String op : new TreeSet<>(operations())) {
            if (seen.stream().noneMatch(s -> s.startsWith(op + " "))) b.append(op).append('\n');
        }
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve(System.getProperty("herald.test.engine", "sqlite") + ".txt"), b);
        } catch (IOException e) {
            // Only a report: the tests have run.
        }
    }

    public static OpenApiContract get() {
        return INSTANCE;
    }

    /** Every operation, as {@code "METHOD /template"}. */
    public List<String> operations() {
        return operations.stream().map(o -> o.method() + " " + o.template()).toList();
    }

    /** The operation that answers {@code method} on the concrete {@code path} (no query), the most specific first. */
    public Optional<Operation> find(String method, String path) {
        String m = method.equals("HEAD") ? "GET" : method;
        String p = path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
        return operations.stream().filter(o -> o.method().equals(m) && o.pattern().matcher(p).matches())
                .max((a, b) -> Integer.compare(a.literals(), b.literals()));
    }

    /** Whether answers on {@code path} are held to the document. */
    public static boolean checked(String path) {
        return CHECKED_PATHS.contains(path) || CHECKED_PREFIXES.stream().anyMatch(path::startsWith);
    }

    /**
     * What is wrong with one answer, or null when it is as the document says. {@code path} is the
     * request's path, with or without its query; {@code contentType} the answer's, or null.
     */
    public String check(String method, String path, int status, String contentType, String body) {
        int q = path.indexOf('?');
        String p = q < 0 ? path : path.substring(0, q);
        if (!checked(p)) return null;
        String where = method + " " + p + " answered " + status;
        boolean json = contentType != null && contentType.toLowerCase(Locale.ROOT).contains("json");
        Optional<Operation> found = find(method, p);
        if (found.isEmpty()) {
            if (UNROUTED.contains(status) && json) return validate(where + " (no such route)", "error", ref("Error"), body);
            return where + ": the OpenAPI document has no operation " + method + " for this path (src/main/resources/openapi/openapi.json)";
        }
        Operation op = found.get();
        seen.add(op.method() + " " + op.template() + " " + status);
        where = where + " (" + op.method() + " " + op.template() + ")";
        JsonNode response = op.node().path("responses").path(String.valueOf(status));
        if (response.isMissingNode()) response = op.node().path("responses").path("default");
        if (response.isMissingNode()) {
            return where + ": status " + status + " is not documented for this operation; documented: "
                    + op.node().path("responses").propertyNames() + "; body: " + shorten(body);
        }
        response = resolve(response);
        JsonNode content = response.path("content");
        if (method.equals("HEAD")) return null;
        if (content.isMissingNode() || content.isEmpty()) {
            if (body != null && !body.isEmpty()) return where + ": the document says no body, but the answer has one: " + shorten(body);
            return null;
        }
        if (content.has("*/*")) return null;
        if (json && content.has("application/json")) {
            return validate(where, op.method() + " " + op.template() + " " + status, content.path("application/json").path("schema"), body);
        }
        String type = contentType == null ? "" : contentType.toLowerCase(Locale.ROOT).split(";")[0].strip();
        if (!content.has(type)) return where + ": answered Content-Type '" + contentType + "'; the document has " + content.propertyNames();
        return null;
    }

    /**
     * What is wrong with a JSON request body that Herald accepted (answered 2xx), or null: a body the
     * server takes must be one the document allows, so its request schemas are not stricter than Herald.
     */
    public String checkAccepted(String method, String path, int status, String requestBody) {
        if (status < 200 || status > 299 || requestBody == null || requestBody.isEmpty()) return null;
        int q = path.indexOf('?');
        String p = q < 0 ? path : path.substring(0, q);
        if (!checked(p)) return null;
        Optional<Operation> found = find(method, p);
        if (found.isEmpty()) return null;
        Operation op = found.get();
        JsonNode content = resolve(op.node().path("requestBody")).path("content");
        if (content.has("*/*")) return null;
        JsonNode schema = content.path("application/json").path("schema");
        String where = method + " " + p + " accepted a request body (" + op.method() + " " + op.template() + ")";
        if (schema.isMissingNode()) return where + ", but the document describes no JSON body for it: " + shorten(requestBody);
        String problem = validate(where, "request " + op.method() + " " + op.template(), schema, requestBody);
        return problem == null ? null : problem.replace("the body does not match", "the request body Herald accepted does not match");
    }

    /** Throws when {@link #check} or {@link #checkAccepted} finds something wrong. */
    public void assertConforms(String method, String path, int status, String contentType, String body) {
        assertConforms(method, path, null, status, contentType, body);
    }

    /** As {@link #assertConforms(String, String, int, String, String)}, and the JSON request body, if any, when it was accepted. */
    public void assertConforms(String method, String path, String requestBody, int status, String contentType, String body) {
        String problem = check(method, path, status, contentType, body);
        if (problem == null) problem = checkAccepted(method, path, status, requestBody);
        if (problem != null) throw new AssertionError("API contract: " + problem);
    }

    private String validate(String where, String key, JsonNode schemaNode, String body) {
        JsonNode instance;
        try {
            instance = Json.parse(body);
        } catch (RuntimeException e) {
            return where + ": the body is not JSON: " + shorten(body);
        }
        Schema schema = schemas.computeIfAbsent(key, k -> {
            ObjectNode s = rewriteRefs(schemaNode).isObject() ? (ObjectNode) rewriteRefs(schemaNode) : Json.object();
            s.put("$schema", "https://json-schema.org/draft/2020-12/schema");
            s.set("$defs", defs);
            return registry.getSchema(s);
        });
        List<Error> errors = schema.validate(instance, ctx -> ctx.executionConfig(c -> c.formatAssertionsEnabled(true)));
        if (errors.isEmpty()) return null;
        StringBuilder b = new StringBuilder(where).append(": the body does not match the document's schema:");
        errors.stream().limit(10).forEach(e -> b.append("\n  - ").append(e.getInstanceLocation()).append(": ").append(e.getMessage())
                .append(" [").append(e.getEvaluationPath()).append(']'));
        return b.append("\n  body: ").append(shorten(body)).toString();
    }

    private JsonNode resolve(JsonNode node) {
        JsonNode n = node;
        for (int i = 0; i < 10 && n.has("$ref"); i++) {
            String r = n.get("$ref").asString();
            if (!r.startsWith("#/")) throw new IllegalStateException("only local references are supported: " + r);
            JsonNode target = DOCUMENT;
            for (String part : r.substring(2).split("/")) target = target.path(part.replace("~1", "/").replace("~0", "~"));
            n = target;
        }
        return n;
    }

    private static JsonNode ref(String schema) {
        ObjectNode n = Json.object();
        n.put("$ref", "#/components/schemas/" + schema);
        return n;
    }

    /** The document's references to its components as references into {@code $defs}, where the validator finds them. */
    private static JsonNode rewriteRefs(JsonNode n) {
        return Json.parse(Json.write(n).replace("\"#/components/schemas/", "\"#/$defs/"));
    }

    private static String shorten(String body) {
        if (body == null) return "(none)";
        return body.length() > 2000 ? body.substring(0, 2000) + "..." : body;
    }

    private static JsonNode load() {
        try (InputStream in = OpenApiContract.class.getClassLoader().getResourceAsStream("openapi/openapi.json")) {
            if (in == null) throw new IllegalStateException("openapi/openapi.json is not on the classpath");
            return Json.parse(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
