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
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/**
 * Bounds every request body at its path's limit: a read that would pass the limit (or any read of a
 * body whose declared Content-Length is over it, before a byte is read) throws {@link TooLarge}, which
 * the API answers {@code 413} as its documented JSON error. Javalin's own limit is switched off in
 * favour of this one because it logs a WARN line for every oversized body; this one only counts the
 * refusal in the rate-limited {@link ClientErrorLog}. The hazard it guards: an unbounded body read
 * exhausts memory.
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

    private final java.util.function.ToLongFunction<String> maxBytes;

    /** @param maxBytes the limit for a request path (the HTTP inbox takes whole mail messages, other routes far less) */
    BodyLimit(java.util.function.ToLongFunction<String> maxBytes) {
        this.maxBytes = maxBytes;
    }

    @Override
    public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain) throws IOException, ServletException {
        chain.doFilter(req instanceof HttpServletRequest h ? new Bounded(h, maxBytes.applyAsLong(h.getRequestURI())) : req, res);
    }

    private static final class Bounded extends HttpServletRequestWrapper {
        private final long max;
        private ServletInputStream in;

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

        Limited(ServletInputStream in, long max, long declared) {
            this.in = in;
            this.max = max;
            this.declared = declared;
        }

        private void check() {
            if (declared > max || count > max) throw new TooLarge(max);
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
            in.setReadListener(listener);
        }
    }
}
