package dev.herald.mail;

import dev.herald.config.HeraldConfig;
import dev.herald.metrics.Metrics;
import dev.herald.util.Problem;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.subethamail.smtp.MessageContext;
import org.subethamail.smtp.MessageHandler;
import org.subethamail.smtp.RejectException;
import org.subethamail.smtp.auth.EasyAuthenticationHandlerFactory;
import org.subethamail.smtp.auth.LoginFailedException;
import org.subethamail.smtp.server.SMTPServer;
import org.subethamail.smtp.server.Session;

/**
 * The SMTP listener (SubEthaSMTP): recipients are checked at RCPT TO (a claimed domain and a route that
 * takes the address, else 550), DATA is read up to the size limit (552 beyond), and {@code 250} is
 * answered only after {@link MailIntake} committed the message. A database that cannot take the write
 * answers {@code 451}, so the sender keeps the message and retries: nothing answered 250 is lost, and
 * nothing answered 4xx was kept.
 *
 * <p>Hazard: a message is held in memory while it arrives, and parsing and storing it takes a few more
 * copies. Every chunk read is charged to the {@link MailMemory} budget shared with the HTTP inbox; when it
 * is spent the message is answered {@code 452} (the sender retries later), so a flood of large messages
 * defers mail instead of exhausting the heap.
 */
