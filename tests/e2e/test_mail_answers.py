"""Answers by mail: the referent's reply in the thread of the approval request acts as the link
would; anyone else's "OK" does nothing and is told why; a forged or unauthenticated reply is
refused when the organisation's mail server says so. The replies are built as phone and desktop
clients send them (top-posted, HTML only, with the quoted original)."""

import email.utils
import hashlib
import html
import time
from email.message import EmailMessage

import harness
from harness import AGENT, REFERENT, SUBMISSION, Relais, RelaisTestCase, text_of

BACKUP = "suppleant@example.org"
TEXT = ("Samedi, la fête de quartier a réuni 300 habitants place du marché.\n"
        "Auteur : Jeanne Martin\nPersonnes : aucune personne identifiable\n")


def reply_to(original, sender, body, html_only=False, headers=None):
    """A reply as a mail client writes it: Re: subject, In-Reply-To and References, the new words
    on top and the original quoted below."""
    m = EmailMessage()
    m["From"] = sender
    m["To"] = SUBMISSION
    m["Subject"] = "Re: " + str(original["Subject"])
    m["Date"] = email.utils.formatdate(localtime=True)
    m["Message-ID"] = email.utils.make_msgid(domain="example.org")
    m["In-Reply-To"] = original["Message-ID"]
    refs = str(original.get("References", "")).split() + [str(original["Message-ID"])]
    m["References"] = " ".join(refs)
    for k, v in (headers or {}).items():
        m[k] = v
    quoted = text_of(original)
    if html_only:
        # What iOS Mail sends: the answer, the signature, then the original in a blockquote.
        m.set_content(
            f'<html><head><meta http-equiv="content-type" content="text/html; charset=utf-8">'
            f'</head><body dir="auto"><div dir="ltr">{html.escape(body)}</div><div dir="ltr">'
            f'<br><div dir="ltr">Envoyé de mon iPhone</div><div dir="ltr"><br><blockquote '
            f'type="cite">Le 24 nov. 2026 à 10:02, relais — publications '
            f'&lt;publications@example.org&gt; a écrit&nbsp;:<br><br></blockquote></div>'
            f'<blockquote type="cite"><div dir="ltr">{html.escape(quoted)}</div></blockquote>'
            f'</div></body></html>', subtype="html")
    else:
        m.set_content(body + "\n\nLe 24/11/2026 à 10:02, relais a écrit :\n" +
                      "".join("> " + line + "\n" for line in quoted.splitlines()))
    return m


