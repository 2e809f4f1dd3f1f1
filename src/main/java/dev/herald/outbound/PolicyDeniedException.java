package dev.herald.outbound;

/** The network policy refused a URL or address; {@link #rule()} names the rule (e.g. {@code https_required}). */
public final class PolicyDeniedException extends OutboundException {
    private final String rule;

    public PolicyDeniedException(String rule, String message) {
        super(ErrorKind.POLICY_DENIED, message, null);
        this.rule = rule;
    }

    public String rule() {
        return rule;
    }
}
