package dev.herald.inbound;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.support.Api;
import dev.herald.support.TestHerald;
import dev.herald.util.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/** Sends provider callbacks to a test Herald exactly as given (no API key), and reads what they produced. */
final class Callbacks {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private Callbacks() {}

    /** A response: status and text. */
    record Answer(int status, String text) {
        JsonNode json() {
            return Json.parse(text);
        }
    }

    /** POSTs {@code body} to {@code /inbound/{id}} with the headers (a name may repeat: pairs name, value, name, value...). */
    static Answer post(TestHerald herald, String sourceId, byte[] body, String... headers) {
        return send(herald, "POST", "/inbound/" + sourceId, body, headers);
    }

    static Answer get(TestHerald herald, String pathAndQuery, String... headers) {
        return send(herald, "GET", pathAndQuery, null, headers);
    }

    static Answer send(TestHerald herald, String method, String pathAndQuery, byte[] body, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + herald.port() + pathAndQuery)).timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        for (int i = 0; i < headers.length; i += 2) b.header(headers[i], headers[i + 1]);
        try {
            HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return new Answer(r.statusCode(), r.body());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Creates a source and returns its JSON (with the generated credentials for email_status). */
    static JsonNode source(Api api, String body) {
        Api.Res r = api.post("/api/v1/inbound-sources", body);
        assertThat(r.status()).as(r.toString()).isEqualTo(201);
        return r.json();
    }

    /** The project's normalised statuses, newest first. */
    static List<JsonNode> statuses(Api api, String query) {
        Api.Res r = api.get("/api/v1/message-statuses" + (query.isEmpty() ? "" : "?" + query));
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        List<JsonNode> out = new java.util.ArrayList<>();
        r.json().get("data").forEach(out::add);
        return out;
    }

    /** The source's callback records, newest first. */
    static List<JsonNode> requests(Api api, String sourceId) {
        Api.Res r = api.get("/api/v1/inbound-sources/" + sourceId + "/requests");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        List<JsonNode> out = new java.util.ArrayList<>();
        r.json().get("data").forEach(out::add);
        return out;
    }

    static Map<String, String> none() {
        return Map.of();
    }
}
