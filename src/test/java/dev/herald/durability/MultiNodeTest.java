package dev.herald.durability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.herald.config.HeraldConfig;
import dev.herald.support.Api;
import dev.herald.support.HeraldProcess;
import dev.herald.support.Receiver.Reply;
import dev.herald.support.Receiver;
import dev.herald.support.TestDatabases;
import dev.herald.support.TestHerald;
import dev.herald.util.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * One API process and three worker processes on one PostgreSQL database deliver tens of thousands of
 * events; one worker is killed with SIGKILL midway while it is known to hold leases. Every delivery
 * completes, and the deliveries the receiver saw twice are no more than the dead worker held leased at the kill.
 */
class MultiNodeTest {
    static final int WEBHOOKS = 4;
    static final int EVENTS = 5_000;
    static final int DELIVERIES = WEBHOOKS * EVENTS;
    /** Attempts in flight per worker process; the per-webhook limit is the same, so no webhook's limit binds first. */
    static final int CONCURRENCY = 64;

    Path dir;
    Receiver receiver;
    Map<String, String> env;
    final List<HeraldProcess> processes = new ArrayList<>();
    final AtomicBoolean holding = new AtomicBoolean();
    final AtomicInteger held = new AtomicInteger();
    final CountDownLatch gate = new CountDownLatch(1);

    @BeforeEach
    void setUp() throws Exception {
        assumeTrue(TestDatabases.postgres(), "several processes share a database only on PostgreSQL");
        dir = Files.createTempDirectory("herald-nodes");
        receiver = new Receiver();
        env = new HashMap<>();
        env.put("HERALD_DATA_DIR", dir.resolve("data").toString());
        env.put("HERALD_DATABASE_URL", TestDatabases.urlFor(dir.resolve("data")));
        env.put("SECURITY_OUTBOUND_ALLOW_HTTP", "true");
        env.put("SECURITY_OUTBOUND_ALLOW_PRIVATE_NETWORKS", "true");
        env.put("HERALD_WORKER_DEAD_AFTER", "3s");
        env.put("HERALD_DELIVERY_POLL_INTERVAL", "200ms");
        env.put("HERALD_DELIVERY_CONCURRENCY", Integer.toString(CONCURRENCY));
        env.put("HERALD_DELIVERY_PER_WEBHOOK_CONCURRENCY", Integer.toString(CONCURRENCY));
    }

    @AfterEach
    void tearDown() {
        for (HeraldProcess p : processes) p.kill();
        gate.countDown();
        if (receiver != null) receiver.close();
        if (dir != null) TestHerald.deleteTree(dir);
    }

