package dev.herald.mail;

import dev.herald.util.Json;
import dev.herald.util.JsonBody;
import dev.herald.util.Problem;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import tools.jackson.databind.node.ObjectNode;

/**
 * A route's conditions; all given ones must hold. {@code recipient} and {@code sender} are an exact
 * address, {@code *@domain}, or a regular expression between slashes ({@code /^support\+.*@x\.com$/});
 * {@code subject_contains} is case-insensitive; {@code header} is a name (case-insensitive) and the exact
 * value; {@code has_attachment} a boolean (inline parts do not count).
 *
 * <p>Hazard: a user's regular expression can backtrack for ever on a crafted address. Patterns are at most
 * 256 characters and run on {@link Bounded} input, which stops a match after {@link #MAX_REGEX_STEPS}
 * character reads: such a condition then does not hold.
 */
public record Match(String recipient, String sender, String subjectContains, String headerName, String headerValue, Boolean hasAttachment) {
    public static final Set<String> FIELDS = Set.of("recipient", "sender", "subject_contains", "header", "has_attachment");
    static final int MAX_REGEX_STEPS = 200_000;

    static Match parse(JsonBody in) {
        if (in == null) return new Match(null, null, null, null, null, null);
        String recipient = addressPattern(in, "recipient");
        String sender = addressPattern(in, "sender");
        String subject = in.string("subject_contains", false);
        if (subject != null && (subject.isEmpty() || subject.length() > 500)) {
            throw Problem.invalid(in.path("subject_contains"), "'" + in.path("subject_contains") + "' must be 1 to 500 characters");
        }
        JsonBody header = in.object("header", Set.of("name", "value"));
        String hn = null;
        String hv = null;
        if (header != null) {
            hn = header.string("name", true);
            hv = header.string("value", true);
            if (!hn.matches("[!-9;-~]{1,128}")) throw Problem.invalid(header.path("name"), "'" + header.path("name") + "' must be a header name");
            if (hv.length() > 1000) throw Problem.invalid(header.path("value"), "'" + header.path("value") + "' must be at most 1000 characters");
        }
        return new Match(recipient, sender, subject, hn == null ? null : hn.toLowerCase(Locale.ROOT), hv, in.bool("has_attachment"));
    }

    private static String addressPattern(JsonBody in, String field) {
        String p = in.string(field, false);
        if (p == null) return null;
        String path = in.path(field);
        if (p.length() > 256) throw Problem.invalid(path, "'" + path + "' must be at most 256 characters");
        if (isRegex(p)) {
            try {
                Pattern.compile(p.substring(1, p.length() - 1), Pattern.CASE_INSENSITIVE);
            } catch (PatternSyntaxException e) {
                throw Problem.invalid(path, "'" + path + "' is not a valid regular expression: " + e.getDescription());
            }
            return p;
        }
        String lower = p.toLowerCase(Locale.ROOT).strip();
        int at = lower.indexOf('@');
        if (at <= 0 || at != lower.lastIndexOf('@') || at == lower.length() - 1 || lower.chars().anyMatch(c -> c <= ' ')) {
            throw Problem.invalid(path, "'" + path + "' must be an address, *@domain, or /regular expression/");
        }
        if (lower.indexOf('*') >= 0 && !(lower.startsWith("*@") && lower.indexOf('*', 1) < 0)) {
            throw Problem.invalid(path, "'" + path + "': '*' is allowed only as *@domain");
        }
        return lower;
    }

    private static boolean isRegex(String p) {
        return p.length() >= 2 && p.startsWith("/") && p.endsWith("/");
    }

    /** Whether {@code address} (lower-case) satisfies an address condition. */
    static boolean address(String condition, String address) {
        if (address == null) return false;
        if (isRegex(condition)) {
            Pattern p = Pattern.compile(condition.substring(1, condition.length() - 1), Pattern.CASE_INSENSITIVE);
            try {
                return p.matcher(new Bounded(address)).find();
            } catch (Bounded.TooLong e) {
                return false;
            }
        }
        if (condition.startsWith("*@")) return address.endsWith(condition.substring(1));
        return address.equals(condition);
    }

    /** Whether the recipient condition (if any) accepts {@code address}: what RCPT TO can know. */
    boolean acceptsRecipient(String address) {
        return recipient == null || address(recipient, address);
    }

    /** Whether every condition holds for {@code m} received for {@code recipients}. */
    boolean matches(ParsedMail m, List<String> recipients) {
        if (recipient != null && recipients.stream().noneMatch(r -> address(recipient, r))) return false;
        if (sender != null && !address(sender, m.from() == null ? null : m.from().address())) return false;
        if (subjectContains != null && (m.subject() == null
                || !m.subject().toLowerCase(Locale.ROOT).contains(subjectContains.toLowerCase(Locale.ROOT)))) return false;
        if (headerName != null && m.headers().stream().noneMatch(h -> h.name().equals(headerName) && h.value().strip().equals(headerValue))) return false;
        if (hasAttachment != null && hasAttachment != m.parts().stream().anyMatch(p -> !p.inline())) return false;
        return true;
    }

    ObjectNode json() {
        ObjectNode n = Json.object();
        if (recipient != null) n.put("recipient", recipient);
        if (sender != null) n.put("sender", sender);
        if (subjectContains != null) n.put("subject_contains", subjectContains);
        if (headerName != null) {
            ObjectNode h = n.putObject("header");
            h.put("name", headerName);
            h.put("value", headerValue);
        }
        if (hasAttachment != null) n.put("has_attachment", hasAttachment);
        return n;
    }

    static Match fromJson(String json) {
        return parse(JsonBody.parse(json, FIELDS));
    }

    /** A character sequence that stops a regular expression after too many reads of it. */
    static final class Bounded implements CharSequence {
        static final class TooLong extends RuntimeException {
            TooLong() {
                super(null, null, false, false);
            }
        }

        private final String s;
        private final int[] steps;

        Bounded(String s) {
            this(s, new int[1]);
        }

        private Bounded(String s, int[] steps) {
            this.s = s;
            this.steps = steps;
        }

        @Override
        public char charAt(int i) {
            if (++steps[0] > MAX_REGEX_STEPS) throw new TooLong();
            return s.charAt(i);
        }

        @Override
        public int length() {
            return s.length();
        }

        @Override
        public CharSequence subSequence(int start, int end) {
            return new Bounded(s.substring(start, end), steps);
        }

        @Override
        public String toString() {
            return s;
        }
    }
}
