package dev.herald.connections;

import dev.herald.util.Problem;
import java.text.Normalizer;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Connection names: unique per project, lower-case letters, digits and dashes (like {@code team-slack}).
 * Other resources refer to a connection as {@code connections/team-slack} or {@code team-slack}.
 */
public final class ConnectionNames {
    private static final Pattern NAME = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
    private static final String PREFIX = "connections/";

    private ConnectionNames() {}

    /** A name as given in a request ({@code connections/} prefix allowed), validated. */
    public static String reference(String given, String field) {
        String name = given.startsWith(PREFIX) ? given.substring(PREFIX.length()) : given;
        if (!NAME.matcher(name).matches()) {
            throw Problem.invalid(field, "'" + field + "' must be a connection name: 1-63 lower-case letters, digits and dashes, "
                    + "starting and ending with a letter or digit (optionally written connections/<name>)");
        }
        return name;
    }

    /** A name derived from a display name when none is given: "Customer Email Delivery" becomes customer-email-delivery. */
    public static String fromDisplayName(String displayName) {
        String ascii = Normalizer.normalize(displayName, Normalizer.Form.NFKD).replaceAll("\\p{M}", "");
        String slug = ascii.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("^-+|-+$", "");
        if (slug.length() > 63) slug = slug.substring(0, 63).replaceAll("-+$", "");
        return slug;
    }

    public static boolean isValid(String name) {
        return NAME.matcher(name).matches();
    }

    public static String resourceName(String name) {
        return PREFIX + name;
    }
}
