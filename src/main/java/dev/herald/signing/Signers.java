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

    /**
     * Verifies a Standard Webhooks request: {@code signatures} is the {@code webhook-signature} header
     * (space-separated {@code v1,<base64>} entries); true when one of them is the signature of {@code id},
     * {@code timestamp} and {@code body} under {@code secret}, compared in constant time.
     */
    public static boolean verifyStandardWebhooks(WebhookSecret secret, String id, long timestamp, String signatures, byte[] body) {
        String expected = get("standard-webhooks").sign(new SignatureScheme.Input(id, timestamp, body,
                new SignatureScheme.Keys(secret, null), "webhook-signature")).get("webhook-signature");
        boolean ok = false;
        for (String candidate : signatures.trim().split(" +")) ok |= Hmac.equal(expected, candidate);
        return ok;
    }

    public static List<String> names() {
        return SCHEMES.keySet().stream().sorted().toList();
    }
}
