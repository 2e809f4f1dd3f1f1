package dev.herald.util;

import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import java.io.UnsupportedEncodingException;
import java.net.IDN;
import java.util.Locale;

/**
 * Email addresses and header text as Herald accepts them. Every value that ends up in a header is
 * checked here: a CR, LF or any other control character is refused, never stripped or folded, so no
 * input can add a header (no header injection). Addresses are plain ASCII {@code local@domain}
 * (an internationalized domain is converted to its ASCII form; a non-ASCII local part would need
 * SMTPUTF8 and is refused); display names may be any Unicode text and are encoded (RFC 2047) when the
 * message is built.
 */
public final class Addresses {
    public static final int MAX_ADDRESS = 254;
    public static final int MAX_NAME = 200;

    private Addresses() {}

    /** An address with an optional display name. */
    public record Mailbox(String address, String name) {
        /** The address for a header, its display name encoded as UTF-8 words when not ASCII. */
        public InternetAddress internet() {
            try {
                return name == null ? new InternetAddress(address) : new InternetAddress(address, name, "UTF-8");
            } catch (AddressException | UnsupportedEncodingException e) {
                throw new IllegalArgumentException("cannot use address: " + e.getMessage(), e);
            }
        }

        /** The domain, for Message-IDs. */
        public String domain() {
            return address.substring(address.lastIndexOf('@') + 1);
        }
    }

    /**
     * Parses {@code user@example.com} or {@code Name <user@example.com>} (RFC 5322 mailbox, no groups or
     * lists). Throws {@link IllegalArgumentException} with a message fit for a user.
     */
    public static Mailbox parse(String text) {
        if (text == null || text.isBlank()) throw new IllegalArgumentException("an email address is required");
        refuseControl(text, "an email address");
        InternetAddress a;
        try {
            a = new InternetAddress(text.trim(), true);
        } catch (AddressException e) {
            throw new IllegalArgumentException("'" + text + "' is not an email address (" + e.getMessage() + ")");
        }
        if (a.isGroup()) throw new IllegalArgumentException("'" + text + "' is a group; give one address");
        String name = a.getPersonal();
        return of(a.getAddress(), name == null || name.isBlank() ? null : name);
    }

    /** Checks a bare address and a display name given separately. */
    public static Mailbox of(String address, String name) {
        if (address == null || address.isBlank()) throw new IllegalArgumentException("an email address is required");
        refuseControl(address, "an email address");
        String a = address.trim();
        int at = a.lastIndexOf('@');
        if (at <= 0 || at == a.length() - 1) throw new IllegalArgumentException("'" + a + "' is not an email address (local@domain)");
        String local = a.substring(0, at);
        String domain = a.substring(at + 1);
        for (int i = 0; i < local.length(); i++) {
            char c = local.charAt(i);
            if (c > 0x7e || c <= 0x20) {
                throw new IllegalArgumentException("'" + a + "': the part before @ must be ASCII without spaces (addresses needing SMTPUTF8 are not supported)");
            }
        }
        boolean literal = domain.startsWith("[") && domain.endsWith("]");
        String asciiDomain = domain;
        if (!literal) {
            try {
                asciiDomain = IDN.toASCII(domain, IDN.USE_STD3_ASCII_RULES).toLowerCase(Locale.ROOT);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("'" + a + "' has an invalid domain");
            }
        }
        if (!literal && (asciiDomain.isEmpty() || asciiDomain.startsWith(".") || asciiDomain.endsWith(".") || asciiDomain.contains(".."))) {
            throw new IllegalArgumentException("'" + a + "' has an invalid domain");
        }
        String full = local + "@" + (literal ? domain : asciiDomain);
        if (full.length() > MAX_ADDRESS) throw new IllegalArgumentException("an email address is at most " + MAX_ADDRESS + " characters");
        try {
            new InternetAddress(full, true).validate();
        } catch (AddressException e) {
            throw new IllegalArgumentException("'" + a + "' is not an email address (" + e.getMessage() + ")");
        }
        String n = null;
        if (name != null) {
            refuseControl(name, "a display name");
            n = name.strip();
            if (n.length() > MAX_NAME) throw new IllegalArgumentException("a display name is at most " + MAX_NAME + " characters");
            if (n.isEmpty()) n = null;
        }
        return new Mailbox(full, n);
    }

    /**
     * Refuses a recipient a caller names that no mail system on the internet delivers to: an address
     * literal ({@code a@[127.0.0.1]}, which would also let a caller aim the relay at an address of its
     * choosing) or a domain without a dot ({@code a@b}, {@code a@localhost}). Returns {@code m}.
     */
    public static Mailbox recipient(Mailbox m) {
        String d = m.domain();
        if (d.startsWith("[")) {
            throw new IllegalArgumentException("'" + m.address() + "': address literals ([...]) are not accepted; give a domain name such as example.com");
        }
        if (!d.contains(".")) {
            throw new IllegalArgumentException("'" + m.address() + "': the domain '" + d + "' has no dot; give a full domain name such as example.com");
        }
        return m;
    }

    /** Refuses text for a header: a line break or any other control character (TAB included) is an error. */
    public static void refuseControl(String value, String what) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\r' || c == '\n') throw new IllegalArgumentException(what + " must not contain a line break (CR or LF)");
            if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
                throw new IllegalArgumentException(what + " must not contain control characters");
            }
        }
    }
}
