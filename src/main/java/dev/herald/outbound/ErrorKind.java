package dev.herald.outbound;

/** Why an attempt failed; recorded on the attempt as {@code error_kind}. */
public enum ErrorKind {
    /** The receiver answered with a non-2xx status (including 3xx: redirects are never followed). */
    HTTP_STATUS("http_status"),
    /** The network policy refused the target; never retried as a network error. */
    POLICY_DENIED("policy_denied"),
    DNS("dns"),
    CONNECT("connect"),
    TLS("tls"),
    TIMEOUT("timeout"),
    /** Credentials were refused or could not be obtained (e.g. the OAuth token endpoint said invalid_client). */
    AUTH("auth"),
    /** The connection broke mid-request or mid-response. */
    IO("io"),
    /** Herald could not build the request (for example a secret that no longer decrypts). */
    INTERNAL("internal");

    private final String code;

    ErrorKind(String code) {
        this.code = code;
    }

    public String code() {
        return code;
    }
}
