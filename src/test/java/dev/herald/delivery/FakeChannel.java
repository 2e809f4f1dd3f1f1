package dev.herald.delivery;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.jdbi.v3.core.Handle;

/**
 * A channel whose answers the test scripts. It records every attempt; a target with an answer gets it at
 * once, any other target's attempt stays open until the test finishes it ({@link Attempt#finish}), so
 * the test decides when (and at which clock time) an attempt ends.
 */
final class FakeChannel implements Channel {
    /** One attempt as the channel saw it: the claim, the clock time it began, and its (open or done) outcome. */
    record Attempt(Claim claim, Message message, long at, CompletableFuture<AttemptOutcome> outcome) {
        /** Ends the attempt; the dispatcher's continuation runs in the calling thread, at the clock's current time. */
        void finish(AttemptOutcome o) {
            if (!outcome.complete(o)) throw new IllegalStateException("attempt of " + claim.id() + " already finished");
        }

        String deliveryId() {
            return claim.id();
        }
    }

    private final String name;
    private final Clock clock;
    private final List<Attempt> attempts = new CopyOnWriteArrayList<>();
    private final Map<String, AttemptOutcome> answers = new ConcurrentHashMap<>();
    private final Map<String, List<Duration>> schedules = new ConcurrentHashMap<>();
    private final Map<String, TargetState> states = new ConcurrentHashMap<>();
    private final Set<String> unknown = ConcurrentHashMap.newKeySet();
    private final List<Set<String>> stateQueries = new CopyOnWriteArrayList<>();
    private final List<Result> results = new CopyOnWriteArrayList<>();
    private final List<Result> offered = new CopyOnWriteArrayList<>();
    private final Set<String> prepared = ConcurrentHashMap.newKeySet();
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicInteger maxOpen = new AtomicInteger();
    private final Map<String, AtomicInteger> openPerTarget = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> maxOpenPerTarget = new ConcurrentHashMap<>();

    FakeChannel(String name, Clock clock) {
        this.name = name;
        this.clock = clock;
    }

    /** Every attempt of {@code target} from now on ends at once with {@code o}. */
    FakeChannel answer(String target, AttemptOutcome o) {
        answers.put(target, o);
        return this;
    }

    FakeChannel schedule(String target, Duration... delays) {
        schedules.put(target, List.of(delays));
        return this;
    }

    /** What {@link #targetStates} says of {@code target}; ACTIVE unless set. */
    FakeChannel state(String target, TargetState s) {
        states.put(target, s);
        return this;
    }

    /** {@link #targetStates} leaves {@code target} out, as for a target that no longer exists. */
    FakeChannel forget(String target) {
        unknown.add(target);
        return this;
    }

    List<Attempt> attempts() {
        return List.copyOf(attempts);
    }

    List<Attempt> attemptsOf(String deliveryId) {
        return attempts.stream().filter(a -> a.deliveryId().equals(deliveryId)).toList();
    }

    /** The one open attempt of a delivery. */
    Attempt open(String deliveryId) {
        List<Attempt> o = attempts.stream().filter(a -> a.deliveryId().equals(deliveryId) && !a.outcome().isDone()).toList();
        if (o.size() != 1) throw new IllegalStateException(o.size() + " open attempts of " + deliveryId);
        return o.get(0);
    }

    long finishedAttempts() {
        return attempts.stream().filter(a -> a.outcome().isDone()).count();
    }

    /** Results handed to {@link #onOutcomes}, published once their batch committed. */
    List<Result> results() {
        return List.copyOf(results);
    }

    /**
     * Every result ever handed to {@link #onOutcomes}, inside the writer's transaction (so possibly twice, if
     * PostgreSQL made the writer run a batch again). Once a batch's rows are visible, its calls are in here.
     */
    List<Result> offered() {
        return List.copyOf(offered);
    }

    List<Set<String>> stateQueries() {
        return List.copyOf(stateQueries);
    }

    int maxOpen() {
        return maxOpen.get();
    }

    int maxOpen(String target) {
        AtomicInteger n = maxOpenPerTarget.get(target);
        return n == null ? 0 : n.get();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void prepare(Collection<Claim> claims) {
        for (Claim c : claims) prepared.add(c.id() + "/" + c.attempts());
    }

    @Override
    public CompletableFuture<AttemptOutcome> attempt(Claim claim, Message message) {
        if (!prepared.contains(claim.id() + "/" + claim.attempts())) {
            throw new IllegalStateException("attempt of " + claim.id() + " without prepare()");
        }
        String target = claim.targetId();
        CompletableFuture<AttemptOutcome> f = new CompletableFuture<>();
        int now = open.incrementAndGet();
        maxOpen.accumulateAndGet(now, Math::max);
        int t = openPerTarget.computeIfAbsent(target, k -> new AtomicInteger()).incrementAndGet();
        maxOpenPerTarget.computeIfAbsent(target, k -> new AtomicInteger()).accumulateAndGet(t, Math::max);
        // Counted down in the thread that completes the attempt, before complete() returns to the test, and
        // before the dispatcher hears of the outcome (it is given the counted future): a started dispatcher
        // may begin the next attempt of the target as soon as it hears.
        CompletableFuture<AttemptOutcome> counted = f.whenComplete((o, e) -> {
            open.decrementAndGet();
            openPerTarget.get(target).decrementAndGet();
        });
        attempts.add(new Attempt(claim, message, clock.millis(), f));
        AttemptOutcome answer = answers.get(target);
        if (answer != null) f.complete(answer);
        return counted;
    }

    @Override
    public List<Duration> retrySchedule(String targetId) {
        List<Duration> s = schedules.get(targetId);
        if (s == null) throw new IllegalStateException("no retry schedule scripted for " + targetId);
        return s;
    }

    @Override
    public Map<String, TargetState> targetStates(Handle h, Collection<String> targetIds) {
        stateQueries.add(Set.copyOf(targetIds));
        Map<String, TargetState> m = new HashMap<>();
        for (String t : targetIds) {
            if (!unknown.contains(t)) m.put(t, states.getOrDefault(t, TargetState.ACTIVE));
        }
        return m;
    }

    @Override
    public Runnable onOutcomes(Handle h, List<Result> list) {
        // Inside the writer's transaction, which may run again (or roll back): publish only after the commit.
        offered.addAll(list);
        List<Result> batch = new ArrayList<>(list);
        return () -> results.addAll(batch);
    }
}
