package dev.herald.ui;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.support.Api;
import dev.herald.support.TestHerald;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The review page's protective headers are exactly the ones docs/security.md promises (the docs once
 * listed only {@code default-src 'none'} while the page sent a longer policy).
 */
class ReviewPageHeadersTest {
    @Test
    void theReviewPageSendsTheHeadersTheSecurityModelDocuments() throws Exception {
        String doc = Files.readString(Path.of("docs/security.md")).replaceAll("\\s+", " ");
        try (TestHerald herald = TestHerald.start()) {
            Api.Res page = new Api(herald.port(), null).get("/review/sign-in");
            assertThat(page.status()).isEqualTo(200);
            for (String name : List.of("Content-Security-Policy", "X-Frame-Options", "Referrer-Policy", "Cache-Control")) {
                String value = page.header(name);
                assertThat(value).as(name).isNotBlank();
                assertThat(doc).as("docs/security.md documents " + name + " exactly as sent").contains("`" + name + ": " + value + "`");
            }
        }
    }
}