    @Test
    void threeWorkersDeliverEverythingAndAKilledOnesWorkIsTakenOver() throws Exception {
        receiver.on("/n", r -> {
            if (holding.get()) {
                held.incrementAndGet();
                try {
                    gate.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return Reply.ok().after(Duration.ofMillis(2));
        });
        int apiPort = HeraldProcess.freePort();
        processes.add(HeraldProcess.apiOnly(env, dir.resolve("api.log"), apiPort));
        String key = Json.parse(HeraldProcess.run(env, dir.resolve("admin.log"), "admin", "create-project", "nodes")).get("api_key").asString();
        Api api = new Api(apiPort, key);
        for (int i = 0; i < WEBHOOKS; i++) {
            Api.Res w = api.post("/api/v1/webhooks", "{\"url\":\"" + receiver.url("/n") + "\",\"events\":[\"*\"],\"retry_schedule\":[\"1s\",\"1s\",\"1s\"],\"timeout_seconds\":60}");
            assertThat(w.status()).as(w.toString()).isEqualTo(201);
        }
        List<Path> workerLogs = new ArrayList<>();
        List<HeraldProcess> workers = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Path log = dir.resolve("worker-" + i + ".log");
            workerLogs.add(log);
            HeraldProcess w = HeraldProcess.worker(env, log, HeraldProcess.freePort());
            workers.add(w);
            processes.add(w);
        }

        AtomicInteger next = new AtomicInteger();
        AtomicInteger accepted = new AtomicInteger();
        ExecutorService publishers = Executors.newFixedThreadPool(8);
        for (int t = 0; t < 8; t++) {
            publishers.execute(() -> {
                for (int i; (i = next.getAndIncrement()) < EVENTS; ) {
                    Api.Res r = api.post("/api/v1/events", "{\"type\":\"load.tick\",\"data\":{\"i\":" + i + "}}");
                    if (r.status() == 202) accepted.incrementAndGet();
                }
            });
        }

        // Once a third of the deliveries have arrived, the receiver holds every request until the kill. Each
        // worker then fills its CONCURRENCY slots with requests that cannot finish, so when the receiver
        // holds 3 x CONCURRENCY of them the victim is known to hold leases (no timing luck involved).
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (receiver.requests("/n").size() < DELIVERIES / 3 && System.nanoTime() < deadline) Thread.sleep(5);
        holding.set(true);
        deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (held.get() < 3 * CONCURRENCY && System.nanoTime() < deadline) Thread.sleep(5);
        assertThat(held.get()).as("requests held at the receiver").isEqualTo(3 * CONCURRENCY);
        // The two survivors are frozen (SIGSTOP) across the kill and the count, so neither can take the
        // victim's leases over before they are counted; the API node runs no dispatcher.
        String victim = workerId(workerLogs.get(1));
        workers.get(0).suspend();
        workers.get(2).suspend();
        int heldAtKill;
        try {
            workers.get(1).kill();
            heldAtKill = leasedBy(victim);
        } finally {
            workers.get(0).resume();
            workers.get(2).resume();
            holding.set(false);
            gate.countDown();
        }
        publishers.shutdown();
        assertThat(publishers.awaitTermination(120, TimeUnit.SECONDS)).isTrue();
        assertThat(accepted.get()).isEqualTo(EVENTS);

        Map<String, Integer> perDelivery = new HashMap<>();
        deadline = System.nanoTime() + Duration.ofSeconds(180).toNanos();
        while (System.nanoTime() < deadline) {
            perDelivery.clear();
            for (Receiver.Request r : receiver.requests("/n")) perDelivery.merge(r.header("X-Webhook-Delivery"), 1, Integer::sum);
            if (perDelivery.size() >= DELIVERIES) break;
            Thread.sleep(200);
        }
        assertThat(perDelivery).as("distinct deliveries received").hasSize(DELIVERIES);
        long duplicates = perDelivery.values().stream().filter(n -> n > 1).count();
        Map<String, Integer> statuses = statusCounts();
        System.out.printf("multi-node test: %d deliveries, %d requests, %d received twice, %d leased by the killed worker at the kill; statuses %s%n",
                DELIVERIES, receiver.requests("/n").size(), duplicates, heldAtKill, statuses);
        assertThat(heldAtKill).as("the killed worker held its full concurrency").isGreaterThanOrEqualTo(CONCURRENCY);
        assertThat(duplicates).as("duplicates are bounded by what was in flight at the kill").isLessThanOrEqualTo(heldAtKill);
        // Every delivery is recorded as succeeded (the last outcomes are committed shortly after the requests).
        deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (statuses.getOrDefault("succeeded", 0) < DELIVERIES && System.nanoTime() < deadline) {
            Thread.sleep(200);
            statuses = statusCounts();
        }
        assertThat(statuses).containsExactly(Map.entry("succeeded", DELIVERIES));
        // The killed worker was declared dead (its heartbeat stopped) and left the worker table; the two others remain.
        assertThat(liveWorkers()).hasSize(2).doesNotContain(victim);
    }

    /** The worker id a process logged when its dispatcher started. */
    static String workerId(Path log) throws Exception {
        Matcher m = Pattern.compile("dispatcher (\\S+) started").matcher(Files.readString(log));
        assertThat(m.find()).as("worker log names its dispatcher").isTrue();
        return m.group(1);
    }

    Connection connect() throws Exception {
        HeraldConfig c = TestHerald.config(dir.resolve("data"), Map.of());
        return DriverManager.getConnection(c.databaseUrl(), c.databaseUser(), c.databasePassword());
    }

    /** Deliveries in flight under {@code worker}'s lease; the worker must still be registered (nobody took them over). */
    int leasedBy(String worker) throws Exception {
        try (Connection c = connect(); PreparedStatement ps = c.prepareStatement(
                "SELECT (SELECT count(*) FROM deliveries WHERE status = 'in_flight' AND lease_owner = ?), "
                        + "(SELECT count(*) FROM workers WHERE id = ?)")) {
            ps.setString(1, worker);
            ps.setString(2, worker);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                assertThat(rs.getInt(2)).as("the victim is still registered when its leases are counted").isEqualTo(1);
                return rs.getInt(1);
            }
        }
    }

    Map<String, Integer> statusCounts() throws Exception {
        Map<String, Integer> out = new HashMap<>();
        try (Connection c = connect(); ResultSet rs = c.createStatement().executeQuery("SELECT status, count(*) FROM deliveries GROUP BY status")) {
            while (rs.next()) out.put(rs.getString(1), rs.getInt(2));
        }
        return out;
    }

    List<String> liveWorkers() throws Exception {
        List<String> out = new ArrayList<>();
        try (Connection c = connect(); ResultSet rs = c.createStatement().executeQuery("SELECT id FROM workers")) {
            while (rs.next()) out.add(rs.getString(1));
        }
        return out;
    }
}
