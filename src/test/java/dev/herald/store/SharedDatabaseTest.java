package dev.herald.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.herald.Herald;
import dev.herald.support.Api;
import dev.herald.support.Await;
import dev.herald.support.Gate;
import dev.herald.support.Receiver.Reply;
import dev.herald.support.Receiver;
import dev.herald.support.TcpProxy;
import dev.herald.support.TestDatabases;
import dev.herald.support.TestHerald;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Several Herald nodes on one PostgreSQL database, and that database going away and coming back. */
class SharedDatabaseTest {
    static final String MASTER_KEY = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

    final List<AutoCloseable> open = new ArrayList<>();
    String url;

    @BeforeEach
    void setUp() {
        assumeTrue(TestDatabases.postgres(), "several nodes share a database only on PostgreSQL");
        url = TestDatabases.server().heraldUrl(TestDatabases.newSchema());
    }

    @AfterEach
    void tearDown() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) open.get(i).close();
    }

    TestHerald node(String url, Map<String, String> extra) {
        Map<String, String> s = new HashMap<>(extra);
        s.put("HERALD_DATABASE_URL", url);
        s.putIfAbsent("HERALD_MASTER_KEY", MASTER_KEY);
        TestHerald h = TestHerald.start(s);
        open.add(h);
        return h;
    }

    /** A relay to the test's PostgreSQL server that the test can cut and restore; closed after the test. */
    TcpProxy proxy() {
        String[] hp = TestDatabases.server().hostAndPort().split(":");
        TcpProxy proxy = new TcpProxy(hp[0], Integer.parseInt(hp[1]));
        open.add(proxy);
        return proxy;
    }

    /** A node on this test's schema whose every database connection goes through {@code proxy}. */
    TestHerald nodeVia(TcpProxy proxy) {
        return node(TestDatabases.server().heraldUrlVia(proxy.port(), url.replaceAll(".*currentSchema=", "")), Map.of());
    }

    @Test
    void nodesStartingTogetherOnAnEmptyDatabaseMigrateItOnce() {
        List<CompletableFuture<TestHerald>> starting = new ArrayList<>();
        for (int i = 0; i < 3; i++) starting.add(CompletableFuture.supplyAsync(() -> node(url, Map.of())));
        List<TestHerald> nodes = starting.stream().map(CompletableFuture::join).toList();
        int applied = nodes.get(0).herald().database().read(h ->
                h.createQuery("SELECT count(*) FROM flyway_schema_history WHERE success").mapTo(Integer.class).one());
        int files = nodes.get(0).herald().database().read(h ->
                h.createQuery("SELECT count(DISTINCT version) FROM flyway_schema_history").mapTo(Integer.class).one());
        assertThat(applied).isEqualTo(files).isGreaterThanOrEqualTo(5);
        for (TestHerald n : nodes) assertThat(n.newProject("p").get("/api/v1/webhooks").status()).isEqualTo(200);
    }

    @Test
    void aKeyRevokedOnOneNodeFailsAtOnceOnAnother() {
        TestHerald a = node(url, Map.of());
        TestHerald b = node(url, Map.of());
        Api adminOnA = a.newProject("revoke");
        Api.Res created = adminOnA.post("/api/v1/api-keys", "{\"name\":\"ci\",\"role\":\"VIEWER\"}");
        Api viewerOnB = adminOnA.as(created.str("api_key")).at(b.port());
        assertThat(viewerOnB.get("/api/v1/webhooks").status()).as("used on B, so B has seen it").isEqualTo(200);
        assertThat(adminOnA.delete("/api/v1/api-keys/" + created.str("id")).status()).isEqualTo(204);
        assertThat(viewerOnB.get("/api/v1/webhooks").status()).as("revoked on A: refused on B with no delay").isEqualTo(401);

        // Publishing recalls the key from B's memory and confirms it in the write: refused all the same.
        Api.Res publisher = adminOnA.post("/api/v1/api-keys", "{\"name\":\"pub\",\"role\":\"PUBLISHER\"}");
        Api publisherOnB = adminOnA.as(publisher.str("api_key")).at(b.port());
        String event = "{\"type\":\"a.b\",\"data\":{}}";
        assertThat(publisherOnB.post("/api/v1/events", event).status()).as("B remembers it now").isEqualTo(202);
        assertThat(publisherOnB.post("/api/v1/events", event).status()).isEqualTo(202);
        assertThat(adminOnA.delete("/api/v1/api-keys/" + publisher.str("id")).status()).isEqualTo(204);
        assertThat(publisherOnB.post("/api/v1/events", event).status()).as("revoked on A: B refuses to publish with no delay").isEqualTo(401);
        assertThat(publisherOnB.post("/api/v1/events/batch", "{\"events\":[" + event + "]}").status()).isEqualTo(401);
        assertThat(adminOnA.get("/api/v1/events").json().get("data").size()).as("only what came before the revocation").isEqualTo(2);
    }

    @Test
    void aNodeWithAnotherMasterKeyRefusesToStart() {
        node(url, Map.of());
        assertThatThrownBy(() -> node(url, Map.of("HERALD_MASTER_KEY", "HyAeHRwbGhkYFxYVFBMSERAPDg0MCwoJCAcGBQQDAgE=")))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("master key does not match");
    }

    @Test
    void thePerWebhookLimitHoldsAcrossNodes() throws Exception {
        AtomicInteger now = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        Gate first = new Gate();
        try (Receiver receiver = new Receiver()) {
            receiver.on("/slow", r -> {
                most.accumulateAndGet(now.incrementAndGet(), Math::max);
                first.pass();
                now.decrementAndGet();
                return Reply.ok();
            });
            Map<String, String> limits = Map.of("HERALD_DELIVERY_PER_WEBHOOK_CONCURRENCY", "2", "HERALD_DELIVERY_CONCURRENCY", "16");
            TestHerald a = node(url, limits);
            TestHerald b = node(url, limits);
            TestHerald c = node(url, limits);
            Api api = a.newProject("limits");
            Api.Res slow = api.post("/api/v1/webhooks", "{\"url\":\"" + receiver.url("/slow") + "\",\"events\":[\"t\"],\"timeout_seconds\":60}");
            assertThat(slow.status()).isEqualTo(201);
            assertThat(api.post("/api/v1/webhooks", "{\"url\":\"" + receiver.url("/probe") + "\",\"events\":[\"probe\"]}").status()).isEqualTo(201);
            try {
                for (int i = 0; i < 30; i++) assertThat(api.post("/api/v1/events", "{\"type\":\"t\",\"data\":{}}").status()).isEqualTo(202);
                // The receiver holds the first requests: the limit's worth of them reaches it and stays in flight.
                first.awaitWaiting(2);
                // Meanwhile each node accepts a probe event for another webhook, due after the 28 queued deliveries, and it
                // arrives: claims ran over the queue while two were in flight. Had one taken a third delivery to the
                // webhook, that delivery would be in flight now (it cannot finish while the first two are held).
                for (TestHerald n : List.of(a, b, c)) {
                    int probes = receiver.requests("/probe").size();
                    assertThat(api.at(n.port()).post("/api/v1/events", "{\"type\":\"probe\",\"data\":{}}").status()).isEqualTo(202);
                    receiver.await("/probe", probes + 1, Await.PATIENCE);
                }
                String webhook = slow.str("id");
                int inFlight = a.herald().database().read(h -> h.createQuery("SELECT count(*) FROM deliveries WHERE target_id = :t AND status = 'in_flight'")
                        .bind("t", webhook).mapTo(Integer.class).one());
                assertThat(inFlight).as("deliveries to the webhook in flight while two are held").isEqualTo(2);
                assertThat(receiver.requests("/slow")).hasSize(2);
            } finally {
                first.open();
            }
            receiver.await("/slow", 30, Await.PATIENCE);
            assertThat(most.get()).as("most requests in flight at once to the webhook, over three nodes").isEqualTo(2);
        }
    }

    @Test
    void anEventAcceptedOnAnApiNodeWakesAWorkerOnAnotherAtOnce() throws Exception {
        try (Receiver receiver = new Receiver()) {
            receiver.on("/w", Reply.ok());
            // The worker polls once a minute (the longest allowed): only a wake-up can get an event delivered within
            // the 30 s below, and the worker has no API traffic of its own.
            TestHerald worker = node(url, Map.of("HERALD_DELIVERY_POLL_INTERVAL", "1m"));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            Herald apiNode = Herald.start(TestHerald.config(worker.dataDir().resolveSibling(worker.dataDir().getFileName() + "-api"),
                    Map.of("HERALD_DATABASE_URL", url, "HERALD_MASTER_KEY", MASTER_KEY)), Herald.Mode.API_ONLY);
            open.add(apiNode);
            Api api = worker.newProject("wake").at(apiNode.port());
            assertThat(api.post("/api/v1/webhooks", "{\"url\":\"" + receiver.url("/w") + "\",\"events\":[\"*\"]}").status()).isEqualTo(201);
            // The worker's LISTEN connection comes up in the background, and a notification sent before it listens
            // is not kept for it. Rather than sleep and hope it is up, events are accepted on the API node until one
            // is delivered: each announces itself, and the first announcement the worker hears wakes it.
            while (receiver.requests("/w").isEmpty()) {
                assertThat(System.nanoTime() - deadline).as("an event accepted on the API node delivered within 30 s").isNegative();
                assertThat(api.post("/api/v1/events", "{\"type\":\"t\",\"data\":{}}").status()).isEqualTo(202);
                long retry = System.nanoTime() + Duration.ofSeconds(1).toNanos();
                while (receiver.requests("/w").isEmpty() && System.nanoTime() - retry < 0) Receiver.sleep(10);
            }
        }
    }

    /** With no worker anywhere, accepted work waits, and an API node's own /metrics shows the queue. */
    @Test
    void anApiOnlyNodeShowsTheQueueOnItsMetrics() throws Exception {
        TestHerald seed = node(url, Map.of());
        Api admin = seed.newProject("gauges");
        seed.herald().close(); // its data dir goes when the test ends
        Herald apiNode = Herald.start(TestHerald.config(seed.dataDir(), Map.of("HERALD_DATABASE_URL", url, "HERALD_MASTER_KEY", MASTER_KEY,
                "HERALD_WORKER_DEAD_AFTER", "2s")), Herald.Mode.API_ONLY);
        open.add(apiNode);
        Api api = admin.at(apiNode.port());
        assertThat(api.post("/api/v1/webhooks", "{\"url\":\"https://hooks.example.com/q\",\"events\":[\"*\"]}").status()).isEqualTo(201);
        for (int i = 0; i < 3; i++) assertThat(api.post("/api/v1/events", "{\"type\":\"t\",\"data\":{}}").status()).isEqualTo(202);
        Await.until("herald_queue_depth 3.0 on the API node's /metrics", () -> api.get("/metrics").text(), m -> m.contains("herald_queue_depth 3.0"));
    }

    @Test
    void whenTheDatabaseGoesAwayTheApiAnswers503AndWorkResumesWhenItReturns() throws Exception {
        TcpProxy proxy = proxy();
        try (Receiver receiver = new Receiver()) {
            receiver.on("/r", Reply.ok());
            TestHerald h = nodeVia(proxy);
            Api api = h.newProject("outage");
            assertThat(api.post("/api/v1/webhooks", "{\"url\":\"" + receiver.url("/r") + "\",\"events\":[\"*\"]}").status()).isEqualTo(201);
            for (int i = 0; i < 5; i++) assertThat(api.post("/api/v1/events", "{\"type\":\"before\",\"data\":{}}").status()).isEqualTo(202);
            receiver.await("/r", 5, Await.PATIENCE);

            proxy.cut();
            Api.Res refused = api.post("/api/v1/events", "{\"type\":\"during\",\"data\":{}}");
            assertThat(refused.status()).as(refused.toString()).isEqualTo(503);
            assertThat(refused.json().at("/error/code").asString()).isEqualTo("database_unavailable");
            assertThat(refused.header("Retry-After")).isNotNull();
            assertThat(api.get("/api/v1/webhooks").status()).isEqualTo(503);
            assertThat(api.get("/readyz").status()).isEqualTo(503);
            assertThat(api.get("/healthz").status()).isEqualTo(200);

            proxy.restore();
            Await.until("/readyz answering 200 again", () -> api.get("/readyz").status() == 200);
            for (int i = 0; i < 5; i++) {
                Api.Res r = api.post("/api/v1/events", "{\"type\":\"after\",\"data\":{}}");
                assertThat(r.status()).as(r.toString()).isEqualTo(202);
            }
            receiver.await("/r", 10, Await.PATIENCE);
            assertThat(receiver.requests("/r")).extracting(r -> r.bodyText().contains("\"during\"")).containsOnly(false);
        }
    }

    @Test
    void aWriteAfterTheDatabaseDroppedTheIdleConnectionsIsAccepted() throws Exception {
        TcpProxy proxy = proxy();
        TestHerald h = nodeVia(proxy);
        Api api = h.newProject("dropped");
        assertThat(api.post("/api/v1/events", "{\"type\":\"before\",\"data\":{}}").status()).isEqualTo(202);

        // Every connection Herald holds is reset while idle (a database restart, a proxy's idle timeout), and
        // the database is there again at once. The pool checks the connections it lends; the writer keeps one.
        proxy.cut();
        proxy.restore();
        Await.until("reads answering again", () -> api.get("/api/v1/webhooks").status() == 200);

        Api.Res r = api.post("/api/v1/events", "{\"type\":\"after\",\"data\":{}}");
        assertThat(r.status()).as("the first write after the drop: %s", r).isEqualTo(202);
    }
}
