package dev.herald.connections;

import dev.herald.delivery.AttemptOutcome;
import dev.herald.delivery.Channel;
import dev.herald.delivery.Claim;
import dev.herald.delivery.HttpAttempts;
import dev.herald.delivery.Message;
import dev.herald.outbound.Authenticator;
import dev.herald.outbound.ErrorKind;
import dev.herald.store.Database;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import org.jdbi.v3.core.Handle;

/**
 * Slack notices as a delivery channel: the message body is the exact JSON posted, the target a
 * {@code slack} connection. Notices are best-effort, so the schedule is short; whoever queued one learns
 * its fate through the results listener, inside the writer's transaction.
 */
public final class SlackChannel implements Channel {
    public static final String NAME = "slack";
    static final List<Duration> SCHEDULE = List.of(Duration.ofSeconds(5), Duration.ofSeconds(30), Duration.ofMinutes(2));

    private final Database db;
    private final Authenticator authenticator;
    private final ConnectionService connections;
    private final Clock clock;
    private final BiConsumer<Handle, List<Result>> onResults;
    private final Map<String, ConnectionDetails.Slack> targets = new ConcurrentHashMap<>();

    public SlackChannel(Database db, Authenticator authenticator, ConnectionService connections, Clock clock, BiConsumer<Handle, List<Result>> onResults) {
        this.db = db;
        this.authenticator = authenticator;
        this.connections = connections;
        this.clock = clock;
        this.onResults = onResults;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void prepare(Collection<Claim> claims) {
        db.read(h -> {
            for (Claim c : claims) {
                connections.openById(h, c.targetId()).ifPresent(o -> {
                    if (o.details() instanceof ConnectionDetails.Slack s) targets.put(c.targetId(), s);
                });
            }
            return null;
        });
    }

    @Override
    public CompletableFuture<AttemptOutcome> attempt(Claim claim, Message message) {
        ConnectionDetails.Slack s = targets.get(claim.targetId());
        if (s == null) return CompletableFuture.completedFuture(HttpAttempts.failure(ErrorKind.INTERNAL, "the slack connection is gone", 0, true));
        long start = System.nanoTime();
        return authenticator.send(Slack.request(s, message.body()), null).handle((resp, err) -> {
            AttemptOutcome o = HttpAttempts.outcome(resp, err, (System.nanoTime() - start) / 1_000_000, clock);
            String refused = resp == null || !o.success() ? null : Slack.failure(s, resp);
            if (refused == null) return o;
            return new AttemptOutcome(false, o.statusCode(), ErrorKind.HTTP_STATUS.code(), refused, o.responseBody(), o.responseTruncated(),
                    o.durationMs(), null, false, null);
        });
    }

    @Override
    public List<Duration> retrySchedule(String targetId) {
        return SCHEDULE;
    }

    @Override
    public Map<String, TargetState> targetStates(Handle h, Collection<String> targetIds) {
        return connections.targetStates(h, targetIds);
    }

    @Override
    public Runnable onOutcomes(Handle h, List<Result> results) {
        onResults.accept(h, results);
        return null;
    }
}