class MailAnswers(RelaisTestCase):
    def request_mail(self):
        ref = self.submit(text=TEXT)
        self.relais.wait_state(ref, ["awaiting_approval"])
        return ref, self.relais.wait_mail(to=REFERENT, subject_has=ref)[-1]

    def answer(self, ref, to):
        return self.relais.wait_mail(to=to, subject_has="[" + ref + "] ")

    def test_referent_ok_from_a_phone_approves(self):
        r = self.relais
        ref, notification = self.request_mail()
        code, reply = r.send(reply_to(notification, REFERENT, "OK", html_only=True))
        self.assertEqual(code, 250, reply)
        self.assertIn("approve " + ref, reply)
        self.assertIn(r.wait_state(ref, ["scheduled", "publishing", "published"]),
                      ("scheduled", "publishing", "published"))
        # The decision is recorded as the referent's, from that mail.
        rows = r.query("SELECT actor, source FROM audit WHERE event = 'approve'")
        self.assertEqual(len(rows), 1)
        self.assertEqual(rows[0]["actor"], "referent:" + REFERENT)
        self.assertTrue(rows[0]["source"].startswith("mail:"))
        # The referent is told it worked; the link of that notification is now used.
        told = [m for m in r.wait_mail(to=REFERENT, subject_has="Votre réponse")]
        self.assertIn("la publication est approuvée", text_of(told[-1]))
        self.assertIn("« OK »", text_of(told[-1]))
        base, token = Relais.links(notification)["approve"]
        page = r.get(f"/a/{token}?action=approve")
        self.assertIn(page.status, (409, 410), page)

    def test_same_ok_from_another_address_does_nothing_and_says_why(self):
        r = self.relais
        ref, notification = self.request_mail()
        colleague = "collegue@example.org"
        code, reply = r.send(reply_to(notification, colleague, "OK", html_only=True))
        self.assertEqual(code, 250, reply)
        told = r.wait_mail(to=colleague, subject_has=ref)[-1]
        self.assertIn("Seul le ou la référent(e)", text_of(told))
        self.assertEqual(r.state_of(ref), "awaiting_approval")
        self.assertEqual(r.query("SELECT id FROM audit WHERE event = 'approve'"), [])
        # Nor may the agent approve their own request by mail.
        code, reply = r.send(reply_to(notification, AGENT, "Approuvé"))
        self.assertEqual(code, 250, reply)
        time.sleep(0.3)
        self.assertEqual(r.state_of(ref), "awaiting_approval")

    def test_refusal_and_changes_carry_the_reason(self):
        r = self.relais
        ref, notification = self.request_mail()
        code, reply = r.send(reply_to(notification, REFERENT,
                                      "Modifier : retirer le nom de famille du texte"))
        self.assertEqual(code, 250, reply)
        r.wait_state(ref, ["needs_changes"])
        to_agent = r.wait_mail(to=AGENT, subject_has=ref, count=2)  # the acknowledgement, then this
        self.assertTrue(any("retirer le nom de famille" in text_of(m) for m in to_agent))
        # A second answer to the same notification: the link was used, nothing more happens.
        code, reply = r.send(reply_to(notification, REFERENT, "Refusé : trop tard"))
        self.assertIn("not acted on", reply)
        self.assertEqual(r.state_of(ref), "needs_changes")

        ref2, notification2 = self.request_mail()
        code, reply = r.send(reply_to(notification2, REFERENT, "Refusé"))
        self.assertIn("reason_missing", reply)
        self.assertEqual(r.state_of(ref2), "awaiting_approval")
        code, reply = r.send(reply_to(notification2, BACKUP, "Refusé : la photo est floue"))
        self.assertEqual(code, 250, reply)
        r.wait_state(ref2, ["rejected"])
        rows = r.query("SELECT actor FROM audit WHERE event = 'reject'")
        self.assertEqual(rows[0]["actor"], "referent:" + BACKUP)

    def test_words_that_are_not_a_decision_change_nothing(self):
        r = self.relais
        ref, notification = self.request_mail()
        code, reply = r.send(reply_to(notification, REFERENT,
                                      "OK pour moi, mais je préfère attendre lundi"))
        self.assertEqual(code, 250, reply)
        told = r.wait_mail(to=REFERENT, subject_has="Votre réponse")[-1]
        self.assertIn("pas été comprise comme une décision", text_of(told))
        self.assertEqual(r.state_of(ref), "awaiting_approval")

    def test_reply_outside_the_notification_thread_is_not_a_decision(self):
        r = self.relais
        ref, notification = self.request_mail()
        m = reply_to(notification, REFERENT, "OK")
        del m["In-Reply-To"]
        del m["References"]
        del m["Subject"]
        m["Subject"] = f"Re: {ref}"  # the reference alone is not the thread
        code, reply = r.send(m)
        self.assertIn("thread", reply)
        self.assertEqual(r.state_of(ref), "awaiting_approval")


    def test_a_notification_id_cannot_be_guessed(self):
        """Message-IDs are keyed with relais's secret: a forger who knows how effects are named
        (request:version:index) still cannot write "in the thread" without the mail itself."""
        r = self.relais
        ref, notification = self.request_mail()
        request_id = r.query("SELECT id FROM requests WHERE reference = ?", ref)[0]["id"]
        guesses = []
        for version in range(1, 6):
            for index in range(0, 4):
                key = f"{request_id}:{version}:{index}"
                guesses.append(f"<relais.{hashlib.sha256(key.encode()).hexdigest()[:32]}@example.org>")
        self.assertNotIn(str(notification["Message-ID"]), guesses)
        forged = reply_to(notification, REFERENT, "OK")
        del forged["In-Reply-To"]
        del forged["References"]
        forged["In-Reply-To"] = guesses[0]
        forged["References"] = " ".join(guesses)
        code, reply = r.send(forged)
        self.assertIn("thread", reply)
        self.assertEqual(r.state_of(ref), "awaiting_approval")


class MailAnswersWithDmarc(RelaisTestCase):
    config = dict(mail={"trusted_authserv_id": "mx.example.org", "require_dmarc": True})

    def test_only_a_passing_verdict_from_the_trusted_server_acts(self):
        r = self.relais
        ref = self.submit(text=TEXT)
        r.wait_state(ref, ["awaiting_approval"])
        notification = r.wait_mail(to=REFERENT, subject_has=ref)[-1]
        # No verdict: refused, since one is required.
        code, reply = r.send(reply_to(notification, REFERENT, "OK"))
        self.assertIn("authentication", reply)
        # A forged From: the trusted server says DMARC failed; the forger's own header is ignored.
        forged = reply_to(notification, REFERENT, "OK", headers={
            "Authentication-Results": "mx.example.org; dmarc=fail header.from=example.org"})
        forged["Authentication-Results"] = "attacker.example; dmarc=pass header.from=example.org"
        code, reply = r.send(forged)
        self.assertIn("authentication", reply)
        self.assertEqual(r.state_of(ref), "awaiting_approval")
        told = r.wait_mail(to=REFERENT, subject_has="Votre réponse")[-1]
        self.assertIn("n'a pas pu confirmer", text_of(told))
        # The real referent, DMARC passing.
        code, reply = r.send(reply_to(notification, REFERENT, "Approuvé", headers={
            "Authentication-Results": "mx.example.org; dkim=pass header.d=example.org; "
                                      "dmarc=pass header.from=example.org"}))
        self.assertIn("approve " + ref, reply)
        r.wait_state(ref, ["scheduled", "publishing", "published"])


if __name__ == "__main__":
    harness.main()
