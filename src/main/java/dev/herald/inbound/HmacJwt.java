package dev.herald.inbound;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jwt.JWT;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.JWTParser;
import com.nimbusds.jwt.SignedJWT;
import dev.herald.signing.Hmac;
import dev.herald.util.Hashes;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Locale;
import java.util.Set;

/**
 * HMAC-signed JWTs (MessageBird-Signature-JWT, Vonage's signed webhooks), verified with Nimbus JOSE+JWT.
 * The token's algorithm must be one the caller names: never {@code none} and never an asymmetric one,
 * which would let a forger pass the shared secret off as a public key. Only after the signature holds are
 * the claims handed back for the provider's own checks (times, hashes of the URL and the body).
 *
 * <p>Hazard: Nimbus refuses HMAC keys shorter than 256 bits; a shorter secret cannot verify anything and
 * is refused with that reason rather than checked some weaker way.
 */
final class HmacJwt {
    static final int MAX_TOKEN_CHARS = 8192;
    static final int MIN_KEY_BYTES = 32;

    private HmacJwt() {}

    /** The verified claims, or why the token was refused. */
    record Checked(JWTClaimsSet claims, String refusal) {
        static Checked refused(String why) {
            return new Checked(null, why);
        }
    }

    static Checked verify(String token, byte[] key, Set<JWSAlgorithm> allowed) {
        if (token == null || token.isBlank()) return Checked.refused("empty token");
        if (token.length() > MAX_TOKEN_CHARS) return Checked.refused("token longer than " + MAX_TOKEN_CHARS + " characters");
        JWT parsed;
        try {
            parsed = JWTParser.parse(token.trim());
        } catch (ParseException e) {
            return Checked.refused("not a JWT");
        }
        if (!(parsed instanceof SignedJWT jwt)) return Checked.refused("unsigned or encrypted JWTs are refused (alg " + shown(parsed.getHeader().getAlgorithm()) + ")");
        JWSAlgorithm alg = jwt.getHeader().getAlgorithm();
        if (!allowed.contains(alg)) return Checked.refused("JWT algorithm " + shown(alg) + " is not accepted");
        if (key.length < MIN_KEY_BYTES) return Checked.refused("the secret is shorter than 256 bits, too short to verify " + alg + " tokens");
        try {
            if (!jwt.verify(new MACVerifier(key))) return Checked.refused("signature mismatch");
            return new Checked(jwt.getJWTClaimsSet(), null);
        } catch (JOSEException | ParseException | IllegalStateException e) {
            return Checked.refused("signature mismatch");
        }
    }

    /** A value from an unverified request, as it may appear in a recorded reason and the log: short and plain, or not at all. */
    static String shown(Object value) {
        String s = String.valueOf(value);
        return s.matches("[A-Za-z0-9._+-]{1,32}") ? s : "(unprintable)";
    }

    /** A text claim, or null when absent; a claim of another type is treated as absent. */
    static String text(JWTClaimsSet claims, String name) {
        Object v = claims.getClaim(name);
        return v instanceof String s ? s : null;
    }

    /** Whether {@code claimed} (hex, either case) is the SHA-256 of {@code bytes}, compared in constant time. */
    static boolean sha256Matches(String claimed, byte[] bytes) {
        return claimed != null && Hmac.equal(Hashes.sha256Hex(bytes), claimed.toLowerCase(Locale.ROOT));
    }

    /** Whether an {@code nbf} lies more than {@code skew} after {@code now}: the token is not valid yet. */
    static boolean notYetValid(Date nbf, Instant now, Duration skew) {
        return nbf != null && nbf.toInstant().isAfter(now.plus(skew));
    }

    /** Whether an {@code exp} lies more than {@code skew} before {@code now}. */
    static boolean expired(Date exp, Instant now, Duration skew) {
        return exp != null && !exp.toInstant().isAfter(now.minus(skew));
    }
}
