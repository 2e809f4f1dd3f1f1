package dev.herald.mail;

import static org.assertj.core.api.Assertions.assertThat;

import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import dev.herald.util.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;

/** The published schema (docs/mail-generic.schema.json), loaded once, with format assertions on; and test documents. */
final class MailSchema {
    static final Path FILE = Path.of("docs/mail-generic.schema.json");
    static final Schema SCHEMA = load();
    static final Envelope ENVELOPE = new Envelope("Sender@Example.COM", List.of("b@in.example", "A@In.Example"), "192.0.2.7",
            "mx.example.net", true, "smtp");
    static final Instant RECEIVED = Instant.parse("2026-11-29T01:02:03.456Z");

    private MailSchema() {}

    private static Schema load() {
        try (InputStream in = Files.newInputStream(FILE)) {
            return SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12).getSchema(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<Error> errors(JsonNode doc) {
        return SCHEMA.validate(doc, ctx -> ctx.executionConfig(c -> c.formatAssertionsEnabled(true)));
    }

    static void assertValid(JsonNode doc) {
        assertThat(errors(doc)).as("schema errors for %s", doc).isEmpty();
    }

    /** The generic document of a parsed message with fixed ids, validated against the schema. */
    static byte[] document(ParsedMail m) {
        List<GenericJson.Attachment> attachments = new ArrayList<>();
        for (int i = 0; i < m.parts().size(); i++) {
            attachments.add(new GenericJson.Attachment(String.format("0190f0a0-0000-7000-8000-%012d", i), m.parts().get(i)));
        }
        var doc = GenericJson.document("0190f0a0-1111-7000-8000-000000000001", m, ENVELOPE, attachments, RECEIVED);
        assertValid(doc);
        byte[] bytes = GenericJson.bytes(doc);
        assertValid(Json.parse(bytes));
        return bytes;
    }

    /** Parses and checks the invariants every parse must keep, including a schema-valid document. */
    static ParsedMail parse(byte[] raw) {
        ParsedMail m = MailParser.parse(raw);
        assertThat(m.messageId()).startsWith("<").endsWith(">");
        assertThat(m.flags()).isSorted().doesNotHaveDuplicates();
        for (ParsedMail.Part p : m.parts()) {
            assertThat(p.sha256()).isEqualTo(dev.herald.util.Hashes.sha256Hex(p.content()));
            assertThat(p.filename()).isNotBlank().doesNotContain("/", "\\");
        }
        document(m);
        return m;
    }
}
