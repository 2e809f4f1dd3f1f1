package dev.herald.durability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.support.Api;
import dev.herald.support.HeraldProcess;
import dev.herald.support.Receiver.Reply;
import dev.herald.support.Receiver;
import dev.herald.support.TestHerald;
import dev.herald.util.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
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
    Map<String, String> env;

    @BeforeEach
    void setUp() throws Exception {
        dir = Files.createTempDirectory("herald-crash");
        log = dir.resolve("herald.log");
        receiver = new Receiver();
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
        TestHerald.deleteTree(dir);
    }

    @Test
    void noAcceptedEventIsLostWhenTheServerIsKilledMidLoad() throws Exception {
        // Slow enough that many deliveries are in flight and many still queued when the kill lands.
        receiver.on("/crash", Reply.ok().after(Duration.ofMillis(20)));
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
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (accepted.size() < 1000 && System.nanoTime() < deadline) Thread.sleep(5);
            assertThat(receiver.requests("/crash")).as("deliveries were under way before the kill").isNotEmpty();
            killed.set(true);
            first.kill();
            publishers.shutdown();
            assertThat(publishers.awaitTermination(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        } finally {
            first.kill();
        }
        int receivedAtKill = receiver.requests("/crash").size();
        assertThat(accepted.size()).isGreaterThanOrEqualTo(1000);
        assertThat(receivedAtKill).as("some accepted work was still queued at the kill").isLessThan(accepted.size());

        try (HeraldProcess second = HeraldProcess.serve(env, log, port)) {
            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            Set<String> delivered = ConcurrentHashMap.newKeySet();
            while (System.nanoTime() < deadline) {
                delivered.clear();
                for (Receiver.Request r : receiver.requests("/crash")) delivered.add(Json.parse(r.body()).get("id").asString());
                if (delivered.containsAll(accepted)) break;
                Thread.sleep(200);
            }
            Set<String> missing = new java.util.HashSet<>(accepted);
            missing.removeAll(delivered);
            assertThat(missing).as("accepted events never delivered after the crash").isEmpty();

            // Duplicates are bounded by what was in flight at the kill (at most the global concurrency).
            Map<String, Integer> perDelivery = new HashMap<>();
            for (Receiver.Request r : receiver.requests("/crash")) perDelivery.merge(r.header("X-Webhook-Delivery"), 1, Integer::sum);
            long duplicates = perDelivery.values().stream().filter(n -> n > 1).count();
            System.out.printf("crash test: %d accepted, %d requests received before the kill, %d after restart, %d deliveries received twice%n",
                    accepted.size(), receivedAtKill, receiver.requests("/crash").size() - receivedAtKill, duplicates);
            assertThat(duplicates).isLessThanOrEqualTo(256);
            Api api = new Api(second.port(), key);
            assertThat(api.get("/readyz").status()).isEqualTo(200);
        }
    }
}
