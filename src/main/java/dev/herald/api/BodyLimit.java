package dev.herald.api;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;

/**
 * Bounds every request body at its path's limit: a read that would pass the limit (or any read of a
 * body whose declared Content-Length is over it, before a byte is read) throws {@link TooLarge}, which
 * the API answers {@code 413} as its documented JSON error. Javalin's own limit is switched off in
 * favour of this one because it logs a WARN line for every oversized body; this one only counts the
 * refusal in the rate-limited {@link ClientErrorLog}. The hazard it guards: an unbounded body read
 * exhausts memory.
 *
 * <p>After a refused request has been answered, the connection is closed without a reset (see
 * {@link #lingeringClose}). Closing a connection with the client's bytes still unread makes the kernel
 * reset it, and a reset can destroy the {@code 413} before the client reads it: clients that write the
 * whole body before reading (the JDK's, most others) then see only a broken connection. A body more than
 * {@link #DRAIN_BYTES} past the limit is not read at all.
 */
final class BodyLimit implements Filter {
    /** A body over the limit. */
    static final class TooLarge extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final long limit;

        TooLarge(long limit) {
            super("request body is larger than " + limit + " bytes", null, false, false);
            this.limit = limit;
        }

        long limit() {
            return limit;
        }
    }

    /** How much of a refused body is read and discarded so the client reads its answer (bounded work: 16 MiB). */
    static final long DRAIN_BYTES = 16L << 20;

    private final java.util.function.ToLongFunction<String> maxBytes;

    /** @param maxBytes the limit for a request path (the HTTP inbox takes whole mail messages, other routes far less) */
    BodyLimit(java.util.function.ToLongFunction<String> maxBytes) {
        this.maxBytes = maxBytes;
    }

    @Override
    public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain) throws IOException, ServletException {
        if (!(req instanceof HttpServletRequest h)) {
            chain.doFilter(req, res);
            return;
        }
        Bounded bounded = new Bounded(h, maxBytes.applyAsLong(h.getRequestURI()));
        try {
            chain.doFilter(bounded, res);
        } finally {
            // Any error answered with some of the body unread: over the limit (a 413), or refused for another
            // reason before the body was read (a bad key, a missing role, a route's own declared-length check).
            if (res instanceof HttpServletResponse r && r.getStatus() >= 400 && hasBody(h)) {
                Limited in = unread(bounded);
                if (in != null) lingeringClose(h, res, in);
            }
        }
    }

    /** The body's stream when some of the body is still unread, else null (also when Jetty read it itself, as a form). */
    private static Limited unread(Bounded req) {
        try {
            Limited in = (Limited) req.getInputStream();
            return in.isFinished() ? null : in;
        } catch (IOException | IllegalStateException e) {
            return null;
        }
    }

    private static boolean hasBody(HttpServletRequest req) {
        return req.getContentLengthLong() > 0 || req.getHeader("Transfer-Encoding") != null;
    }

    /**
     * Ends a connection whose request body an error answer left unread the way a careful server does
     * (nginx's "lingering close"): the whole answer is written, the sending half is closed (the client sees the end of the answer),
     * then what the client still sends is read and discarded until it stops, up to {@link #DRAIN_BYTES}.
     * Only after that does Jetty close the connection, so no unread byte turns the close into a reset.
     */
    private static void lingeringClose(HttpServletRequest req, ServletResponse res, Limited in) {
        if (!req.getProtocol().startsWith("HTTP/1.")) return;
        try {
            // Said in the answer too, so the client does not keep the connection for another request.
            if (res instanceof HttpServletResponse r && !r.isCommitted()) r.setHeader("Connection", "close");
            res.getOutputStream().close();
            ServletContextRequest.getServletContextRequest(req).getConnectionMetaData().getConnection().getEndPoint().shutdownOutput();
        } catch (IOException | RuntimeException e) {
            return;
        }
        in.drain();
    }

    private static final class Bounded extends HttpServletRequestWrapper {
        private final long max;
        private Limited in;

        Bounded(HttpServletRequest req, long max) {
            super(req);
            this.max = max;
        }

        @Override
        public ServletInputStream getInputStream() throws IOException {
            if (in == null) in = new Limited(super.getInputStream(), max, getContentLengthLong());
            return in;
        }

        @Override
        public BufferedReader getReader() throws IOException {
            // The API reads only UTF-8 (a body declaring another charset is refused before it is read).
            return new BufferedReader(new InputStreamReader(getInputStream(), StandardCharsets.UTF_8));
        }
    }

    private static final class Limited extends ServletInputStream {
        private final ServletInputStream in;
        private final long max;
        private final long declared;
        private long count;
        private boolean async;

        Limited(ServletInputStream in, long max, long declared) {
            this.in = in;
            this.max = max;
            this.declared = declared;
        }

        private void check() {
            if (declared > max || count > max) throw new TooLarge(max);
        }

        /** Reads and discards what is left of a refused body, when that is at most {@link #DRAIN_BYTES}. */
        void drain() {
            if (async || (declared >= 0 && declared - count > DRAIN_BYTES)) return;
            byte[] buf = new byte[16 * 1024];
            try {
                for (long left = DRAIN_BYTES; left > 0; ) {
                    int n = in.read(buf, 0, (int) Math.min(buf.length, left));
                    if (n < 0) return;
                    left -= n;
                }
            } catch (IOException | RuntimeException gone) {
                // the client went away: nothing is left to keep clean
            }
        }

        @Override
        public int read() throws IOException {
            check();
            int b = in.read();
            if (b >= 0) {
                count++;
                check();
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            check();
            // Never ask for more than one byte past the limit: enough to know it was passed.
            int n = in.read(b, off, (int) Math.min(len, max - count + 1));
            if (n > 0) {
                count += n;
                check();
            }
            return n;
        }

        @Override
        public boolean isFinished() {
            return in.isFinished();
        }

        @Override
        public boolean isReady() {
            return in.isReady();
        }

        @Override
        public void setReadListener(ReadListener listener) {
            async = true;
            in.setReadListener(listener);
        }
    }
}
