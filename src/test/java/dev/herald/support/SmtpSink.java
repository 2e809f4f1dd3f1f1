package dev.herald.support;

import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import org.subethamail.smtp.MessageContext;
import org.subethamail.smtp.MessageHandler;
import org.subethamail.smtp.RejectException;
import org.subethamail.smtp.auth.EasyAuthenticationHandlerFactory;
import org.subethamail.smtp.auth.LoginFailedException;
import org.subethamail.smtp.server.SMTPServer;
import org.subethamail.smtp.server.SessionHandler;

/**
 * A real SMTP server (SubEthaSMTP) on 127.0.0.1 and a free port, for tests: records every message it
 * accepts with its envelope and raw bytes, counts connections, and answers RCPT TO or DATA with
 * scripted replies (a 451 once, a 550) per recipient.
 */
public final class SmtpSink implements AutoCloseable {
    /** One accepted message. {@code data} is exactly what the client sent between DATA and the final dot (dot-unstuffed). */
    public record Received(String from, List<String> recipients, byte[] data, String sessionId, boolean tls, Object authIdentity) {
        public MimeMessage parse() {
            try {
                return new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(data));
            } catch (jakarta.mail.MessagingException e) {
                throw new IllegalStateException(e);
            }
        }

        public String text() {
            return new String(data, java.nio.charset.StandardCharsets.US_ASCII);
        }
    }

    /** How to start one. */
    public static final class Options {
        SSLContext startTls;
        boolean requireTls;
        boolean hideTls;
        SSLContext implicitTls;
        String user;
        String password;

        public Options startTls(SSLContext ctx, boolean required) {
            this.startTls = ctx;
            this.requireTls = required;
            return this;
        }

        /** Speaks plain SMTP only: STARTTLS is neither offered nor accepted. */
        public Options noTls() {
            this.hideTls = true;
            return this;
        }

        public Options implicitTls(SSLContext ctx) {
            this.implicitTls = ctx;
            return this;
        }

        public Options auth(String user, String password) {
            this.user = user;
            this.password = password;
            return this;
        }
    }

    private final SMTPServer server;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final AtomicInteger sessions = new AtomicInteger();
    private final Map<String, Deque<int[]>> rcptReplies = new ConcurrentHashMap<>();
    private final Map<String, Deque<int[]>> dataReplies = new ConcurrentHashMap<>();

    public SmtpSink() {
        this(new Options());
    }

    public SmtpSink(Options o) {
        try {
            SMTPServer.Builder b = SMTPServer.port(0).bindAddress(InetAddress.getByName("127.0.0.1")).hostName("sink.test")
                    .insertReceivedHeaders(false)
                    .connectionTimeout(30, java.util.concurrent.TimeUnit.SECONDS)
                    .sessionHandler(new SessionHandler() {
                        @Override
                        public SessionAcceptance accept(org.subethamail.smtp.server.Session s) {
                            sessions.incrementAndGet();
                            return SessionAcceptance.success();
                        }

                        @Override
                        public void onSessionEnd(org.subethamail.smtp.server.Session s) {}
                    })
                    .messageHandlerFactory(this::handler);
            if (o.startTls != null) b.enableTLS().startTlsSocketFactory(o.startTls).requireTLS(o.requireTls).showAuthCapabilitiesBeforeSTARTTLS(false);
            if (o.hideTls) b.enableTLS(false).hideTLS();
            if (o.implicitTls != null) b.serverSocketFactory(o.implicitTls);
            if (o.user != null) {
                b.authenticationHandlerFactory(new EasyAuthenticationHandlerFactory((user, password, ctx) -> {
                    if (!o.user.equals(user) || !o.password.equals(password)) throw new LoginFailedException("bad credentials");
                })).requireAuth(true);
            }
            this.server = b.build();
            server.start();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public int port() {
        return server.getPortAllocated();
    }

    /** Connections accepted so far. */
    public int sessions() {
        return sessions.get();
    }

    public List<Received> received() {
        return List.copyOf(received);
    }

    /** Answers RCPT TO {@code recipient} with these codes, one per attempt (then accepts). */
    public SmtpSink rejectRcpt(String recipient, int... codes) {
        Deque<int[]> d = rcptReplies.computeIfAbsent(recipient.toLowerCase(java.util.Locale.ROOT), k -> new ArrayDeque<>());
        synchronized (d) {
            for (int c : codes) d.add(new int[] {c});
        }
        return this;
    }

    /** Answers the end of DATA for messages to {@code recipient} with these codes, one per attempt (then accepts). */
    public SmtpSink rejectData(String recipient, int... codes) {
        Deque<int[]> d = dataReplies.computeIfAbsent(recipient.toLowerCase(java.util.Locale.ROOT), k -> new ArrayDeque<>());
        synchronized (d) {
            for (int c : codes) d.add(new int[] {c});
        }
        return this;
    }

    /** Waits until {@code n} messages arrived; returns them. */
    public List<Received> await(int n, long timeoutMs) {
        long deadline = System.nanoTime() + timeoutMs * 1_000_000;
        while (received.size() < n && System.nanoTime() < deadline) Receiver.sleep(20);
        if (received.size() < n) throw new AssertionError("expected " + n + " messages, got " + received.size());
        return received();
    }

    private static Integer next(Map<String, Deque<int[]>> replies, String recipient) {
        Deque<int[]> d = replies.get(recipient.toLowerCase(java.util.Locale.ROOT));
        if (d == null) return null;
        synchronized (d) {
            int[] r = d.poll();
            return r == null ? null : r[0];
        }
    }

    private MessageHandler handler(MessageContext ctx) {
        return new MessageHandler() {
            String from;
            final List<String> to = new ArrayList<>();

            @Override
            public void from(String f) {
                from = f;
            }

            @Override
            public void recipient(String r) throws RejectException {
                Integer code = next(rcptReplies, r);
                if (code != null) throw new RejectException(code, (code >= 500 ? "5.1.1" : "4.2.1") + " scripted reply for " + r);
                to.add(r);
            }

            @Override
            public String data(InputStream in) throws RejectException, IOException {
                byte[] bytes = in.readAllBytes();
                for (String r : to) {
                    Integer code = next(dataReplies, r);
                    if (code != null) throw new RejectException(code, (code >= 500 ? "5.6.0" : "4.3.0") + " scripted DATA reply for " + r);
                }
                boolean tls = ctx instanceof org.subethamail.smtp.server.Session s && s.isTLSStarted();
                Object identity = ctx.getAuthenticationHandler().map(org.subethamail.smtp.AuthenticationHandler::getIdentity).orElse(null);
                received.add(new Received(from, List.copyOf(to), bytes, ctx.getSessionId(), tls, identity));
                return "2.0.0 queued as " + received.size();
            }

            @Override
            public void done() {}
        };
    }

    @Override
    public void close() {
        server.stop();
    }
}
