package dev.herald.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.support.Api;
import dev.herald.support.Await;
import dev.herald.support.Deliveries;
import dev.herald.support.Receiver;
import dev.herald.support.TestHerald;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** {@code POST /api/v1/events/batch}: many events in one commit, per-item results and per-item idempotency keys. */
class EventBatchTest {
    static TestHerald herald;
    static Receiver receiver;

    @BeforeAll
    static void start() {
        herald = TestHerald.start();
        receiver = new Receiver();
    }

    @AfterAll
    static void stop() {
        receiver.close();
        herald.close();
    }

    private static void subscribe(Api api, String path) {
        Api.Res r = api.post("/api/v1/webhooks", "{\"url\":\"" + receiver.url(path) + "\",\"events\":[\"*\"]}");
        assertThat(r.status()).as(r.toString()).isEqualTo(201);
    }

    private static String events(int n, String extra) {
        StringBuilder b = new StringBuilder("{\"events\":[");
        for (int i = 0; i < n; i++) {
            if (i > 0) b.append(',');
            b.append("{\"type\":\"batch.item\",\"data\":{\"n\":").append(i).append('}').append(extra.replace("#", String.valueOf(i))).append('}');
        }
        return b.append("]}").toString();
    }

    @Test
    void everyEventOfABatchIsStoredInOneCommitAndDeliveredOnce() {
        Api api = herald.newProject("batch-ok");
        subscribe(api, "/batch-ok");
        Api.Res r = api.post("/api/v1/events/batch", events(50, ""));
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.json().get("accepted").asInt()).isEqualTo(50);
        assertThat(r.json().get("refused").asInt()).isZero();
        JsonNode data = r.json().get("data");
        assertThat(data.size()).isEqualTo(50);
        Set<String> ids = new HashSet<>();
        for (JsonNode item : data) {
            assertThat(item.get("status").asInt()).isEqualTo(202);
            assertThat(item.get("deliveries").asInt()).isEqualTo(1);
            assertThat(item.has("replayed")).isFalse();
            ids.add(item.get("id").asString());
        }
        assertThat(ids).hasSize(50);

