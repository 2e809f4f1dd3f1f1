package dev.herald.connections;

import dev.herald.delivery.AttemptOutcome;
import dev.herald.delivery.Claim;
import dev.herald.delivery.Message;
import dev.herald.httpdelivery.HttpChannel;
import dev.herald.outbound.Authenticator;
import dev.herald.outbound.ErrorKind;
import dev.herald.outbound.OutboundResponse;
import dev.herald.store.Database;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import org.jdbi.v3.core.Handle;

/**
 * Slack notices as a delivery channel: the message body is the exact JSON posted, the target a
 * {@code slack} connection. Notices are best-effort, so the schedule is short; whoever queued one learns
 * its fate through the results listener, inside the writer's transaction.
 */
public final class SlackChannel extends HttpChannel<ConnectionDetails.Slack> {
    public static final String NAME = "slack";
    static final List<Duration> SCHEDULE = List.of(Duration.ofSeconds(5), Duration.ofSeconds(30), Duration.ofMinutes(2));

    private final Database db;
    private final ConnectionService connections;
    private final BiConsumer<Handle, List<Result>> onResults;

    public SlackChannel(Database db, Authenticator authenticator, ConnectionService connections, Clock clock, BiConsumer<Handle, List<Result>> onResults) {
        super(authenticator, clock);
        this.db = db;
        this.connections = connections;
        this.onResults = onResults;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    protected String goneMessage() {
        return "the slack connection is gone";
    }

    @Override
    protected Map<String, ConnectionDetails.Slack> load(Collection<Claim> claims) {
        Map<String, ConnectionDetails.Slack> out = new HashMap<>();
        db.read(h -> {
            for (Claim c : claims) {
                connections.openById(h, c.targetId()).ifPresent(o -> {
                    if (o.details() instanceof ConnectionDetails.Slack s) out.put(c.targetId(), s);
                });
            }
            return null;
        });
        return out;
    }

    @Override
    protected Request request(ConnectionDetails.Slack target, Claim claim, Message message) {
        return new Request(Slack.request(target, message.body()), null, java.util.Set.of("Content-Type"));
    }

    /** Slack answers 200 with {@code ok: false} (or a plain-text error) to a message it refuses. */
    @Override
    protected AttemptOutcome classify(ConnectionDetails.Slack target, OutboundResponse response, AttemptOutcome o) {
        String refused = o.success() ? Slack.failure(target, response) : null;
        if (refused == null) return o;
        return new AttemptOutcome(false, o.statusCode(), ErrorKind.HTTP_STATUS.code(), refused, o.responseBody(), o.responseTruncated(),
                o.durationMs(), null, false, null, o.requestHeaders());
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
