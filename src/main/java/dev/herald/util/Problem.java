package dev.herald.util;

/**
 * A request Herald refuses for a reason the caller can fix, raised by the package that knows the rule
 * (webhooks, email, connections, ...): a kind, a stable code, a message and, where one field is at
 * fault, that field. Each package owns the codes and messages it raises; only the HTTP layer (api/,
 * ui/) turns the kind into a status and the documented JSON error, so domain code never builds HTTP types.
 */
public class Problem extends RuntimeException {
    /** What kind of refusal: the HTTP layer maps each to one status (400, 404, 409, 413, 422). */
    public enum Kind { INVALID, NOT_FOUND, CONFLICT, TOO_LARGE, UNPROCESSABLE }

    private final Kind kind;
    private final String code;
    private final String field;

    public Problem(Kind kind, String code, String message, String field) {
        super(message, null, false, false);
        this.kind = kind;
        this.code = code;
        this.field = field;
    }

    /** A field the caller got wrong: code {@code invalid_request}. */
    public static Problem invalid(String field, String message) {
        return new Problem(Kind.INVALID, "invalid_request", message, field);
    }

    /** {@code what} does not exist in the caller's project (or at all): code {@code not_found}. */
    public static Problem notFound(String what) {
        return new Problem(Kind.NOT_FOUND, "not_found", what + " not found", null);
    }

    /** The request clashes with the current state: code {@code conflict}. */
    public static Problem conflict(String message) {
        return new Problem(Kind.CONFLICT, "conflict", message, null);
    }

    public Kind kind() {
        return kind;
    }

    public String code() {
        return code;
    }

    /** The request field at fault, or null. */
    public String field() {
        return field;
    }
}
