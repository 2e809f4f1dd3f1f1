package dev.herald.outbound;

import dev.herald.util.Cidr;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Optional;

/**
 * Decides whether an address is public, as a pure function over an explicit table of non-public ranges
 * (IANA special-purpose registries). {@code InetAddress.isSiteLocalAddress()} and friends miss several
 * of these (fc00::/7, 100.64/10, 0/8, NAT64, 6to4), so they are not used. IPv4 embedded in IPv6
 * (mapped, compatible, NAT64 64:ff9b::/96, 6to4 2002::/16) is judged by the embedded address.
 */
public final class AddressClassifier {
    private AddressClassifier() {}

    private static final List<Cidr> V4 = List.of(
            Cidr.of("0.0.0.0/8", "this-network"),
            Cidr.of("10.0.0.0/8", "private"),
            Cidr.of("100.64.0.0/10", "cgnat"),
            Cidr.of("127.0.0.0/8", "loopback"),
            Cidr.of("169.254.0.0/16", "link-local"),
            Cidr.of("172.16.0.0/12", "private"),
            Cidr.of("192.0.0.0/24", "reserved"),
            Cidr.of("192.0.2.0/24", "documentation"),
            Cidr.of("192.31.196.0/24", "reserved"),
            Cidr.of("192.52.193.0/24", "reserved"),
            Cidr.of("192.88.99.0/24", "reserved"),
            Cidr.of("192.168.0.0/16", "private"),
            Cidr.of("192.175.48.0/24", "reserved"),
            Cidr.of("198.18.0.0/15", "benchmarking"),
            Cidr.of("198.51.100.0/24", "documentation"),
            Cidr.of("203.0.113.0/24", "documentation"),
            Cidr.of("224.0.0.0/4", "multicast"),
            Cidr.of("255.255.255.255/32", "broadcast"),
            Cidr.of("240.0.0.0/4", "reserved"));

    private static final List<Cidr> V6 = List.of(
            Cidr.of("::/128", "unspecified"),
            Cidr.of("::1/128", "loopback"),
            Cidr.of("64:ff9b:1::/48", "private"),
            Cidr.of("100::/64", "reserved"),
            Cidr.of("2001:db8::/32", "documentation"),
            Cidr.of("2001::/23", "reserved"),
            Cidr.of("3fff::/20", "documentation"),
            Cidr.of("5f00::/16", "reserved"),
            Cidr.of("fc00::/7", "unique-local"),
            Cidr.of("fe80::/10", "link-local"),
            Cidr.of("fec0::/10", "site-local"),
            Cidr.of("ff00::/8", "multicast"));

    private static final Cidr GLOBAL_UNICAST = Cidr.of("2000::/3", "global");

    /** Empty when the address is public; otherwise the name of the range that makes it non-public. */
    public static Optional<String> nonPublicRange(InetAddress address) {
        if (address instanceof Inet4Address) return match(V4, address);
        byte[] b = address.getAddress();
        Inet4Address embedded = embeddedV4(b);
        if (embedded != null) return match(V4, embedded).map(r -> r + " (embedded IPv4)");
        Optional<String> hit = match(V6, address);
        if (hit.isPresent()) return hit;
        return GLOBAL_UNICAST.contains(address) ? Optional.empty() : Optional.of("reserved");
    }

    public static boolean isPublic(InetAddress address) {
        return nonPublicRange(address).isEmpty();
    }

    /** The IPv4 address carried inside an IPv6 one (mapped ::ffff:0:0/96, compatible ::/96, NAT64 64:ff9b::/96, 6to4 2002::/16), else null. */
    static Inet4Address embeddedV4(byte[] b) {
        if (b.length != 16) return null;
        boolean first10Zero = true;
        for (int i = 0; i < 10; i++) first10Zero &= b[i] == 0;
        if (first10Zero && ((b[10] == (byte) 0xff && b[11] == (byte) 0xff) || (b[10] == 0 && b[11] == 0 && !allZero(b, 12, 16) && !isLoopbackTail(b)))) {
            return v4(b, 12);
        }
        if (b[0] == 0x00 && b[1] == 0x64 && b[2] == (byte) 0xff && b[3] == (byte) 0x9b && allZero(b, 4, 12)) return v4(b, 12);
        if (b[0] == 0x20 && b[1] == 0x02) return v4(b, 2);
        return null;
    }

    private static boolean isLoopbackTail(byte[] b) {
        return b[12] == 0 && b[13] == 0 && b[14] == 0 && b[15] == 1;
    }

    private static boolean allZero(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) if (b[i] != 0) return false;
        return true;
    }

    private static Inet4Address v4(byte[] b, int off) {
        try {
            return (Inet4Address) InetAddress.getByAddress(new byte[] {b[off], b[off + 1], b[off + 2], b[off + 3]});
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Optional<String> match(List<Cidr> table, InetAddress a) {
        for (Cidr c : table) if (c.contains(a)) return Optional.of(c.label());
        return Optional.empty();
    }

    /** Ensures {@code a} is IPv6 when the table is (used by {@link Cidr}). */}
