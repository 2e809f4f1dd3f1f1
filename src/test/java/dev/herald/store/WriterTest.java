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

    /**
     * In one drain with durable work, a relaxed job someone is blocked on (a claim) commits first without a
     * sync, while a relaxed job nobody waits on (an attempt record) commits with the durable job, synced.
     */
    @Test
    void aBlockedOnRelaxedJobCommitsAheadUnsyncedAndAnAsynchronousOneCommitsWithTheDurableJobs() throws Exception {
        assumeTrue(db.dialect() == Dialect.SQLITE, "a SQLite pragma");
        java.util.concurrent.CountDownLatch running = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        CompletableFuture<Integer> holding = db.writer().submit(h -> {
            running.countDown();
            release.await();
            return 0;
        });
        running.await();
        // Queued while the writer is held, so the three are drained together.
        CompletableFuture<Integer> durable = db.writer().submit(WriterTest::synchronous);
        CompletableFuture<Integer> recorded = db.writer().submitRelaxed(WriterTest::synchronous);
        CompletableFuture<Integer> claim = CompletableFuture.supplyAsync(() -> db.writer().executeRelaxed(WriterTest::synchronous));
        while (db.writer().waiting() < 3) Thread.onSpinWait();
        release.countDown();
        holding.get();
        assertThat(claim.get()).isEqualTo(1); // NORMAL, in a transaction of its own
        assertThat(durable.get()).isEqualTo(2); // FULL
        assertThat(recorded.get()).isEqualTo(2); // FULL, with the durable job
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

    /** Rows of projects that deferring jobs leave to be inserted with their batch. */
    static final class ProjectRows implements Writer.Deferred {
        final List<String> ids = new ArrayList<>();
        static final java.util.concurrent.atomic.AtomicInteger FLUSHES = new java.util.concurrent.atomic.AtomicInteger();

        @Override
        public void flush(org.jdbi.v3.core.Handle h) throws Exception {
            FLUSHES.incrementAndGet();
            java.sql.PreparedStatement ps = Sql.cached(h, "INSERT INTO projects (id, name, created_at) VALUES (?, ?, 0)");
            try {
                for (String id : ids) {
                    ps.setString(1, id);
                    ps.setString(2, id);
                    ps.addBatch();
                }
                ps.executeBatch();
            } catch (java.sql.SQLException e) {
                ps.clearBatch();
                throw e;
            } finally {
                ids.clear();
            }
        }
    }

    /** A deferring job's project: left to its batch where the writer defers, else inserted at once. */
    private static Writer.Job<String> project(Writer w, String id) {
        return h -> {
            ProjectRows rows = w.deferred(ProjectRows.class, ProjectRows::new);
            if (rows != null) rows.ids.add(id);
            else h.execute("INSERT INTO projects (id, name, created_at) VALUES (?, ?, 0)", id, id);
            return id;
        };
    }

    /** Submits {@code jobs} so that they run in one batch: the writer is held busy by a job of its own until all are queued. */
    private <T> List<CompletableFuture<T>> inOneBatch(List<java.util.function.Function<Writer, CompletableFuture<T>>> jobs) throws Exception {
        java.util.concurrent.CountDownLatch running = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        CompletableFuture<Object> blocker = db.writer().submit(h -> {
            running.countDown();
            release.await();
            return null;
        });
        running.await();
        List<CompletableFuture<T>> futures = new ArrayList<>();
        for (var j : jobs) futures.add(j.apply(db.writer()));
        release.countDown();
        blocker.get(30, java.util.concurrent.TimeUnit.SECONDS);
        return futures;
    }

    private int projects() {
        return db.read(h -> h.createQuery("SELECT COUNT(*) FROM projects").mapTo(Integer.class).one());
    }

    /**
     * On PostgreSQL rows that jobs defer are inserted together: before the next job that may not defer (which
     * sees them) and before the commit, which answers every job. On SQLite nothing is deferred.
     */
    @Test
    void deferredRowsCommitWithTheirJobsAndTheJobsAfterThemSeeThem() throws Exception {
        ProjectRows.FLUSHES.set(0);
        List<java.util.function.Function<Writer, CompletableFuture<Object>>> jobs = new ArrayList<>();
        for (String id : List.of("d1", "d2", "d3")) jobs.add(w -> w.submitDeferring(project(w, id)).thenApply(x -> x));
        jobs.add(w -> w.submit(h -> h.createQuery("SELECT COUNT(*) FROM projects").mapTo(Integer.class).one()));
        jobs.add(w -> w.submitDeferring(project(w, "d4")).thenApply(x -> x));
        List<CompletableFuture<Object>> futures = inOneBatch(jobs);
        assertThat(futures.get(0).get()).isEqualTo("d1");
        assertThat(futures.get(3).get()).as("the job that may not defer sees the rows deferred before it").isEqualTo(3);
        assertThat(futures.get(4).get()).isEqualTo("d4");
        assertThat(projects()).isEqualTo(4);
        assertThat(ProjectRows.FLUSHES.get()).as("one batched insert before the reading job, one before the commit")
                .isEqualTo(db.dialect() == Dialect.POSTGRESQL ? 2 : 0);
        Object rows = db.writer().execute(h -> db.writer().deferred(ProjectRows.class, ProjectRows::new));
        assertThat(rows).as("a job that may not defer writes at once").isNull();
    }

    /** A deferred row that fails (a duplicate key) fails only its own job: the batch runs again writing at once. */
    @Test
    void aDeferredRowThatFailsFailsOnlyItsJob() throws Exception {
        db.writer().execute(h -> h.execute("INSERT INTO projects (id, name, created_at) VALUES ('taken', 'taken', 0)"));
        List<java.util.function.Function<Writer, CompletableFuture<String>>> jobs = new ArrayList<>();
        for (String id : List.of("e1", "taken", "e3")) jobs.add(w -> w.submitDeferring(project(w, id)));
        List<CompletableFuture<String>> futures = inOneBatch(jobs);
        assertThat(futures.get(0).get()).isEqualTo("e1");
        assertThatThrownBy(() -> futures.get(1).join()).hasMessageContaining("taken");
        assertThat(futures.get(2).get()).isEqualTo("e3");
        assertThat(projects()).isEqualTo(3);
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
