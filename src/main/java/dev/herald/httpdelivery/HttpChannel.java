package dev.herald.httpdelivery;

import dev.herald.delivery.AttemptOutcome;
import dev.herald.delivery.Channel;
import dev.herald.delivery.Claim;
import dev.herald.delivery.Message;
import dev.herald.outbound.Auth;
import dev.herald.outbound.Authenticator;
import dev.herald.outbound.ErrorKind;
import dev.herald.outbound.OutboundRequest;
import dev.herald.outbound.OutboundResponse;
import dev.herald.util.Json;
import java.time.Clock;
import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import tools.jackson.databind.node.ObjectNode;

/**
 * A channel whose attempts are HTTP requests through the one outbound client: event webhooks,
 * customer-email webhooks, Slack notices (next: inbound-mail endpoints). The send-and-classify path is
 * written here once: the batch's targets are loaded in {@link #prepare}, each attempt builds its request
 * from its target, sends it with the target's auth through {@link Authenticator} (network policy,
 * timeouts, response cap) and maps the answer with {@link HttpOutcomes}. A subclass only speaks its
 * protocol: which target, which request, and what a 2xx answer may still mean.
 *
 * @param <T> what an attempt needs of its target (a webhook, a connection's details)
 */
public abstract class HttpChannel<T> implements Channel {
    private final Authenticator authenticator;
    private final Clock clock;
    /** Targets of the claims in flight, by target id; refreshed at every {@link #prepare}. */
    private final Map<String, T> targets = new ConcurrentHashMap<>();

    protected HttpChannel(Authenticator authenticator, Clock clock) {
        this.authenticator = authenticator;
        this.clock = clock;
    }

    /**
     * One attempt's request, the auth to apply to it (null: none), and the names of its headers whose
     * values may be recorded with the attempt; every other value (signatures, credentials, a target's
     * sealed headers) is recorded as {@value #REDACTED}.
     */
    public record Request(OutboundRequest request, Auth auth, Set<String> shown) {
        public Request {
            shown = Set.copyOf(shown);
        }
    }

    /** What a secret header's value is recorded as. */
    public static final String REDACTED = "(redacted)";

    /** Loads the targets of a batch of claims in one read, by target id; a target missing from the answer is gone. */
    protected abstract Map<String, T> load(Collection<Claim> claims);

    /**
     * Builds the request of one attempt: headers, signature, body (the message's exact bytes). {@link Refused}
     * fails the attempt permanently; any other throw is an internal failure, retried on the schedule.
     */
    protected abstract Request request(T target, Claim claim, Message message);

    /** What the answer means beyond its status, for protocols that answer 2xx to a refusal; {@code o} as mapped by {@link HttpOutcomes}. */
    protected AttemptOutcome classify(T target, OutboundResponse response, AttemptOutcome o) {
        return o;
    }

    /** Thrown by {@link #request} when the attempt must not be made at all (the message no longer matches): a permanent failure. */
    protected static final class Refused extends RuntimeException {
        public Refused(String reason) {
            super(reason, null, false, false);
        }
    }

    /** Why an attempt whose target is not (or no longer) there fails permanently. */
    protected String goneMessage() {
        return "the " + name() + " target is gone";
    }

    /** The target loaded for {@code targetId} by the latest {@link #prepare}, or null. */
    protected final T target(String targetId) {
        return targets.get(targetId);
    }

    @Override
    public final void prepare(Collection<Claim> claims) {
        targets.putAll(load(claims));
    }

    @Override
    public final CompletableFuture<AttemptOutcome> attempt(Claim claim, Message message) {
        T target = targets.get(claim.targetId());
        if (target == null) return done(HttpOutcomes.failure(ErrorKind.INTERNAL, goneMessage(), 0, true));
        Request r;
        try {
            r = request(target, claim, message);
        } catch (Refused e) {
            return done(HttpOutcomes.failure(ErrorKind.INTERNAL, e.getMessage(), 0, true));
        } catch (RuntimeException e) {
            return done(HttpOutcomes.failure(ErrorKind.INTERNAL, e.getMessage(), 0, false));
        }
        String sent = recorded(r);
        long start = System.nanoTime();
        return authenticator.send(r.request(), r.auth()).handle((resp, err) -> {
            AttemptOutcome o = HttpOutcomes.outcome(resp, err, (System.nanoTime() - start) / 1_000_000, clock);
            return (resp == null ? o : classify(target, resp, o)).withRequestHeaders(sent);
        });
    }

    /**
     * The headers an attempt sends, as recorded with it (a JSON object): the request's own, values not in
     * {@link Request#shown} redacted, then those its auth adds, always redacted. The HTTP client adds
     * Host, Content-Length and User-Agent, which are not recorded.
     */
    static String recorded(Request r) {
        ObjectNode out = Json.object();
        OutboundRequest q = r.request();
        boolean typed = false;
        for (Map.Entry<String, String> h : q.headers().entrySet()) {
            out.put(h.getKey(), r.shown().contains(h.getKey()) ? h.getValue() : REDACTED);
            typed |= h.getKey().equalsIgnoreCase("Content-Type");
        }
        if (!typed && q.contentType() != null) out.put("Content-Type", q.contentType());
        switch (r.auth()) {
            case null -> { }
            case Auth.StaticHeaders s -> s.headers().keySet().forEach(n -> out.put(n, REDACTED));
            default -> out.put("Authorization", REDACTED);
        }
        return Json.write(out);
    }

    private static CompletableFuture<AttemptOutcome> done(AttemptOutcome o) {
        return CompletableFuture.completedFuture(o);
    }
}
