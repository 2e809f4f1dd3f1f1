package dev.herald.delivery;

import java.time.Duration;
import java.util.List;
import org.jdbi.v3.core.Handle;

/**
 * What a feature may do to the queued work of one of its targets when the target changes: pause it
 * (disabled), resume it (enabled again), cancel it (deleted). Each runs in the caller's write, so the
 * target's own change and its deliveries' commit together.
 */
public final class Targets {
    /** The retry schedule of a target that sets none: 1s, 5s, 30s, 5m, 30m, 2h (seven attempts in about 2.6 hours). */
    public static final List<Duration> DEFAULT_SCHEDULE = List.of(Duration.ofSeconds(1), Duration.ofSeconds(5),
            Duration.ofSeconds(30), Duration.ofMinutes(5), Duration.ofMinutes(30), Duration.ofHours(2));

    private Targets() {}

    /** Keeps the target's waiting deliveries without attempting them. Returns how many. */
    public static int pause(Handle h, String targetId, long now) {
        return DeliveryRepository.pauseTarget(h, targetId, now);
    }

    /** Makes the target's paused deliveries due now (or at a later retry time they already had). Returns how many. */
    public static int resume(Handle h, String targetId, long now) {
        return DeliveryRepository.resumeTarget(h, targetId, now);
    }

    /**
     * {@link #resume(Handle, String, long)} in a write through the {@link Ingress}: the dispatchers (this
     * node's, and on PostgreSQL every node's) are woken for the resumed deliveries after the commit, instead
     * of finding them at their next poll.
     */
    public static int resume(Ingress.Queue q, String targetId) {
        int n = DeliveryRepository.resumeTarget(q.handle(), targetId, q.now());
        q.requeued(n);
        return n;
    }

    /** Cancels the target's waiting deliveries (they are finished, never attempted again). Returns how many. */
    public static int cancel(Handle h, String targetId, long now) {
        return DeliveryRepository.cancelTarget(h, targetId, now);
    }
}
