package dev.herald.util;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Recognises IP literals in every notation a resolver or browser might accept, so the policy judges the
 * address and not the spelling: dotted IPv4 with 1 to 4 parts in decimal, octal ({@code 0177}) or hex
 * ({@code 0x7f}) ({@code 2130706433}, {@code 127.1}), and IPv6 with or without brackets and zone ids.
 * Never performs a DNS lookup.
 */
public final class IpLiterals {
    private static final Pattern V4_PART = Pattern.compile("(0[xX][0-9a-fA-F]*|0[0-7]*|[1-9][0-9]*)");
    private static final Pattern V6 = Pattern.compile("[0-9a-fA-F:.]+");

    private IpLiterals() {}

    public static Optional<InetAddress> parse(String host) {
        if (host == null || host.isEmpty()) return Optional.empty();
        String h = host;
        if (h.startsWith("[") && h.endsWith("]")) h = h.substring(1, h.length() - 1);
        int zone = h.indexOf('%');
        if (zone >= 0 && h.contains(":")) h = h.substring(0, zone);
        if (h.contains(":")) {
            if (!V6.matcher(h).matches()) return Optional.empty();
            try {
                return Optional.of(InetAddress.getByName(h));
            } catch (UnknownHostException | RuntimeException e) {
                return Optional.empty();
            }
        }
        return parseV4(h.endsWith(".") ? h.substring(0, h.length() - 1) : h);
    }

    private static Optional<InetAddress> parseV4(String h) {
        String[] parts = h.split("\\.", -1);
        if (parts.length < 1 || parts.length > 4) return Optional.empty();
        long[] v = new long[parts.length];
        for (int i = 0; i < parts.length; i++) {
            String p = parts[i];
            if (!V4_PART.matcher(p).matches()) return Optional.empty();
            try {
                if (p.startsWith("0x") || p.startsWith("0X")) v[i] = p.length() == 2 ? 0 : Long.parseLong(p.substring(2), 16);
                else if (p.length() > 1 && p.startsWith("0")) v[i] = Long.parseLong(p.substring(1), 8);
                else v[i] = Long.parseLong(p);
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        }
        long value = 0;
        int n = parts.length;
        for (int i = 0; i < n - 1; i++) {
            if (v[i] > 255) return Optional.empty();
            value = (value << 8) | v[i];
        }
        int lastBits = 8 * (5 - n);
        if (v[n - 1] >= (1L << lastBits)) return Optional.empty();
        value = (value << lastBits) | v[n - 1];
        byte[] b = {(byte) (value >>> 24), (byte) (value >>> 16), (byte) (value >>> 8), (byte) value};
        try {
            return Optional.of(InetAddress.getByAddress(b));
        } catch (UnknownHostException e) {
            return Optional.empty();
        }
    }
}