        List<Receiver.Request> got = receiver.await("/batch-ok", 50, Await.PATIENCE);
        List<JsonNode> settled = Deliveries.awaitSettled(api);
        assertThat(settled).hasSize(50).allMatch(d -> d.get("status").asString().equals("succeeded"));
        Set<String> delivered = new HashSet<>();
        Set<Integer> numbers = new HashSet<>();
        for (Receiver.Request req : got) {
            JsonNode body = dev.herald.util.Json.parse(req.body());
            delivered.add(body.get("id").asString());
            numbers.add(body.get("data").get("n").asInt());
        }
        assertThat(receiver.requests("/batch-ok")).as("each event once").hasSize(50);
        assertThat(delivered).isEqualTo(ids);
        assertThat(numbers).hasSize(50);
        // One write: every event of the batch carries the same acceptance time.
        Set<String> times = new HashSet<>();
        for (String id : ids) times.add(api.get("/api/v1/events/" + id).json().get("created_at").asString());
        assertThat(times).hasSize(1);
    }

    @Test
    void perItemIdempotencyKeysReplayTheFirstAnswerAndRefuseADifferentItemAlone() {
        Api api = herald.newProject("batch-idem");
        subscribe(api, "/batch-idem");
        Api.Res first = api.post("/api/v1/events/batch", events(3, ",\"idempotency_key\":\"k-#\""));
        assertThat(first.status()).as(first.toString()).isEqualTo(200);
        JsonNode a = first.json().get("data");

        // k-0 again with the same event (other whitespace), k-1 with a different one, and a new key.
        String body = "{\"events\":[ {\"type\":\"batch.item\", \"data\":{\"n\": 0},\"idempotency_key\":\"k-0\"},"
                + "{\"type\":\"batch.item\",\"data\":{\"n\":99},\"idempotency_key\":\"k-1\"},"
                + "{\"type\":\"batch.item\",\"data\":{\"n\":7},\"idempotency_key\":\"k-new\"},"
                + "{\"type\":\"batch.item\",\"data\":{\"n\":7},\"idempotency_key\":\"k-new\"}]}";
        Api.Res second = api.post("/api/v1/events/batch", body);
        assertThat(second.status()).as(second.toString()).isEqualTo(200);
        JsonNode b = second.json().get("data");
        assertThat(second.json().get("accepted").asInt()).isEqualTo(3);
        assertThat(second.json().get("refused").asInt()).isEqualTo(1);

        assertThat(b.get(0).get("status").asInt()).isEqualTo(202);
        assertThat(b.get(0).get("id").asString()).isEqualTo(a.get(0).get("id").asString());
        assertThat(b.get(0).get("replayed").asBoolean()).isTrue();

        assertThat(b.get(1).get("status").asInt()).isEqualTo(422);
        assertThat(b.get(1).at("/error/code").asString()).isEqualTo("idempotency_key_reused");
        assertThat(b.get(1).at("/error/field").asString()).isEqualTo("events[1].idempotency_key");
        assertThat(b.get(1).has("id")).isFalse();

        assertThat(b.get(2).get("status").asInt()).isEqualTo(202);
        assertThat(b.get(2).has("replayed")).isFalse();
        // The same key twice in one batch: the second is a replay of the first.
        assertThat(b.get(3).get("id").asString()).isEqualTo(b.get(2).get("id").asString());
        assertThat(b.get(3).get("replayed").asBoolean()).isTrue();

        // Three events from the first batch and one from the second: four deliveries, no more.
        receiver.await("/batch-idem", 4, Await.PATIENCE);
        assertThat(Deliveries.awaitSettled(api)).hasSize(4);
        assertThat(receiver.requests("/batch-idem")).hasSize(4);
        assertThat(api.get("/api/v1/events").json().get("data").size()).isEqualTo(4);
    }

    @Test
    void malformedBatchesAreRefusedWholeNamingTheField() {
        Api api = herald.newProject("batch-bad");
        assertRefused(api, "", 400, null);
        assertRefused(api, "{}", 400, "events");
        assertRefused(api, "{\"events\":{}}", 400, "events");
        assertRefused(api, "{\"events\":[]}", 400, "events");
        assertRefused(api, "{\"events\":[],\"extra\":1}", 400, "extra");
        assertRefused(api, "{\"events\":[{\"type\":\"a.b\",\"data\":{}}, 3]}", 400, "events[1]");
        assertRefused(api, "{\"events\":[{\"type\":\"a.b\",\"data\":{}},{\"type\":\"a b\",\"data\":{}}]}", 400, "events[1].type");
        assertRefused(api, "{\"events\":[{\"type\":\"a.b\",\"data\":{}},{\"type\":\"a.b\"}]}", 400, "events[1].data");
        assertRefused(api, "{\"events\":[{\"type\":\"a.b\",\"data\":[]}]}", 400, "events[0].data");
        assertRefused(api, "{\"events\":[{\"type\":\"a.b\",\"data\":{},\"typo\":1}]}", 400, "events[0].typo");
        assertRefused(api, "{\"events\":[{\"type\":\"a.b\",\"data\":{},\"idempotency_key\":\"\"}]}", 400, "events[0].idempotency_key");
        assertRefused(api, "{\"events\":[{\"type\":\"a.b\",\"data\":{},\"idempotency_key\":\"a b\"}]}", 400, "events[0].idempotency_key");
        assertRefused(api, events(1001, ""), 413, "events");
        // Nothing of a refused batch was stored.
        assertThat(api.get("/api/v1/events").json().get("data").size()).isZero();

        Api.Res full = api.post("/api/v1/events/batch", events(1000, ""));
        assertThat(full.status()).as("1000 events is the limit, and allowed").isEqualTo(200);
        assertThat(full.json().get("accepted").asInt()).isEqualTo(1000);
    }

    @Test
    void aViewerKeyCannotPublishABatch() {
        Api admin = herald.newProject("batch-roles");
        String viewer = admin.post("/api/v1/api-keys", "{\"name\":\"v\",\"role\":\"VIEWER\"}").str("api_key");
        Api.Res r = admin.as(viewer).post("/api/v1/events/batch", events(1, ""));
        assertThat(r.status()).isEqualTo(403);
    }

    private static void assertRefused(Api api, String body, int status, String field) {
        Api.Res r = api.post("/api/v1/events/batch", body);
        assertThat(r.status()).as(body.length() > 200 ? body.substring(0, 200) : body).isEqualTo(status);
        assertThat(r.json().at("/error/code").isMissingNode()).as(r.toString()).isFalse();
        if (field != null) assertThat(r.json().at("/error/field").asString()).as(r.toString()).isEqualTo(field);
    }
}
