"""relaisd as the LMTP transport of a real Postfix, over a Unix socket, as the README tells an
administrator to set it up: a message sent to Postfix's SMTP port becomes a request; while
relais's message store cannot be written, relais answers 451 and the message waits in
Postfix's queue, and it is delivered once the fault is cleared. Postfix needs root (CI runs as
root): elsewhere the test is skipped, and says so."""

import os
import shutil
import signal
import smtplib
import subprocess
import tempfile
import time
import unittest

import harness
from harness import RelaisTestCase

ROOT = os.geteuid() == 0
HAVE_POSTFIX = shutil.which("postfix") is not None and os.path.exists("/etc/postfix/main.cf")


class Postfix:
    """A Postfix instance of its own (postfix -c DIR) on a free loopback port, delivering the
    domain example.org to `transport`, logging to a file."""

    def __init__(self, transport):
        self.dir = tempfile.mkdtemp(prefix="relais-e2e-postfix-")
        self.conf = os.path.join(self.dir, "conf")
        self.queue = os.path.join(self.dir, "queue")
        os.chmod(self.dir, 0o755)  # Postfix's processes run as the postfix user
        os.makedirs(self.conf)
        os.makedirs(self.queue)
        for name in ("main.cf", "master.cf"):
            shutil.copy(os.path.join("/etc/postfix", name), self.conf)
        self.port = harness.free_port()
        self.postconf("-e",
                      f"queue_directory = {self.queue}",
                      f"data_directory = {os.path.join(self.dir, 'data')}",
                      f"alternate_config_directories = {self.conf}",
                      "inet_interfaces = 127.0.0.1", "inet_protocols = ipv4",
                      "maillog_file = /dev/stdout", "myhostname = mx.example.org",
                      "mydestination =", "relay_domains = example.org",
                      f"transport_maps = inline:{{ example.org={transport} }}",
                      "mynetworks = 127.0.0.0/8",
                      "smtpd_relay_restrictions = permit_mynetworks, reject",
                      "minimal_backoff_time = 1s", "maximal_backoff_time = 2s",
                      "queue_run_delay = 1s")
        self.postconf("-F", "*/*/chroot = n")  # Unix socket paths as they are, no chroot
        self.postconf("-MX", "smtp/inet")
        self.postconf("-M", f"127.0.0.1:{self.port}/inet=127.0.0.1:{self.port} inet n - n - - smtpd")
        self.log_path = os.path.join(self.dir, "maillog")
        subprocess.run(["postfix", "-c", self.conf, "check"], check=True)
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(["postfix", "-c", self.conf, "start-fg"], stdout=log,
                                         stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 20
        while "daemon started" not in self.log():
            if time.monotonic() > deadline:
                raise AssertionError("Postfix did not start:\n" + self.log())
            time.sleep(0.05)

    def postconf(self, *args):
        subprocess.run(["postconf", "-c", self.conf, *args], check=True)

    def log(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def send(self, msg):
        with smtplib.SMTP("127.0.0.1", self.port, timeout=30) as s:
            s.send_message(msg)

    def queued(self):
        out = subprocess.run(["postqueue", "-c", self.conf, "-j"], capture_output=True, text=True)
        return [line for line in out.stdout.splitlines() if line.strip()]

    def flush(self):
        subprocess.run(["postqueue", "-c", self.conf, "-f"], check=True)

    def stop(self):
        subprocess.run(["postfix", "-c", self.conf, "stop"], capture_output=True)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
        shutil.rmtree(self.dir, ignore_errors=True)


@unittest.skipUnless(ROOT and HAVE_POSTFIX,
                     "SKIPPED: Postfix needs root and the postfix package (CI runs as root)")
class PostfixDelivery(RelaisTestCase):
    def setUp(self):
        self.socket_dir = tempfile.mkdtemp(prefix="relais-e2e-lmtp-")
        os.chmod(self.socket_dir, 0o755)  # as /var/spool/postfix/relais would be to Postfix
        self.socket = os.path.join(self.socket_dir, "lmtp.sock")
        self.relais = harness.Relais(mail={"lmtp_listen": "unix:" + self.socket})
        self.relais.start()
        self.postfix = Postfix("lmtp:unix:" + self.socket)

    def tearDown(self):
        if self._outcome_failed():
            print("---- Postfix log ----\n" + self.postfix.log()[-4000:])
        self.postfix.stop()
        super().tearDown()
        shutil.rmtree(self.socket_dir, ignore_errors=True)

    def _outcome_failed(self):
        result = getattr(getattr(self, "_outcome", None), "result", None)
        return result is not None and any(t is self for t, _ in result.errors + result.failures)

    def requests(self):
        return [r["subject"] for r in self.relais.query("SELECT subject FROM requests ORDER BY id")]

    def wait_for(self, what, check, timeout=30):
        deadline = time.monotonic() + timeout
        while not check():
            if time.monotonic() > deadline:
                raise AssertionError(f"{what} after {timeout} s\n" + self.relais.log_tail()
                                     + "\n---- Postfix ----\n" + self.postfix.log()[-3000:])
            time.sleep(0.05)

    def test_postfix_delivers_through_the_unix_socket_and_keeps_what_relais_cannot_store(self):
        self.postfix.send(harness.make_mail(subject="Par Postfix"))
        self.wait_for("no request", lambda: self.requests() == ["Par Postfix"])
        self.wait_for("not sent", lambda: "status=sent" in self.postfix.log())

        # The message store cannot be written: its directory is replaced by a file.
        messages = os.path.join(self.relais.state_dir, "messages")
        os.rename(messages, messages + ".away")
        with open(messages, "w") as f:
            f.write("not a directory\n")
        self.postfix.send(harness.make_mail(subject="Pendant la panne"))
        self.wait_for("no deferral", lambda: "said: 451" in self.postfix.log())
        self.assertEqual(len(self.postfix.queued()), 1)
        time.sleep(2)  # Postfix retries meanwhile, and is refused again
        self.assertEqual(self.requests(), ["Par Postfix"])

        os.remove(messages)
        os.rename(messages + ".away", messages)
        self.postfix.flush()
        self.wait_for("the deferred message not delivered",
                      lambda: self.requests() == ["Par Postfix", "Pendant la panne"])
        self.wait_for("the queue not empty", lambda: not self.postfix.queued())


if __name__ == "__main__":
    harness.main()
