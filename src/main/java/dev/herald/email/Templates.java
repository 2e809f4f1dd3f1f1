package dev.herald.email;

import com.samskivert.mustache.BasicCollector;
import com.samskivert.mustache.Mustache;
import com.samskivert.mustache.MustacheException;
import com.samskivert.mustache.Template;
import dev.herald.util.Problem;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code {{variable}}} templates (JMustache). Values are HTML-escaped in {@code html} and inserted as
 * they are in {@code subject} and {@code text}. Rendering is strict: a variable or section the caller
 * did not supply fails the whole email with a 400 naming it, so nothing is sent half-rendered.
 * Templates see only the caller's JSON values (maps, lists, strings): no Java methods are reachable
 * from a template, and partials ({@code {{> name}}}) are refused.
 */
public final class Templates {
    public static final int MAX_SUBJECT = 1000;

    private static final Mustache.Collector JSON_ONLY = new BasicCollector() {
        @Override
        public <K, V> Map<K, V> createFetcherCache() {
            return new ConcurrentHashMap<>();
        }
    };
    private static final Mustache.Compiler PLAIN = Mustache.compiler().escapeHTML(false).strictSections(true).emptyStringIsFalse(true)
            .withCollector(JSON_ONLY);
    private static final Mustache.Compiler HTML = PLAIN.escapeHTML(true);

    private Templates() {}

    /** Which body a template renders; {@code html} escapes values. */
    public enum Part {
        SUBJECT("subject", false), TEXT("text", false), HTML_BODY("html", true);

        final String field;
        final boolean escape;

        Part(String field, boolean escape) {
            this.field = field;
            this.escape = escape;
        }

        public String field() {
            return field;
        }
    }

    /**
     * Compiled templates by part and source (compiled templates are thread-safe), so a template is not
     * parsed again for every email. Only sources up to 32 KiB are kept, at most 1000 of them (the map is
     * cleared when full): at most about 32 MiB.
     */
    private static final Map<String, Template> COMPILED = new ConcurrentHashMap<>();
    private static final int MAX_CACHED = 1000;
    private static final int MAX_CACHED_CHARS = 32 * 1024;

    /** Compiles {@code source} (or reuses a compiled copy); a syntax error is a 400 naming {@code fieldPath}. */
    public static Template compile(Part part, String source, String fieldPath) {
        String key = part.name() + '\u0000' + source;
        Template cached = COMPILED.get(key);
        if (cached != null) return cached;
        Template t = compileNew(part, source, fieldPath);
        if (source.length() <= MAX_CACHED_CHARS) {
            if (COMPILED.size() >= MAX_CACHED) COMPILED.clear();
            COMPILED.put(key, t);
        }
        return t;
    }

    private static Template compileNew(Part part, String source, String fieldPath) {
        Template t;
        try {
            t = (part.escape ? HTML : PLAIN).compile(source);
        } catch (MustacheException e) {
            throw Problem.invalid(fieldPath, "'" + fieldPath + "' is not a valid template: " + e.getMessage());
        }
        Set<String> refused = new LinkedHashSet<>();
        t.visit(new Mustache.Visitor() {
            @Override public void visitText(String text) {}
            @Override public void visitVariable(String name) {}
            @Override public boolean visitInclude(String name) {
                refused.add(name);
                return false;
            }
            @Override public boolean visitParent(String name) {
                refused.add(name);
                return false;
            }
            @Override public boolean visitSection(String name) {
                return true;
            }
            @Override public boolean visitInvertedSection(String name) {
                return true;
            }
        });
        if (!refused.isEmpty()) {
            throw Problem.invalid(fieldPath, "'" + fieldPath + "' includes another template ({{> " + refused.iterator().next()
                    + "}}); partials are not supported");
        }
        return t;
    }

    /** The top-level names a template reads (variables and sections), in order of appearance. */
    public static Set<String> variables(Template t) {
        Set<String> names = new LinkedHashSet<>();
        t.visit(new Mustache.Visitor() {
            @Override public void visitText(String text) {}
            @Override public void visitVariable(String name) {
                add(name);
            }
            @Override public boolean visitInclude(String name) {
                return false;
            }
            @Override public boolean visitSection(String name) {
                add(name);
                return true;
            }
            @Override public boolean visitInvertedSection(String name) {
                add(name);
                return true;
            }
            private void add(String name) {
                String top = name.contains(".") && !name.equals(".") ? name.substring(0, name.indexOf('.')) : name;
                if (!top.equals(".") && !top.equals("this") && !top.startsWith("-")) names.add(top);
            }
        });
        return names;
    }

    /**
     * Renders one part with {@code variables}. A missing variable is a 400 naming
     * {@code variables.<name>}; {@code what} says whose template it is ("template 'user_invited'").
     */
    public static String render(Part part, Template t, Map<String, Object> variables, String what) {
        try {
            return t.execute(variables);
        } catch (MustacheException.Context e) {
            String key = e.key == null ? "?" : e.key;
            throw Problem.invalid("variables." + key, what + " uses {{" + key + "}} in its " + part.field
                    + ", but 'variables' does not supply '" + key + "'");
        } catch (MustacheException e) {
            throw Problem.invalid("variables", what + " cannot be rendered: " + e.getMessage());
        }
    }
}
