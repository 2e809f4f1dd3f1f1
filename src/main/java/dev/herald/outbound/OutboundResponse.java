package dev.herald.outbound;

/**
 * What came back: status, the {@code Retry-After} header if any, and the head of the body
 * ({@code truncated} when there was more than was captured; {@code tooLarge} when reading stopped at the
 * request's maximum response size and the rest was never read).
 */
public record OutboundResponse(int status, String retryAfter, byte[] captured, boolean truncated, boolean tooLarge) {
    public boolean isSuccess() {
        return status >= 200 && status < 300;
    }
}
