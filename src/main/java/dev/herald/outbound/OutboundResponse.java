package dev.herald.outbound;

/**
 * What came back: status, the {@code Retry-After} header if any, and the first
 * {@link OutboundClient#CAPTURE_BYTES} bytes of the body ({@code truncated} when there was more).
 */
public record OutboundResponse(int status, String retryAfter, byte[] captured, boolean truncated) {
    public boolean isSuccess() {
        return status >= 200 && status < 300;
    }
}
