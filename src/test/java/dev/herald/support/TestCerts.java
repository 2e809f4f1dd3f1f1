package dev.herald.support;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A private CA minted for one test, and a server certificate it signed for a host name: as an SSLContext,
 * and as PEM files (the chain in {@code serverCertPem}, the PKCS#8 key in {@code serverKeyPem}) for
 * settings that take files.
 */
public record TestCerts(Path caPem, SSLContext server, Path serverCertPem, Path serverKeyPem) {
    public static TestCerts forHost(String host, Path dir) {
        try {
            KeyPair ca = keyPair();
            X500Name caName = new X500Name("CN=Herald Test CA " + System.nanoTime());
            Instant now = Instant.now();
            X509Certificate caCert = new JcaX509CertificateConverter().getCertificate(
                    new JcaX509v3CertificateBuilder(caName, BigInteger.valueOf(now.toEpochMilli()), Date.from(now.minus(Duration.ofHours(1))),
                            Date.from(now.plus(Duration.ofDays(1))), caName, ca.getPublic())
                            .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
                            .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                            .build(new JcaContentSignerBuilder("SHA256withECDSA").build(ca.getPrivate())));
            KeyPair leaf = keyPair();
            X509Certificate leafCert = new JcaX509CertificateConverter().getCertificate(
                    new JcaX509v3CertificateBuilder(caName, BigInteger.valueOf(now.toEpochMilli() + 1), Date.from(now.minus(Duration.ofHours(1))),
                            Date.from(now.plus(Duration.ofDays(1))), new X500Name("CN=" + host), leaf.getPublic())
                            .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName(GeneralName.dNSName, host)))
                            .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth))
                            .build(new JcaContentSignerBuilder("SHA256withECDSA").build(ca.getPrivate())));
            Path pem = dir.resolve("ca.pem");
            Files.writeString(pem, "-----BEGIN CERTIFICATE-----\n" + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(caCert.getEncoded())
                    + "\n-----END CERTIFICATE-----\n");
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            char[] pw = "test".toCharArray();
            ks.setKeyEntry("server", leaf.getPrivate(), pw, new X509Certificate[] {leafCert, caCert});
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, pw);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), null, null);
            Path chain = dir.resolve("server.pem");
            Files.writeString(chain, pem(leafCert.getEncoded()) + pem(caCert.getEncoded()));
            Path key = dir.resolve("server.key");
            Files.writeString(key, "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(leaf.getPrivate().getEncoded())
                    + "\n-----END PRIVATE KEY-----\n");
            return new TestCerts(pem, ctx, chain, key);
        } catch (IOException | java.security.GeneralSecurityException | org.bouncycastle.operator.OperatorCreationException e) {
            throw new IllegalStateException("cannot mint test certificates", e);
        }
    }

    private static String pem(byte[] der) {
        return "-----BEGIN CERTIFICATE-----\n" + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der) + "\n-----END CERTIFICATE-----\n";
    }

    private static KeyPair keyPair() throws java.security.GeneralSecurityException {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }
}
