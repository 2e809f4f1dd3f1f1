package dev.herald.config;

import dev.herald.util.Cidr;
import dev.herald.util.IpLiterals;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code SECURITY_OUTBOUND_ALLOWED_HOSTS} parsed: host names (optionally {@code host:port}, lower-cased)
 * and address ranges (an IP address or a CIDR range). The outbound policy lets exactly these through
 * its private-address rule.
 */
public record AllowedHosts(List<String> names, List<Cidr> ranges) {
    public AllowedHosts {
        names = List.copyOf(names);
        ranges = List.copyOf(ranges);
    }

    /** Throws {@link IllegalArgumentException} naming the first entry that is none of the forms. */
    public static AllowedHosts parse(List<String> entries) {
        List<String> names = new ArrayList<>();
        List<Cidr> ranges = new ArrayList<>();
        for (String entry : entries) {
            boolean range = entry.contains("/");
            if (range || IpLiterals.parse(entry).isPresent()) ranges.add(Cidr.of(entry, "allowed"));
            else if (entry.matches("[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:\\d{1,5})?")) names.add(entry.toLowerCase(Locale.ROOT));
            else throw new IllegalArgumentException("'" + entry + "' is not a host name, host:port, IP address or CIDR range");
        }
        return new AllowedHosts(names, ranges);
    }
}
