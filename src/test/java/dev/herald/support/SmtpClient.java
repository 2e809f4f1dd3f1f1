package dev.herald.support;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * A plain SMTP client written for the tests: it speaks the protocol line by line and returns every
 * reply, so a test can see exactly which command was refused and with what code (RCPT TO 550, DATA 552).
 */
public final class SmtpClient implements AutoCloseable {
    private Socket socket;
    private BufferedReader in;
    private OutputStream out;

    /** One reply: its code and its (last) text line. */
    public record Reply(int code, String text) {
        public boolean ok() {
            return code / 100 == 2 || code / 100 == 3;
        }
    }

    public SmtpClient(int port) {
        try {
            socket = new Socket("127.0.0.1", port);
            socket.setSoTimeout(60_000);
            streams();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private void streams() throws IOException {
        in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.ISO_8859_1));
        out = socket.getOutputStream();
    }

    /** The server's greeting. */
    public Reply greeting() {
        return read();
    }

    public Reply command(String line) {
        write((line + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
        return read();
    }

    /** STARTTLS, then the TLS handshake trusting {@code trust}; returns the STARTTLS reply. */
    public Reply startTls(SSLContext trust, String host) {
        Reply r = command("STARTTLS");
        if (r.code() != 220) return r;
        try {
            SSLSocket s = (SSLSocket) trust.getSocketFactory().createSocket(socket, host, socket.getPort(), true);
            s.setUseClientMode(true);
            s.startHandshake();
            socket = s;
            streams();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return r;
    }

    /** DATA, the message (dot-stuffed, CRLF line ends) and the final dot; returns the reply to the end of data, or the DATA refusal. */
    public Reply data(byte[] message) {
        Reply go = command("DATA");
        if (go.code() != 354) return go;
        write(dotStuff(message));
        write(".\r\n".getBytes(StandardCharsets.US_ASCII));
        return read();
    }

    /** A whole transaction: EHLO, MAIL FROM, each RCPT TO (stops at the first refused one), DATA. Returns every reply in order. */
    public List<Reply> send(String from, List<String> to, byte[] message) {
        List<Reply> replies = new ArrayList<>();
        replies.add(command("EHLO client.test"));
        replies.add(command("MAIL FROM:<" + from + ">"));
        for (String t : to) {
            Reply r = command("RCPT TO:<" + t + ">");
            replies.add(r);
            if (!r.ok()) return replies;
        }
        replies.add(data(message));
        return replies;
    }

    static byte[] dotStuff(byte[] message) {
        String s = new String(message, StandardCharsets.ISO_8859_1).replace("\r\n", "\n").replace("\n", "\r\n");
        if (!s.endsWith("\r\n")) s += "\r\n";
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (String line : s.split("\r\n", -1)) {
            if (line.startsWith(".")) b.append('.');
            b.append(line).append("\r\n");
        }
        b.setLength(b.length() - 2);
        return b.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    private void write(byte[] b) {
        try {
            out.write(b);
            out.flush();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private Reply read() {
        try {
            String line;
            do {
                line = in.readLine();
                if (line == null) return new Reply(-1, "connection closed");
            } while (line.length() > 3 && line.charAt(3) == '-');
            return new Reply(Integer.parseInt(line.substring(0, 3)), line.length() > 4 ? line.substring(4) : "");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        try {
            command("QUIT");
        } catch (RuntimeException ignored) {
            // already closed
        }
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing
        }
    }
}
