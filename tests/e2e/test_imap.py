"""IMAP ingestion with the real relaisd and a real Dovecot (tests/connectors/email/
dovecot_server.py), messages put in by Python's imaplib as a mail client would: a message is
stored within 2 s through IDLE and moved to the done folder; one appended while relaisd is
down is read at start; Dovecot stopped and started again under relaisd is reconnected to; a
message whose move fails is stored once however often it is read; kill -9 during a burst loses
and doubles nothing."""

import email.policy
import imaplib
import os
import signal
import socket
import subprocess
import tempfile
import time
import unittest

import harness
from harness import RelaisTestCase

USER = "publications@example.org"
PASSWORD = "secret"
DONE = "relais/trait&AOk-s"  # "relais/traités" as IMAP names it


class Dovecot:
    """A Dovecot for one test; stop() and start() again keep its mailboxes and port."""

    def __init__(self, flags=()):
        self.dir = tempfile.mkdtemp(prefix="relais-e2e-dovecot-")
        self.flags = list(flags)
        self.port = 0
        self.proc = None
        self.start()

    def start(self):
        script = os.path.join(harness.SOURCE_DIR, "tests", "connectors", "email", "dovecot_server.py")
        args = ["python3", script, self.dir] + (["--port", str(self.port)] if self.port else []) + self.flags
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, start_new_session=True)
        line = self.proc.stdout.readline().decode().split()
        self.port = int(line[1])
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), 1).close()
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise AssertionError("Dovecot did not start: " + self.log())
                time.sleep(0.05)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def log(self):
        try:
            with open(os.path.join(self.dir, "dovecot.log"), errors="replace") as f:
                return f.read()[-3000:]
        except OSError:
            return ""

    def session(self):
        m = imaplib.IMAP4("127.0.0.1", self.port)
        m.login(USER, PASSWORD)
        return m

    def append(self, msg):
        m = self.session()
        typ, _ = m.append("INBOX", None, None, msg.as_bytes(policy=email.policy.SMTP))
        assert typ == "OK"
        m.logout()

    def count(self, mailbox):
        m = self.session()
        typ, data = m.select('"%s"' % mailbox)
        m.logout()
        return int(data[0]) if typ == "OK" else -1


def account(dovecot, password_file, **extra):
    values = {"host": "127.0.0.1", "port": dovecot.port, "tls": "none", "username": USER,
              "password_file": password_file}
    values.update(extra)
    return values


class ImapTestCase(RelaisTestCase):
    dovecot_flags = ()
    done_mailbox = "relais/traités"

    def setUp(self):
        self.dovecot = Dovecot(self.dovecot_flags)
        secret = os.path.join(self.dovecot.dir, "imap-password")
        with open(secret, "w") as f:
            f.write(PASSWORD + "\n")
        self.relais = harness.Relais(sections={"mail.imap": account(
            self.dovecot, secret, done_mailbox=self.done_mailbox, poll_seconds=5)})
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

    def test_a_message_that_cannot_be_moved_is_stored_once_however_often_it_is_read(self):
        self.dovecot.append(harness.make_mail(subject="Impossible à ranger"))
        self.wait_requests(1)
        self.wait_log("imap account=imap error=", count=2, timeout=30)  # read at least twice
        self.assertEqual(len(self.requests()), 1)
        self.assertIn("intake duplicate", self.relais.log_text())
        self.assertEqual(self.dovecot.count("INBOX"), 1)


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
