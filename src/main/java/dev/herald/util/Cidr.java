package dev.herald.util;

import java.net.InetAddress;

/** An address range such as {@code 10.0.0.0/8} or {@code fc00::/7}, with a label naming it. */
public record Cidr(InetAddress network, int prefix, String label) {

    /** Parses {@code address/prefix} (or a bare address, a single host); throws {@link IllegalArgumentException} when malformed. */
    public static Cidr of(String text, String label) {
        String[] parts = text.split("/", 2);
        InetAddress addr = IpLiterals.parse(parts[0]).orElseThrow(() -> new IllegalArgumentException("'" + text + "' is not an IP address or CIDR range"));
        int max = addr.getAddress().length * 8;
        int prefix = max;
        if (parts.length == 2) {
            try {
                prefix = Integer.parseInt(parts[1]);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + text + "' has a bad prefix length");
            }
            if (prefix < 0 || prefix > max) throw new IllegalArgumentException("'" + text + "' prefix must be 0.." + max);
        }
        return new Cidr(addr, prefix, label);
    }

    public boolean contains(InetAddress a) {
        if ((a instanceof java.net.Inet6Address) != (network instanceof java.net.Inet6Address)) return false;
        byte[] x = a.getAddress();
        byte[] n = network.getAddress();
        int full = prefix / 8;
        for (int i = 0; i < full; i++) if (x[i] != n[i]) return false;
        int rest = prefix % 8;
        if (rest == 0) return true;
        int mask = (0xff << (8 - rest)) & 0xff;
        return (x[full] & mask) == (n[full] & mask);
    }
}
