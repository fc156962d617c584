"""IMAP ingestion with the real relaisd and a real Dovecot (tests/connectors/email/
dovecot_server.py), messages put in by Python's imaplib as a mail client would: a message is
stored within 2 s through IDLE and moved to the done folder; one appended while relaisd is
down is read at start; Dovecot stopped and started again under relaisd is reconnected to; a
message that cannot be moved is flagged and does not hold the others up; kill -9 during a
burst loses and doubles nothing."""

import time
import unittest

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
