package dev.herald.signing;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/** The one registry of signature schemes. */
public final class Signers {
    public static final String DEFAULT = "sha256-hex";
    private static final Map<String, SignatureScheme> SCHEMES = List.of(
                    new Sha256HexScheme(), new StandardWebhooksScheme(), new TimestampedScheme())
            .stream().collect(Collectors.toUnmodifiableMap(SignatureScheme::name, Function.identity()));

    private Signers() {}

    public static Optional<SignatureScheme> find(String name) {
        return Optional.ofNullable(SCHEMES.get(name));
    }

    public static SignatureScheme get(String name) {
        return find(name).orElseThrow(() -> new IllegalArgumentException("unknown signature scheme " + name));
    }

    public static List<String> names() {
        return SCHEMES.keySet().stream().sorted().toList();
    }
}
