package dev.herald.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.herald.api.ApiException;
import dev.herald.support.TestDatabases;
import dev.herald.support.TestHerald;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The group-committing writer: savepoint isolation between jobs, and sync levels per batch. */
class WriterTest {
    Path dir;
    Database db;

    @BeforeEach
    void open() throws Exception {
        dir = Files.createTempDirectory("herald-writer");
        db = Database.open(TestHerald.config(dir, Map.of("HERALD_SQLITE_SYNCHRONOUS", "FULL")));
    }

    @AfterEach
    void close() {
        db.close();
        TestHerald.deleteTree(dir);
    }

    static int synchronous(org.jdbi.v3.core.Handle h) {
        return h.createQuery("PRAGMA synchronous").mapTo(Integer.class).one();
    }

    @Test
    void durableJobsCommitSyncedAndRelaxedOnlyBatchesDoNot() {
        assumeTrue(db.dialect() == Dialect.SQLITE, "a SQLite pragma");
        int full = db.writer().execute(WriterTest::synchronous);
        int relaxed = db.writer().executeRelaxed(WriterTest::synchronous);
        int fullAgain = db.writer().execute(WriterTest::synchronous);
        assertThat(full).isEqualTo(2); // FULL
        assertThat(relaxed).isEqualTo(1); // NORMAL
        assertThat(fullAgain).isEqualTo(2);
    }

    @Test
    void aFailingJobRollsBackAloneAndTheOthersInItsBatchCommit() throws Exception {
        List<CompletableFuture<Integer>> futures = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            int n = i;
            futures.add(db.writer().submit(h -> {
                h.execute("INSERT INTO projects (id, name, created_at) VALUES (?, ?, 0)", "p" + n, "n" + n);
                if (n % 10 == 0) throw ApiException.conflict("job " + n + " refuses");
                return n;
            }));
        }
        for (int i = 0; i < 50; i++) {
            int n = i;
            if (n % 10 == 0) assertThatThrownBy(() -> futures.get(n).join()).hasCauseInstanceOf(ApiException.class);
            else assertThat(futures.get(n).get()).isEqualTo(n);
        }
        int rows = db.read(h -> h.createQuery("SELECT COUNT(*) FROM projects").mapTo(Integer.class).one());
        assertThat(rows).isEqualTo(45);
    }

    /**
     * Two processes' writers lock the same rows in opposite orders: PostgreSQL aborts one batch as a
     * deadlock victim, and the writer runs it again instead of failing its jobs.
     */
    @Test
    void aBatchChosenAsADeadlockVictimIsRunAgain() throws Exception {
        assumeTrue(db.dialect() == Dialect.POSTGRESQL, "deadlocks between nodes happen on PostgreSQL");
        db.writer().execute(h -> {
            h.execute("INSERT INTO projects (id, name, created_at) VALUES ('a', 'a', 0), ('b', 'b', 0)");
            return null;
        });
        Path otherDir = Files.createTempDirectory("herald-writer-2");
        try (Database other = Database.open(TestHerald.config(otherDir, Map.of("HERALD_DATABASE_URL", TestDatabases.urlFor(dir))))) {
            java.util.concurrent.CyclicBarrier bothLocked = new java.util.concurrent.CyclicBarrier(2);
            java.util.concurrent.atomic.AtomicInteger runs = new java.util.concurrent.atomic.AtomicInteger();
            CompletableFuture<Integer> one = db.writer().submit(h -> lockInOrder(h, "a", "b", bothLocked, runs));
            CompletableFuture<Integer> two = other.writer().submit(h -> lockInOrder(h, "b", "a", bothLocked, runs));
            assertThat(one.get(30, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(1);
            assertThat(two.get(30, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(1);
            assertThat(runs.get()).as("one job ran twice").isEqualTo(3);
        } finally {
            TestHerald.deleteTree(otherDir);
        }
        String name = db.read(h -> h.createQuery("SELECT name FROM projects WHERE id = 'a'").mapTo(String.class).one());
        assertThat(name).isEqualTo("a++");
    }

    private static int lockInOrder(org.jdbi.v3.core.Handle h, String first, String second, java.util.concurrent.CyclicBarrier barrier,
                                   java.util.concurrent.atomic.AtomicInteger runs) throws Exception {
        boolean firstRun = runs.incrementAndGet() <= 2;
        h.execute("UPDATE projects SET name = name || '+' WHERE id = ?", first);
        if (firstRun) barrier.await(10, java.util.concurrent.TimeUnit.SECONDS);
        h.execute("UPDATE projects SET name = name || '+' WHERE id = ?", second);
        return 1;
    }
}
