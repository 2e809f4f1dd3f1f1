package dev.herald.store;

/** The database could not be reached or refused a write. The API answers 503 for it; workers back off. */
public final class StoreException extends RuntimeException {
    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
