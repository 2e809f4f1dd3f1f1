package dev.herald.delivery;

import dev.herald.store.Database;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records finished attempts in batches: one writer job writes every attempt that finished since the
 * previous job (attempt rows, state transitions, target effects) with batched statements. At most one
 * job is queued at a time, so under load each commit carries hundreds of attempts.
 *
 * <p>Hazard: if a batch fails to commit, its deliveries stay leased and are attempted again when the
 * lease expires (at-least-once); nothing here retries the write itself.
 */
final class Recorder {
    private static final Logger log = LoggerFactory.getLogger(Recorder.class);

    /** A finished attempt waiting to be recorded. */
    record Finished(Channel channel, Claim claim, AttemptOutcome outcome, DeliveryRepository.Transition transition, String label,
                    long startedAt, long finishedAt) {}

    private final Database db;
    private final String workerId;
    private final Consumer<Finished> onRecorded;
    private final Runnable afterBatch;
    private final ConcurrentLinkedQueue<Finished> queue = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean scheduled = new AtomicBoolean();

    /**
     * @param onRecorded called for every finished attempt after its batch (committed or not): releases its slot
     * @param afterBatch called after each batch (wakes the dispatcher)
     */
    Recorder(Database db, String workerId, Consumer<Finished> onRecorded, Runnable afterBatch) {
        this.db = db;
        this.workerId = workerId;
        this.onRecorded = onRecorded;
        this.afterBatch = afterBatch;
    }

    void add(Finished f) {
        queue.add(f);
        schedule();
    }

    private void schedule() {
        if (!scheduled.compareAndSet(false, true)) return;
        List<Finished> batch = new ArrayList<>();
        db.writer().submitRelaxed(h -> {
            // Cleared before draining: anything added from now on schedules the next job.
            scheduled.set(false);
            for (Finished f; (f = queue.poll()) != null; ) batch.add(f);
            return batch.isEmpty() ? List.<Runnable>of() : write(h, batch);
        }).whenComplete((after, err) -> {
            if (err != null) {
                log.warn("could not record {} attempts ({}); they are retried when their leases expire", batch.size(), err.getMessage());
            } else {
                for (Runnable r : after) {
                    try {
                        r.run();
                    } catch (RuntimeException e) {
                        log.warn("post-commit task failed: {}", e.getMessage());
                    }
                }
            }
            for (Finished f : batch) onRecorded.accept(f);
            afterBatch.run();
            if (!queue.isEmpty()) schedule();
        });
    }

    private List<Runnable> write(org.jdbi.v3.core.Handle h, List<Finished> batch) {
        // Retries of disabled or deleted targets are paused or cancelled instead.
        Map<Channel, Set<String>> retrying = new HashMap<>();
        for (Finished f : batch) {
            if (f.channel() != null && f.transition().status().equals("pending")) {
                retrying.computeIfAbsent(f.channel(), k -> new HashSet<>()).add(f.claim().targetId());
            }
        }
        Map<String, Channel.TargetState> states = new HashMap<>();
        retrying.forEach((ch, targets) -> states.putAll(ch.targetStates(h, targets)));
        List<DeliveryRepository.Completion> completions = new ArrayList<>(batch.size());
        for (Finished f : batch) {
            DeliveryRepository.Transition t = f.transition();
            if (t.status().equals("pending") && f.channel() != null) {
                Channel.TargetState s = states.getOrDefault(f.claim().targetId(), Channel.TargetState.GONE);
                if (s == Channel.TargetState.PAUSED) t = new DeliveryRepository.Transition("paused", t.schedulePos(), t.nextAttemptAt(), null, null);
                if (s == Channel.TargetState.GONE) t = new DeliveryRepository.Transition("cancelled", t.schedulePos(), null, null, f.finishedAt());
            }
            completions.add(new DeliveryRepository.Completion(f.claim(), f.outcome(), t, f.startedAt(), f.finishedAt()));
        }
        boolean[] changed = DeliveryRepository.completeAll(h, workerId, completions);
        Map<Channel, List<Channel.Result>> results = new HashMap<>();
        for (int i = 0; i < batch.size(); i++) {
            Finished f = batch.get(i);
            if (!changed[i] || f.channel() == null) continue;
            boolean dead = completions.get(i).transition().status().equals("dead");
            results.computeIfAbsent(f.channel(), k -> new ArrayList<>()).add(new Channel.Result(f.claim(), f.outcome(), dead));
        }
        List<Runnable> after = new ArrayList<>();
        results.forEach((ch, list) -> {
            Runnable r = ch.onOutcomes(h, list);
            if (r != null) after.add(r);
        });
        return after;
    }
}
