package dev.herald.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.support.Api;
import dev.herald.support.Receiver;
import dev.herald.support.TestHerald;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;

/** {@code GET /api/v1/events} (by type and time, cursor-paged) and {@code GET /api/v1/events/{id}} with its data as sent and its deliveries. */
class EventsApiTest {
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

    private static String publish(Api api, String type, String data) {
        Api.Res r = api.post("/api/v1/events", "{\"type\":\"" + type + "\",\"data\":" + data + "}");
        assertThat(r.status()).as(r.toString()).isEqualTo(202);
        return r.str("id");
    }

    private static List<String> ids(JsonNode page) {
        List<String> out = new ArrayList<>();
        page.get("data").forEach(e -> out.add(e.get("id").asString()));
        return out;
    }

    @Test
    void eventsAreListedNewestFirstByTypeOrPrefixAndPagedWithACursor() {
        Api api = herald.newProject("events-list");
        String a = publish(api, "ticket.created", "{}");
        String b = publish(api, "ticket.closed", "{}");
        String c = publish(api, "user.created", "{}");

        JsonNode all = api.get("/api/v1/events").json();
        assertThat(ids(all)).containsExactly(c, b, a);
        assertThat(all.get("data").get(0).get("type").asString()).isEqualTo("user.created");
        assertThat(all.get("data").get(0).has("data")).as("the list leaves the bodies out").isFalse();
        assertThat(all.get("next_cursor").isNull()).isTrue();

        assertThat(ids(api.get("/api/v1/events?type=ticket.created").json())).containsExactly(a);
        assertThat(ids(api.get("/api/v1/events?type=ticket.*").json())).containsExactly(b, a);
        assertThat(ids(api.get("/api/v1/events?type=ticket").json())).isEmpty();

        JsonNode first = api.get("/api/v1/events?limit=2").json();
        assertThat(ids(first)).containsExactly(c, b);
        JsonNode second = api.get("/api/v1/events?limit=2&cursor=" + first.get("next_cursor").asString()).json();
        assertThat(ids(second)).containsExactly(a);
        assertThat(second.get("next_cursor").isNull()).isTrue();

        assertThat(ids(herald.newProject("events-other").get("/api/v1/events").json())).as("another project sees none").isEmpty();
    }

    @Test
    void eventsAreFilteredByTimeRange() {
        Api api = herald.newProject("events-time");
        String a = publish(api, "t.one", "{}");
        Instant createdA = Instant.parse(api.get("/api/v1/events/" + a).json().get("created_at").asString());
        String b = publish(api, "t.two", "{}");
        while (Instant.parse(api.get("/api/v1/events/" + b).json().get("created_at").asString()).equals(createdA)) b = publish(api, "t.two", "{}");
        Instant after = createdA.plusMillis(1);
        assertThat(ids(api.get("/api/v1/events?until=" + after).json())).containsExactly(a);
        assertThat(ids(api.get("/api/v1/events?since=" + after).json())).doesNotContain(a).contains(b);
        assertThat(ids(api.get("/api/v1/events?since=" + createdA + "&until=" + after).json())).containsExactly(a);
    }

    @Test
    void anEventShowsItsDataExactlyAsSentAndItsDeliveries() {
        Api api = herald.newProject("events-detail");
        receiver.on("/detail", Receiver.Reply.ok());
        String hook = api.post("/api/v1/webhooks", "{\"url\":\"" + receiver.url("/detail") + "\",\"events\":[\"order.*\"]}").str("id");
        String data = "{\"total\":1.10,\"big\":123456789012345678901234567890,\"e\":1E+3,\"name\":\"Zo\u00eb \\u2603\",\"nested\":{\"z\":1,\"a\":[true,null]}}";
        String id = publish(api, "order.paid", data);
        String sent = receiver.await("/detail", 1, Duration.ofSeconds(20)).get(0).bodyText();

        Api.Res r = api.get("/api/v1/events/" + id);
        assertThat(r.status()).isEqualTo(200);
        JsonNode e = r.json();
        assertThat(e.get("id").asString()).isEqualTo(id);
        assertThat(e.get("type").asString()).isEqualTo("order.paid");
        String sentData = sent.substring(sent.indexOf("\"data\":") + 7, sent.length() - 1);
        assertThat(r.text()).as("the data bytes are the ones Herald sent and signed").contains("\"data\":" + sentData);
        assertThat(sentData).contains("1.10").contains("123456789012345678901234567890");
        assertThat(e.get("created_at").asString()).isEqualTo(dev.herald.util.Json.parse(sent).get("created_at").asString());
        JsonNode deliveries = e.get("deliveries").get("data");
        assertThat(deliveries).hasSize(1);
        assertThat(deliveries.get(0).get("webhook_id").asString()).isEqualTo(hook);
        assertThat(e.get("deliveries").get("next_cursor").isNull()).isTrue();
    }

    @Test
    void readingEventsNeedsAReadingRoleAndAnEventOfTheProject() {
        Api admin = herald.newProject("events-roles");
        String id = publish(admin, "a.b", "{}");
        Api viewer = admin.as(admin.post("/api/v1/api-keys", "{\"name\":\"v\",\"role\":\"VIEWER\"}").str("api_key"));
        Api publisher = admin.as(admin.post("/api/v1/api-keys", "{\"name\":\"p\",\"role\":\"PUBLISHER\"}").str("api_key"));
        assertThat(viewer.get("/api/v1/events").status()).isEqualTo(200);
        assertThat(viewer.get("/api/v1/events/" + id).status()).isEqualTo(200);
        assertThat(publisher.get("/api/v1/events").status()).isEqualTo(403);
        assertThat(herald.newProject("events-roles-2").get("/api/v1/events/" + id).status()).isEqualTo(404);
        assertThat(admin.get("/api/v1/events/nope").status()).isEqualTo(404);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "type=|type", "type=a..b|type", "type=*|type", "type=a.*.b|type", "since=yesterday|since", "until=2026-13-01T00:00:00Z|until",
        "since=2026-01-02T00:00:00Z&until=2026-01-01T00:00:00Z|until", "cursor=zzz|cursor", "limit=0|limit", "limit=501|limit",
        "cursor=01a206c7-d2c8-79cb-8be7-bf5698e8a73d|cursor"})
    void badListParametersAreA400NamingThem(String query, String field) {
        Api.Res r = herald.newProject("events-bad").get("/api/v1/events?" + query);
        assertThat(r.status()).as(query + " => " + r).isEqualTo(400);
        assertThat(r.json().at("/error/field").asString()).isEqualTo(field);
    }
}
