package dev.herald.mail;

import dev.herald.util.Json;
import tools.jackson.databind.node.ObjectNode;

/** A generic document with every field filled: custom_json templates are proven against it when a route is saved. */
final class SampleMail {
    private static final String DOCUMENT = """
            {"id":"0192f000-0000-7000-8000-000000000000","message_id":"<sample@example.com>","received_at":"2026-01-01T00:00:00Z",
             "date":"2026-01-01T00:00:00Z","subject":"Re: \\"Quotes\\" and a backslash \\\\ in a subject",
             "from":{"address":"alice@example.com","name":"Alice \\"A\\" Example"},
             "to":[{"address":"support@example.com","name":"Support"},{"address":"team@example.com"}],
             "cc":[{"address":"carol@example.com"}],"reply_to":[{"address":"alice@example.com"}],
             "in_reply_to":"<previous@example.com>","references":["<first@example.com>","<previous@example.com>"],
             "headers":[{"name":"subject","value":"Re: sample"},{"name":"x-sample","value":"a\\tb"}],
             "body":{"text":"Line one\\nLine \\"two\\"\\n\\n> quoted","html":"<p>Line one</p>","reply_text":"Line one\\nLine \\"two\\"",
                     "attachments":[{"id":"0192f000-0000-7000-8000-000000000001","filename":"report.pdf","content_type":"application/pdf",
                                     "size":1234,"is_inline":false,"sha256":"059a0f5260487bbe663994de1fd641401fec76ac9f6bddfe5b53ae60d4bb2d86"}]},
             "envelope":{"mail_from":"alice@example.com","rcpt_to":["support@example.com"],"remote_address":"192.0.2.1","helo":"mail.example.com",
                         "tls":true,"transport":"smtp"},
             "flags":["auto_submitted"],"auto_submitted":"auto-replied"}
            """;

    private SampleMail() {}

    static ObjectNode document() {
        return (ObjectNode) Json.parse(DOCUMENT);
    }
}
