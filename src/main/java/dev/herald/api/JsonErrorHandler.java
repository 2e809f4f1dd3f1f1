package dev.herald.api;

import dev.herald.util.Json;
import java.nio.ByteBuffer;
import java.util.regex.Pattern;
import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Jetty's answer to what never reaches a route (a path Jetty refuses such as {@code /%00}, headers over
 * the size limit, a URI too long, a request line it cannot parse) in the documented JSON error shape
 * instead of Jetty's HTML page. The message is Herald's own plus Jetty's reason when that reason is
 * plain words (never an exception or class name). Client errors are counted in the rate-limited
 * {@link ClientErrorLog}; a 5xx from Jetty itself is logged as a WARN line.
 */
final class JsonErrorHandler extends ErrorHandler {
    private static final Logger log = LoggerFactory.getLogger(JsonErrorHandler.class);
    /** A reason that is safe to show: words, digits and light punctuation, no dotted names, no exception type. */
    private static final Pattern PLAIN = Pattern.compile("[A-Za-z][A-Za-z0-9 ,:;'()/=_-]{0,120}");

    private final ClientErrorLog clientErrors;

    JsonErrorHandler(ClientErrorLog clientErrors) {
        this.clientErrors = clientErrors;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        int code = response.getStatus();
        String reason = (String) request.getAttribute(ERROR_MESSAGE);
        Object cause = request.getAttribute(ERROR_EXCEPTION);
        if (cause instanceof HttpException h) {
            code = h.getCode();
            response.setStatus(code);
            if (reason == null) reason = h.getReason();
        }
        if (code == 505) {
            // An HTTP version Jetty cannot parse is a malformed request line: the client's error, not the server's.
            code = 400;
            response.setStatus(code);
            reason = "unsupported HTTP version";
        }
        String message = message(request, code, reason);
        String path = request.getHttpURI() == null ? "?" : request.getHttpURI().getPath();
        if (code >= 500) log.warn("answered {} to {} {}: {}", code, request.getMethod(), ClientErrorLog.clean(path), message);
        else clientErrors.note("http_" + code, code + " " + message + " for " + request.getMethod() + " " + path);
        response.getHeaders().put(ERROR_CACHE_CONTROL);
        if (HttpStatus.hasNoBody(code) || "HEAD".equals(request.getMethod())) {
            callback.succeeded();
            return true;
        }
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.write(true, ByteBuffer.wrap(Json.bytes(Http.error(code(code), message, null))), callback);
        return true;
    }

    static String code(int status) {
        return switch (status) {
            case 400 -> "invalid_request";
            case 401 -> "unauthorized";
            case 403 -> "forbidden";
            case 404 -> "not_found";
            case 405 -> "method_not_allowed";
            case 408 -> "request_timeout";
            case 411 -> "length_required";
            case 413 -> "payload_too_large";
            case 414 -> "uri_too_long";
            case 415 -> "unsupported_media_type";
            case 431 -> "headers_too_large";
            case 500 -> "internal";
            case 501 -> "not_implemented";
            case 503 -> "unavailable";
            default -> "http_" + status;
        };
    }

    private static String headerLimit(Request request) {
        try {
            return " (at most " + request.getConnectionMetaData().getHttpConfiguration().getRequestHeaderSize() + " bytes)";
        } catch (RuntimeException e) {
            return "";
        }
    }

    private static String message(Request request, int code, String reason) {
        String own = switch (code) {
            case 400 -> "malformed request";
            case 414 -> "the request URI is too long";
            case 431 -> "the request headers are too large" + headerLimit(request);
            default -> {
                String m = HttpStatus.getMessage(code);
                yield m == null ? "error " + code : m.toLowerCase(java.util.Locale.ROOT);
            }
        };
        boolean plain = reason != null && PLAIN.matcher(reason).matches() && !reason.contains("Exception")
                && !reason.equalsIgnoreCase(HttpStatus.getMessage(code));
        return plain ? own + ": " + reason : own;
    }
}
