package dev.herald.signing;

import dev.herald.config.Durations;
import dev.herald.util.JsonBody;
import dev.herald.util.Problem;
import java.time.Duration;

/** What rotating a signing secret takes from a request: the grace period during which the previous secret keeps signing. */
public final class SecretRotation {
    /** The longest grace period a rotation may ask for. */
    public static final Duration MAX_GRACE = Duration.ofDays(7);

    private SecretRotation() {}

    /** {@code grace_period} of a rotate request ({@code 0s} ends the previous secret at once), or {@code dflt} when absent. */
    public static Duration gracePeriod(JsonBody in, Duration dflt) {
        in.only(java.util.Set.of("grace_period"));
        String g = in.string("grace_period", false);
        if (g == null) return dflt;
        Duration grace;
        try {
            grace = Durations.parse(g);
        } catch (IllegalArgumentException e) {
            throw Problem.invalid("grace_period", e.getMessage());
        }
        if (grace.compareTo(MAX_GRACE) > 0) throw Problem.invalid("grace_period", "'grace_period' must be at most 7d");
        return grace;
    }
}
