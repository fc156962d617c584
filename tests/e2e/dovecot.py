"""A real Dovecot for the end-to-end tests and benchmarks (tests/connectors/email/
dovecot_server.py), driven with Python's imaplib as a mail client would."""

import email.policy
import imaplib
import os
import signal
import socket
import subprocess
import tempfile
import time

import harness

USER = "publications@example.org"
PASSWORD = "secret"
DONE = "relais/trait&AOk-s"  # "relais/traités" as IMAP names it


class Dovecot:
    """A Dovecot for one test; stop() and start() again keep its mailboxes and port."""

    def __init__(self, flags=(), user=None):
        self.user = user or USER
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
        m.login(self.user, PASSWORD)
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




def imap_section(dovecot, **extra):
    """relaisd's [mail.imap] table for this Dovecot, its password in a file beside it."""
    secret = os.path.join(dovecot.dir, "imap-password")
    with open(secret, "w") as f:
        f.write(PASSWORD + "\n")
    values = {"host": "127.0.0.1", "port": dovecot.port, "tls": "none", "username": dovecot.user,
              "password_file": secret}
    values.update(extra)
    return {"mail.imap": values}
