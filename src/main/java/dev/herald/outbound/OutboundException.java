package dev.herald.outbound;

/** A failed outbound request, with the kind of failure and the host it was for (never the body or secrets). */
public class OutboundException extends RuntimeException {
    private final ErrorKind kind;

    public OutboundException(ErrorKind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public ErrorKind kind() {
        return kind;
    }
}
