package dev.herald.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.herald.delivery.Ingress;
import dev.herald.delivery.Message;
import dev.herald.projects.ApiKeys;
import dev.herald.projects.Projects;
import dev.herald.projects.Role;
import dev.herald.store.Database;
import dev.herald.support.Api;
import dev.herald.support.Await;
import dev.herald.support.TestHerald;
import dev.herald.util.Ids;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Publishing events recalls the caller's key on PostgreSQL instead of reading it ({@code ApiKeys.recall}), and
 * the write confirms it before its commit: a key revoked after this node remembered it is still refused on
 * every way to publish, nothing it sends is stored, and in a writer batch only the writes of that key fail.
 * On SQLite the key is read on every request; the same tests hold.
 */
class RecalledKeyTest {
    static TestHerald herald;

    @BeforeAll
    static void start() {
        herald = TestHerald.start();
    }

    @AfterAll
    static void stop() {
        herald.close();
    }

    private static int events(Api admin) {
        return admin.get("/api/v1/events?limit=100").json().get("data").size();
    }

    @Test
    void aKeyRevokedAfterThisNodeRememberedItIsRefusedOnEveryWayToPublish() {
        Api admin = herald.newProject("recalled");
        Api.Res created = admin.post("/api/v1/api-keys", "{\"name\":\"ci\",\"role\":\"PUBLISHER\"}");
        Api publisher = admin.as(created.json().get("api_key").asString());
        String event = "{\"type\":\"a.b\",\"data\":{}}";
        assertThat(publisher.post("/api/v1/events", event).status()).isEqualTo(202);
        assertThat(publisher.post("/api/v1/events", event, Map.of("Idempotency-Key", "once")).status()).isEqualTo(202);
        assertThat(publisher.post("/api/v1/events/batch", "{\"events\":[" + event + "]}").status()).isEqualTo(200);
        assertThat(events(admin)).isEqualTo(3);

        assertThat(admin.delete("/api/v1/api-keys/" + created.json().get("id").asString()).status()).isEqualTo(204);
        for (Api.Res refused : List.of(
                publisher.post("/api/v1/events", event),
                publisher.post("/api/v1/events", event, Map.of("Idempotency-Key", "once")),
                publisher.post("/api/v1/events/batch", "{\"events\":[" + event + "," + event + "]}"),
                publisher.post("/api/v1/events", "{\"type\":7,\"data\":{}}"),
                publisher.post("/api/v1/events/batch", "{\"events\":[]}"))) {
            assertThat(refused.status()).as(refused.toString()).isEqualTo(401);
            assertThat(refused.json().at("/error/code").asString()).isEqualTo("unauthorized");
            assertThat(refused.header("WWW-Authenticate")).startsWith("Bearer");
        }
        assertThat(events(admin)).as("nothing the revoked key sent was stored").isEqualTo(3);
        assertThat(admin.post("/api/v1/events", event).status()).as("another key of the project").isEqualTo(202);
    }

    @Test
    void aValidKeyStillGetsItsOwnErrorsAndItsReplay() {
        Api admin = herald.newProject("recalled-valid");
        String event = "{\"type\":\"a.b\",\"data\":{}}";
        Api.Res first = admin.post("/api/v1/events", event, Map.of("Idempotency-Key", "k"));
        assertThat(first.status()).isEqualTo(202);
        Api.Res again = admin.post("/api/v1/events", event, Map.of("Idempotency-Key", "k"));
        assertThat(again.status()).isEqualTo(202);
        assertThat(again.header("Idempotent-Replayed")).isEqualTo("true");
        assertThat(again.json().get("id").asString()).isEqualTo(first.json().get("id").asString());
        Api.Res bad = admin.post("/api/v1/events", "{\"type\":7,\"data\":{}}");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.json().at("/error/field").asString()).isEqualTo("type");
        Api viewer = admin.as(admin.post("/api/v1/api-keys", "{\"name\":\"board\",\"role\":\"VIEWER\"}").json().get("api_key").asString());
        assertThat(viewer.post("/api/v1/events", event).status()).as("role").isEqualTo(403);
        assertThat(viewer.post("/api/v1/events", event).status()).as("role, once remembered").isEqualTo(403);
    }

    @Test
    void inOneWriterBatchOnlyTheWritesOfTheRevokedKeyFail() throws Exception {
        Database db = herald.herald().database();
        Clock clock = Clock.systemUTC();
        Projects.Created project = new Projects(db, clock).create("one-batch");
        ApiKeys keys = new ApiKeys(db, clock);
        String active = keys.create(project.projectId(), "active", Role.PUBLISHER).id();
        String revoked = keys.create(project.projectId(), "revoked", Role.PUBLISHER).id();
        keys.revoke(revoked);
        Ingress ingress = new Ingress(db, clock, Duration.ofHours(1), () -> {});

        // Holds the writer's thread, so both writes below wait in its queue and are taken into one batch.
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Object> hold = db.writer().submit(h -> {
            holding.countDown();
            return release.await(30, TimeUnit.SECONDS);
        });
        assertThat(holding.await(30, TimeUnit.SECONDS)).isTrue();
        Message ok = message(project.projectId(), clock);
        Message refused = message(project.projectId(), clock);
        CompletableFuture<List<String>> okWrite = new CompletableFuture<>();
        CompletableFuture<List<String>> refusedWrite = new CompletableFuture<>();
        Thread okThread = Thread.ofPlatform().start(() -> complete(okWrite, () -> publish(ingress, keys, active, ok)));
        Thread refusedThread = Thread.ofPlatform().start(() -> complete(refusedWrite, () -> publish(ingress, keys, revoked, refused)));
        // Both writes are queued once both threads wait for their commit (other jobs of the server may be queued too).
        Await.until("both writes queued behind the held writer", () -> okThread.getState() == Thread.State.WAITING
                && refusedThread.getState() == Thread.State.WAITING && db.writer().waiting() >= 2);
        release.countDown();
        hold.get(30, TimeUnit.SECONDS);

        assertThat(okWrite.get(30, TimeUnit.SECONDS)).isEmpty();
        assertThatThrownBy(() -> refusedWrite.get(30, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(ApiKeys.KeyNotActive.class);
        assertThat(stored(db, ok.id())).isTrue();
        assertThat(stored(db, refused.id())).isFalse();
    }

    private static <T> void complete(CompletableFuture<T> f, java.util.function.Supplier<T> work) {
        try {
            f.complete(work.get());
        } catch (RuntimeException e) {
            f.completeExceptionally(e);
        }
    }

    private static List<String> publish(Ingress ingress, ApiKeys keys, String keyId, Message m) {
        return ingress.write(Ingress.Rows.WITH_THE_BATCH,
                q -> keys.confirm(q.handle(), q.deferred(ApiKeys.Confirmations.class, ApiKeys.Confirmations::new), keyId),
                q -> q.enqueue(m, "webhook", List.of()));
    }

    private static Message message(String projectId, Clock clock) {
        long now = clock.millis();
        return new Message(Ids.uuid7(now), projectId, "event", "a.b", "{}".getBytes(StandardCharsets.UTF_8), now);
    }

    private static boolean stored(Database db, String messageId) {
        return db.read(h -> h.createQuery("SELECT COUNT(*) FROM messages WHERE id = :id").bind("id", messageId).mapTo(Integer.class).one()) == 1;
    }
}
