"""Bad input against the real daemon: each gets its clear SMTP code or page, and none leaves
partial state (no request, no stored blob, no stray file, no mail that should not go out)."""

import os
import socket
import time
import unittest

import harness
from harness import AGENT, REFERENT, SUBMISSION, Relais, RelaisTestCase, text_of

FORGED = "A" * 43


class BadInput(RelaisTestCase):
    config = dict(mail={"max_message_bytes": 1000000, "max_recipients": 3})

    def counts(self):
        r = self.relais
        q = lambda sql: r.query(sql)[0]["n"]
        blobs = 0
        for sub in ("messages", "media"):
            for _root, _dirs, files in os.walk(os.path.join(r.state_dir, sub)):
                blobs += len(files)
        return {
            "requests": q("SELECT count(*) AS n FROM requests"),
            "inbound": q("SELECT count(*) AS n FROM messages WHERE direction = 'in'"),
            "outbox": q("SELECT count(*) AS n FROM outbox"),
            "transitions": q("SELECT count(*) AS n FROM audit WHERE kind = 'transition'"),
            "tokens_used": q("SELECT count(*) AS n FROM tokens WHERE used_at IS NOT NULL"),
            "blobs": blobs,
            "mails": len(r.outbox_files()),
        }

    def dialogue(self, lines, greet=True):
        """Raw SMTP: sends each line, returns the reply code of each."""
        with socket.create_connection(("127.0.0.1", self.relais.smtp_port), timeout=10) as s:
            f = s.makefile("rb")

            def reply():
                code = None
                while True:
                    line = f.readline().decode()
                    self.assertTrue(line, "connection closed")
                    code = int(line[:3])
                    if line[3:4] != "-":
                        return code, line

            self.assertEqual(reply()[0], 220)
            out = []
            for line in lines:
                s.sendall(line.encode() + b"\r\n")
                out.append(reply())
            s.sendall(b"QUIT\r\n")
            return [c for c, _ in out], out

    # -- SMTP -------------------------------------------------------------------------------
    def test_oversized_message(self):
        before = self.counts()
        big = harness.make_mail(attachments=[(os.urandom(1100000), "image/jpeg", "big.jpg")])
        code, reply = self.relais.send(big)
        self.assertEqual(code, 552, reply)
        # Declared in advance with SIZE: refused at MAIL FROM.
        codes, _ = self.dialogue(["EHLO client.example.org", f"MAIL FROM:<{AGENT}> SIZE=1100000"])
        self.assertEqual(codes, [250, 552])
        self.assertEqual(self.counts(), before)

    def test_too_many_recipients(self):
        before = self.counts()
        with self.relais.smtp() as s:
            s.ehlo()
            self.assertEqual(s.mail(AGENT)[0], 250)
            codes = [s.rcpt(SUBMISSION)[0] for _ in range(4)]
            self.assertEqual(codes, [250, 250, 250, 452])
            s.rset()
        self.assertEqual(self.counts(), before)

    def test_unknown_recipient(self):
        before = self.counts()
        code, reply = self.relais.send(harness.make_mail(to="nobody@example.org"))
        self.assertEqual(code, 550, reply)
        self.assertEqual(self.counts(), before)

    def test_garbage_commands(self):
        before = self.counts()
        codes, lines = self.dialogue([
            "MAIL FROM:<agent@example.org>",  # before EHLO
            "EHLO",  # no host name
            "HELO client.example.org",
            "FROBNICATE now",
            "RCPT TO:<publications@example.org>",  # before MAIL
            "DATA",  # before RCPT
            "MAIL FROM:not an address",
            "MAIL FROM:<agent@example.org>",
            "DATA",  # still no RCPT
            "RCPT TO:<<<>>>",
            "\x00\x01\x02 binary",
        ])
        self.assertEqual(codes, [503, 501, 250, 500, 503, 503, 501, 250, 503, 501, 500], lines)
        self.assertEqual(self.counts(), before)

    def test_message_without_text(self):
        r = self.relais
        code, reply = r.send(harness.make_mail(subject="Photos du marché", text=None))
        self.assertEqual(code, 250, reply)
        ref = harness.reference_in(reply)
        r.wait_state(ref, "needs_changes")
        changes = r.wait_mail(to=AGENT, subject_has="Modifications demandées")[0]
        self.assertIn(ref, str(changes["Subject"]))
        self.assertIn("texte de présentation", text_of(changes))
        # An acknowledgement, if any, must not tell the agent the request is complete.
        for ack in r.mails(to=AGENT, subject_has="Bien reçu"):
            self.assertNotIn("Votre demande est complète", text_of(ack),
                             "the acknowledgement of a request without text says it is complete")
        self.assertEqual(r.mails(to=REFERENT), [], "the referent is not asked about an incomplete request")

    def test_attachment_path_traversal(self):
        r = self.relais
        passwd = os.stat("/etc/passwd")
        code, reply = r.send(harness.make_mail(
            attachments=[(b"root:x:0:0:pwned:/root:/bin/sh\n", "image/jpeg", "../../etc/passwd"),
                         (harness.photo_bytes(), "image/jpeg", "/tmp/../../photo.jpg")]))
        self.assertEqual(code, 250, reply)
        ref = harness.reference_in(reply)
        # The fake photo cannot be read: the agent is asked for it again.
        ack = r.wait_mail(to=AGENT, subject_has=ref)[0]
        r.wait_state(ref, "needs_changes")
        self.assertIn("media.unreadable", r.query("SELECT findings FROM requests")[0]["findings"])
        self.assertEqual(r.files_outside_state(), [])
        self.assertEqual(os.stat("/etc/passwd").st_mtime_ns, passwd.st_mtime_ns)
        self.assertFalse(os.path.exists(os.path.join(r.dir, "etc")))
        stored = [row["filename"] for row in r.query("SELECT filename FROM media ORDER BY position")]
        self.assertEqual(len(stored), 2)
        for name in stored:
            self.assertNotIn("/", name, f"stored filename not sanitised: {stored}")
            self.assertFalse(name.startswith("."), f"stored filename not sanitised: {stored}")
        self.assertNotIn("../", text_of(ack), "the mail to the agent shows the raw file name")
        self.assertIn("passwd", text_of(ack), "the mail names the file that could not be read")

    def test_sender_outside_domain(self):
        r = self.relais
        before = self.counts()
        code, reply = r.send(harness.make_mail(sender="intrus@elsewhere.net"))
        self.assertEqual(code, 250, reply)
        refusal = r.wait_mail(to="intrus@elsewhere.net")[0]
        self.assertIn("n'a pas pu être pris en compte", str(refusal["Subject"]))
        self.assertIn("intrus@elsewhere.net", text_of(refusal))
        after = self.counts()
        self.assertEqual(after["requests"], before["requests"])
        self.assertEqual(r.query("SELECT kind FROM messages WHERE direction = 'in'")[-1]["kind"], "refused")
        # A look-alike domain is not example.org.
        code, reply = r.send(harness.make_mail(sender="agent@example.org.evil.net"))
        self.assertEqual(code, 250, reply)
        r.wait_mail(to="agent@example.org.evil.net")
        self.assertEqual(self.counts()["requests"], before["requests"])

    def test_automatic_mail_gets_no_reply(self):
        r = self.relais
        before = self.counts()
        for headers in ({"Auto-Submitted": "auto-replied"}, {"Precedence": "bulk"}):
            code, reply = r.send(harness.make_mail(subject="Absence du bureau", headers=headers))
            self.assertEqual(code, 250, reply)
        code, reply = r.send(harness.make_mail(subject="Bounce"), mail_from="")  # null sender
        self.assertEqual(code, 250, reply)
        time.sleep(2.5)  # the dispatcher polls every 2 s at most
        after = self.counts()
        self.assertEqual(after["requests"], before["requests"])
        self.assertEqual(after["outbox"], before["outbox"])
        self.assertEqual(after["mails"], before["mails"])
        self.assertEqual(after["inbound"], before["inbound"] + 3)

    # -- links ------------------------------------------------------------------------------
    def test_forged_tokens(self):
        r = self.relais
        ref = self.submit()
        self.referent_token(ref)
        r.wait_outbox_idle()
        before = self.counts()
        for path in (f"/a/{FORGED}", f"/a/{FORGED}?action=approve", "/a/short", "/a/%C3%A9%C3%A9", "/a/%00" + "A" * 40,
                     "/a/" + "A" * 44, "/a/../../etc/passwd"):
            page = r.get(path)
            self.assertIn(page.status, (404, 410), (path, page))
            if page.status != 404 or "Lien" in page.body:
                self.assertIn("Lien non valide", page.body, path)
        # A forged token with a CSRF value that matches it still finds no request.
        page = r.post(f"/a/{FORGED}", {"csrf": r.csrf_for(FORGED), "action": "approve", "channel": "site"})
        self.assertIn(page.status, (404, 409, 410), page)
        self.assertIn("Lien non valide", page.body)
        page = r.post("/a/short", {"csrf": "x", "action": "approve"})
        self.assertEqual(page.status, 404, page)
        self.assertIn("Lien non valide", page.body)
        self.assertEqual(r.get(f"/a/{FORGED}/m/0").status, 404)
        self.assertEqual(self.counts(), before)
        self.assertEqual(r.state_of(ref), "awaiting_approval")

    def test_used_token_cannot_act_on_another_request(self):
        r = self.relais
        a = self.submit(subject="Demande A")
        b = self.submit(subject="Demande B")
        ta, tb = self.referent_token(a), self.referent_token(b)
        self.assertNotEqual(ta, tb)
        self.assertEqual(r.decide(ta, "approve").status, 200)
        r.wait_state(a, "published")
        r.wait_outbox_idle()
        before = self.counts()
        page = r.post(f"/a/{ta}", {"csrf": r.csrf_for(ta), "action": "reject", "reason": "non"})
        self.assertEqual(page.status, 409, page)
        self.assertIn("déjà utilisé", page.body)
        self.assertEqual(r.get(f"/a/{ta}").status, 410)
        # A's CSRF value does not open B's form.
        page = r.post(f"/a/{tb}", {"csrf": r.csrf_for(ta), "action": "approve", "channel": "site"})
        self.assertEqual(page.status, 403, page)
        self.assertEqual(self.counts(), before)
        self.assertEqual(r.state_of(b), "awaiting_approval")
        self.assertEqual(r.state_of(a), "published")

    def test_stale_token(self):
        r = self.relais
        ref = self.submit(subject="Vide-grenier")
        token = self.referent_token(ref)
        # The request changes behind the link's back. No mail path does this without using the
        # link, so the change is made in the store with the daemon stopped (version bump only).
        r.stop()
        con = __import__("sqlite3").connect(os.path.join(r.state_dir, "relais.db"))
        con.execute("UPDATE requests SET version = version + 1 WHERE reference = ?", (ref,))
        con.commit()
        con.close()
        r.start()
        r.wait_outbox_idle()
        before = self.counts()
        page = r.get(f"/a/{token}?action=approve")
        self.assertEqual(page.status, 410, page)
        self.assertIn("La demande a changé", page.body)
        page = r.post(f"/a/{token}", {"csrf": r.csrf_for(token), "action": "approve", "channel": "site"})
        self.assertEqual(page.status, 409, page)
        self.assertIn("La demande a changé", page.body)
        self.assertEqual(self.counts(), before)
        self.assertEqual(r.state_of(ref), "awaiting_approval")

    def test_bad_csrf_and_incomplete_forms(self):
        r = self.relais
        ref = self.submit()
        token = self.referent_token(ref)
        csrf = r.csrf_in(r.get(f"/a/{token}"))
        r.wait_outbox_idle()
        before = self.counts()
        for bad in ("", "0" * 64, csrf[:-1], csrf.upper() if csrf.upper() != csrf else "f" + csrf[1:]):
            page = r.post(f"/a/{token}", {"csrf": bad, "action": "approve", "channel": "site"})
            self.assertEqual(page.status, 403, (bad, page))
            self.assertIn("Formulaire expiré", page.body)
        page = r.post(f"/a/{token}", {"action": "approve"})
        self.assertEqual(page.status, 403, page)
        cases = [
            ({"action": "reject"}, "motif"),
            ({"action": "reject", "reason": "  \r\n "}, "motif"),
            ({"action": "request_changes"}, "motif"),
            ({"action": "publish"}, "Choisissez une action"),
            ({}, "Choisissez une action"),
            ({"action": "approve", "channel": "site", "publish_at": "demain"}, "date de publication"),
            ({"action": "approve", "channel": "site", "text": "x" * 20001}, "trop long"),
        ]
        for fields, words in cases:
            page = r.post(f"/a/{token}", dict(fields, csrf=csrf))
            self.assertEqual(page.status, 400, (fields, page))
            self.assertIn("Formulaire incomplet", page.body)
            self.assertIn(words, page.body, fields)
        for raw in (b"%%%", b"csrf=" + csrf.encode() + b"&action=approve&action", b"\xff\xfe"):
            page = r.post(f"/a/{token}", raw_body=raw)
            self.assertIn(page.status, (400, 403), (raw, page))
        self.assertEqual(self.counts(), before)
        self.assertEqual(r.state_of(ref), "awaiting_approval")
        # The link still works after all that.
        self.assertEqual(r.decide(token, "reject", reason="Photo floue").status, 200)
        r.wait_state(ref, "rejected")


if __name__ == "__main__":
    harness.main()
