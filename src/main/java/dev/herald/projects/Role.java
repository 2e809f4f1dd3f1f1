package dev.herald.projects;

import java.util.Locale;
import java.util.Optional;

/** What an API key may do. */
public enum Role {
    /** Manages everything in its project. */
    CLIENT_ADMIN,
    /** Posts events. */
    PUBLISHER,
    /** Reads. */
    VIEWER,
    /** Approves or rejects customer emails (in the review page or the API) and reads them. */
    REVIEWER;

    public static Optional<Role> parse(String s) {
        if (s == null) return Optional.empty();
        try {
            return Optional.of(valueOf(s.trim().toUpperCase(Locale.ROOT)));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
