package dev.herald.store;

/** The database could not be reached or refused a write. The API answers 503 for it; workers back off. */
public final class StoreException extends RuntimeException {
    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * True when {@code t} comes from a lost or refused connection (SQLState class 08, or a connection that
     * closed under the statement) rather than from the statement itself.
     */
    public static boolean isConnectionLoss(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof java.sql.SQLException se) {
                String state = se.getSQLState();
                if (state != null && (state.startsWith("08") || state.equals("57P01") || state.equals("57P02") || state.equals("57P03"))) return true;
            }
            if (c instanceof java.sql.SQLTransientConnectionException || c instanceof java.sql.SQLNonTransientConnectionException) return true;
            if (c instanceof java.io.IOException) return true;
        }
        return false;
    }
}
