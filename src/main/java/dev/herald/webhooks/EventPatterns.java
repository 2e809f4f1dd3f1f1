package dev.herald.webhooks;

import java.util.List;
import java.util.regex.Pattern;

/** Event types ({@code ticket.created}) and the patterns subscriptions use: exact, {@code *}, or a prefix {@code ticket.*}. */
public final class EventPatterns {
    private static final Pattern TYPE = Pattern.compile("[A-Za-z0-9_\\-:]+(\\.[A-Za-z0-9_\\-:]+)*");
    public static final int MAX_TYPE_LENGTH = 200;

    private EventPatterns() {}

    public static boolean isValidType(String type) {
        return type != null && type.length() <= MAX_TYPE_LENGTH && TYPE.matcher(type).matches();
    }

    public static boolean isValidPattern(String p) {
        if ("*".equals(p)) return true;
        if (p != null && p.endsWith(".*")) return isValidType(p.substring(0, p.length() - 2));
        return isValidType(p);
    }

    public static boolean matches(String pattern, String type) {
        if (pattern.equals("*")) return true;
        if (pattern.endsWith(".*")) return type.startsWith(pattern.substring(0, pattern.length() - 1));
        return pattern.equals(type);
    }

    public static boolean matchesAny(List<String> patterns, String type) {
        for (String p : patterns) if (matches(p, type)) return true;
        return false;
    }
}
