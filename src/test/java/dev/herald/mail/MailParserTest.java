package dev.herald.mail;

import static dev.herald.mail.MailSchema.parse;
import static org.assertj.core.api.Assertions.assertThat;

import jakarta.activation.DataHandler;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import jakarta.mail.util.ByteArrayDataSource;
import java.io.ByteArrayOutputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MailParserTest {
    static byte[] crlf(String s) {
        return s.replace("\r\n", "\n").replace("\n", "\r\n").getBytes(StandardCharsets.UTF_8);
    }

    static byte[] bytes(MimeMessage m) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        m.saveChanges();
        m.writeTo(out);
        return out.toByteArray();
    }

    static MimeMessage message() throws Exception {
        MimeMessage m = new MimeMessage(Session.getInstance(new Properties()));
        m.setFrom(new InternetAddress("alice@example.com", "Alice"));
        m.setRecipients(Message.RecipientType.TO, "support@in.example");
        m.setSubject("Hello");
        return m;
    }

    static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    @Test
    void multipartAlternativeGivesTextAndHtmlBodiesAndNoParts() {
        ParsedMail m = parse(crlf("""
                From: "Alice Example" <Alice@Example.com>
                To: support@in.example
                Subject: Order 42
                Date: Tue, 3 Nov 2026 10:15:30 +0100
                Message-ID: <abc.123@mail.example.com>
                MIME-Version: 1.0
                Content-Type: multipart/alternative; boundary="b1"

                --b1
                Content-Type: text/plain; charset=utf-8
                Content-Transfer-Encoding: quoted-printable

                Caf=C3=A9 is open=
                 today.
                --b1
                Content-Type: text/html; charset=utf-8
                Content-Transfer-Encoding: base64

                %s
                --b1--
                """.formatted(Base64.getMimeEncoder().encodeToString("<p>Café is open today.</p>".getBytes(StandardCharsets.UTF_8)))));
        assertThat(m.text()).isEqualTo("Café is open today.");
        assertThat(m.html()).isEqualTo("<p>Café is open today.</p>");
        assertThat(m.replyText()).isEqualTo("Café is open today.");
        assertThat(m.parts()).isEmpty();
        assertThat(m.from()).isEqualTo(new ParsedMail.Mailbox("alice@example.com", "Alice Example"));
        assertThat(m.messageId()).isEqualTo("<abc.123@mail.example.com>");
        assertThat(m.messageIdSynthetic()).isFalse();
        assertThat(m.date()).isEqualTo(Instant.parse("2026-11-03T09:15:30Z"));
        assertThat(m.flags()).isEmpty();
    }

    @Test
    void encodedWordsInBAndQAndSeveralCharsetsAndRawUtf8AreDecoded() {
        ParsedMail m = parse(crlf("""
                From: =?ISO-8859-1?Q?Andr=E9_D=FCrr?= <andre@example.com>
                To: =?KOI8-R?B?%s?= <ivan@example.ru>, =?UTF-8?B?5bGx55Sw?= <yamada@example.jp>
                Cc: =?ISO-2022-JP?B?%s?= <sato@example.jp>, =?Shift_JIS?B?%s?= <suzuki@example.jp>
                Subject: =?UTF-8?B?SMOpbGxv?= =?UTF-8?Q?_w=C3=B6rld_=E2=82=AC?=
                X-Raw: Grüße aus Köln
                Message-ID: <1@x>

                body
                """.formatted(b64("Иван", "KOI8-R"), b64("佐藤", "ISO-2022-JP"), b64("鈴木", "Shift_JIS"))));
        assertThat(m.subject()).isEqualTo("Héllo wörld €");
        assertThat(m.from()).isEqualTo(new ParsedMail.Mailbox("andre@example.com", "André Dürr"));
        assertThat(m.to()).containsExactly(new ParsedMail.Mailbox("ivan@example.ru", "Иван"), new ParsedMail.Mailbox("yamada@example.jp", "山田"));
        assertThat(m.cc()).containsExactly(new ParsedMail.Mailbox("sato@example.jp", "佐藤"), new ParsedMail.Mailbox("suzuki@example.jp", "鈴木"));
        assertThat(m.headers()).contains(new ParsedMail.Header("x-raw", "Grüße aus Köln"), new ParsedMail.Header("subject", "Héllo wörld €"));
        assertThat(m.flags()).isEmpty();
    }

    static String b64(String s, String charset) {
        return Base64.getEncoder().encodeToString(s.getBytes(Charset.forName(charset)));
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"utf-8,8bit", "ISO-8859-1,quoted-printable", "windows-1252,quoted-printable", "KOI8-R,base64", "Shift_JIS,base64",
            "ISO-2022-JP,7bit", "EUC-KR,base64", "GB2312,base64", "ISO-8859-2,8bit"})
    void bodiesInDeclaredCharsetsAreDecoded(String charset, String cte) throws Exception {
        String text = switch (charset) {
            case "KOI8-R" -> "Привет, мир";
            case "Shift_JIS", "ISO-2022-JP" -> "こんにちは世界";
            case "EUC-KR" -> "안녕하세요";
            case "GB2312" -> "你好世界";
            case "ISO-8859-2" -> "Zażółć gęślą";
            case "windows-1252" -> "“smart quotes” – €5";
            default -> "Grüße, café";
        };
        MimeMessage msg = message();
        msg.setText(text + "\n", charset);
        msg.setHeader("Content-Transfer-Encoding", cte);
        ParsedMail m = parse(bytes(msg));
        assertThat(m.text()).isEqualTo(text + "\n");
        assertThat(m.flags()).doesNotContain("unknown_charset");
    }

    @Test
    void latin1DeclaredBodyWithWindows1252QuotesReadsAsWindows1252() {
        byte[] head = crlf("Message-ID: <1@x>\nContent-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: 8bit\n\n");
        byte[] body = "caf\u00e9 \u201cok\u201d".getBytes(Charset.forName("windows-1252"));
        ParsedMail m = parse(concat(head, body));
        assertThat(m.text()).isEqualTo("café “ok”");
    }

    @Test
    void unknownCharsetFallsBackAndIsFlagged() {
        ParsedMail m = parse(crlf("""
                Message-ID: <1@x>
                Subject: =?x-unknown?Q?caf=C3=A9?=
                Content-Type: text/plain; charset=x-klingon
                Content-Transfer-Encoding: 8bit

                café
                """));
        assertThat(m.text()).isEqualTo("café\n");
        assertThat(m.subject()).isEqualTo("café");
        assertThat(m.flags()).contains("unknown_charset");
    }

    @Test
    void inlineImageWithContentIdIsAnInlinePart() throws Exception {
        byte[] png = {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10, 0, 1, 2, 3};
        MimeMessage msg = message();
        MimeMultipart related = new MimeMultipart("related");
        MimeBodyPart html = new MimeBodyPart();
        html.setContent("<p>Logo: <img src=\"cid:logo123@example.com\"></p>", "text/html; charset=utf-8");
        related.addBodyPart(html);
        MimeBodyPart image = new MimeBodyPart();
        image.setDataHandler(new DataHandler(new ByteArrayDataSource(png, "image/png")));
        image.setContentID("<logo123@example.com>");
        image.setDisposition("inline");
        related.addBodyPart(image);
        msg.setContent(related);
        ParsedMail m = parse(bytes(msg));
        assertThat(m.html()).contains("cid:logo123@example.com");
        assertThat(m.replyText()).isEqualTo("Logo:");
        assertThat(m.parts()).singleElement().satisfies(p -> {
            assertThat(p.contentType()).isEqualTo("image/png");
            assertThat(p.inline()).isTrue();
            assertThat(p.contentId()).isEqualTo("logo123@example.com");
            assertThat(p.content()).isEqualTo(png);
            assertThat(p.filename()).isEqualTo("part-1.png");
        });
    }

    @Test
    void multiMegabyteAttachmentIsDecodedExactlyWithItsSha256() throws Exception {
        byte[] data = new byte[6 * 1024 * 1024 + 17];
        new Random(42).nextBytes(data);
        MimeMessage msg = message();
        MimeMultipart mixed = new MimeMultipart();
        MimeBodyPart text = new MimeBodyPart();
        text.setText("See attached.", "utf-8");
        mixed.addBodyPart(text);
        MimeBodyPart file = new MimeBodyPart();
        file.setDataHandler(new DataHandler(new ByteArrayDataSource(data, "application/pdf")));
        file.setFileName("Report 2026.pdf");
        mixed.addBodyPart(file);
        msg.setContent(mixed);
        ParsedMail m = parse(bytes(msg));
        assertThat(m.text()).isEqualTo("See attached.");
        ParsedMail.Part p = m.parts().get(0);
        assertThat(m.parts()).hasSize(1);
        assertThat(p.filename()).isEqualTo("Report 2026.pdf");
        assertThat(p.contentType()).isEqualTo("application/pdf");
        assertThat(p.inline()).isFalse();
        assertThat(p.size()).isEqualTo(data.length);
        assertThat(p.sha256()).isEqualTo(sha256(data));
        assertThat(p.content()).isEqualTo(data);
    }

    @Test
    void parsingStreamsAttachmentsWithoutManyCopies() throws Exception {
        byte[] data = new byte[20 * 1024 * 1024];
        new Random(7).nextBytes(data);
        byte[] raw = concat(crlf("""
                Message-ID: <big@x>
                Content-Type: multipart/mixed; boundary=zz

                --zz
                Content-Type: application/octet-stream; name=big.bin
                Content-Transfer-Encoding: base64

                """), Base64.getMimeEncoder().encode(data), crlf("\n--zz--\n"));
        var threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().threadId();
        long before = threads.getThreadAllocatedBytes(tid);
        ParsedMail m = MailParser.parse(raw);
        long allocated = threads.getThreadAllocatedBytes(tid) - before;
        assertThat(m.parts().get(0).sha256()).isEqualTo(sha256(data));
        // the chunks plus the one exact-size copy: about two sizes; never a copy of the whole raw message per layer
        assertThat(allocated).as("bytes allocated while parsing a 20 MiB attachment").isLessThan(3L * data.length);
    }

    @Test
    void attachedMessageIsOnePartNotParsedInto() {
        ParsedMail m = parse(crlf("""
                Message-ID: <outer@x>
                Subject: Fwd: inner
                Content-Type: multipart/mixed; boundary="outer"

                --outer
                Content-Type: text/plain

                Forwarding this.
                --outer
                Content-Type: message/rfc822
                Content-Disposition: attachment

                Message-ID: <inner@x>
                Subject: inner
                Content-Type: multipart/mixed; boundary="inner"

                --inner
                Content-Type: text/plain

                inner text
                --inner
                Content-Type: application/pdf; name="inner.pdf"

                %PDF
                --inner--

                --outer--
                """));
        assertThat(m.text()).isEqualTo("Forwarding this.");
        assertThat(m.messageId()).isEqualTo("<outer@x>");
        assertThat(m.parts()).singleElement().satisfies(p -> {
            assertThat(p.contentType()).isEqualTo("message/rfc822");
            assertThat(p.filename()).isEqualTo("part-1.eml");
            assertThat(new String(p.content(), StandardCharsets.UTF_8)).contains("Subject: inner", "inner.pdf", "--inner--");
        });
    }

    @Test
    void nestedMultipartsKeepMimeOrder() {
        ParsedMail m = parse(crlf("""
                Message-ID: <n@x>
                Content-Type: multipart/mixed; boundary=a

                --a
                Content-Type: multipart/alternative; boundary=b

                --b
                Content-Type: text/plain

                plain
                --b
                Content-Type: multipart/related; boundary=c

                --c
                Content-Type: text/html

                <b>html</b>
                --c
                Content-Type: image/gif
                Content-ID: <g1>
                Content-Transfer-Encoding: base64

                R0lGODlhAQABAAAAACw=
                --c--
                --b--
                --a
                Content-Type: text/csv; name="data.csv"
                Content-Disposition: attachment; filename="data.csv"

                a,b
                --a
                Content-Type: text/plain
                Content-Disposition: inline

                second text
                --a--
                """));
        assertThat(m.text()).isEqualTo("plain");
        assertThat(m.html()).isEqualTo("<b>html</b>");
        assertThat(m.parts()).extracting(ParsedMail.Part::filename).containsExactly("part-1.gif", "data.csv", "part-3.txt");
        assertThat(m.parts()).extracting(ParsedMail.Part::inline).containsExactly(true, false, true);
        assertThat(m.parts().get(0).contentId()).isEqualTo("g1");
    }

    @Test
    void missingClosingBoundaryKeepsTheContentAndFlags() {
        ParsedMail m = parse(crlf("""
                Message-ID: <t@x>
                Content-Type: multipart/mixed; boundary=q

                --q
                Content-Type: text/plain

                hello
                --q
                Content-Type: application/pdf; name=a.pdf
                Content-Transfer-Encoding: base64

                JVBERi0xLjQK
                """));
        assertThat(m.text()).isEqualTo("hello");
        assertThat(m.parts()).singleElement().satisfies(p -> assertThat(new String(p.content(), StandardCharsets.US_ASCII)).isEqualTo("%PDF-1.4\n"));
        assertThat(m.flags()).contains("malformed_mime", "truncated_part");
    }

    @Test
    void badBase64IsDecodedAsFarAsPossibleAndFlagged() {
        ParsedMail m = parse(crlf("""
                Message-ID: <b@x>
                Content-Type: application/octet-stream; name=x.bin
                Content-Transfer-Encoding: base64

                QUJD!!!REVG*
                """));
        assertThat(m.parts()).singleElement().satisfies(p -> assertThat(new String(p.content(), StandardCharsets.US_ASCII)).startsWith("ABCDEF"));
        assertThat(m.flags()).contains("invalid_transfer_encoding");
    }

    @Test
    void emptyInputAndGarbageAndHeaderOnlyNeverThrow() {
        ParsedMail empty = parse(new byte[0]);
        assertThat(empty.flags()).contains("malformed_mime", "missing_message_id");
        assertThat(empty.messageIdSynthetic()).isTrue();
        assertThat(MailParser.parse(null).messageId()).isEqualTo(empty.messageId());

        byte[] garbage = new byte[64 * 1024];
        new Random(3).nextBytes(garbage);
        ParsedMail g = parse(garbage);
        assertThat(g.flags()).contains("missing_message_id");

        ParsedMail headerOnly = parse("Subject: only headers\r\nMessage-ID: <h@x>".getBytes(StandardCharsets.US_ASCII));
        assertThat(headerOnly.subject()).isEqualTo("only headers");
        assertThat(headerOnly.flags()).containsExactly("no_body");

        ParsedMail noColon = parse(crlf("this is not a header\nMessage-ID: <c@x>\n\nbody\n"));
        assertThat(noColon.flags()).contains("invalid_header", "malformed_mime");
        assertThat(noColon.text()).isEqualTo("body\n");
    }

    @Test
    void eightBitLatin1HeadersAreReadAndFlagged() {
        byte[] raw = concat("Subject: caf".getBytes(StandardCharsets.US_ASCII), new byte[] {(byte) 0xe9},
                crlf("\nMessage-ID: <l@x>\n\nx\n"));
        ParsedMail m = parse(raw);
        assertThat(m.subject()).isEqualTo("café");
        assertThat(m.flags()).containsExactly("non_utf8_header");
    }

    @Test
    void absurdNestingStopsAtTheDepthLimit() {
        StringBuilder sb = new StringBuilder("Message-ID: <deep@x>\r\nContent-Type: multipart/mixed; boundary=d0\r\n\r\n");
        int levels = 5000;
        for (int i = 1; i <= levels; i++) sb.append("--d").append(i - 1).append("\r\nContent-Type: multipart/mixed; boundary=d").append(i).append("\r\n\r\n");
        sb.append("--d").append(levels).append("\r\nContent-Type: text/plain\r\n\r\ndeepest\r\n");
        for (int i = levels; i >= 0; i--) sb.append("--d").append(i).append("--\r\n");
        ParsedMail m = parse(sb.toString().getBytes(StandardCharsets.US_ASCII));
        assertThat(m.flags()).contains("too_deep");
        assertThat(m.text()).isNull();
    }

    @Test
    void tooManyPartsStopsTheParse() {
        StringBuilder sb = new StringBuilder("Message-ID: <many@x>\r\nContent-Type: multipart/mixed; boundary=m\r\n\r\n");
        for (int i = 0; i < 700; i++) sb.append("--m\r\nContent-Type: application/octet-stream\r\n\r\n").append(i).append("\r\n");
        sb.append("--m--\r\n");
        ParsedMail m = parse(sb.toString().getBytes(StandardCharsets.US_ASCII));
        assertThat(m.flags()).contains("too_many_parts");
        assertThat(m.parts()).hasSize(MailParser.MAX_PARTS);
    }

    @Test
    void tooManyHeadersAreCappedAndMultipartWithoutBoundaryIsText() {
        StringBuilder sb = new StringBuilder("Message-ID: <hh@x>\r\nContent-Type: multipart/mixed\r\n");
        for (int i = 0; i < 2500; i++) sb.append("X-H: ").append(i).append("\r\n");
        sb.append("\r\nbody\r\n");
        ParsedMail m = parse(sb.toString().getBytes(StandardCharsets.US_ASCII));
        assertThat(m.headers()).hasSize(MailParser.MAX_HEADERS);
        assertThat(m.flags()).contains("too_many_headers", "malformed_mime");
        assertThat(m.text()).isEqualTo("body\n");
    }

    @Test
    void megabyteLinesInHeadersAndBodiesAreHandled() {
        String longWord = "x".repeat(3 * 1024 * 1024);
        ParsedMail m = parse(crlf("Message-ID: <long@x>\nSubject: " + longWord + "\nX-Folded: a\n " + longWord + "\n\n" + longWord + "\n"));
        assertThat(m.subject()).hasSize(longWord.length());
        assertThat(m.text()).hasSize(longWord.length() + 1);
        assertThat(m.replyText()).hasSize(longWord.length());
        assertThat(m.flags()).isEmpty();
    }

    @Test
    void replyTextOfAHugeInlineReplyIsLinear() {
        String body = "On Mon, Bob wrote:\n> q\na\n".repeat(200_000);
        ParsedMail m = parse(crlf("Message-ID: <r@x>\n\n" + body));
        assertThat(m.replyText()).startsWith("a\na\n").hasSize(2 * 200_000 - 1);
    }

    @Test
    void hostileNestingInsideHeadersAndHtmlStaysBounded() {
        String comments = "(".repeat(100_000) + ")".repeat(100_000);
        String html = "<blockquote>".repeat(50_000) + "<p>x</p>".repeat(50_000);
        ParsedMail m = parse(crlf("Message-ID: <h@x>\nFrom: a@example.com " + comments + "\nDate: Mon, 2 Nov 2026 10:00:00 +0000 "
                + comments + "\nSubject: " + "=?".repeat(50_000) + "\nContent-Type: text/html\n\n" + html + "\n"));
        assertThat(m.replyText()).isEmpty();
        assertThat(HtmlText.toText(html)).hasSizeLessThan(50_000 * 20);

        // encoded words by the ten thousand, in invented charsets: each charset name is looked up once, within a budget
        StringBuilder words = new StringBuilder();
        for (int i = 0; i < 20_000; i++) words.append("=?cs").append(i).append("?Q?a?= ");
        ParsedMail w = parse(crlf("Message-ID: <w@x>\nSubject: " + words + "\nTo: " + "=?x?Q?a?= <a@b.example>, ".repeat(20_000)
                + "\nContent-Type: application/pdf; name=\"" + "=?".repeat(100_000) + "\"\n\nx\n"));
        assertThat(w.subject()).startsWith("aaa");
        assertThat(w.to()).containsExactly(new ParsedMail.Mailbox("a@b.example", "a"));
        assertThat(w.flags()).contains("unknown_charset");
        assertThat(w.parts()).singleElement().satisfies(p -> assertThat(p.filename()).startsWith("=?=?"));
    }

    @Test
    void missingMessageIdGetsADeterministicSyntheticOne() throws Exception {
        byte[] raw = crlf("From: a@example.com\nSubject: no id\n\nhello\n");
        ParsedMail m = parse(raw);
        assertThat(m.messageIdSynthetic()).isTrue();
        assertThat(m.messageId()).isEqualTo("<" + sha256(raw).substring(0, 32) + "@herald.invalid>");
        assertThat(MailParser.parse(raw.clone()).messageId()).isEqualTo(m.messageId());
        assertThat(m.flags()).containsExactly("missing_message_id");

        ParsedMail invalid = parse(crlf("Message-ID: not an id\n\nx\n"));
        assertThat(invalid.messageIdSynthetic()).isTrue();
        assertThat(invalid.flags()).containsExactly("invalid_message_id");
        assertThat(parse(crlf("Message-ID: bare@host.example\n\nx\n")).messageId()).isEqualTo("<bare@host.example>");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "Tue, 3 Nov 2026 10:15:30 +0100|2026-11-03T09:15:30Z",
            "3 Nov 26 10:15 EST|2026-11-03T15:15:00Z",
            "Tue, 03 Nov 2026 10:15:30 -0000 (UTC)|2026-11-03T10:15:30Z",
            "Tue,  3 Nov 2026 10:15:30.123 GMT|2026-11-03T10:15:30Z",
            "2026-11-03T10:15:30+02:00|2026-11-03T08:15:30Z"})
    void datesAreReadLeniently(String header, String expected) {
        ParsedMail m = parse(crlf("Message-ID: <d@x>\nDate: " + header + "\n\nx\n"));
        assertThat(m.date()).isEqualTo(Instant.parse(expected));
    }

    @Test
    void unreadableDateIsNullAndFlagged() {
        ParsedMail m = parse(crlf("Message-ID: <d@x>\nDate: the day after tomorrow\n\nx\n"));
        assertThat(m.date()).isNull();
        assertThat(m.flags()).containsExactly("invalid_date");
    }

    @Test
    void filenamesAreDecodedAndSanitized() {
        ParsedMail m = parse(crlf("""
                Message-ID: <f@x>
                Content-Type: multipart/mixed; boundary=f

                --f
                Content-Type: application/pdf
                Content-Disposition: attachment; filename*=UTF-8''na%C3%AFve%20r%C3%A9sum%C3%A9+v2.pdf

                a
                --f
                Content-Type: application/pdf
                Content-Disposition: attachment; filename*0*=utf-8''%E6%97%A5%E6%9C%AC; filename*1=".txt"

                b
                --f
                Content-Type: application/pdf; name="=?UTF-8?B?0L7RgtGH0ZHRgi5wZGY=?="

                c
                --f
                Content-Type: application/octet-stream
                Content-Disposition: attachment; filename="../../etc/pa\tss\\\\wd"

                d
                --f
                Content-Type: application/octet-stream
                Content-Disposition: attachment; filename=".."

                e
                --f--
                """));
        assertThat(m.parts()).extracting(ParsedMail.Part::filename)
                .containsExactly("naïve résumé+v2.pdf", "日本.txt", "отчёт.pdf", "wd", "part-5.bin");
    }

    @Test
    void autoSubmittedIsReportedUnlessNo() {
        ParsedMail auto = parse(crlf("Message-ID: <a@x>\nAuto-Submitted: Auto-Replied; owner-email=\"x@y\"\n\nout of office\n"));
        assertThat(auto.autoSubmitted()).isEqualTo("auto-replied");
        assertThat(auto.flags()).containsExactly("auto_submitted");
        ParsedMail no = parse(crlf("Message-ID: <a@x>\nAuto-Submitted: no\n\nhi\n"));
        assertThat(no.autoSubmitted()).isNull();
        assertThat(no.flags()).isEmpty();
    }

    @Test
    void headersAreUnfoldedLowerCasedAndInOrder() {
        ParsedMail m = parse(crlf("""
                Message-ID: <u@x>
                X-Long: first part
                \tsecond part
                   third part
                SUBJECT: a
                 b
                References: <r1@x>
                 <r2@x> <r1@x>
                In-Reply-To: <r2@x> (comment)

                x
                """));
        assertThat(m.headers()).containsExactly(new ParsedMail.Header("message-id", "<u@x>"),
                new ParsedMail.Header("x-long", "first part second part third part"), new ParsedMail.Header("subject", "a b"),
                new ParsedMail.Header("references", "<r1@x> <r2@x> <r1@x>"), new ParsedMail.Header("in-reply-to", "<r2@x> (comment)"));
        assertThat(m.subject()).isEqualTo("a b");
        assertThat(m.references()).containsExactly("<r1@x>", "<r2@x>");
        assertThat(m.inReplyTo()).isEqualTo("<r2@x>");
    }

    @Test
    void addressesAreLowerCasedSortedAndDeduplicated() {
        ParsedMail m = parse(crlf("""
                Message-ID: <s@x>
                To: Zed <ZED@Example.com>, amy@EXAMPLE.com, "Bob, Jr." <bob@example.com>
                To: amy@example.com, undisclosed-recipients:;
                Cc: team: Carol <carol@example.com>, dave@example.com;
                Reply-To: <Help@Example.com>

                x
                """));
        assertThat(m.to()).containsExactly(new ParsedMail.Mailbox("amy@example.com", null), new ParsedMail.Mailbox("bob@example.com", "Bob, Jr."),
                new ParsedMail.Mailbox("zed@example.com", "Zed"));
        assertThat(m.cc()).extracting(ParsedMail.Mailbox::address).containsExactly("carol@example.com", "dave@example.com");
        assertThat(m.replyTo()).containsExactly(new ParsedMail.Mailbox("help@example.com", null));
    }

    @Test
    void parsingIsDeterministic() throws Exception {
        MimeMessage msg = message();
        MimeMultipart mixed = new MimeMultipart();
        MimeBodyPart text = new MimeBodyPart();
        text.setText("Thanks!\n\nOn Mon, Nov 2, 2026 at 9:00 AM Bob <bob@example.com> wrote:\n> question?\n", "utf-8");
        mixed.addBodyPart(text);
        MimeBodyPart file = new MimeBodyPart();
        file.setDataHandler(new DataHandler(new ByteArrayDataSource(new byte[] {1, 2, 3}, "application/zip")));
        file.setFileName("a.zip");
        mixed.addBodyPart(file);
        msg.setContent(mixed);
        byte[] raw = bytes(msg);
        assertThat(MailSchema.document(parse(raw))).isEqualTo(MailSchema.document(parse(raw.clone())));
        assertThat(parse(raw).replyText()).isEqualTo("Thanks!");
    }

    @Test
    void randomMutationsOfARealMessageNeverThrowAndFinish() throws Exception {
        MimeMessage msg = message();
        MimeMultipart mixed = new MimeMultipart();
        MimeMultipart alt = new MimeMultipart("alternative");
        MimeBodyPart text = new MimeBodyPart();
        text.setText("Grüße, the plan is ready.\n\nOn Mon, Bob wrote:\n> plan?\n", "utf-8");
        alt.addBodyPart(text);
        MimeBodyPart html = new MimeBodyPart();
        html.setContent("<p>Grüße, the plan is <b>ready</b>.</p><blockquote>plan?</blockquote>", "text/html; charset=iso-8859-1");
        alt.addBodyPart(html);
        MimeBodyPart altPart = new MimeBodyPart();
        altPart.setContent(alt);
        mixed.addBodyPart(altPart);
        MimeBodyPart file = new MimeBodyPart();
        byte[] pdf = new byte[3000];
        new Random(1).nextBytes(pdf);
        file.setDataHandler(new DataHandler(new ByteArrayDataSource(pdf, "application/pdf")));
        file.setFileName("plän.pdf");
        mixed.addBodyPart(file);
        msg.setContent(mixed);
        msg.setSubject("Plän für Ärger", "utf-8");
        byte[] original = bytes(msg);

        Random random = new Random(20261129L);
        byte[] interesting = "\r\n-=?:;<>\"\\\t\u0000=?B?Q?--".getBytes(StandardCharsets.ISO_8859_1);
        for (int round = 0; round < 2000; round++) {
            byte[] b = original.clone();
            int edits = 1 + random.nextInt(20);
            for (int e = 0; e < edits; e++) {
                if (b.length == 0) break;
                int at = random.nextInt(b.length);
                switch (random.nextInt(5)) {
                    case 0 -> b[at] = (byte) random.nextInt(256);
                    case 1 -> b[at] = interesting[random.nextInt(interesting.length)];
                    case 2 -> b = java.util.Arrays.copyOf(b, Math.max(1, at)); // truncate
                    case 3 -> { // duplicate a slice
                        int len = Math.min(b.length - at, random.nextInt(200));
                        b = concat(java.util.Arrays.copyOf(b, at + len), java.util.Arrays.copyOfRange(b, at, b.length));
                    }
                    default -> { // delete a slice
                        int len = Math.min(b.length - at, random.nextInt(200));
                        b = concat(java.util.Arrays.copyOf(b, at), java.util.Arrays.copyOfRange(b, at + len, b.length));
                    }
                }
            }
            ParsedMail m = parse(b);
            assertThat(m).as("round %d", round).isNotNull();
        }
    }

    static byte[] concat(byte[]... arrays) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] a : arrays) out.writeBytes(a);
        return out.toByteArray();
    }

    static List<String> lines(String s) {
        return List.of(s.split("\n"));
    }
}
