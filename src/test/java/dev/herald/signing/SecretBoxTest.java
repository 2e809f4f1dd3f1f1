package dev.herald.signing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.herald.config.ConfigException;
import dev.herald.webhooks.Webhook;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Set;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SecretBoxTest {
    static final byte[] KEY = new byte[32];

    static {
        for (int i = 0; i < 32; i++) KEY[i] = (byte) i;
    }

    static final String CONTEXT = "webhook:0195a1b2-0000-7000-8000-000000000001";
    final SecretBox box = new SecretBox(KEY);

    static byte[] raw(String sealed) {
        assertThat(sealed).startsWith("v1.");
        return Base64.getDecoder().decode(sealed.substring(3));
    }

    static String pack(byte[] raw) {
        return "v1." + Base64.getEncoder().encodeToString(raw);
    }

    // ---- fingerprints (shown on the review page instead of secrets)

    @Test
    void aFingerprintChangesWithTheSecretItsContextAndTheKeyAndIsNotAPlainHash() {
        String f = box.fingerprint("your-signing-secret", "connection:a");
        assertThat(f).hasSize(32).matches("[0-9a-f]+").isEqualTo(new SecretBox(KEY).fingerprint("your-signing-secret", "connection:a"));
        assertThat(box.fingerprint("your-signing-secret2", "connection:a")).isNotEqualTo(f);
        assertThat(box.fingerprint("your-signing-secret", "connection:b")).isNotEqualTo(f);
        byte[] other = KEY.clone();
        other[0] ^= 1;
        assertThat(new SecretBox(other).fingerprint("your-signing-secret", "connection:a")).as("keyed by the master key").isNotEqualTo(f);
        assertThat(dev.herald.util.Hashes.sha256Hex("your-signing-secret")).doesNotStartWith(f);
    }

    // ---- round trip

    @ParameterizedTest
    @ValueSource(strings = {"whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", "", "x", "caf\u00e9 \u2713 \ud83d\ude80", "a\u0000b\r\n"})
    void whatIsSealedOpensToTheSameText(String plaintext) {
        String sealed = box.seal(plaintext, CONTEXT);
        assertThat(box.open(sealed, CONTEXT)).isEqualTo(plaintext);
        assertThat(new SecretBox(KEY.clone()).open(sealed, CONTEXT)).isEqualTo(plaintext);
    }

    @Test
    void aLongSecretRoundTrips() {
        String plaintext = "s".repeat(100_000);
        assertThat(box.open(box.seal(plaintext, CONTEXT), CONTEXT)).isEqualTo(plaintext);
    }

    @Test
    void theStoredFormIsNonceThenCiphertextAndTagAndHidesThePlaintext() throws Exception {
        String plaintext = "whsec_secret-value";
        String sealed = box.seal(plaintext, CONTEXT);
        assertThat(sealed).startsWith("v1.").doesNotContain(plaintext).doesNotContain("secret");
        byte[] raw = raw(sealed);
        assertThat(raw).hasSize(12 + plaintext.length() + 16);
        // Decrypt with the JDK directly: AES-256-GCM, 96-bit nonce first, 128-bit tag, the context as associated data.
        Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
        c.init(Cipher.DECRYPT_MODE, new SecretKeySpec(KEY, "AES"), new GCMParameterSpec(128, raw, 0, 12));
        c.updateAAD(CONTEXT.getBytes(StandardCharsets.UTF_8));
        assertThat(new String(c.doFinal(raw, 12, raw.length - 12), StandardCharsets.UTF_8)).isEqualTo(plaintext);
    }

    @Test
    void twoSealsOfTheSameTextDifferByAFreshNonce() {
        Set<String> sealed = new HashSet<>();
        Set<String> nonces = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            String s = box.seal("whsec_same", CONTEXT);
            sealed.add(s);
            nonces.add(HexFormat.of().formatHex(Arrays.copyOf(raw(s), 12)));
        }
        assertThat(sealed).hasSize(200);
        assertThat(nonces).hasSize(200);
    }

    // ---- failures

    @Test
    void aDifferentContextDoesNotOpen() {
        String sealed = box.seal("whsec_abc", "webhook:1");
        assertThatThrownBy(() -> box.open(sealed, "webhook:2")).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> box.open(sealed, "")).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> box.open(sealed, "webhook:1 ")).isInstanceOf(IllegalStateException.class);
        assertThat(box.open(sealed, "webhook:1")).isEqualTo("whsec_abc");
    }

    @Test
    void aDifferentKeyDoesNotOpen() {
        String sealed = box.seal("whsec_abc", CONTEXT);
        for (int i = 0; i < 32; i++) {
            byte[] other = KEY.clone();
            other[i] ^= 0x01;
            SecretBox wrong = new SecretBox(other);
            assertThatThrownBy(() -> wrong.open(sealed, CONTEXT)).as("key byte %d flipped", i).isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void flippingAnyBitOfNonceCiphertextOrTagIsDetected() {
        String sealed = box.seal("whsec_abc", CONTEXT);
        byte[] raw = raw(sealed);
        for (int i = 0; i < raw.length; i++) {
            for (int bit = 0; bit < 8; bit += 7) {
                byte[] tampered = raw.clone();
                tampered[i] ^= (byte) (1 << bit);
                String t = pack(tampered);
                assertThatThrownBy(() -> box.open(t, CONTEXT)).as("byte %d bit %d", i, bit).isInstanceOf(IllegalStateException.class);
            }
        }
    }

    @Test
    void aCiphertextMovedToAnotherRowDoesNotOpen() {
        String sealedForOne = box.seal("whsec_one", Webhook.secretContext("0195a1b2-0000-7000-8000-000000000001"));
        assertThatThrownBy(() -> box.open(sealedForOne, Webhook.secretContext("0195a1b2-0000-7000-8000-000000000002")))
                .isInstanceOf(IllegalStateException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"whsec_plain", "v2.AAAA", "V1.AAAA"})
    void valuesThatAreNotSealedAreRefused(String value) {
        assertThatThrownBy(() -> box.open(value, CONTEXT)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void nullIsNotASealedValue() {
        assertThatThrownBy(() -> box.open(null, CONTEXT)).isInstanceOf(IllegalStateException.class);
    }

    /**
     * SecretBox.open documents that "a wrong key, wrong context or tampered value fails with
     * IllegalStateException (never returns garbage)". A value cut short is a tampered value too, however
     * short: the sealed value is 12 nonce bytes + 9 ciphertext bytes + 16 tag bytes = 37 bytes here.
     */
    @ParameterizedTest(name = "cut to {0} bytes")
    @ValueSource(ints = {0, 1, 8, 11, 12, 13, 20, 28, 36})
    void aTruncatedValueFailsLikeAnyOtherTampering(int length) {
        byte[] raw = raw(box.seal("whsec_abc", CONTEXT));
        assertThat(raw).hasSize(37);
        String truncated = pack(Arrays.copyOf(raw, length));
        assertThatThrownBy(() -> box.open(truncated, CONTEXT)).isInstanceOf(IllegalStateException.class);
    }

    /** Same contract: a stored value whose base64 was damaged is tampered, and must fail with IllegalStateException. */
    @ParameterizedTest
    @ValueSource(strings = {"v1.!!not-base64!!", "v1.AAAA AAAA", "v1.AAAAA"})
    void aValueWithDamagedBase64FailsLikeAnyOtherTampering(String value) {
        assertThatThrownBy(() -> box.open(value, CONTEXT)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void theKeyMustBe32BytesAndIsCopied() {
        assertThatThrownBy(() -> new SecretBox(new byte[16])).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SecretBox(new byte[31])).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SecretBox(new byte[33])).isInstanceOf(IllegalArgumentException.class);
        byte[] key = KEY.clone();
        SecretBox b = new SecretBox(key);
        String sealed = b.seal("whsec_abc", CONTEXT);
        Arrays.fill(key, (byte) 0);
        assertThat(b.open(sealed, CONTEXT)).isEqualTo("whsec_abc");
    }

    // ---- MasterKey.decode

    @Test
    void masterKeysAreBase64Of32Bytes() {
        assertThat(MasterKey.decode(Base64.getEncoder().encodeToString(KEY))).isEqualTo(KEY);
        byte[] random = new byte[32];
        new java.security.SecureRandom().nextBytes(random);
        assertThat(MasterKey.decode(Base64.getEncoder().encodeToString(random))).isEqualTo(random);
    }

    @Test
    void masterKeysAreHexOf32BytesInEitherCase() {
        String hex = HexFormat.of().formatHex(KEY);
        assertThat(hex).hasSize(64);
        assertThat(MasterKey.decode(hex)).isEqualTo(KEY);
        assertThat(MasterKey.decode(hex.toUpperCase(java.util.Locale.ROOT))).isEqualTo(KEY);
        byte[] ff = new byte[32];
        Arrays.fill(ff, (byte) 0xab);
        assertThat(MasterKey.decode(HexFormat.of().formatHex(ff))).isEqualTo(ff);
    }

    @ParameterizedTest(name = "{0} bytes")
    @ValueSource(ints = {0, 1, 16, 24, 31, 33, 48, 64})
    void masterKeysOfAnyOtherLengthAreRejected(int length) {
        byte[] key = new byte[length];
        Arrays.fill(key, (byte) 7);
        String b64 = Base64.getEncoder().encodeToString(key);
        assertThatThrownBy(() -> MasterKey.decode(b64))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.key()).isEqualTo("HERALD_MASTER_KEY"));
        String hex = HexFormat.of().formatHex(key);
        assertThatThrownBy(() -> MasterKey.decode(hex))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.key()).isEqualTo("HERALD_MASTER_KEY"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"not base64!", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=!", "zz" + "00000000000000000000000000000000000000000000000000000000000000"})
    void malformedMasterKeysAreRejectedWithoutEchoingThem(String text) {
        assertThatThrownBy(() -> MasterKey.decode(text))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.key()).isEqualTo("HERALD_MASTER_KEY"))
                .message().doesNotContain(text);
    }
}
