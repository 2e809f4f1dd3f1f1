package dev.herald.support;

import dev.herald.util.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * A small client for Herald's API in tests. Every answer it receives is checked against the OpenAPI
 * document ({@link OpenApiContract}): an undocumented route or status, or a body that does not match
 * its schema, fails the test that received it.
 */
public final class Api {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final String base;
    private final String key;

    public Api(int port, String key) {
        this.base = "http://127.0.0.1:" + port;
        this.key = key;
    }

    /** The API key this client sends. */
    public String key() {
        return key;
    }

    /** The same key against another Herald node (sharing the database). */
    public Api at(int port) {
        return new Api(port, key);
    }

    public Api as(String otherKey) {
        return new Api(Integer.parseInt(base.substring(base.lastIndexOf(':') + 1)), otherKey);
    }

    /** A response: status, parsed JSON body (or null) and headers. */
    public record Res(int status, JsonNode json, String text, Map<String, java.util.List<String>> headers) {
        public String header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name)).map(e -> e.getValue().get(0)).findFirst().orElse(null);
        }

        public String str(String field) {
            return json.get(field).asString();
        }

        @Override
        public String toString() {
            return status + " " + text;
        }
    }

    public Res get(String path) {
        return send("GET", path, null, Map.of());
    }

    public Res post(String path, String body) {
        return send("POST", path, body, Map.of());
    }

    public Res post(String path, String body, Map<String, String> headers) {
        return send("POST", path, body, headers);
    }

    public Res put(String path, String body) {
        return send("PUT", path, body, Map.of());
    }

    public Res patch(String path, String body) {
        return send("PATCH", path, body, Map.of());
    }

    public Res delete(String path) {
        return send("DELETE", path, null, Map.of());
    }

    public Res send(String method, String path, String body, Map<String, String> headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (key != null) b.header("Authorization", "Bearer " + key);
        if (body != null) b.header("Content-Type", "application/json");
        headers.forEach(b::header);
        try {
            HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
            // Every answer a test receives is held to the API contract (src/main/resources/openapi/openapi.json).
            String sentJson = body != null && headers.keySet().stream().noneMatch(h -> h.equalsIgnoreCase("Content-Type")) ? body : null;
            OpenApiContract.get().assertConforms(method, path, sentJson, r.statusCode(), r.headers().firstValue("content-type").orElse(null), r.body());
            JsonNode json = null;
            if (r.body() != null && !r.body().isEmpty() && r.headers().firstValue("content-type").orElse("").contains("json")) {
                json = Json.parse(r.body());
            }
            return new Res(r.statusCode(), json, r.body(), r.headers().map());
        } catch (java.io.IOException | InterruptedException e) {
            throw new IllegalStateException(method + " " + path + " failed: " + e, e);
        }
    }
}
