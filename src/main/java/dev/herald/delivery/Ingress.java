package dev.herald.delivery;

import dev.herald.store.Database;
import dev.herald.store.Writer;
import dev.herald.util.Problem;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jdbi.v3.core.Handle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one door into the queue. Every way in (API events, emails, approved customer emails, Slack
 * notices, Herald's own events; next, provider callbacks and inbound mail) hands over a message (its
 * exact bytes, stored once) and its targets here, inside one write: the message, one delivery per
 * target, and the feature's own rows commit together, and the dispatchers are woken after the commit.
 * An Idempotency-Key makes a repeat of the same request return the first answer and create nothing.
 *
 * <p>Hazard: a message's bytes are what every attempt signs and sends; nothing may re-serialize them
 * after {@link Queue#enqueue}. Work queued through {@link #within} commits with a write that someone
 * else started (the dispatcher's recorder), which wakes its own dispatcher after each batch.
 */
public final class Ingress {
    private static final Logger log = LoggerFactory.getLogger(Ingress.class);
    private final Database db;
    private final Clock clock;
    private final Duration idempotencyTtl;
    private final Runnable wake;
    private volatile Dispatcher dispatcher;

    /** @param wake tells this node's dispatcher and, on PostgreSQL, every node's that work is due */
    public Ingress(Database db, Clock clock, Duration idempotencyTtl, Runnable wake) {
        this.db = db;
        this.clock = clock;
        this.idempotencyTtl = idempotencyTtl;
        this.wake = wake;
    }

    /**
     * An Idempotency-Key as a caller sent it: scoped to a project and an endpoint ({@code events},
     * {@code emails}); {@code requestHash} tells a repeat from a different request under the same key.
     */
    public record IdempotencyKey(String projectId, String scope, String key, String requestHash) {}

    /** What {@link #accept} answered: the answer's JSON, and whether it repeats an earlier answer. */
    public record Receipt(String answer, boolean replayed) {}

    /**
     * What a write must still find true when it commits, checked inside it before anything else (that the
     * caller's API key is still active): it throws to refuse the write, which then stores nothing and
     * replays no answer. It may check with the rest of the writer's batch through {@link Queue#deferred}.
     */
    @FunctionalInterface
    public interface Guard {
        void check(Queue q);
    }

    /** When the rows a write queues are inserted. */
    public enum Rows {
        /** As the write queues them: for ways in that read or change, later in the same write, what they queued. */
        AT_ONCE,
        /**
         * With the rest of the writer's batch, by batched statements before the commit (PostgreSQL, where each
         * statement is a round trip; on SQLite at once): for ways in that do nothing more with the rows they queue.
         * The answer still waits for the commit.
         */
        WITH_THE_BATCH
    }

    /** A write under way, through which a way in queues its messages. */
    public static final class Queue {
        private final Handle handle;
        private final long now;
        /** The writer whose batch takes this write's rows, when they may wait for the end of the batch; else null. */
        private final Writer batch;
        /** This node's dispatcher when it takes work handed over (SQLite), else null. */
        private final Dispatcher dispatcher;
        /** Whether deliveries queued here may be handed over: only in a write this Ingress started, which hands them over after its commit. */
        private final boolean handOff;
        private final List<Claim> handedOver = new ArrayList<>();
        private final Map<String, Message> messages = new HashMap<>();
        private int queued;

        private Queue(Handle handle, long now, Dispatcher dispatcher, boolean handOff, Writer batch) {
            this.handle = handle;
            this.now = now;
            this.batch = batch;
            this.dispatcher = dispatcher;
            this.handOff = handOff && dispatcher != null;
        }

        /** The write's handle, for the feature's own rows (committed with the message). */
        public Handle handle() {
            return handle;
        }

        /** The time of this write. */
        public long now() {
            return now;
        }

        /**
         * Stores {@code m} and one delivery per target over {@code channel}, due now; returns the delivery ids
         * in order. A delivery whose target has a free slot in this node's dispatcher, when nothing else is
         * waiting in the queue, is stored already leased to it and handed over after the commit (no claim).
         * In a write whose rows go {@link Rows#WITH_THE_BATCH} (PostgreSQL), the message and its pending
         * deliveries are inserted with the rest of the writer's batch instead, before its commit.
         */
        public List<String> enqueue(Message m, String channel, List<String> targetIds) {
            DeliveryRepository.PendingRows later = deferred(DeliveryRepository.PendingRows.class, DeliveryRepository.PendingRows::new);
            if (later != null) {
                List<String> ids = later.add(m, channel, targetIds, now);
                requeued(targetIds.size());
                return ids;
            }
            DeliveryRepository.insertMessage(handle, m);
            long[] leases = handOff ? reserve(channel, targetIds) : null;
            List<String> ids;
            try {
                ids = DeliveryRepository.insertDeliveries(handle, m, channel, targetIds, now, leases == null ? null : dispatcher.workerId(), leases);
            } catch (RuntimeException e) {
                if (leases != null) release(targetIds, leases);
                throw e;
            }
            int handed = 0;
            for (int i = 0; leases != null && i < leases.length; i++) {
                if (leases[i] <= 0) continue;
                handedOver.add(new Claim(ids.get(i), m.projectId(), m.id(), channel, targetIds.get(i), 0, 0, leases[i]));
                handed++;
            }
            if (handed > 0) messages.put(m.id(), m);
            requeued(targetIds.size() - handed);
            return ids;
        }

        /**
         * When this write's rows go {@link Rows#WITH_THE_BATCH} (PostgreSQL): the writer batch's deferred work
         * of {@code kind}, done by one statement for the whole batch before its commit. Null otherwise: then
         * the work is done now.
         */
        public <D extends Writer.Deferred> D deferred(Class<D> kind, Supplier<D> create) {
            return batch == null ? null : batch.deferred(kind, create);
        }

        /** A slot in the dispatcher per target that has one free (its lease deadline; 0 or less where none); null when none has. */
        private long[] reserve(String channel, List<String> targetIds) {
            long[] leases = new long[targetIds.size()];
            boolean any = false;
            for (int i = 0; i < leases.length; i++) {
                leases[i] = dispatcher.reserve(channel, targetIds.get(i), now);
                any |= leases[i] > 0;
            }
            return any ? leases : null;
        }

        private void release(List<String> targetIds, long[] leases) {
            for (int i = 0; i < leases.length; i++) {
                if (leases[i] > 0) dispatcher.unreserve(targetIds.get(i));
            }
        }

        /** Counts deliveries put back in the queue in this write (a retry, a replay), so the dispatchers are woken. */
        void requeued(int n) {
            if (n <= 0) return;
            queued += n;
            if (dispatcher != null) dispatcher.queued();
        }

        /** After the write: hands the deliveries leased in it to the dispatcher if it committed, gives their slots back if not. */
        private void settle(boolean committed) {
            if (handedOver.isEmpty()) return;
            if (committed) {
                dispatcher.handOver(List.copyOf(handedOver), Map.copyOf(messages));
            } else {
                for (Claim c : handedOver) dispatcher.unreserve(c.targetId());
            }
        }
    }

    /** Has deliveries queued in this Ingress's writes handed straight to {@code d} when it has room (SQLite, one node). */
    public void handOffTo(Dispatcher d) {
        this.dispatcher = d;
    }

    /**
     * Runs {@code work} as one write (the writer's transaction) and wakes the dispatchers after the commit
     * when it queued anything. Exceptions from {@code work} roll the write back and are rethrown.
     */
    public <T> T write(Function<Queue, T> work) {
        return write(Rows.AT_ONCE, null, work);
    }

    /** {@link #write}, with the queued rows inserted as {@code rows} says and {@code guard} (may be null) checked first inside it. */
    public <T> T write(Rows rows, Guard guard, Function<Queue, T> work) {
        long now = clock.millis();
        Dispatcher d = dispatcher;
        Queue[] q = new Queue[1];
        Writer writer = db.writer();
        boolean later = rows == Rows.WITH_THE_BATCH;
        Writer.Job<T> job = h -> {
            q[0] = new Queue(h, now, d, true, later ? writer : null);
            if (guard != null) guard.check(q[0]);
            return work.apply(q[0]);
        };
        BiConsumer<T, Throwable> settled = (r, failure) -> {
            if (q[0] == null) return;
            try {
                q[0].settle(failure == null);
            } catch (RuntimeException e) {
                log.error("could not hand deliveries to the dispatcher; they are attempted when their leases expire", e);
            }
        };
        T result = later ? writer.executeDeferring(job, settled) : writer.execute(job, settled);
        if (q[0].queued > 0) wake.run();
        return result;
    }

    /**
     * {@link #write} behind an Idempotency-Key ({@code key} may be null): {@code work} returns the answer's
     * JSON, which is kept for the key's TTL; a repeat of the same request within it returns that answer
     * without running {@code work}, and the same key with a different request is refused (422).
     */
    public Receipt accept(IdempotencyKey key, Function<Queue, String> work) {
        return accept(Rows.AT_ONCE, null, key, work);
    }

    /** {@link #accept}, with the queued rows inserted as {@code rows} says and {@code guard} (may be null) checked first, before an earlier answer is replayed. */
    public Receipt accept(Rows rows, Guard guard, IdempotencyKey key, Function<Queue, String> work) {
        if (key == null) return new Receipt(write(rows, guard, work), false);
        return write(rows, guard, q -> replay(q, key).orElseGet(() -> first(q, key, work)));
    }

    /** The answer kept for {@code key} within its TTL, replayed; throws the 422 refusal when the key came with another request. */
    private Optional<Receipt> replay(Queue q, IdempotencyKey key) {
        return find(q.handle(), key, q.now() - idempotencyTtl.toMillis()).map(answer -> new Receipt(answer, true));
    }

    /** Runs {@code work} and keeps its answer for {@code key} (when there is one). */
    private static Receipt first(Queue q, IdempotencyKey key, Function<Queue, String> work) {
        String answer = work.apply(q);
        if (key != null) store(q.handle(), key, answer, q.now());
        return new Receipt(answer, false);
    }

    /** One item of {@link #acceptAll}: its Idempotency-Key (may be null) and the work that queues it and returns its answer's JSON. */
    public record Item(IdempotencyKey key, Function<Queue, String> work) {}

    /** What {@link #acceptAll} answered for one item: a receipt, or the refusal of that item alone. */
    public record ItemResult(Receipt receipt, Problem refused) {}

    /**
     * Many {@link #accept}s in one write, so one commit (and one sync) covers them all: each item is checked
     * against its own key in order (a key repeated inside the batch replays or refuses like a later
     * request would). A key reused with a different request refuses that item alone; an exception from any
     * {@code work} rolls the whole write back. {@code guard} (may be null) is checked once, first: when it
     * refuses, the whole write is refused.
     */
    public List<ItemResult> acceptAll(Rows rows, Guard guard, List<Item> items) {
        return write(rows, guard, q -> {
            List<ItemResult> out = new ArrayList<>(items.size());
            for (Item item : items) {
                Optional<Receipt> seen = Optional.empty();
                if (item.key() != null) {
                    try {
                        seen = replay(q, item.key());
                    } catch (Problem p) {
                        // Only the key's refusal is this item's alone; a throw from its work rolls the write back.
                        out.add(new ItemResult(null, p));
                        continue;
                    }
                }
                out.add(new ItemResult(seen.orElseGet(() -> first(q, item.key(), item.work())), null));
            }
            return out;
        });
    }

    /**
     * Queues inside a write that is already under way ({@code h}): the dispatcher's recorder, whose
     * outcomes produce events (webhook.disabled) and operator emails. That write's owner wakes the dispatcher.
     */
    public Queue within(Handle h) {
        return new Queue(h, clock.millis(), dispatcher, false, null);
    }

    private static Optional<String> find(Handle h, IdempotencyKey k, long notBefore) {
        return h.createQuery("SELECT request_hash, response FROM idempotency_keys WHERE project_id = :p AND scope = :s AND key = :k AND created_at >= :nb")
                .bind("p", k.projectId()).bind("s", k.scope()).bind("k", k.key()).bind("nb", notBefore)
                .map((rs, ctx) -> {
                    if (!rs.getString("request_hash").equals(k.requestHash())) {
                        throw new Problem(Problem.Kind.UNPROCESSABLE, "idempotency_key_reused",
                                "this Idempotency-Key was used with a different request body", "Idempotency-Key");
                    }
                    return rs.getString("response");
                }).findOne();
    }

    private static void store(Handle h, IdempotencyKey k, String answer, long now) {
        // An expired row with the same key is replaced.
        h.createUpdate("DELETE FROM idempotency_keys WHERE project_id = :p AND scope = :s AND key = :k")
                .bind("p", k.projectId()).bind("s", k.scope()).bind("k", k.key()).execute();
        h.createUpdate("INSERT INTO idempotency_keys (project_id, scope, key, request_hash, response, created_at) VALUES (:p, :s, :k, :rh, :r, :now)")
                .bind("p", k.projectId()).bind("s", k.scope()).bind("k", k.key()).bind("rh", k.requestHash()).bind("r", answer).bind("now", now)
                .execute();
    }
}
