"""IMAP ingestion with the real relaisd and a real Dovecot (tests/connectors/email/
dovecot_server.py), messages put in by Python's imaplib as a mail client would: a message is
stored within 2 s through IDLE and moved to the done folder; one appended while relaisd is
down is read at start; Dovecot stopped and started again under relaisd is reconnected to; a
message that cannot be moved is flagged and does not hold the others up; kill -9 during a
burst loses and doubles nothing."""

import http.server
import json
import os
import threading
import time
import unittest
import urllib.parse

import harness
from harness import RelaisTestCase

from dovecot import DONE, Dovecot, imap_section


class ImapTestCase(RelaisTestCase):
    dovecot_flags = ()
    done_mailbox = "relais/traités"
    user = None

    def setUp(self):
        self.dovecot = Dovecot(self.dovecot_flags, self.user)
        self.relais = harness.Relais(sections=imap_section(
            self.dovecot, done_mailbox=self.done_mailbox, poll_seconds=5))
        self.relais.start()
        self.wait_log("imap account=imap connected")

    def tearDown(self):
        super().tearDown()
        self.dovecot.stop()

    def wait_log(self, text, count=1, timeout=20):
        deadline = time.monotonic() + timeout
        while self.relais.log_text().count(text) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"no {text!r} in the log after {timeout} s\n"
                                     + self.relais.log_tail() + "\nDovecot:\n" + self.dovecot.log())
            time.sleep(0.02)

    def requests(self):
        return self.relais.query("SELECT reference, subject FROM requests ORDER BY id")

    def wait_requests(self, n, timeout=20):
        deadline = time.monotonic() + timeout
        while len(self.requests()) < n:
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(self.requests())} requests, not {n}, after {timeout} s\n"
                                     + self.relais.log_tail())
            time.sleep(0.01)
        return self.requests()


class Ingestion(ImapTestCase):
    def test_idle_brings_a_message_in_within_two_seconds_then_moves_it(self):
        start = time.monotonic()
        self.dovecot.append(harness.make_mail(subject="Forum des associations"))
        rows = self.wait_requests(1, timeout=2)
        took = time.monotonic() - start
        self.assertEqual(rows[0]["subject"], "Forum des associations")
        self.relais.wait_mail(to=harness.AGENT, subject_has=rows[0]["reference"])
        deadline = time.monotonic() + 5
        while self.dovecot.count("INBOX") != 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertEqual(self.dovecot.count("INBOX"), 0)
        self.assertEqual(self.dovecot.count(DONE), 1)
        print(f"APPEND -> request stored: {took * 1000:.0f} ms")

    def test_a_message_appended_while_relaisd_is_down_is_read_at_start(self):
        self.relais.stop()
        self.dovecot.append(harness.make_mail(subject="Pendant l'arrêt 1"))
        self.dovecot.append(harness.make_mail(subject="Pendant l'arrêt 2"))
        self.relais.start()
        rows = self.wait_requests(2)
        self.assertEqual(sorted(r["subject"] for r in rows), ["Pendant l'arrêt 1", "Pendant l'arrêt 2"])
        self.assertEqual(self.dovecot.count(DONE), 2)

    def test_dovecot_restarted_under_relaisd_is_reconnected_to(self):
        self.dovecot.stop()
        self.wait_log("imap account=imap error=")
        time.sleep(1)
        self.dovecot.start()
        self.wait_log("imap account=imap connected", count=2, timeout=30)
        self.dovecot.append(harness.make_mail(subject="Après la coupure"))
        rows = self.wait_requests(1)
        self.assertEqual(rows[0]["subject"], "Après la coupure")

    def test_kill9_during_a_burst_loses_and_doubles_nothing(self):
        subjects = [f"Rafale {i}" for i in range(12)]
        for i, subject in enumerate(subjects):
            self.dovecot.append(harness.make_mail(subject=subject))
            if i in (3, 8):
                self.relais.kill9()
                self.relais.start()
        deadline = time.monotonic() + 30
        while self.dovecot.count("INBOX") != 0 and time.monotonic() < deadline:
            time.sleep(0.1)
        rows = self.wait_requests(len(subjects))
        self.assertEqual(sorted(r["subject"] for r in rows), sorted(subjects))
        self.assertEqual(self.dovecot.count("INBOX"), 0)
        self.assertEqual(self.dovecot.count(DONE), len(subjects))


class MoveRefused(ImapTestCase):
    # Dovecot refuses to create a mailbox with a name this long: every move fails.
    done_mailbox = "relais/" + "x" * 300

    def test_a_message_that_cannot_be_moved_is_flagged_and_the_mailbox_goes_on(self):
        self.dovecot.append(harness.make_mail(subject="Impossible à ranger"))
        self.wait_requests(1)
        self.wait_log("cannot be moved, flagged instead")
        self.dovecot.append(harness.make_mail(subject="La suivante"))
        rows = self.wait_requests(2)
        self.assertEqual([r["subject"] for r in rows], ["Impossible à ranger", "La suivante"])
        self.assertEqual(self.dovecot.count("INBOX"), 2)
        m = self.dovecot.session()
        m.select("INBOX")
        typ, data = m.search(None, "FLAGGED")
        self.assertEqual(len(data[0].split()), 2)


