package dev.herald.outbound;

import dev.herald.config.AllowedHosts;
import dev.herald.config.HeraldConfig.OutboundSettings;
import dev.herald.util.Cidr;
import dev.herald.util.IpLiterals;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The network policy every outbound request obeys. {@link #checkUrl} runs when a URL is saved and again
 * before each request; {@link #checkAddresses} runs on the addresses a name resolved to, right before
 * connecting, and is the decisive check (see {@link VettingResolver}).
 */
public final class OutboundPolicy {
    private static final List<String> INTERNAL_SUFFIXES = List.of(".localhost", ".internal", ".local", ".svc", ".localdomain", ".home.arpa");

    private final OutboundSettings settings;
    private final List<String> allowedNames = new ArrayList<>();
    private final List<Cidr> allowedRanges = new ArrayList<>();

    public OutboundPolicy(OutboundSettings settings) {
        this.settings = settings;
        AllowedHosts allowed = AllowedHosts.parse(settings.allowedHosts());
        allowedNames.addAll(allowed.names());
        allowedRanges.addAll(allowed.ranges());
    }

    public OutboundSettings settings() {
        return settings;
    }

    /** Validates a target URL's shape; returns it parsed. Throws {@link PolicyDeniedException} naming the rule. */
    public URI checkUrl(String url) {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw new PolicyDeniedException("invalid_url", "not a valid URL: " + e.getReason());
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("https") && !scheme.equals("http")) {
            // Say what this server allows: plain http is allowed only with SECURITY_OUTBOUND_ALLOW_HTTP.
            throw new PolicyDeniedException("unsupported_scheme", (settings.allowHttp() ? "only http and https URLs are allowed" : "only https URLs are allowed")
                    + (scheme.isEmpty() ? " (the URL has no scheme)" : ", not " + scheme));
        }
        if (scheme.equals("http") && !settings.allowHttp()) {
            throw new PolicyDeniedException("https_required", "the URL must use https (set SECURITY_OUTBOUND_ALLOW_HTTP=true to allow http)");
        }
        if (uri.getRawUserInfo() != null || (uri.getRawAuthority() != null && uri.getRawAuthority().contains("@"))) {
            throw new PolicyDeniedException("userinfo", "URLs with credentials (user:pass@) are not allowed; use the auth settings instead");
        }
        String host = uri.getHost();
        if (host == null && uri.getRawAuthority() != null) {
            // java.net.URI leaves the host empty for authorities it cannot parse as a host name: IP
            // literals such as 0x7f.1, percent-encoded or malformed names. Such a URL can never be sent,
            // so it is refused; one that spells a non-public address is refused under that rule.
            String authority = uri.getRawAuthority();
            int colon = authority.lastIndexOf(':');
            String raw = colon > 0 && !authority.endsWith("]") ? authority.substring(0, colon) : authority;
            String decoded = java.net.URLDecoder.decode(raw.replace("+", "%2B"), java.nio.charset.StandardCharsets.UTF_8);
            String candidate = decoded.endsWith(".") ? decoded.substring(0, decoded.length() - 1) : decoded;
            Optional<InetAddress> literal = IpLiterals.parse(candidate);
            if (literal.isPresent()) checkAddress(literal.get(), port(uri));
            if (candidate.equalsIgnoreCase("localhost")) throw new PolicyDeniedException("internal_hostname", "host 'localhost' is an internal name");
            throw new PolicyDeniedException("invalid_url", "the host '" + raw + "' is not a valid host name; write IP addresses in dotted decimal");
        }
        if (host == null || host.isEmpty()) throw new PolicyDeniedException("invalid_url", "the URL has no host");
        if (uri.getPort() == 0 || uri.getPort() > 65535) throw new PolicyDeniedException("invalid_url", "the port must be between 1 and 65535");
        if (uri.getRawFragment() != null) throw new PolicyDeniedException("invalid_url", "the URL must not have a #fragment");
        int port = port(uri);
        String name = host.toLowerCase(Locale.ROOT);
        if (name.endsWith(".")) name = name.substring(0, name.length() - 1);
        if (isAllowedName(name, port)) return uri;
        Optional<InetAddress> literal = IpLiterals.parse(name);
        if (literal.isPresent()) {
            checkAddress(literal.get(), port);
        } else if (!settings.allowPrivateNetworks()) {
            if (name.equals("localhost") || INTERNAL_SUFFIXES.stream().anyMatch(name::endsWith) || !name.contains(".")) {
                throw new PolicyDeniedException("internal_hostname", "host '" + name + "' is an internal name");
            }
        }
        return uri;
    }

    /** The decisive check: every address the host resolved to must be allowed, or the request is refused. */
    public void checkAddresses(String host, int port, List<InetAddress> addresses) {
        if (addresses.isEmpty()) throw new OutboundException(ErrorKind.DNS, "no addresses for " + host, null);
        String name = host.toLowerCase(Locale.ROOT);
        if (name.endsWith(".")) name = name.substring(0, name.length() - 1);
        if (isAllowedName(name, port)) return;
        for (InetAddress a : addresses) checkAddress(a, port);
    }

    private void checkAddress(InetAddress a, int port) {
        for (Cidr c : allowedRanges) if (c.contains(a)) return;
        if (settings.allowPrivateNetworks()) return;
        Optional<String> range = AddressClassifier.nonPublicRange(a);
        if (range.isPresent()) {
            throw new PolicyDeniedException("non_public_address", "address " + a.getHostAddress() + " is not public (" + range.get() + ")");
        }
    }

    private boolean isAllowedName(String name, int port) {
        for (String n : allowedNames) {
            if (n.equals(name) || n.equals(name + ":" + port)) return true;
        }
        return false;
    }

    static int port(URI uri) {
        if (uri.getPort() != -1) return uri.getPort();
        return "http".equalsIgnoreCase(uri.getScheme()) ? 80 : 443;
    }
}
