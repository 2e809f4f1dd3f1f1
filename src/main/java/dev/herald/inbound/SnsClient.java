package dev.herald.inbound;

import dev.herald.outbound.OutboundClient;
import dev.herald.outbound.OutboundRequest;
import dev.herald.outbound.OutboundResponse;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;

/**
 * What SNS callbacks need from the network: the certificate a message names in {@code SigningCertURL},
 * and the {@code SubscribeURL} that confirms a subscription. Both URLs are checked before anything is
 * fetched (https, a host matching HERALD_INBOUND_SNS_CERT_HOSTS, a {@code .pem} path for certificates),
 * then fetched through Herald's one outbound client, so its network policy, timeouts and response cap
 * apply too. Certificates are cached by URL, a bounded number of them.
 *
 * <p>Hazard: whoever can name the certificate can sign the message. A check that accepted any https host,
 * or that ran after the fetch, would let a forger serve their own certificate; an unbounded cache would
 * let a stream of distinct URLs fill memory.
 */
public final class SnsClient {
    static final int MAX_CERTIFICATE_BYTES = 16 * 1024;
    static final int MAX_ANSWER_BYTES = 64 * 1024;
    static final int CACHED_CERTIFICATES = 32;
    static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final OutboundClient client;
    private final Pattern hosts;
    private final Map<String, X509Certificate> certificates = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, X509Certificate> eldest) {
            return size() > CACHED_CERTIFICATES;
        }
    };

    /** @param hosts the host names SNS URLs may name (matched in full, lower-cased) */
    public SnsClient(OutboundClient client, Pattern hosts) {
        this.client = client;
        this.hosts = hosts;
    }

    /** Null when {@code url} may be fetched as a signing certificate; otherwise why not. */
    String refuseCertificateUrl(String url) {
        return refuse(url, "SigningCertURL", true);
    }

    /** Null when {@code url} may be called to confirm a subscription; otherwise why not. */
    String refuseSubscribeUrl(String url) {
        return refuse(url, "SubscribeURL", false);
    }

    private String refuse(String url, String what, boolean certificate) {
        if (url == null || url.isBlank()) return what + " is missing";
        URI u;
        try {
            u = new URI(url);
        } catch (URISyntaxException e) {
            return what + " is not a URL";
        }
        if (!"https".equalsIgnoreCase(u.getScheme())) return what + " must be https";
        if (u.getRawUserInfo() != null || u.getHost() == null) return what + " must name a host and nothing else";
        if (!hosts.matcher(u.getHost().toLowerCase(Locale.ROOT)).matches()) return what + " host " + u.getHost() + " is not an SNS host";
        if (u.getRawFragment() != null) return what + " must not have a fragment";
        if (certificate && (u.getRawQuery() != null || u.getRawPath() == null || !u.getRawPath().endsWith(".pem"))) {
            return what + " must be a .pem file";
        }
        return null;
    }

    /** The certificate at a URL {@link #refuseCertificateUrl} accepted: from the cache, or fetched and kept. */
    X509Certificate certificate(String url) throws IOException {
        synchronized (certificates) {
            X509Certificate c = certificates.get(url);
            if (c != null) return c;
        }
        byte[] pem = get(url, MAX_CERTIFICATE_BYTES);
        X509Certificate c;
        try {
            c = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(pem));
        } catch (GeneralSecurityException | ClassCastException e) {
            throw new IOException("the signing certificate is not an X.509 certificate");
        }
        synchronized (certificates) {
            certificates.put(url, c);
        }
        return c;
    }

    /** GETs a SubscribeURL {@link #refuseSubscribeUrl} accepted; throws when SNS does not answer 2xx. */
    void confirm(String url) throws IOException {
        get(url, MAX_ANSWER_BYTES);
    }

    private byte[] get(String url, int maxBytes) throws IOException {
        OutboundRequest req = new OutboundRequest("GET", URI.create(url), Map.of(), null, null, TIMEOUT, maxBytes, maxBytes);
        OutboundResponse res;
        try {
            res = client.send(req).get(TIMEOUT.toMillis() + 5_000, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new IOException(e.getCause() == null ? "request failed" : e.getCause().getMessage());
        } catch (TimeoutException e) {
            throw new IOException("timed out");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
        if (!res.isSuccess()) throw new IOException("answered HTTP " + res.status());
        if (res.truncated() || res.tooLarge()) throw new IOException("answer larger than " + maxBytes + " bytes");
        return res.captured();
    }
}
