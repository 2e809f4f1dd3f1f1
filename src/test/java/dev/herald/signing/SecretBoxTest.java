package dev.herald.signing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.herald.config.ConfigException;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class SecretBoxTest {
    static final byte[] KEY = new byte[32];
    static {
        for (int i = 0; i < 32; i++) KEY[i] = (byte) i;
    }

    @Test
    void sealedSecretsOpenOnlyWithTheSameKeyAndContext() {
        SecretBox box = new SecretBox(KEY);
        String sealed = box.seal("whsec_abc", "webhook:1");
        assertThat(sealed).startsWith("v1.").doesNotContain("whsec_abc");
        assertThat(box.open(sealed, "webhook:1")).isEqualTo("whsec_abc");
        assertThat(box.seal("whsec_abc", "webhook:1")).isNotEqualTo(sealed);
        assertThatThrownBy(() -> box.open(sealed, "webhook:2")).isInstanceOf(IllegalStateException.class);
        byte[] other = KEY.clone();
        other[0] ^= 1;
        assertThatThrownBy(() -> new SecretBox(other).open(sealed, "webhook:1")).isInstanceOf(IllegalStateException.class);
        byte[] raw = Base64.getDecoder().decode(sealed.substring(3));
        raw[raw.length - 1] ^= 1;
        String tampered = "v1." + Base64.getEncoder().encodeToString(raw);
        assertThatThrownBy(() -> box.open(tampered, "webhook:1")).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void masterKeysAreBase64OrHexOf32Bytes() {
        assertThat(MasterKey.decode(Base64.getEncoder().encodeToString(KEY))).isEqualTo(KEY);
        assertThat(MasterKey.decode(java.util.HexFormat.of().formatHex(KEY))).isEqualTo(KEY);
        assertThatThrownBy(() -> MasterKey.decode(Base64.getEncoder().encodeToString(new byte[16])))
                .isInstanceOf(ConfigException.class).hasMessageContaining("HERALD_MASTER_KEY");
        assertThatThrownBy(() -> MasterKey.decode("not base64!")).isInstanceOf(ConfigException.class);
    }
}
