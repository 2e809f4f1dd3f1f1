package dev.herald.config;

import java.util.function.Function;

/**
 * One documented setting: its environment/properties key, an optional command-line flag, the default
 * (as text, exactly as documented) and a description. {@code docs/configuration.md} lists every one;
 * a test keeps the two in step.
 */
public record Setting(String key, String flag, String defaultValue, String description, boolean secret) {

    /** Parses the raw text with {@code parser}; a failure becomes a {@link ConfigException} naming this key. */
    public <T> T parse(String raw, Function<String, T> parser) {
        try {
            return parser.apply(raw.trim());
        } catch (ConfigException e) {
            throw e;
        } catch (RuntimeException e) {
            if (secret) {
                // The parser's message may quote the input (Path.of does): keep it only when it does not.
                String m = e.getMessage();
                String detail = m == null || m.contains(raw.trim()) || m.contains(raw) ? "not accepted" : m;
                throw new ConfigException(key, "invalid value (secret value): " + detail);
            }
            throw new ConfigException(key, "invalid value '" + raw + "': " + e.getMessage());
        }
    }
}
