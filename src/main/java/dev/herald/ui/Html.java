package dev.herald.ui;

import dev.herald.customeremail.InvisibleCharacters;

/** Escaping and the page frame of Herald's web pages: one inline stylesheet, no scripts, no external assets. */
final class Html {
    private Html() {}

    /**
     * Text for an element's content: escaped, and every character a reader cannot see or that reorders
     * what they see (a bidi override, a zero-width space: {@link InvisibleCharacters}) replaced by a marked,
     * visible {@code <U+202E>} token, so the text reads in the order its characters are sent. Not for
     * attribute values (use {@link #esc}).
     */
    static String text(String s) {
        if (s == null) return "";
        StringBuilder b = new StringBuilder(s.length() + 16);
        s.codePoints().forEach(cp -> {
            if (InvisibleCharacters.isInvisible(cp)) {
                String name = InvisibleCharacters.name(cp);
                b.append("<span class=\"invisible\" title=\"invisible character ").append(name).append("\">&lt;").append(name).append("&gt;</span>");
            } else {
                escape(b, cp);
            }
        });
        return b.toString();
    }

    /** {@link #text} without markup, for a page title: each invisible character becomes {@code <U+202E>}. */
    static String reveal(String s) {
        StringBuilder b = new StringBuilder(s.length() + 16);
        s.codePoints().forEach(cp -> {
            if (InvisibleCharacters.isInvisible(cp)) b.append('<').append(InvisibleCharacters.name(cp)).append('>');
            else b.appendCodePoint(cp);
        });
        return b.toString();
    }

    /** Escaped for an element's content or a quoted attribute value. */
    static String esc(String s) {
        if (s == null) return "";
        StringBuilder b = new StringBuilder(s.length() + 16);
        s.codePoints().forEach(cp -> escape(b, cp));
        return b.toString();
    }

    private static void escape(StringBuilder b, int cp) {
        switch (cp) {
            case '&' -> b.append("&amp;");
            case '<' -> b.append("&lt;");
            case '>' -> b.append("&gt;");
            case '"' -> b.append("&quot;");
            case '\'' -> b.append("&#39;");
            default -> b.appendCodePoint(cp);
        }
    }

    static final String STYLE = """
            :root { color-scheme: light; --ink:#1d2330; --muted:#5b6475; --line:#d9dde5; --bg:#f5f6f8; --card:#fff;
                    --ok:#1f7a3f; --ok-bg:#e7f5ec; --bad:#b3261e; --bad-bg:#fbeaea; --accent:#2952cc; }
            * { box-sizing: border-box; }
            body { margin:0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color:var(--ink); background:var(--bg); }
            header { background:#1d2330; color:#fff; padding:12px 24px; display:flex; align-items:center; gap:16px; }
            header .brand { font-weight:600; font-size:16px; }
            header .who { margin-left:auto; font-size:13px; color:#c9cfdb; }
            header form { margin:0; }
            header button { background:transparent; color:#fff; border:1px solid #5b6475; border-radius:6px; padding:4px 10px; cursor:pointer; font:inherit; font-size:13px; }
            main { max-width:920px; margin:24px auto; padding:0 16px; }
            h1 { font-size:22px; margin:0 0 16px; }
            nav.tabs { display:flex; gap:6px; flex-wrap:wrap; margin-bottom:18px; }
            nav.tabs a { padding:6px 12px; border-radius:999px; text-decoration:none; color:var(--ink); border:1px solid var(--line); background:var(--card); font-size:14px; }
            nav.tabs a.on { background:var(--ink); color:#fff; border-color:var(--ink); }
            .notice { padding:10px 14px; border-radius:8px; margin-bottom:16px; }
            .notice.ok { background:var(--ok-bg); color:var(--ok); }
            .notice.bad { background:var(--bad-bg); color:var(--bad); }
            .notice.warn { background:#fff4e0; color:#7a4300; border:1px solid #f0c36d; }
            span.invisible { background:#ffe08a; color:#5c3b00; border:1px solid #d9a400; border-radius:3px; padding:0 2px; margin:0 1px;
                             font:600 11px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; white-space:nowrap; }
            .card { background:var(--card); border:1px solid var(--line); border-radius:10px; padding:18px 20px; margin-bottom:18px; }
            .card h2 { font-size:18px; margin:0 0 4px; }
            .card h2 a { color:inherit; text-decoration:none; }
            .meta { color:var(--muted); font-size:13px; margin:0 0 12px; }
            .meta a { color:var(--accent); }
            dl { display:grid; grid-template-columns:max-content 1fr; gap:4px 14px; margin:0 0 12px; }
            dt { color:var(--muted); }
            dd { margin:0; }
            dd.bad { color:var(--bad); font-weight:600; }
            dd.superseded { color:var(--muted); }
            pre.body { white-space:pre-wrap; word-wrap:break-word; background:#fafbfc; border:1px solid var(--line); border-radius:8px;
                       padding:12px 14px; font:14px/1.5 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; margin:0 0 14px; }
            .status { display:inline-block; padding:1px 8px; border-radius:999px; font-size:12px; font-weight:600; text-transform:uppercase; letter-spacing:.03em; background:#eef0f4; color:var(--muted); }
            .status.approved, .status.sent { background:var(--ok-bg); color:var(--ok); }
            .status.rejected, .status.failed { background:var(--bad-bg); color:var(--bad); }
            .actions { display:flex; gap:12px; align-items:flex-start; flex-wrap:wrap; border-top:1px solid var(--line); padding-top:14px; }
            .actions form { margin:0; }
            .actions .reject { display:flex; gap:8px; align-items:flex-start; flex:1; min-width:260px; }
            textarea { font:inherit; width:100%; min-height:38px; padding:7px 10px; border:1px solid var(--line); border-radius:6px; resize:vertical; }
            input[type=password] { font:inherit; width:100%; padding:8px 10px; border:1px solid var(--line); border-radius:6px; }
            button.approve, button.rejectbtn, button.primary { font:inherit; font-weight:600; border:0; border-radius:6px; padding:8px 16px; cursor:pointer; color:#fff; }
            button.approve, button.primary { background:var(--ok); }
            button.primary { background:var(--accent); }
            button.rejectbtn { background:var(--bad); white-space:nowrap; }
            details { margin:0 0 12px; }
            summary { cursor:pointer; color:var(--muted); font-size:13px; }
            code { font-size:12px; word-break:break-all; }
            .empty { text-align:center; color:var(--muted); padding:48px 16px; }
            .signin { max-width:420px; margin:64px auto; }
            label { display:block; font-weight:600; margin-bottom:6px; }
            .hint { color:var(--muted); font-size:13px; }
            """;

    static String page(String title, String who, String csrf, String body) {
        StringBuilder b = new StringBuilder(4096);
        b.append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
                .append("<title>").append(esc(reveal(title))).append(" · Herald</title><style>").append(STYLE).append("</style></head><body>")
                .append("<header><span class=\"brand\">Herald · Customer email review</span>");
        if (who != null) {
            b.append("<span class=\"who\">Signed in as ").append(text(who)).append("</span>")
                    .append("<form method=\"post\" action=\"/review/sign-out\"><input type=\"hidden\" name=\"csrf\" value=\"").append(esc(csrf))
                    .append("\"><button type=\"submit\">Sign out</button></form>");
        }
        return b.append("</header><main>").append(body).append("</main></body></html>").toString();
    }
}
