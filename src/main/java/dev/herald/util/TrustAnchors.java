package dev.herald.util;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * The CA certificates outbound HTTPS trusts: the JDK's system store plus, when
 * {@code SECURITY_OUTBOUND_CA_FILE} is set, the certificates in that PEM file (added, never replacing).
 */
public final class TrustAnchors {
    private TrustAnchors() {}

    /** Validates the file at startup: readable, and holding at least one X.509 certificate. Returns it. */
    public static Path check(Path pem) {
        read(pem);
        return pem;
    }

    static List<X509Certificate> read(Path pem) {
        if (!Files.isRegularFile(pem)) throw new IllegalArgumentException("no such file: " + pem);
        try (InputStream in = Files.newInputStream(pem)) {
            Collection<? extends Certificate> certs = CertificateFactory.getInstance("X.509").generateCertificates(in);
            List<X509Certificate> out = new ArrayList<>();
            for (Certificate c : certs) out.add((X509Certificate) c);
            if (out.isEmpty()) throw new IllegalArgumentException(pem + " holds no PEM certificate");
            return out;
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + pem + ": " + e.getMessage(), e);
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException(pem + " is not a PEM file of X.509 certificates: " + e.getMessage(), e);
        }
    }

    /**
     * A TLS client context trusting the system's anchors plus, when {@code extraPem} is not null, that
     * file's certificates. For connections other than outbound HTTP (the SMTP relay); host names are
     * checked by the caller.
     */
    public static javax.net.ssl.SSLContext clientContext(Path extraPem) {
        try {
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(extraPem == null ? null : withExtra(extraPem));
            javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot build a TLS context: " + e.getMessage(), e);
        }
    }

    /** A trust store holding the system's anchors and the extra file's certificates. */
    public static KeyStore withExtra(Path pem) {
        try {
            KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
            ks.load(null, null);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init((KeyStore) null);
            int n = 0;
            for (TrustManager tm : tmf.getTrustManagers()) {
                if (tm instanceof X509TrustManager x) {
                    for (X509Certificate c : x.getAcceptedIssuers()) ks.setCertificateEntry("system-" + n++, c);
                }
            }
            int i = 0;
            for (X509Certificate c : read(pem)) ks.setCertificateEntry("extra-" + i++, c);
            return ks;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot build the outbound trust store: " + e.getMessage(), e);
        }
    }
}