public final class SmtpListener implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SmtpListener.class);

    private final SMTPServer server;
    private static final int CHUNK = 64 * 1024;
    private final MailIntake intake;
    private final MailMemory memory;
    private final String host;
    private final Metrics metrics;
    private final int maxBytes;

    public SmtpListener(HeraldConfig.MailSettings s, MailIntake intake, MailMemory memory, Metrics metrics) {
        this.intake = intake;
        this.memory = memory;
        this.metrics = metrics;
        this.maxBytes = s.maxMessageBytes();
        this.host = s.host();
        SMTPServer.Builder b;
        try {
            b = SMTPServer.port(s.port()).bindAddress(InetAddress.getByName(s.host())).hostName(hostname(s)).softwareName("Herald")
                    .maxConnections(s.maxConnections()).maxRecipients(s.maxRecipients()).maxMessageSize(s.maxMessageBytes())
                    .connectionTimeout((int) s.timeout().toMillis(), TimeUnit.MILLISECONDS).insertReceivedHeaders(true)
                    .messageHandlerFactory(Handler::new);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("HERALD_MAIL_SMTP_HOST: cannot resolve " + s.host(), e);
        }
        if (s.tlsCertFile() != null) {
            b.enableTLS().startTlsSocketFactory(tls(s.tlsCertFile(), s.tlsKeyFile())).requireTLS(s.requireTls()).showAuthCapabilitiesBeforeSTARTTLS(false);
        } else {
            b.enableTLS(false).hideTLS();
        }
        if (!s.authUsername().isEmpty()) {
            String user = s.authUsername();
            byte[] password = s.authPassword().getBytes(StandardCharsets.UTF_8);
            b.authenticationHandlerFactory(new EasyAuthenticationHandlerFactory((u, p, ctx) -> {
                boolean ok = java.security.MessageDigest.isEqual(user.getBytes(StandardCharsets.UTF_8), u.getBytes(StandardCharsets.UTF_8))
                        & java.security.MessageDigest.isEqual(password, p.getBytes(StandardCharsets.UTF_8));
                if (!ok) throw new LoginFailedException("authentication failed");
            })).requireAuth(true);
        }
        this.server = b.build();
    }

    /** The listener's port could not be bound: the message says which and what to do. */
    public static final class BindFailed extends RuntimeException {
        BindFailed(String message, Throwable cause) {
            super(message, cause);
        }
    }

    public void start() {
        try {
            server.start();
        } catch (RuntimeException e) {
            Throwable c = e;
            while (c != null && !(c instanceof java.net.BindException)) c = c.getCause() == c ? null : c.getCause();
            if (c == null) throw e;
            throw new BindFailed("cannot listen for SMTP on " + host + ":" + server.getPort() + ": " + c.getMessage()
                    + " (another process may be using the port: choose another with HERALD_MAIL_SMTP_PORT, or turn the listener off with "
                    + "HERALD_MAIL_SMTP_ENABLED=false)", e);
        }
        log.info("SMTP listener on {}:{} (STARTTLS {}, AUTH {}, messages up to {} bytes)", server.getBindAddress().map(InetAddress::getHostAddress).orElse("*"),
                server.getPortAllocated(), server.getEnableTLS() ? "offered" : "off", server.getAuthenticationHandlerFactory().isPresent() ? "required" : "off",
                maxBytes);
    }

    /** The port the listener bound (useful with port 0). */
    public int port() {
        return server.getPortAllocated();
    }

    @Override
    public void close() {
        server.stop();
    }

    private static String hostname(HeraldConfig.MailSettings s) {
        if (!s.hostname().isEmpty()) return s.hostname();
        try {
            return InetAddress.getLocalHost().getCanonicalHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }

    /** One mail transaction of a connection. */
    private final class Handler implements MessageHandler {
        private final MessageContext ctx;
        private String from;
        private final List<String> rcpts = new ArrayList<>();

        Handler(MessageContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public void from(String from) {
            this.from = from == null ? "" : from;
        }

        @Override
        public void recipient(String recipient) throws RejectException {
            String r = recipient.strip().toLowerCase(Locale.ROOT);
            MailIntake.Recipient rc;
            try {
                rc = intake.recipient(r);
            } catch (RuntimeException e) {
                log.warn("SMTP: cannot check recipient (answered 451): {}", e.getMessage());
                throw new RejectException(451, "4.3.0 Temporary failure checking the recipient, try again later");
            }
            if (rc.verdict() != MailIntake.Verdict.ACCEPTED) {
                metrics.mailReceived("smtp", "rejected");
                throw new RejectException(550, "5.1.1 <" + r + ">: recipient not accepted here");
            }
            rcpts.add(r);
        }

        @Override
        public String data(InputStream in) throws RejectException, IOException {
            // Read in chunks, each charged to the memory budget before it is kept.
            java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
            byte[] chunk = new byte[CHUNK];
            long charged = 0;
            try {
                int n;
                while ((n = in.read(chunk)) > 0) {
                    if (buf.size() + n > maxBytes) {
                        // The library reads the rest of DATA only after a normal return: read it here, or it would be taken for commands.
                        in.transferTo(java.io.OutputStream.nullOutputStream());
                        metrics.mailReceived("smtp", "rejected");
                        throw new RejectException(552, "5.3.4 Message too big: the limit is " + maxBytes + " bytes");
                    }
                    if (!memory.take(n)) {
                        in.transferTo(java.io.OutputStream.nullOutputStream());
                        metrics.mailReceived("smtp", "deferred");
                        throw new RejectException(452, "4.3.1 Insufficient system storage for the message now, try again later");
                    }
                    charged += n;
                    buf.write(chunk, 0, n);
                }
                return store(buf.toByteArray());
            } finally {
                memory.give(charged);
            }
        }

        private String store(byte[] raw) throws RejectException {
            boolean tls = ctx instanceof Session s && s.isTLSStarted();
            String remote = ctx.getRemoteAddress() instanceof InetSocketAddress a ? a.getAddress().getHostAddress() : String.valueOf(ctx.getRemoteAddress());
            Envelope env = new Envelope(from, List.copyOf(rcpts), remote, ctx.getHelo().orElse(null), tls, "smtp");
            List<MailIntake.Stored> stored;
            try {
                stored = intake.receiveSmtp(env, raw);
            } catch (Problem p) {
                metrics.mailReceived("smtp", "rejected");
                throw new RejectException(554, "5.6.0 " + p.getMessage());
            } catch (RuntimeException e) {
                log.warn("SMTP: message from {} not stored (answered 451): {}", remote, e.getMessage());
                throw new RejectException(451, "4.3.0 Temporary failure storing the message, try again later");
            }
            return "2.6.0 Ok: queued as " + stored.get(0).id();
        }

        @Override
        public void done() {}
    }

    /** A STARTTLS context from a PEM certificate chain and a PEM PKCS#8 private key (RSA or EC). */
    static SSLContext tls(Path certFile, Path keyFile) {
        try {
            List<Certificate> chain = new ArrayList<>();
            try (InputStream in = Files.newInputStream(certFile)) {
                chain.addAll(CertificateFactory.getInstance("X.509").generateCertificates(in));
            }
            if (chain.isEmpty()) throw new IllegalArgumentException("HERALD_MAIL_SMTP_TLS_CERT_FILE holds no certificate");
            String pem = Files.readString(keyFile, StandardCharsets.US_ASCII);
            if (!pem.contains("-----BEGIN PRIVATE KEY-----")) {
                throw new IllegalArgumentException("HERALD_MAIL_SMTP_TLS_KEY_FILE must be a PKCS#8 PEM key (-----BEGIN PRIVATE KEY-----); "
                        + "convert with: openssl pkcs8 -topk8 -nocrypt -in key.pem -out key8.pem");
            }
            String b64 = pem.replaceAll("(?s).*-----BEGIN PRIVATE KEY-----", "").replaceAll("(?s)-----END PRIVATE KEY-----.*", "").replaceAll("\\s", "");
            byte[] der = Base64.getDecoder().decode(b64);
            PrivateKey key = null;
            for (String alg : List.of("RSA", "EC", "Ed25519")) {
                try {
                    key = KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(der));
                    break;
                } catch (GeneralSecurityException e) {
                    // try the next algorithm
                }
            }
            if (key == null) throw new IllegalArgumentException("HERALD_MAIL_SMTP_TLS_KEY_FILE: not an RSA, EC or Ed25519 key");
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            char[] pass = "herald".toCharArray();
            ks.setKeyEntry("smtp", key, pass, chain.toArray(Certificate[]::new));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, pass);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), null, null);
            return ctx;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot load the SMTP TLS certificate or key: " + e.getMessage(), e);
        }
    }
}
