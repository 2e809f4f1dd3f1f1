package dev.herald.delivery;

import dev.herald.metrics.Metrics;
import dev.herald.store.Database;
import dev.herald.store.Dialect;
import dev.herald.util.Ids;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one dispatcher: claims due deliveries (leases), hands each to its {@link Channel}, and records
 * the outcome and the next state in one write. Concurrency is bounded globally and per target, so a
 * slow or dead endpoint fills only its own slots and everything else keeps flowing.
 *
 * <p>Hazards: the lease must outlast the longest request timeout, or a live attempt is claimed again by
 * another node (duplicates). On PostgreSQL the per-target limit is counted in the database at each
 * claim, across every node; the counts kept here only let a claim skip targets this node alone fills.
 */
public final class Dispatcher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);

    /** Limits and timings. A worker silent for {@code deadAfter} is presumed dead; heartbeats go every quarter of it. */
    public record Settings(int globalConcurrency, int perTargetConcurrency, Duration lease, Duration pollInterval, int batchSize,
                           Duration deadAfter) {}

    private final Database db;
    private final Map<String, Channel> channels;
    private final RetryPolicy retry;
    private final Settings settings;
    private final Clock clock;
    private final Metrics metrics;
    private final String workerId;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final ConcurrentHashMap<String, AtomicInteger> perTarget = new ConcurrentHashMap<>();
    /** Deliveries whose attempts ended here and whose outcomes are not committed yet (still in_flight in the database). */
    private final Set<String> endedUnrecorded = ConcurrentHashMap.newKeySet();
    /**
     * Counts what may have made work due that the last look at the queue did not see: new pending work (here
     * or, through NOTIFY, on another node), a retry recorded, leases returned. The queue is clear while
     * {@link #clearAt} equals it: the last claim found nothing due that this node could not take, and nothing
     * has changed since. While it holds, the loop makes no claim until the next poll, and on SQLite new
     * deliveries with a free slot are handed over by {@link Ingress} instead of being claimed. A claim
     * records the count it read before it began, so a change during the claim leaves the queue not clear.
     */
    private final AtomicLong changes = new AtomicLong();
    private volatile long clearAt = -1;
    /** Whether deliveries may be handed over at all: on SQLite, where this process is the only worker. */
    private final boolean handOffs;
    private final ConcurrentLinkedQueue<HandedOver> handedOver = new ConcurrentLinkedQueue<>();
    private final Object signal = new Object();
    private boolean signalled;
    private ScheduledFuture<?> housekeeping;
    private final Recorder recorder;
    private volatile boolean running;
    /** How many deliveries the last claim asked for (the dispatcher thread's own). */
    private int lastRequested;
    private Thread thread;

    public Dispatcher(Database db, List<Channel> channels, RetryPolicy retry, Settings settings, Clock clock, Metrics metrics) {
        this.db = db;
        this.channels = new HashMap<>();
        for (Channel c : channels) this.channels.put(c.name(), c);
        this.retry = retry;
        this.settings = settings;
        this.clock = clock;
        this.metrics = metrics;
        this.workerId = Ids.uuid7(clock.millis());
        this.recorder = new Recorder(db, workerId, this::recorded, this::signal);
        this.handOffs = db.dialect() == Dialect.SQLITE;
    }

    /** Deliveries committed already leased to this dispatcher, with their messages. */
    private record HandedOver(List<Claim> claims, Map<String, Message> messages) {}

    public String workerId() {
        return workerId;
    }

    /** Starts claiming on its own thread; heartbeats and lease recovery run every quarter of deadAfter on {@code timers}. */
    public synchronized void start(ScheduledExecutorService timers) {
        if (running) return;
        running = true;
        db.writer().execute(h -> {
            DeliveryRepository.heartbeat(h, workerId, clock.millis());
            return null;
        });
        housekeeping = timers.scheduleWithFixedDelay(this::housekeep, 0, settings.deadAfter().toMillis() / 4, TimeUnit.MILLISECONDS);
        thread = Thread.ofPlatform().name("herald-dispatcher").daemon(true).start(this::loop);
        log.info("dispatcher {} started (concurrency {} global, {} per target)", workerId, settings.globalConcurrency(), settings.perTargetConcurrency());
    }

    /** Tells the dispatcher new work may be due now (called after work is committed or returned to the queue). */
    public void wake() {
        changes.incrementAndGet();
        signal();
    }

    /** Wakes the loop without saying anything of the queue: a slot came free, outcomes were recorded, work was handed over. */
    private void signal() {
        synchronized (signal) {
            signalled = true;
            signal.notifyAll();
        }
    }

    private void awaitSignal(long millis) {
        synchronized (signal) {
            if (!signalled && millis > 0) {
                try {
                    signal.wait(millis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            signalled = false;
        }
    }

    private void loop() {
        long backoff = 0;
        long pollNanos = settings.pollInterval().toNanos();
        long lookedAt = System.nanoTime() - pollNanos;
        while (running) {
            try {
                dispatchHandedOver();
                // While the queue is clear, nothing needs a claim until news wakes the loop or the next poll comes
                // (retries that came due, leases returned, work queued without a wake); on SQLite new work comes
                // handed over meanwhile.
                long sinceLook = System.nanoTime() - lookedAt;
                if (queueClear() && sinceLook < pollNanos) {
                    awaitSignal(Math.max(1, TimeUnit.NANOSECONDS.toMillis(pollNanos - sinceLook)));
                    continue;
                }
                lookedAt = System.nanoTime();
                Claimed claimed = claimDue();
                if (claimed == null) {
                    awaitSignal(settings.pollInterval().toMillis());
                    continue;
                }
                backoff = 0;
                List<Claim> claims = claimed.claims();
                if (claims.isEmpty()) {
                    awaitSignal(settings.pollInterval().toMillis());
                    continue;
                }
                metrics.attemptsStarted(claims.size(), false);
                dispatch(claims, claimed.messages());
                // Fewer than asked for: nothing more is claimable until an attempt ends or work arrives, and
                // both wake this loop; claiming again at once would only read the queue for nothing.
                if (claims.size() < lastRequested) awaitSignal(settings.pollInterval().toMillis());
            } catch (RuntimeException e) {
                backoff = Math.min(Math.max(backoff * 2, 100), 5_000);
                log.warn("dispatcher cannot reach the database ({}); retrying in {} ms", e.getMessage(), backoff);
                awaitSignal(backoff);
            }
        }
    }

    /** Starts everything handed over since the last turn as one batch, so its channels load their targets once. */
    private void dispatchHandedOver() {
        HandedOver first = handedOver.poll();
        if (first == null) return;
        List<Claim> claims = new ArrayList<>(first.claims());
        Map<String, Message> messages = new HashMap<>(first.messages());
        for (HandedOver h; (h = handedOver.poll()) != null; ) {
            claims.addAll(h.claims());
            messages.putAll(h.messages());
        }
        metrics.attemptsStarted(claims.size(), true);
        dispatch(claims, messages);
    }

    /**
     * Takes a slot for a new delivery of {@code targetId} over {@code channel}, which the caller stores
     * leased to this worker and hands over after its commit ({@link #handOver}), or gives back
     * ({@link #unreserve}) if the write fails. Returns the lease's end, or 0 when the delivery must be
     * queued: no slot is free, work is already waiting (it goes first), or this dispatcher is not running.
     * Called inside a write, on the writer's thread, where claims take their slots too.
     */
    long reserve(String channel, String targetId, long now) {
        if (!handOffs || !running || !queueClear() || !channels.containsKey(channel)) return 0;
        if (inFlight.get() >= settings.globalConcurrency()) return 0;
        AtomicInteger n = perTarget.get(targetId);
        if (n != null && n.get() >= settings.perTargetConcurrency()) return 0;
        take(targetId);
        return now + settings.lease().toMillis();
    }

    /** Gives back a slot {@link #reserve} took, for a write that did not commit. */
    void unreserve(String targetId) {
        release(targetId);
        signal();
    }

    /** Starts the attempts of deliveries committed already leased to this dispatcher (after {@link #reserve}). */
    void handOver(List<Claim> claims, Map<String, Message> messages) {
        handedOver.add(new HandedOver(claims, messages));
        signal();
    }

    /**
     * Whether the last claim found nothing waiting that this node could not take, and nothing changed since:
     * the loop then claims only at the next poll, and on SQLite new work is handed over.
     */
    boolean queueClear() {
        return clearAt == changes.get();
    }

    /** Pending work was queued inside a write under way: deliveries queued after it must not overtake it. */
    void queued() {
        changes.incrementAndGet();
    }

    /** What a claim leased, and the messages it brought with it (PostgreSQL; the others are read before dispatch). */
    private record Claimed(List<Claim> claims, Map<String, Message> messages) {}

    /** Leases as much due work as there are free slots for; null when every slot is taken (no claim made). */
    private Claimed claimDue() {
        if (settings.globalConcurrency() - inFlight.get() <= 0) return null;
        return claim();
    }

    /**
     * One turn of the loop, for tests that drive a dispatcher which was not {@link #start() started}: claims
     * due work within the limits (at the clock's time) and starts its attempts. Returns what it claimed.
     */
    List<Claim> claimOnce() {
        Claimed claimed = claimDue();
        if (claimed == null) return List.of();
        List<Claim> claims = claimed.claims();
        if (!claims.isEmpty()) {
            metrics.attemptsStarted(claims.size(), false);
            dispatch(claims, claimed.messages());
        }
        return claims;
    }

    /**
     * Claims due work for the free slots, taking their slots inside the claim's job: on SQLite that runs on
     * the writer's thread, where {@link #reserve} takes slots too, so the two never count the same slot.
     */
    private Claimed claim() {
        List<Claim> taken = new ArrayList<>();
        Map<String, Message> messages = new HashMap<>();
        try {
            List<Claim> leased = db.claim(h -> {
                taken.clear();
                messages.clear();
                int limit = Math.min(settings.globalConcurrency() - inFlight.get(), settings.batchSize());
                lastRequested = limit;
                if (limit <= 0) return List.of();
                Map<String, Integer> busy = new HashMap<>();
                Set<String> excluded = new HashSet<>();
                perTarget.forEach((t, n) -> {
                    int v = n.get();
                    if (v > 0) busy.put(t, v);
                    if (v >= settings.perTargetConcurrency()) excluded.add(t);
                });
                long now = clock.millis();
                long leaseUntil = now + settings.lease().toMillis();
                long seen = changes.get();
                Set<String> ended = Set.copyOf(endedUnrecorded);
                List<Claim> claims = DeliveryRepository.claim(h, workerId, now, leaseUntil, limit,
                        settings.perTargetConcurrency(), busy, excluded, ended, messages);
                for (Claim c : claims) take(c.targetId());
                taken.addAll(claims);
                boolean clear;
                if (handOffs) {
                    clear = claims.size() < limit && !DeliveryRepository.anyDue(h, now);
                } else {
                    // PostgreSQL: fewer rows than asked for, and no target at its limit here when the claim began nor
                    // after it, so no due row was left for want of this node's slots: a slot coming free makes nothing
                    // claimable. (A slot freed while the claim ran does not make the start count: the claim saw the
                    // target full.) Rows left for other nodes' slots are theirs to claim as their attempts end, rows
                    // passed over while another transaction held them wait for the poll, and anything new wakes the loop.
                    clear = claims.size() < limit && excluded.isEmpty() && noTargetFull();
                }
                clearAt = clear ? seen : -1;
                return claims;
            });
            return new Claimed(leased, messages);
        } catch (RuntimeException e) {
            for (Claim c : taken) release(c.targetId());
            throw e;
        }
    }

    /** Starts the attempts of claims whose slots are taken; {@code known} are messages at hand (the rest are read). */
    private void dispatch(List<Claim> claims, Map<String, Message> known) {
        Map<String, Message> messages = new HashMap<>(known);
        try {
            Set<String> ids = new HashSet<>();
            for (Claim c : claims) {
                if (!messages.containsKey(c.messageId())) ids.add(c.messageId());
            }
            if (!ids.isEmpty()) {
                for (Message m : db.read(h -> DeliveryRepository.messages(h, ids))) messages.put(m.id(), m);
            }
            Map<String, List<Claim>> byChannel = new HashMap<>();
            for (Claim c : claims) byChannel.computeIfAbsent(c.channel(), k -> new ArrayList<>()).add(c);
            byChannel.forEach((name, list) -> {
                Channel ch = channels.get(name);
                if (ch != null) ch.prepare(list);
            });
        } catch (RuntimeException e) {
            // Leave the claims leased: they return to the queue when the lease expires.
            for (Claim c : claims) release(c.targetId());
            throw e;
        }
        for (Claim c : claims) {
            Channel ch = channels.get(c.channel());
            Message m = messages.get(c.messageId());
            long started = clock.millis();
            CompletableFuture<AttemptOutcome> attempt;
            if (ch == null || m == null) {
                attempt = CompletableFuture.completedFuture(internalFailure(ch == null ? "no channel " + c.channel() : "message missing"));
            } else {
                try {
                    attempt = ch.attempt(c, m);
                } catch (RuntimeException e) {
                    attempt = CompletableFuture.completedFuture(internalFailure(e.getMessage()));
                }
            }
            attempt.exceptionally(t -> internalFailure(t.getMessage()))
                    .thenAccept(o -> finish(ch, c, o, started));
        }
    }

    private static AttemptOutcome internalFailure(String message) {
        return new AttemptOutcome(false, null, "internal", message, null, false, 0, null, false, null);
    }

    private void finish(Channel ch, Claim c, AttemptOutcome o, long started) {
        long now = clock.millis();
        metrics.attemptLatency(c.channel(), Duration.ofMillis(o.durationMs()));
        DeliveryRepository.Transition t;
        String outcome;
        if (o.success()) {
            t = new DeliveryRepository.Transition("succeeded", c.schedulePos(), null, null, now);
            outcome = "succeeded";
        } else {
            Duration delay;
            String reason;
            try {
                delay = o.permanent() || ch == null ? null : retry.nextDelay(ch.retrySchedule(c.targetId()), c.schedulePos(), o.retryAfter());
                int made = c.attempts() + 1;
                reason = o.permanent() || ch == null ? o.summary()
                        : "exhausted after " + made + (made == 1 ? " attempt" : " attempts") + "; last: " + o.summary();
            } catch (RuntimeException e) {
                // A channel that cannot say its schedule must not leak this slot or lose the outcome: dead-letter it (replayable).
                log.warn("cannot schedule the next attempt of delivery {} ({}); dead-lettering it", c.id(), e.toString());
                delay = null;
                reason = "internal: cannot schedule the next attempt (" + e.getMessage() + "); last: " + o.summary();
            }
            if (delay == null) {
                t = new DeliveryRepository.Transition("dead", c.schedulePos(), null, reason, now);
                outcome = "dead";
            } else {
                t = new DeliveryRepository.Transition("pending", c.schedulePos() + 1, now + delay.toMillis(), null, null);
                outcome = "retry";
            }
        }
        // A success's slot is free as soon as the attempt is over, here and in the shared claim (ended): the
        // delivery stays in_flight in the database until its outcome is recorded, so nothing can claim it twice
        // meanwhile. A failure's slot stays taken until its outcome is recorded (recorded() frees it): the
        // record may pause its target (a webhook's failure streak, 410 Gone), and a claim or a hand-over that
        // overtook it would make one attempt too many.
        if (o.success()) {
            endedUnrecorded.add(c.id());
            release(c.targetId());
        }
        recorder.add(new Recorder.Finished(ch, c, o, t, outcome, started, now));
        signal();
    }

    private void recorded(Recorder.Finished f) {
        endedUnrecorded.remove(f.claim().id());
        if (!f.outcome().success()) release(f.claim().targetId());
        metrics.delivery(f.claim().channel(), f.label());
        // A retry is back in the queue (perhaps due at once, after a Retry-After of 0): the next turn claims.
        if (f.transition().status().equals("pending")) changes.incrementAndGet();
    }

    /** Whether every target has a slot free here. */
    private boolean noTargetFull() {
        for (AtomicInteger n : perTarget.values()) {
            if (n.get() >= settings.perTargetConcurrency()) return false;
        }
        return true;
    }

    /** Takes a slot of {@code targetId} (and one of the global limit). */
    private void take(String targetId) {
        inFlight.incrementAndGet();
        perTarget.compute(targetId, (k, n) -> {
            if (n == null) return new AtomicInteger(1);
            n.incrementAndGet();
            return n;
        });
    }

    /** Gives back a slot that {@link #take} took. */
    private void release(String targetId) {
        inFlight.decrementAndGet();
        perTarget.computeIfPresent(targetId, (k, n) -> n.decrementAndGet() <= 0 ? null : n);
    }

    /**
     * Heartbeat, return of expired and dead workers' leases, queue gauges. Runs every quarter of
     * {@code deadAfter} once started; tests that drive a dispatcher without starting it call it directly.
     */
    void housekeep() {
        try {
            long now = clock.millis();
            int reclaimed = db.writer().executeRelaxed(h -> {
                DeliveryRepository.heartbeat(h, workerId, now);
                return DeliveryRepository.reclaimExpired(h, now, now - settings.deadAfter().toMillis());
            });
            if (reclaimed > 0) {
                log.info("returned {} deliveries with expired leases to the queue", reclaimed);
                wake();
            }
            QueueStats s = db.read(h -> QueueStats.read(h, now));
            metrics.queue(s.depth(), s.oldestDueAgeMillis());
        } catch (RuntimeException e) {
            log.warn("dispatcher housekeeping failed: {}", e.getMessage());
        }
    }

    public int inFlight() {
        return inFlight.get();
    }

    /** Stops claiming, lets attempts in flight finish (up to {@code grace}), then leaves the worker table. */
    @Override
    public void close() {
        if (!running) return;
        running = false;
        wake();
        if (housekeeping != null) housekeeping.cancel(false);
        try {
            if (thread != null) thread.join(5_000);
            // Work handed over after the loop's last turn is leased to this worker: attempt it now rather than at the lease's end.
            try {
                dispatchHandedOver();
            } catch (RuntimeException e) {
                log.warn("could not start the attempts handed over at shutdown ({}); they are attempted when their leases expire", e.getMessage());
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (inFlight.get() > 0 && System.nanoTime() < deadline) Thread.sleep(20);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            db.writer().execute(h -> {
                DeliveryRepository.removeWorker(h, workerId);
                return null;
            });
        } catch (RuntimeException e) {
            log.warn("could not remove worker {} on shutdown: {}", workerId, e.getMessage());
        }
    }
}
