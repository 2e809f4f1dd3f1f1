package dev.herald.store;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Supplier;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single writer: every database write in the process is a {@link Job} submitted here. One thread
 * drains the queue and runs everything waiting in <em>one</em> transaction (group commit), each job in
 * its own savepoint so a failing job rolls back alone. A job's future completes only after the commit,
 * so "accepted" always means "durable".
 *
 * <p>On PostgreSQL a batch that another node's transaction deadlocks with is rolled back whole and run
 * again, and a batch in which one job fails is rolled back and run again without it (see
 * {@link #runBatchOnce}), so a job may run more than once before it commits.
 *
 * <p>On PostgreSQL, where every statement is a round trip, a job submitted with {@link #submitDeferring}
 * may leave rows to insert with the rest of its batch ({@link #deferred}): they go in one batched
 * statement per kind, before the next job that may not defer and before the commit, so they still commit
 * with the job. If that statement fails, the batch is rolled back and run again with every job writing
 * at once, which finds the job at fault.
 *
 * <p>Hazard: a job must only touch the database through its handle, and must give the same effect if
 * it is run again after a rollback. Anything else it does (cache
 * updates, notifications) would happen even if the commit later fails; do those in the future's
 * continuation instead. A slow job delays every job in its batch, so jobs are short statements, never
 * network calls.
 */
public final class Writer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Writer.class);
    private static final int MAX_BATCH = 1024;

    /** A unit of work run inside the writer's transaction. */
    @FunctionalInterface
    public interface Job<T> {
        T run(Handle h) throws Exception;
    }

    /**
     * Rows that jobs of one batch leave to be written together ({@link #deferred}), by one batched
     * statement per kind instead of a round trip per job.
     */
    public interface Deferred {
        /** Writes everything added since the last flush, and forgets it. */
        void flush(Handle h) throws Exception;
    }

    /** {@code awaited}: a relaxed job whose caller blocks until it commits ({@link #executeRelaxed}: a claim, a heartbeat). */
    private record Pending<T>(Job<T> job, CompletableFuture<T> future, boolean durable, boolean deferring, boolean awaited) {}

    private final Jdbi jdbi;
    private final Dialect dialect;
    private final String[] syncPragmas;
    private String currentSync;
    private final BlockingQueue<Pending<?>> queue = new LinkedBlockingQueue<>();
    private final ExecutorService completions = Executors.newVirtualThreadPerTaskExecutor();
    private final Thread thread;
    private volatile boolean closed;
    private Handle handle;
    private Control control;
    /** The running batch's deferred rows by kind, in the order first used; only the writer's thread touches it. */
    private final Map<Class<?>, Deferred> deferred = new LinkedHashMap<>();
    /** Whether the job running now may defer rows (writer thread only). */
    private boolean deferring;

    /**
     * @param syncPragmas for SQLite, the {@code synchronous} levels of durable and of relaxed batches
     *                    ({@code {"FULL", "NORMAL"}}); null when every commit is synced the same way
     */
    Writer(Jdbi jdbi, Dialect dialect, String[] syncPragmas) {
        this.jdbi = jdbi;
        this.dialect = dialect;
        this.syncPragmas = syncPragmas;
        this.thread = Thread.ofPlatform().name("herald-writer").daemon(true).start(this::loop);
    }

    /** Queues a job; the future completes after its transaction commits (or fails with the job's exception). */
    public <T> CompletableFuture<T> submit(Job<T> job) {
        return submit(job, true, false, false);
    }

    /**
     * {@link #submit}, for a job that may leave rows to be inserted with the rest of its batch
     * ({@link #deferred}; PostgreSQL only). Such a job must not read or change, later in itself, rows it
     * deferred; jobs that come after it and may not defer see them, as they would otherwise.
     */
    public <T> CompletableFuture<T> submitDeferring(Job<T> job) {
        return submit(job, true, true, false);
    }

    /** {@link #execute(Job, BiConsumer)} for a job {@link #submitDeferring} describes. */
    public <T> T executeDeferring(Job<T> job, BiConsumer<? super T, ? super Throwable> settled) {
        return await(submitDeferring(job).whenComplete(settled));
    }

    /**
     * Inside a job submitted with {@link #submitDeferring}, on the writer's thread: the batch's deferred
     * rows of {@code kind} (made by {@code create} on first use), to add rows to instead of inserting them
     * now. Null when the job must write now: on SQLite (its statements are calls, not round trips), in a
     * job that may not defer, or in a batch run again after a deferred statement failed.
     */
    public <D extends Deferred> D deferred(Class<D> kind, Supplier<D> create) {
        if (Thread.currentThread() != thread || !deferring) return null;
        return kind.cast(deferred.computeIfAbsent(kind, k -> create.get()));
    }

    /**
     * Queues a job whose loss on a power failure is harmless because it would be redone: claims, attempt
     * records, heartbeats (at-least-once delivery repeats the attempt). A batch of only such jobs commits
     * without syncing the WAL; it still survives a process crash, and the next durable commit syncs it.
     * Acceptance of work (events, API writes) always uses {@link #submit(Job)}. Submitted this way, with
     * nobody blocked on it (attempt records, key-use stamps), it may also commit with durable jobs, synced.
     */
    public <T> CompletableFuture<T> submitRelaxed(Job<T> job) {
        return submit(job, false, false, false);
    }

    private <T> CompletableFuture<T> submit(Job<T> job, boolean durable, boolean deferring, boolean awaited) {
        CompletableFuture<T> f = new CompletableFuture<>();
        if (closed) {
            f.completeExceptionally(new StoreException("database writer is closed", null));
            return f;
        }
        queue.add(new Pending<>(job, f, durable, deferring, awaited));
        return f;
    }

    /** Jobs queued and not yet taken into a batch. */
    public int waiting() {
        return queue.size();
    }

    /** Runs a job and waits for its commit. Exceptions thrown by the job are rethrown as they are. */
    public <T> T execute(Job<T> job) {
        return await(submit(job));
    }

    /**
     * {@link #execute}, with {@code settled} called once the job's fate is known, before this returns:
     * with the result after the commit, or with the failure (the job's exception, or the batch's) after the
     * rollback. Unlike code after {@code execute}, it runs even if the waiting thread is interrupted. It must not
     * throw: its exception would replace the job's result.
     */
    public <T> T execute(Job<T> job, BiConsumer<? super T, ? super Throwable> settled) {
        return await(submit(job).whenComplete(settled));
    }

    /**
     * {@link #execute} for a job that {@link #submitRelaxed} describes, whose caller is blocked until it
     * commits: it never waits for a sync (see {@link #runSplit}).
     */
    public <T> T executeRelaxed(Job<T> job) {
        return await(submit(job, false, false, true));
    }

    private static <T> T await(CompletableFuture<T> future) {
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException("interrupted while waiting for a commit", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException re) throw re;
            if (c instanceof Error err) throw err;
            throw new StoreException("write failed: " + c.getMessage(), c);
        }
    }

    private void loop() {
        List<Pending<?>> batch = new ArrayList<>(MAX_BATCH);
        while (!closed || !queue.isEmpty()) {
            try {
                Pending<?> first = queue.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) continue;
                batch.add(first);
                queue.drainTo(batch, MAX_BATCH - 1);
                runSplit(batch);
            } catch (InterruptedException e) {
                if (closed) break;
            } catch (Throwable t) {
                log.error("writer batch failed unexpectedly", t);
                for (Pending<?> p : batch) completeExceptionally(p, new StoreException("write failed: " + t.getMessage(), t));
            } finally {
                batch.clear();
            }
        }
        closeHandle();
    }

    /**
     * Where durable and relaxed commits differ (SQLite at FULL or EXTRA), the relaxed jobs that a caller is
     * blocked on (claims, heartbeats) commit first, in a transaction of their own that does not wait for a
     * sync, and are answered at once; then the durable jobs commit with their sync, and with them the relaxed
     * jobs nobody is blocked on (attempt records), which lose nothing by a sync and would otherwise cost a
     * commit of their own: every commit writes each page it changed to the WAL again, and under fan-out the
     * separate commit cost 7-8% of the deliveries (docs/BENCHMARKS.md). A claim then waits for the batch
     * under way, not also for the next batch's sync, and no durable job's commit is any weaker. Jobs are
     * submitted by independent callers, who wait for their own commit, so the order between the kinds in one
     * drain carries no meaning.
     */
    private void runSplit(List<Pending<?>> batch) {
        if (syncPragmas == null) {
            runBatch(batch);
            return;
        }
        List<Pending<?>> relaxed = new ArrayList<>();
        List<Pending<?>> durable = new ArrayList<>();
        boolean anyDurable = false;
        for (Pending<?> p : batch) {
            anyDurable |= p.durable();
            (p.durable() || !p.awaited() ? durable : relaxed).add(p);
        }
        if (!anyDurable || relaxed.isEmpty() || durable.isEmpty()) {
            runBatch(batch);
            return;
        }
        runBatch(relaxed);
        runBatch(durable);
    }

    /** Thrown through a batch to roll it back whole and run it again (a deadlock or serialization failure). */
    private static final class RetryBatch extends RuntimeException {
        RetryBatch(Throwable cause) {
            super(cause.getMessage(), cause, false, false);
        }
    }

    private static final int MAX_TRIES = 4;

    /**
     * True for PostgreSQL's deadlock and serialization failures: the transaction was chosen as a victim
     * and would succeed if run again. They can happen when another node's batch locks the same rows in
     * another order.
     */
    static boolean retryable(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof SQLException se && ("40P01".equals(se.getSQLState()) || "40001".equals(se.getSQLState()))) return true;
        }
        return false;
    }

    /** Thrown through a batch run without savepoints when one job fails: the batch is rolled back and run again without it. */
    private static final class JobFailed extends RuntimeException {
        final int index;

        JobFailed(int index, Throwable cause) {
            super(cause.getMessage(), cause, false, false);
            this.index = index;
        }
    }

    /** Thrown through a batch when writing its deferred rows failed: it is rolled back and run again with every job writing at once. */
    private static final class DeferredFailed extends RuntimeException {
        DeferredFailed(Throwable cause) {
            super(cause.getMessage(), cause, false, false);
        }
    }

    /** Failed jobs after which a batch goes on with savepoints rather than being run again once more per failure. */
    private static final int MAX_RERUNS = 3;

    private void runBatch(List<Pending<?>> batch) {
        Throwable[] failures = new Throwable[batch.size()];
        int reruns = 0;
        boolean defer = dialect == Dialect.POSTGRESQL;
        for (int tries = 1; ; ) {
            boolean savepoints = dialect == Dialect.SQLITE || reruns >= MAX_RERUNS;
            try {
                // A job rolled back to its savepoint would leave its deferred rows behind: deferring needs the
                // batch to be rolled back whole when a job fails.
                runBatchOnce(batch, failures, tries < MAX_TRIES, savepoints, defer && !savepoints);
                return;
            } catch (RetryBatch e) {
                log.debug("batch of {} jobs rolled back ({}); running it again", batch.size(), e.getMessage());
                try {
                    Thread.sleep(tries * 5L);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                }
                tries++;
            } catch (JobFailed e) {
                failures[e.index] = e.getCause();
                reruns++;
            } catch (DeferredFailed e) {
                log.debug("deferred rows of a batch of {} jobs failed ({}); running it again writing at once", batch.size(), e.getMessage());
                defer = false;
            }
        }
    }

    /**
     * Runs the jobs not yet failed in one transaction. With {@code savepoints} (always on SQLite, where they
     * cost nothing) each job runs in its own, so a failing one rolls back alone. Without them (PostgreSQL,
     * where every savepoint is a round trip and a subtransaction, and more than 64 written subtransactions
     * in one transaction slow every other session's snapshots), a failing job rolls the batch back and
     * {@link JobFailed} has it run again without that job.
     */
    private void runBatchOnce(List<Pending<?>> batch, Throwable[] failures, boolean mayRetry, boolean savepoints, boolean defer) {
        Object[] results = new Object[batch.size()];
        deferred.clear();
        try {
            Handle h = handle();
            // Transaction control goes straight to JDBC on statements prepared once: through Jdbi it cost a
            // quarter of the writer's time (see docs/BENCHMARKS.md).
            Control control = control(h);
            if (syncPragmas != null) {
                boolean durable = false;
                for (Pending<?> p : batch) durable |= p.durable();
                String level = durable ? syncPragmas[0] : syncPragmas[1];
                if (!level.equals(currentSync)) {
                    control.execute("PRAGMA synchronous = " + level);
                    currentSync = level;
                }
            }
            try {
                control.execute(dialect.beginWrite());
            } catch (SQLException | RuntimeException e) {
                // Nothing of the batch has reached the database: a connection that broke while the writer held
                // it idle (the server restarted, a proxy dropped it) is replaced and the batch run again.
                if (mayRetry && StoreException.isConnectionLoss(e)) {
                    closeHandle();
                    throw new RetryBatch(e);
                }
                throw e;
            }
            try {
                for (int i = 0; i < batch.size(); i++) {
                    if (failures[i] != null) continue;
                    Pending<?> p = batch.get(i);
                    if (!p.deferring()) flushDeferred(h, mayRetry);
                    if (savepoints) control.execute("SAVEPOINT job");
                    deferring = defer && p.deferring();
                    try {
                        results[i] = p.job().run(h);
                        if (savepoints) control.execute("RELEASE SAVEPOINT job");
                    } catch (Exception e) {
                        if (mayRetry && retryable(e)) throw new RetryBatch(e);
                        if (StoreException.isConnectionLoss(e)) throw new StoreException("database write failed: " + e.getMessage(), e);
                        if (!savepoints) throw new JobFailed(i, e);
                        control.execute("ROLLBACK TO SAVEPOINT job");
                        control.execute("RELEASE SAVEPOINT job");
                        failures[i] = e;
                    } finally {
                        deferring = false;
                    }
                }
                flushDeferred(h, mayRetry);
                control.execute("COMMIT");
            } catch (Exception e) {
                try {
                    control.execute("ROLLBACK");
                } catch (SQLException | RuntimeException ignored) {
                    // the connection is likely gone; it is reopened on the next batch
                }
                if (e instanceof RetryBatch || e instanceof JobFailed || e instanceof DeferredFailed) throw (RuntimeException) e;
                if (mayRetry && retryable(e)) throw new RetryBatch(e);
                throw e;
            } finally {
                deferred.clear();
            }
        } catch (RetryBatch | JobFailed | DeferredFailed e) {
            throw e;
        } catch (Exception e) {
            closeHandle();
            StoreException failure = new StoreException("database write failed: " + e.getMessage(), e);
            for (Pending<?> p : batch) completeExceptionally(p, failure);
            return;
        }
        for (int i = 0; i < batch.size(); i++) {
            if (failures[i] != null) completeExceptionally(batch.get(i), failures[i]);
            else complete(batch.get(i), results[i]);
        }
    }

    /** Writes the rows jobs deferred so far, kind by kind in the order first used. */
    private void flushDeferred(Handle h, boolean mayRetry) {
        if (deferred.isEmpty()) return;
        try {
            for (Deferred d : deferred.values()) d.flush(h);
        } catch (Exception e) {
            if (mayRetry && retryable(e)) throw new RetryBatch(e);
            if (StoreException.isConnectionLoss(e)) throw new StoreException("database write failed: " + e.getMessage(), e);
            throw new DeferredFailed(e);
        } finally {
            deferred.clear();
        }
    }

    @SuppressWarnings("unchecked")
    private <T> void complete(Pending<T> p, Object result) {
        completions.execute(() -> p.future().complete((T) result));
    }

    private void completeExceptionally(Pending<?> p, Throwable t) {
        Throwable cause = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
        completions.execute(() -> p.future().completeExceptionally(cause));
    }

    private Handle handle() {
        if (handle == null) handle = jdbi.open();
        return handle;
    }

    private Control control(Handle h) throws SQLException {
        if (control == null) control = new Control(h.getConnection());
        return control;
    }

    /**
     * Transaction control on the writer's connection, each statement prepared once: through a plain
     * Statement SQLite compiled BEGIN, SAVEPOINT, RELEASE and COMMIT again on every use.
     */
    private static final class Control implements AutoCloseable {
        private final java.sql.Connection connection;
        private final java.util.Map<String, java.sql.PreparedStatement> prepared = new java.util.HashMap<>();

        Control(java.sql.Connection connection) {
            this.connection = connection;
        }

        void execute(String sql) throws SQLException {
            java.sql.PreparedStatement ps = prepared.get(sql);
            if (ps == null) {
                ps = connection.prepareStatement(sql);
                prepared.put(sql, ps);
            }
            ps.execute();
        }

        @Override
        public void close() throws SQLException {
            for (java.sql.PreparedStatement ps : prepared.values()) ps.close();
            prepared.clear();
        }
    }

    private void closeHandle() {
        currentSync = null;
        if (control != null) {
            try {
                control.close();
            } catch (SQLException ignored) {
                // closing a broken connection
            }
            control = null;
        }
        if (handle != null) {
            try {
                handle.close();
            } catch (RuntimeException ignored) {
                // closing a broken connection
            }
            handle = null;
        }
    }

    /** Stops accepting work, commits what is queued, and stops the thread. */
    @Override
    public void close() {
        closed = true;
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        completions.shutdown();
    }
}