class TakedownMailbox(ImapTestCase):
    user = "droit-image@example.org"

    def test_mail_read_from_the_takedown_mailbox_opens_a_case(self):
        self.dovecot.append(harness.make_mail(
            subject="Retrait de ma photo", sender="habitant@exemple.net",
            to="droit-image@example.org",
            text="Bonjour, je demande le retrait de la photo où j'apparais.\n", attachments=[]))
        deadline = time.monotonic() + 20
        while not self.relais.query("SELECT id FROM takedown_cases"):
            if time.monotonic() > deadline:
                raise AssertionError("no takedown case\n" + self.relais.log_tail())
            time.sleep(0.05)
        self.assertEqual(self.requests(), [])


class IdentityProvider:
    """An OAuth 2.0 token endpoint (refresh_token grant, rotating the refresh token as Microsoft
    does) and the RFC 7662 introspection endpoint Dovecot's oauth2 passdb asks."""

    def __init__(self, user):
        outer = self
        self.user = user
        self.refresh_tokens = {"rt-1"}
        self.access_tokens = set()
        self.grants = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                form = urllib.parse.parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
                field = lambda k: form.get(k, [""])[0]
                if self.path == "/token":
                    outer.grants.append(dict((k, v[0]) for k, v in form.items()))
                    rt = field("refresh_token")
                    if field("grant_type") != "refresh_token" or rt not in outer.refresh_tokens:
                        return self.answer(400, {"error": "invalid_grant",
                                                 "error_description": "AADSTS70000: bad grant"})
                    n = len(outer.grants)
                    outer.refresh_tokens = {f"rt-{n + 1}"}
                    outer.access_tokens.add(f"at-{n}")
                    return self.answer(200, {"token_type": "Bearer", "expires_in": 3600,
                                             "access_token": f"at-{n}",
                                             "refresh_token": f"rt-{n + 1}",
                                             "scope": field("scope")})
                if self.path == "/introspect":
                    ok = field("token") in outer.access_tokens
                    return self.answer(200, {"active": True, "username": outer.user} if ok
                                       else {"active": False})
                self.answer(404, {})

            def answer(self, status, body):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


class Xoauth2(ImapTestCase):
    """Microsoft 365's way: no password; an access token from the refresh token file, renewed
    and rotated, checked by the server (Dovecot's oauth2 passdb asking the provider)."""

    def setUp(self):
        self.provider = IdentityProvider("publications@example.org")
        self.dovecot = Dovecot(("--oauth2", self.provider.url + "/introspect"), self.user)
        self.token_file = os.path.join(self.dovecot.dir, "refresh-token")
        with open(self.token_file, "w") as f:
            f.write("rt-1\n")
        os.chmod(self.token_file, 0o600)
        section = imap_section(self.dovecot, poll_seconds=5)
        imap = section["mail.imap"]
        del imap["password_file"]
        imap.update({"oauth2_token_url": self.provider.url + "/token",
                     "oauth2_client_id": "relais-app",
                     "oauth2_refresh_token_file": self.token_file})
        self.relais = harness.Relais(sections=section)
        self.relais.start()
        self.wait_log("imap account=imap connected")

    def tearDown(self):
        super().tearDown()
        self.provider.close()

    def test_logs_in_with_a_renewed_token_and_keeps_the_rotated_refresh_token(self):
        self.dovecot.append(harness.make_mail(subject="Par XOAUTH2"))
        self.assertEqual([r["subject"] for r in self.wait_requests(1)], ["Par XOAUTH2"])
        grant = self.provider.grants[0]
        self.assertEqual(grant["grant_type"], "refresh_token")
        self.assertEqual(grant["refresh_token"], "rt-1")
        self.assertEqual(grant["client_id"], "relais-app")
        self.assertIn("IMAP.AccessAsUser.All", grant["scope"])
        with open(self.token_file) as f:
            self.assertEqual(f.read().strip(), "rt-2")  # the rotated one, written back
        self.assertIn("method=XOAUTH2", self.dovecot.log())
        # Dovecot restarted: the token held is used again, no renewal needed.
        self.dovecot.stop()
        self.dovecot.start()
        self.wait_log("imap account=imap connected", count=2, timeout=30)
        self.assertEqual(len(self.provider.grants), 1)
        log = self.relais.log_text()
        for secret in ("rt-1", "rt-2", "at-1"):
            self.assertNotIn(secret, log)

    def test_a_refused_token_is_renewed_and_a_refused_grant_is_said(self):
        # The provider revokes every access token: the next login is refused, the token renewed.
        self.provider.access_tokens.clear()
        self.dovecot.stop()
        self.dovecot.start()
        self.wait_log("imap account=imap connected", count=2, timeout=40)
        self.assertEqual(len(self.provider.grants), 2)
        # The refresh token revoked too: the error names the provider's words, never the token.
        self.provider.access_tokens.clear()
        self.provider.refresh_tokens.clear()
        self.dovecot.stop()
        self.dovecot.start()
        self.wait_log("AADSTS70000: bad grant", timeout=40)
        self.assertNotIn("rt-3", self.relais.log_text())


class WithoutIdle(ImapTestCase):
    dovecot_flags = ("--no-idle", "--no-move")

    def test_a_server_without_idle_is_polled_and_without_move_copied(self):
        self.dovecot.append(harness.make_mail(subject="Sans IDLE"))
        rows = self.wait_requests(1, timeout=10)
        self.assertEqual(rows[0]["subject"], "Sans IDLE")
        deadline = time.monotonic() + 5
        while self.dovecot.count("INBOX") != 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertEqual(self.dovecot.count(DONE), 1)


if __name__ == "__main__":
    harness.main()
