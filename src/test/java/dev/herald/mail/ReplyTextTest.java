package dev.herald.mail;

import static dev.herald.mail.MailParserTest.crlf;
import static dev.herald.mail.MailSchema.parse;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The reply text of real clients' replies, in text and in HTML-only mail. */
class ReplyTextTest {
    @Test
    void gmailAttributionWrappedOverTwoLinesAndItsQuoteAreStripped() {
        assertThat(ReplyText.strip("""
                Sounds good, ship it.

                Cheers,
                Ana

                On Mon, Nov 2, 2026 at 9:14 AM Bob Builder <bob.builder@example.com>
                wrote:

                > Can we release on Friday?
                >
                > Bob
                """)).isEqualTo("Sounds good, ship it.\n\nCheers,\nAna");
    }

    @Test
    void gmailSingleLineAttribution() {
        assertThat(ReplyText.strip("Yes.\n\nOn Mon, Nov 2, 2026 at 9:14 AM Bob <bob@example.com> wrote:\n> Friday?\n")).isEqualTo("Yes.");
    }

    @Test
    void outlookOriginalMessageAndHeaderBlockAreStripped() {
        assertThat(ReplyText.strip("""
                Approved.

                -----Original Message-----
                From: Bob <bob@example.com>
                Sent: Monday, November 2, 2026 9:14 AM
                To: Ana <ana@example.com>
                Subject: Budget

                Please approve.
                """)).isEqualTo("Approved.");
        assertThat(ReplyText.strip("""
                Approved.

                ________________________________
                From: Bob Builder <bob@example.com>
                Sent: Monday, November 2, 2026 09:14
                To: Ana
                Subject: Budget

                Please approve.
                """)).isEqualTo("Approved.");
        assertThat(ReplyText.strip("Approved.\n\n*From:* Bob\n*Sent:* Monday\n*To:* Ana\n\nPlease approve.")).isEqualTo("Approved.");
    }

    @Test
    void appleMailAttributionAndSentFromMyIphone() {
        assertThat(ReplyText.strip("""
                Works for me.

                Sent from my iPhone

                > On Nov 2, 2026, at 09:14, Bob Builder <bob@example.com> wrote:
                >
                > Does Friday work?
                """)).isEqualTo("Works for me.");
        assertThat(ReplyText.strip("""
                Works for me.

                On Nov 2, 2026, at 09:14, Bob Builder <bob@example.com> wrote:

                Does Friday work?
                """)).isEqualTo("Works for me.");
    }

    @Test
    void plainQuotingAndSignatureAreStrippedButInlineAnswersKept() {
        assertThat(ReplyText.strip("> old line\n> another\nnew text\n")).isEqualTo("new text");
        assertThat(ReplyText.strip("Thanks\n-- \nAna Example\nCEO\n")).isEqualTo("Thanks");
        assertThat(ReplyText.strip("""
                Bob wrote:
                > first question?
                first answer
                > second question?
                second answer
                """)).isEqualTo("first answer\nsecond answer");
    }

    @Test
    void htmlOnlyGmailReplyIsConvertedAndStripped() {
        ParsedMail m = parse(crlf("""
                Message-ID: <g@x>
                Content-Type: text/html; charset=utf-8

                <html><head><style>p{color:red}</style></head><body><div dir="ltr">Yes &amp; thanks!<br>Ana</div><br>
                <div class="gmail_quote"><div dir="ltr" class="gmail_attr">On Mon, Nov 2, 2026 at 9:14 AM Bob &lt;<a href="mailto:bob@example.com">bob@example.com</a>&gt; wrote:<br></div>
                <blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex">Can we?<br>Bob</blockquote></div></body></html>
                """));
        assertThat(m.text()).isNull();
        assertThat(m.replyText()).isEqualTo("Yes & thanks!\nAna");
    }

    @Test
    void htmlOnlyOutlookReplyIsStripped() {
        ParsedMail m = parse(crlf("""
                Message-ID: <o@x>
                Content-Type: text/html; charset=utf-8

                <html><body><div>Approved.</div><hr style="display:inline-block;width:98%"><div id="divRplyFwdMsg" dir="ltr"><font face="Calibri">
                <b>From:</b> Bob &lt;bob@example.com&gt;<br><b>Sent:</b> Monday, November 2, 2026 9:14 AM<br><b>To:</b> Ana<br><b>Subject:</b> Budget</font>
                <div>&nbsp;</div></div><div>Please approve.</div></body></html>
                """));
        assertThat(m.replyText()).isEqualTo("Approved.");
    }
}
