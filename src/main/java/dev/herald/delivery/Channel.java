package dev.herald.delivery;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.jdbi.v3.core.Handle;
import tools.jackson.databind.node.ObjectNode;

/**
 * A way out of Herald (webhooks, SMTP email, customer-email webhooks, Slack). The dispatcher owns
 * queueing, leases, retries and records; a channel only performs attempts, applies what outcomes mean
 * for its targets, and says how its deliveries are shown.
 */
public interface Channel {
    String name();

    /** Loads what a batch of claims needs (targets, secrets) in one go; called before {@link #attempt}. */
    void prepare(Collection<Claim> claims);

    /** Performs one attempt. Must not throw; every failure is an unsuccessful outcome. */
    CompletableFuture<AttemptOutcome> attempt(Claim claim, Message message);

    /** The target's retry schedule (delays after the first attempt). */
    List<Duration> retrySchedule(String targetId);

    /** Whether new attempts may go to each target: active, paused (disabled, keep the work) or gone (cancel it). Missing ids are gone. */
    Map<String, TargetState> targetStates(Handle h, Collection<String> targetIds);

    default TargetState targetState(Handle h, String targetId) {
        return targetStates(h, List.of(targetId)).getOrDefault(targetId, TargetState.GONE);
    }

    /**
     * Applies recorded outcomes' consequences for their targets inside the writer's transaction (failure
     * streaks, disabling). Returns work to run after the commit (logs, metrics), or null.
     */
    Runnable onOutcomes(Handle h, List<Result> results);

    /** What the API view of a delivery says of its message and target, with what {@link #details} read for it. */
    record View(String messageId, String messageType, String channel, String targetId, Map<String, String> details) {}

    /**
     * Reads what this channel keeps about its deliveries in its own tables (the email channel: the
     * recipient), in one query: delivery id to fields. None by default.
     */
    default Map<String, Map<String, String>> details(Handle h, Collection<String> deliveryIds) {
        return Map.of();
    }

    /** Writes the head of a delivery's API view: how this channel names its message and target. Events by default. */
    default void describe(ObjectNode view, View v) {
        describeAsEvent(view, v);
    }

    /** {@code event_id}, {@code event_type}, {@code channel}, {@code target_id}, {@code webhook_id} (null: not a webhook). */
    static void describeAsEvent(ObjectNode view, View v) {
        view.put("event_id", v.messageId());
        view.put("event_type", v.messageType());
        view.put("channel", v.channel());
        view.put("target_id", v.targetId());
        view.putNull("webhook_id");
    }

    /** One recorded attempt: its claim, outcome, and whether it dead-lettered the delivery. */
    record Result(Claim claim, AttemptOutcome outcome, boolean deadLettered) {}

    enum TargetState { ACTIVE, PAUSED, GONE }
}
