package dev.herald.outbound;

import dev.herald.util.IpLiterals;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executor;
import org.eclipse.jetty.util.Promise;
import org.eclipse.jetty.util.SocketAddressResolver;

/**
 * Resolves a host once per new connection and hands Jetty only addresses the policy approved, so the
 * socket connects to exactly the address that was vetted: a DNS answer that changes between check and
 * connect (rebinding) cannot redirect it. TLS SNI, certificate checks and the Host header still use the
 * name: the Host header comes from the request, SNI and the certificate check from the host string of the
 * address handed back, which is set to the name. If ANY resolved address is refused, the whole
 * lookup is refused: a mixed public/private answer is a rebinding attempt.
 */
final class VettingResolver implements SocketAddressResolver {
    private final HostResolver resolver;
    private final OutboundPolicy policy;
    private final Executor executor;

    VettingResolver(HostResolver resolver, OutboundPolicy policy, Executor executor) {
        this.resolver = resolver;
        this.policy = policy;
        this.executor = executor;
    }

    @Override
    public void resolve(String host, int port, Map<String, Object> context, Promise<List<InetSocketAddress>> promise) {
        executor.execute(() -> {
            try {
                Optional<InetAddress> literal = IpLiterals.parse(host);
                List<InetAddress> addresses = literal.isPresent() ? List.of(literal.get()) : resolver.resolve(host);
                policy.checkAddresses(host, port, addresses);
                // Each address carries the name: Jetty takes TLS SNI and the certificate's host name check
                // from the socket address's host string, which must be the name, never the bare IP.
                List<InetSocketAddress> out = new java.util.ArrayList<>(addresses.size());
                for (InetAddress a : addresses) out.add(new InetSocketAddress(literal.isPresent() ? a : InetAddress.getByAddress(host, a.getAddress()), port));
                promise.succeeded(out);
            } catch (UnknownHostException e) {
                promise.failed(new OutboundException(ErrorKind.DNS, "cannot resolve " + host, e));
            } catch (Throwable t) {
                promise.failed(t);
            }
        });
    }
}
