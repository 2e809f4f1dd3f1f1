package dev.herald.docs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.config.Setting;
import dev.herald.config.Settings;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Documentation is part of the feature: every setting is documented with its default. */
class DocsTest {
    @Test
    void everySettingIsInTheConfigurationReferenceWithItsDefault() throws Exception {
        String doc = Files.readString(Path.of("docs/configuration.md"));
        for (Setting s : Settings.ALL) {
            assertThat(doc).as("docs/configuration.md documents " + s.key()).contains(s.key());
            if (!s.defaultValue().isEmpty()) {
                String row = doc.lines().filter(l -> l.startsWith("| `" + s.key() + "`")).findFirst().orElseThrow();
                assertThat(row).as("the row of " + s.key() + " shows its default").contains(s.defaultValue());
            }
        }
    }

    @Test
    void theReadmeShowsTheTwoSetUpCommandsFirst() throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        int serve = readme.indexOf("./herald serve");
        int test = readme.indexOf("./herald test");
        assertThat(serve).isPositive();
        assertThat(test).isPositive();
        assertThat(readme.indexOf("```")).isLessThan(serve);
    }
}
