package dev.herald.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.store.Dialect;
import dev.herald.support.TestHerald;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * With a long history of finished deliveries, the queries on the hot path read only the partial indexes
 * of live work: the due-work query, and on PostgreSQL the in-flight count per target. Checked on the
 * query plans of the engine the suite runs on, with 200,000 finished rows and a handful of live ones.
 */
class QueuePlanTest {
    static final int HISTORY = 200_000;
    static final int LIVE = 5_000;
    TestHerald herald;

    @BeforeEach
    void start() {
        herald = TestHerald.start();
    }

    @AfterEach
    void stop() {
        herald.close();
    }

    @Test
    void theDueWorkQueryReadsOnlyLiveWorkHoweverLongTheHistory() {
        var db = herald.herald().database();
        Dialect d = db.dialect();
        db.writer().execute(h -> {
            Connection c = h.getConnection();
            try (Statement s = c.createStatement()) {
                s.execute("INSERT INTO projects (id, name, created_at) VALUES ('p', 'p', 0)");
                s.execute("INSERT INTO messages (id, project_id, kind, type, body, created_at) VALUES ('m', 'p', 'event', 't', "
                        + (d == Dialect.SQLITE ? "x'7b7d'" : "'\\x7b7d'::bytea") + ", 0)");
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO deliveries (id, project_id, message_id, channel, target_id, status, "
                    + "attempts, schedule_pos, next_attempt_at, created_at, updated_at, completed_at) VALUES (?, 'p', 'm', 'webhook', ?, ?, 1, 0, ?, 0, 0, ?)")) {
                for (int i = 0; i < HISTORY + LIVE; i++) {
                    boolean live = i >= HISTORY;
                    ps.setString(1, String.format("%012d", i));
                    ps.setString(2, "w" + (i % 20));
                    ps.setString(3, live ? (i % 50 == 0 ? "in_flight" : "pending") : (i % 10 == 0 ? "dead" : "succeeded"));
                    // Due far in the future: this Herald's own dispatcher leaves them alone; the claim below asks for that time.
                    if (live) ps.setLong(4, Long.MAX_VALUE / 4 + i); else ps.setNull(4, java.sql.Types.BIGINT);
                    if (live) ps.setNull(5, java.sql.Types.BIGINT); else ps.setLong(5, i);
                    ps.addBatch();
                    if (i % 5000 == 0) ps.executeBatch();
                }
                ps.executeBatch();
            }
            if (d == Dialect.SQLITE) {
                try (Statement s = c.createStatement()) {
                    s.execute("ANALYZE");
                }
            }
            return null;
        });

        // On PostgreSQL the same query is the `due` step of herald_claim() (migration V6).
        String due = d == Dialect.SQLITE ? plan(d, DeliveryRepository.dueQuery(d), Long.MAX_VALUE / 2, 100)
                : plan(d, "SELECT id, target_id, next_attempt_at FROM deliveries WHERE status = 'pending' AND next_attempt_at <= ? "
                        + "ORDER BY next_attempt_at LIMIT ?", Long.MAX_VALUE / 2, 100);
        assertThat(due).as("plan of the due-work query").contains("deliveries_due").doesNotContainIgnoringCase("Seq Scan on deliveries")
                .doesNotContain("SCAN deliveries ");
        if (d == Dialect.SQLITE) {
            // Behind a head held by busy targets, the claim walks targets and reads one target's due work at a time.
            assertThat(plan(d, DeliveryRepository.NEXT_TARGET, "w1")).as("plan of the walk over targets").contains("deliveries_target_due")
                    .doesNotContain("SCAN deliveries ").doesNotContain("TEMP B-TREE");
            assertThat(plan(d, DeliveryRepository.TARGET_DUE, "w1", Long.MAX_VALUE / 2, 10)).as("plan of one target's due work")
                    .contains("deliveries_target_due").doesNotContain("SCAN deliveries ").doesNotContain("TEMP B-TREE");
        }
        if (d == Dialect.POSTGRESQL) {
            String counts = plan(d, "SELECT target_id, count(*) FROM deliveries WHERE status = 'in_flight' GROUP BY target_id");
            assertThat(counts).as("plan of the in-flight count").contains("deliveries_in_flight_target").doesNotContain("Seq Scan on deliveries");
        }
        // And the claim itself leases due rows. On PostgreSQL it is herald_claim() (migration V6), whose plans EXPLAIN
        // cannot show: called again and again (past the point where a cached plan turns generic), it must
        // never scan the whole table.
        long far = Long.MAX_VALUE / 2;
        if (d == Dialect.SQLITE) {
            List<Claim> claimed = db.claim(h -> DeliveryRepository.claim(h, "w", far, far + 1, 100, 100, java.util.Map.of(), java.util.Set.of()));
            assertThat(claimed).hasSize(100);
            return;
        }
        long[] seqScans = new long[1];
        int claimed = db.writer().execute(h -> {
            int n = 0;
            for (int i = 0; i < 16; i++) {
                // The six-argument version (V11, rewritten in V13 and V14) is what nodes call, often enough here for its
                // statements' plans to turn generic (V14); the five-argument one (V6) stays for older nodes.
                String call = i % 4 != 3 ? "herald_claim('w', :now, :until, 10, 100, ARRAY[]::TEXT[])" : "herald_claim('w', :now, :until, 10, 100)";
                n += h.createQuery("SELECT count(*) FROM " + call)
                        .bind("now", far).bind("until", far + 1).mapTo(Integer.class).one();
            }
            seqScans[0] = h.createQuery("SELECT seq_scan FROM pg_stat_xact_user_tables WHERE relname = 'deliveries' AND schemaname = current_schema()").mapTo(Long.class).one();
            return n;
        });
        assertThat(claimed).isEqualTo(160);
        assertThat(seqScans[0]).as("sequential scans of deliveries during sixteen claims").isZero();

        // The claim brings the claimed deliveries' message (V14): its body once, however many of its deliveries were claimed.
        java.util.Map<String, Message> messages = new java.util.HashMap<>();
        List<Claim> more = db.claim(h -> DeliveryRepository.claim(h, "w", far, far + 1, 10, 100, java.util.Map.of(), java.util.Set.of(),
                java.util.Set.of(), messages));
        assertThat(more).hasSize(10).allSatisfy(c -> assertThat(c.messageId()).isEqualTo("m"));
        assertThat(messages).containsOnlyKeys("m");
        Message m = messages.get("m");
        assertThat(new String(m.body(), java.nio.charset.StandardCharsets.UTF_8)).isEqualTo("{}");
        assertThat(m.type()).isEqualTo("t");
        assertThat(m.kind()).isEqualTo("event");
        assertThat(m.projectId()).isEqualTo("p");
        int bodies = db.writer().execute(h -> h.createQuery("SELECT count(message_body) FROM herald_claim('w', :now, :until, 10, 100, ARRAY[]::TEXT[])")
                .bind("now", far).bind("until", far + 1).mapTo(Integer.class).one());
        assertThat(bodies).as("bodies returned for ten deliveries of one message").isEqualTo(1);
    }

    private String plan(Dialect d, String sql, Object... params) {
        return herald.herald().database().read(h -> {
            try (PreparedStatement ps = h.getConnection().prepareStatement((d == Dialect.SQLITE ? "EXPLAIN QUERY PLAN " : "EXPLAIN ") + sql)) {
                for (int i = 0; i < params.length; i++) ps.setObject(i + 1, params[i]);
                List<String> lines = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) lines.add(rs.getString(d == Dialect.SQLITE ? 4 : 1));
                }
                return String.join("\n", lines);
            } catch (java.sql.SQLException e) {
                throw new IllegalStateException(e);
            }
        });
    }
}
