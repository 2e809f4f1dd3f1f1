package dev.herald.templates;

import com.samskivert.mustache.BasicCollector;
import com.samskivert.mustache.Mustache;
import com.samskivert.mustache.MustacheException;
import com.samskivert.mustache.Template;
import dev.herald.util.Problem;
import java.io.Writer;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * {@code {{variable}}} templates (JMustache). Values are HTML-escaped in {@code html} and inserted as
 * they are in {@code subject} and {@code text}. Rendering is strict: a variable or section the caller
 * did not supply fails the whole email with a 400 naming it, so nothing is sent half-rendered.
 * Templates see only the caller's JSON values (maps, lists, strings): no Java methods are reachable
 * from a template, and partials ({@code {{> name}}}) are refused.
 *
 * <p>Hazard: a template's output is not bounded by its size. Sections over a list repeat their body
 * once per item, and nested ones multiply: 26 nested sections over a two-item list are 2^26 repeats
 * from 400 bytes. Every render therefore runs on a budget of output and steps, checked as it goes
 * ({@link #render}), and sections may nest only {@link #MAX_SECTION_NESTING} deep.
 */
public final class Templates {
    public static final int MAX_SUBJECT = 1000;
    /** The most characters one rendered body ({@code text} or {@code html}) may have. */
    public static final int MAX_RENDERED_CHARS = 1_048_576;
    /**
     * The most work rendering one part may do: one step per variable lookup, per piece of output and per
     * list item (more for a list whose body has sections on {@code .} or {@code -first}, which look nothing up).
     */
    public static final int MAX_RENDER_STEPS = 1_000_000;
    /** How deeply sections ({@code {{#a}}}, {@code {{^a}}}, blocks) may nest in one template. */
    public static final int MAX_SECTION_NESTING = 32;

    /** The budget of the part being rendered on this thread (rendering is synchronous); none outside {@link #render}. */
    private static final ThreadLocal<Budget> BUDGET = new ThreadLocal<>();

    /**
     * Reads only maps, lists and the scalars they hold (no reflection, so no Java methods), and charges
     * every lookup and every list item to the {@link Budget} of the render under way, so a template that
     * would loop or look up without end stops as soon as it is over budget, not after.
     */
    private static final Mustache.Collector JSON_ONLY = new BasicCollector() {
        @Override
        public <K, V> Map<K, V> createFetcherCache() {
            return new ConcurrentHashMap<>();
        }

        @Override
        public Iterator<?> toIterator(Object value) {
            Iterator<?> it = super.toIterator(value);
            Budget b = BUDGET.get();
            if (it == null || b == null) return it;
            return new Iterator<Object>() {
                @Override public boolean hasNext() {
                    return it.hasNext();
                }
                @Override public Object next() {
                    b.step(b.perItem);
                    return it.next();
                }
            };
        }

        @Override
        public Mustache.VariableFetcher createFetcher(Object ctx, String name) {
            Mustache.VariableFetcher f = super.createFetcher(ctx, name);
            return (c, n) -> {
                Budget b = BUDGET.get();
                if (b != null) b.step(1);
                return f == null ? Template.NO_FETCHER_FOUND : f.get(c, n);
            };
        }
    };
    private static final Mustache.Compiler PLAIN = Mustache.compiler().escapeHTML(false).strictSections(true).emptyStringIsFalse(true)
            .withCollector(JSON_ONLY);
    private static final Mustache.Compiler HTML = PLAIN.escapeHTML(true);
    /** JSON: every {{value}} is escaped for the inside of a JSON string; absent values render empty (mail documents omit empty fields). */
    private static final Mustache.Compiler JSON = Mustache.compiler().withEscaper(Templates::jsonEscape).strictSections(false).defaultValue("")
            .emptyStringIsFalse(true).withCollector(JSON_ONLY);
    /** What would insert a value unescaped (or change the delimiters to hide that) in a JSON template. */
    private static final java.util.regex.Pattern UNESCAPED = java.util.regex.Pattern.compile("\\{\\{\\s*[{&=]");

    private Templates() {}

    /** Which body a template renders; {@code html} escapes values. */
    public enum Part {
        SUBJECT("subject", false, MAX_SUBJECT), TEXT("text", false, MAX_RENDERED_CHARS), HTML_BODY("html", true, MAX_RENDERED_CHARS),
        /** A JSON document (inbound mail's custom_json mapper): values are JSON-string-escaped, missing ones are empty. */
        JSON("template", false, MAX_RENDERED_CHARS);

        final String field;
        final boolean escape;
        final int maxChars;

        Part(String field, boolean escape, int maxChars) {
            this.field = field;
            this.escape = escape;
            this.maxChars = maxChars;
        }

        public String field() {
            return field;
        }
    }

    /**
     * A compiled template and how many of its sections look nothing up (on {@code .}, {@code this},
     * {@code -first}, {@code -last}, {@code -index}, and blocks): each list item is charged for those.
     */
    public record Compiled(Template template, int blindSections) {}

    /**
     * Compiled templates by part and source (compiled templates are thread-safe), so a template is not
     * parsed again for every email. Only sources up to 32 KiB are kept, at most 1000 of them (the map is
     * cleared when full): at most about 32 MiB.
     */
    private static final Map<String, Compiled> COMPILED = new ConcurrentHashMap<>();
    private static final int MAX_CACHED = 1000;
    private static final int MAX_CACHED_CHARS = 32 * 1024;

    /** Compiles {@code source} (or reuses a compiled copy); a syntax error is a 400 naming {@code fieldPath}. */
    public static Compiled compile(Part part, String source, String fieldPath) {
        String key = part.name() + '\u0000' + source;
        Compiled cached = COMPILED.get(key);
        if (cached != null) return cached;
        Compiled t = compileNew(part, source, fieldPath);
        if (source.length() <= MAX_CACHED_CHARS) {
            if (COMPILED.size() >= MAX_CACHED) COMPILED.clear();
            COMPILED.put(key, t);
        }
        return t;
    }

    private static Compiled compileNew(Part part, String source, String fieldPath) {
        Template t;
        try {
            if (part == Part.JSON && UNESCAPED.matcher(source).find()) {
                throw Problem.invalid(fieldPath, "'" + fieldPath + "' inserts a value unescaped ({{{x}}}, {{&x}}) or changes delimiters; "
                        + "in a JSON template every value is escaped: use {{x}} inside a JSON string");
            }
            t = (part == Part.JSON ? JSON : part.escape ? HTML : PLAIN).compile(source);
        } catch (MustacheException e) {
            throw Problem.invalid(fieldPath, "'" + fieldPath + "' is not a valid template: " + e.getMessage());
        }
        Set<String> refused = new LinkedHashSet<>();
        Nesting nesting = new Nesting();
        int[] blind = {0};
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
            @Override public boolean visitBlock(String name) {
                blind[0]++;
                return nesting.enter();
            }
            @Override public boolean visitSection(String name) {
                if (looksNothingUp(name)) blind[0]++;
                return nesting.enter();
            }
            @Override public boolean visitInvertedSection(String name) {
                if (looksNothingUp(name)) blind[0]++;
                return nesting.enter();
            }
        });
        if (!refused.isEmpty()) {
            throw Problem.invalid(fieldPath, "'" + fieldPath + "' includes another template ({{> " + refused.iterator().next()
                    + "}}); partials are not supported");
        }
        if (nesting.tooDeep) {
            throw Problem.invalid(fieldPath, "'" + fieldPath + "' nests sections more than " + MAX_SECTION_NESTING + " deep");
        }
        return new Compiled(t, blind[0]);
    }

    /** {@code s} escaped for the inside of a JSON string (quotes, backslash, control characters, and U+2028/U+2029). */
    static String jsonEscape(String s) {
        StringBuilder b = new StringBuilder(s.length() + 8);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20 || c == '\u2028' || c == '\u2029') b.append(String.format("\\u%04x", (int) c));
                    else b.append(c);
                }
            }
        }
        return b.toString();
    }

    private static boolean looksNothingUp(String name) {
        return name.equals(".") || name.equals("this") || name.equals("-first") || name.equals("-last") || name.equals("-index");
    }

    /**
     * How deeply the visitor is inside sections. JMustache's visitor says where a section starts but not
     * where it ends; it visits a section's contents by recursion, one stack frame per level, so the depth
     * of the stack relative to the first section (always at the top level) is the nesting level. Contents
     * deeper than the limit are not visited, so a template nested thousands deep cannot overflow the stack
     * here or, refused, when it is rendered.
     */
    private static final class Nesting {
        private static final StackWalker WALKER = StackWalker.getInstance();
        long top = -1;
        boolean tooDeep;

        boolean enter() {
            long depth = WALKER.walk(Stream::count);
            if (top < 0) top = depth;
            if (depth - top + 1 > MAX_SECTION_NESTING) {
                tooDeep = true;
                return false;
            }
            return true;
        }
    }

    /** The top-level names a template reads (variables and sections), in order of appearance. */
    public static Set<String> variables(Compiled c) {
        Set<String> names = new LinkedHashSet<>();
        c.template().visit(new Mustache.Visitor() {
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
     * Renders one part with {@code variables}, within the part's budget: at most {@link #MAX_SUBJECT}
     * characters for a subject and {@link #MAX_RENDERED_CHARS} for a body, and {@link #MAX_RENDER_STEPS}
     * steps. Rendering stops the moment either is exceeded (a few hundred bytes of template and variables
     * can ask for gigabytes). A missing variable is a 400 naming {@code variables.<name>}; {@code what}
     * says whose template it is ("template 'user_invited'"), {@code field} which request field is refused
     * when the budget runs out ({@code template}, or the inline part's field).
     */
    public static String render(Part part, Compiled c, Map<String, Object> variables, String what, String field) {
        Budget budget = new Budget(part.maxChars, 1 + c.blindSections());
        BoundedWriter out = new BoundedWriter(budget);
        BUDGET.set(budget);
        try {
            c.template().execute(variables, out);
            return out.toString();
        } catch (MustacheException.Context e) {
            overBudget(e, part, what, field);
            String key = e.key == null ? "?" : e.key;
            throw Problem.invalid("variables." + key, what + " uses {{" + key + "}} in its " + part.field
                    + ", but 'variables' does not supply '" + key + "'");
        } catch (MustacheException e) {
            overBudget(e, part, what, field);
            throw Problem.invalid("variables", what + " cannot be rendered: " + e.getMessage());
        } catch (OverBudget e) {
            overBudget(e, part, what, field);
            throw e;
        } finally {
            BUDGET.remove();
        }
    }

    /** Throws the refusal when {@code e} (or what caused it: JMustache wraps a lookup's failure) is the budget running out. */
    private static void overBudget(RuntimeException e, Part part, String what, String field) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (!(t instanceof OverBudget o)) continue;
            if (o.output && part == Part.SUBJECT) {
                throw Problem.invalid(field, "the rendered subject of " + what + " is longer than " + MAX_SUBJECT + " characters");
            }
            String limit = o.output ? "more than " + part.maxChars + " characters" : "more than " + MAX_RENDER_STEPS + " steps (lookups, output and list items)";
            throw new Problem(Problem.Kind.UNPROCESSABLE, "render_limit_exceeded", what + " with these variables renders its " + part.field + " to "
                    + limit + "; Herald stopped rendering it and stored nothing. Send fewer or shorter list items, or less nesting", field);
        }
    }

    /** What one part may still produce and do; charged by the collector (lookups, list items) and the writer (output). */
    private static final class Budget {
        final int maxChars;
        final int perItem;
        long chars;
        long steps;

        Budget(int maxChars, int perItem) {
            this.maxChars = maxChars;
            this.perItem = perItem;
        }

        void step(int n) {
            steps += n;
            if (steps > MAX_RENDER_STEPS) throw new OverBudget(false);
        }

        void output(int n) {
            step(1);
            chars += n;
            if (chars > maxChars) throw new OverBudget(true);
        }
    }

    /** The budget ran out: output ({@code output}) or steps. */
    private static final class OverBudget extends RuntimeException {
        final boolean output;

        OverBudget(boolean output) {
            super(null, null, false, false);
            this.output = output;
        }
    }

    /** Collects the output, charging it to the budget before it is kept. */
    private static final class BoundedWriter extends Writer {
        private final StringBuilder b = new StringBuilder();
        private final Budget budget;

        BoundedWriter(Budget budget) {
            this.budget = budget;
        }

        @Override
        public void write(char[] c, int off, int len) {
            budget.output(len);
            b.append(c, off, len);
        }

        @Override
        public void write(String s, int off, int len) {
            budget.output(len);
            b.append(s, off, off + len);
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}

        @Override
        public String toString() {
            return b.toString();
        }
    }
}
