package dev.herald.api;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Properties;

/**
 * The API contract and its rendered reference, both without an API key: {@code GET /api/v1/openapi.json}
 * (the hand-kept OpenAPI 3.1 document, {@code src/main/resources/openapi/openapi.json}, held true by the
 * tests) and {@code GET /api/docs}, Swagger UI from its webjar, served by Herald itself (no CDN) under a
 * Content-Security-Policy that allows only Herald's own files.
 */
final class OpenApiRoutes {
    static final String DOCUMENT = "/api/v1/openapi.json";
    static final String DOCS = "/api/docs";
    /** Only Herald's own scripts and styles; Swagger UI's icons are data: images; it fetches only the document. */
    static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
            + "font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
    private static final String WEBJAR = "META-INF/resources/webjars/swagger-ui/";
    /** The webjar's files the page uses (nothing else of it is served), with their types. */
    private static final Map<String, String> ASSETS = Map.of(
            "swagger-ui.css", "text/css; charset=utf-8",
            "swagger-ui-bundle.js", "text/javascript; charset=utf-8",
            "favicon-32x32.png", "image/png",
            "favicon-16x16.png", "image/png");

    private final byte[] document = resource("openapi/openapi.json");
    private final byte[] page = resource("openapi/docs.html");
    private final byte[] init = resource("openapi/docs.js");
    private final String version = swaggerUiVersion();

    /** Whether {@code path} is served without an API key. */
    static boolean isPublic(String path) {
        return path.equals(DOCUMENT) || path.equals(DOCS) || path.startsWith(DOCS + "/");
    }

    void register(RoutesConfig r) {
        r.get(DOCUMENT, ctx -> {
            ctx.header("Access-Control-Allow-Origin", "*");
            ctx.header("Cache-Control", "no-cache");
            ctx.status(200).contentType("application/json").result(document);
        });
        r.get(DOCS, ctx -> send(ctx, page, "text/html; charset=utf-8"));
        r.get(DOCS + "/docs.js", ctx -> send(ctx, init, "text/javascript; charset=utf-8"));
        r.get(DOCS + "/{file}", ctx -> {
            String file = ctx.pathParam("file");
            String type = ASSETS.get(file);
            if (type == null) throw ApiException.notFound("file");
            send(ctx, resource(WEBJAR + version + "/" + file), type);
        });
    }

    private static void send(Context ctx, byte[] body, String type) {
        ctx.header("Content-Security-Policy", CSP);
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.header("X-Frame-Options", "DENY");
        ctx.header("Referrer-Policy", "no-referrer");
        ctx.header("Cache-Control", "no-cache");
        ctx.status(200).contentType(type).result(body);
    }

    private static byte[] resource(String name) {
        try (InputStream in = OpenApiRoutes.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) throw new IllegalStateException("missing resource " + name);
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The webjar's version, from its Maven metadata: its files live under a folder of that name. */
    private static String swaggerUiVersion() {
        Properties p = new Properties();
        try {
            p.load(new java.io.ByteArrayInputStream(resource("META-INF/maven/org.webjars/swagger-ui/pom.properties")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String v = p.getProperty("version");
        if (v == null || !v.matches("[0-9A-Za-z.-]+")) throw new IllegalStateException("the swagger-ui webjar names no version");
        return v;
    }
}
