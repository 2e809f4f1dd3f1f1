package dev.herald.durability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.support.Api;
import dev.herald.support.Await;
import dev.herald.support.Gate;
import dev.herald.support.HeraldProcess;
import dev.herald.support.Receiver.Reply;
import dev.herald.support.Receiver;
import dev.herald.support.TestHerald;
import dev.herald.util.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Kills a real Herald process with SIGKILL in the middle of a load and checks, after a restart on the
 * same data dir, that every accepted event was delivered. Also runs the admin CLI against the data dir
 * of a running server.
 */
class CrashRecoveryTest {
    Path dir;
    Path log;
    Receiver receiver;
    /** Its own receiver (another host:port), so the connections held there do not use up those to the first. */
    Receiver parkedReceiver;
    Map<String, String> env;

    @BeforeEach
    void setUp() throws Exception {
        dir = Files.createTempDirectory("herald-crash");
        log = dir.resolve("herald.log");
        receiver = new Receiver();
        parkedReceiver = new Receiver();
        env = new HashMap<>();
        env.put("HERALD_DATA_DIR", dir.resolve("data").toString());
        env.put("SECURITY_OUTBOUND_ALLOW_HTTP", "true");
        env.put("SECURITY_OUTBOUND_ALLOW_PRIVATE_NETWORKS", "true");
        env.put("HERALD_WORKER_DEAD_AFTER", "3s");
        env.put("HERALD_DELIVERY_POLL_INTERVAL", "100ms");
    }

    @AfterEach
    void tearDown() {
        receiver.close();
        parkedReceiver.close();
        TestHerald.deleteTree(dir);
    }

    @Test
    void noAcceptedEventIsLostWhenTheServerIsKilledMidLoad() throws Exception {
        // Slow enough that many deliveries are in flight, and outcomes being recorded, when the kill lands.
        receiver.on("/crash", Reply.ok().after(Duration.ofMillis(20)));
        // A second webhook gets every event too, and its receiver holds every request until after the kill: its
        // per-webhook slots fill with requests that cannot finish, so accepted work is certainly still queued
        // (and some in flight) at the kill, however fast this machine delivers.
        Gate parked = new Gate();
        parkedReceiver.on("/parked", r -> {
            parked.pass();
            return Reply.ok();
        });
        int port = HeraldProcess.freePort();
        HeraldProcess first = HeraldProcess.serve(env, log, port);
        String key;
        Set<String> accepted = ConcurrentHashMap.newKeySet();
        AtomicBoolean killed = new AtomicBoolean();
        try {
            // The admin CLI works against the data dir of the running server.
            JsonNode created = Json.parse(HeraldProcess.run(env, log, "admin", "create-project", "crash"));
            key = created.get("api_key").asString();
            assertThat(created.get("project_id").asString()).isNotEmpty();
            Api api = new Api(port, key);
            Api.Res w = api.post("/api/v1/webhooks", "{\"url\":\"" + receiver.url("/crash") + "\",\"events\":[\"*\"],\"retry_schedule\":[\"1s\",\"1s\",\"1s\",\"1s\",\"1s\"]}");
            assertThat(w.status()).as(w.toString()).isEqualTo(201);
            // A held request must not time out (and be retried) before the kill.
            Api.Res p = api.post("/api/v1/webhooks", "{\"url\":\"" + parkedReceiver.url("/parked") + "\",\"events\":[\"*\"],"
                    + "\"retry_schedule\":[\"1s\",\"1s\",\"1s\",\"1s\",\"1s\"],\"timeout_seconds\":60}");
            assertThat(p.status()).as(p.toString()).isEqualTo(201);

            int total = 3000;
            AtomicInteger next = new AtomicInteger();
            ExecutorService publishers = Executors.newFixedThreadPool(16);
            for (int t = 0; t < 16; t++) {
                publishers.execute(() -> {
                    int i;
                    while ((i = next.getAndIncrement()) < total && !killed.get()) {
                        try {
                            Api.Res r = api.post("/api/v1/events", "{\"type\":\"load.tick\",\"data\":{\"i\":" + i + "}}");
                            if (r.status() == 202) accepted.add(r.str("id"));
                        } catch (RuntimeException e) {
                            // the server died under this request: not accepted
                        }
                    }
                });
            }
            Await.until("1,000 events accepted, deliveries under way and requests held at /parked",
                    () -> accepted.size() >= 1000 && !receiver.requests("/crash").isEmpty() && parked.waiting() > 0);
            killed.set(true);
            first.kill();
            publishers.shutdown();
            assertThat(publishers.awaitTermination(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        } finally {
            first.kill();
            parked.open();
        }
        int receivedAtKill = receiver.requests().size() + parkedReceiver.requests().size();
        assertThat(accepted.size()).isGreaterThanOrEqualTo(1000);
        // None of /parked's requests could finish before the kill, so it received at most its per-webhook limit.
        assertThat(parkedReceiver.requests("/parked").size()).as("some accepted work was still queued at the kill").isLessThan(accepted.size());

        try (HeraldProcess second = HeraldProcess.serve(env, log, port)) {
            for (Receiver to : List.of(receiver, parkedReceiver)) {
                Await.until("every accepted event delivered to " + to.url("/") + " after the crash (accepted events missing)", Duration.ofSeconds(120), () -> {
                    Set<String> missing = new java.util.HashSet<>(accepted);
                    for (Receiver.Request r : to.requests()) missing.remove(Json.parse(r.body()).get("id").asString());
                    return missing.size();
                }, n -> n == 0);
            }

            // Duplicates are bounded by what was in flight at the kill (at most the global concurrency).
            Map<String, Integer> perDelivery = new HashMap<>();
            for (Receiver to : List.of(receiver, parkedReceiver)) {
                for (Receiver.Request r : to.requests()) perDelivery.merge(r.header("X-Webhook-Delivery"), 1, Integer::sum);
            }
            long duplicates = perDelivery.values().stream().filter(n -> n > 1).count();
            System.out.printf("crash test: %d accepted, %d requests received before the kill, %d after restart, %d deliveries received twice%n",
                    accepted.size(), receivedAtKill, receiver.requests().size() + parkedReceiver.requests().size() - receivedAtKill, duplicates);
            assertThat(duplicates).isLessThanOrEqualTo(256);
            Api api = new Api(second.port(), key);
            assertThat(api.get("/readyz").status()).isEqualTo(200);
        }
    }
}
