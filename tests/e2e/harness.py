"""End-to-end harness: runs the real relaisd in a temporary directory with a generated
configuration on free loopback ports, and drives it with real SMTP and HTTP clients.
Failures raise AssertionError with the daemon's log tail, so a CI log says what went wrong."""

import email
import email.policy
import email.utils
import glob
import hashlib
import hmac
import html
import os
import re
import shutil
import signal
import smtplib
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request
from email.message import EmailMessage

RELAISD = os.environ.get("RELAISD", "")
SOURCE_DIR = os.environ.get("RELAIS_SOURCE_DIR", "")

AGENT = "agent@example.org"
REFERENT = "referent@example.org"
SUBMISSION = "publications@example.org"
LINK_RE = re.compile(r"(https?://[^/\s]+)/a/([A-Za-z0-9_-]{43})\?action=([a-z_]+)")
CSRF_RE = re.compile(r'name="csrf" value="([0-9a-f]+)"')


def parse_args():
    """argv: relaisd path, repo root (both also accepted from RELAISD / RELAIS_SOURCE_DIR)."""
    global RELAISD, SOURCE_DIR
    args = sys.argv[1:]
    if len(args) >= 1:
        RELAISD = os.path.abspath(args[0])
    if len(args) >= 2:
        SOURCE_DIR = os.path.abspath(args[1])
    if not SOURCE_DIR:
        SOURCE_DIR = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
    if not RELAISD or not os.access(RELAISD, os.X_OK):
        sys.exit(f"usage: {sys.argv[0]} PATH/TO/relaisd [REPO_ROOT] (got relaisd={RELAISD!r})")


def main():
    parse_args()
    unittest.main(argv=[sys.argv[0], "-v"] + sys.argv[3:])


OPENCV_DATA = "/usr/share/doc/opencv-doc/examples/data"


def photo_bytes():
    """A photo that passes the checks: 1508 x 1080, sharp, well exposed, no face. Made once per
    machine from four of the real photos Debian's opencv-doc installs, side by side (none is
    enlarged, so the mosaic stays as sharp as they are)."""
    path = os.path.join(tempfile.gettempdir(), "relais-e2e-photo-v1.jpg")
    if not os.path.exists(path):
        part = path + ".%d" % os.getpid()
        src = [os.path.join(OPENCV_DATA, n) for n in ("building.jpg", "aero1.jpg", "home.jpg", "fruits.jpg")]
        subprocess.run(
            ["convert", src[0], src[1], "+append", "(", src[2], src[3], "+append", ")",
             "-append", "-strip", "-quality", "88", part],
            check=True,
        )
        os.replace(part, path)
    with open(path, "rb") as f:
        return f.read()


def blurred_photo_bytes():
    """The same photo out of focus: what the blur check must send back to the agent."""
    path = os.path.join(tempfile.gettempdir(), "relais-e2e-photo-blurred-v1.jpg")
    if not os.path.exists(path):
        photo_bytes()
        part = path + ".%d" % os.getpid()
        sharp = os.path.join(tempfile.gettempdir(), "relais-e2e-photo-v1.jpg")
        subprocess.run(["convert", sharp, "-gaussian-blur", "0x4", "-quality", "88", part], check=True)
        os.replace(part, path)
    with open(path, "rb") as f:
        return f.read()


def video_bytes():
    """A 1920 x 1080 H.264 clip of 2 s made by ffmpeg from its generated test picture."""
    path = os.path.join(tempfile.gettempdir(), "relais-e2e-video-v1.mp4")
    if not os.path.exists(path):
        part = path + ".%d.mp4" % os.getpid()
        subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i",
                        "testsrc2=size=1920x1080:rate=25", "-t", "2", "-c:v", "libx264",
                        "-preset", "ultrafast", "-g", "25", "-pix_fmt", "yuv420p", part],
                       check=True)
        os.replace(part, path)
    with open(path, "rb") as f:
        return f.read()


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def toml_str(s):
    return '"' + str(s).replace("\\", "\\\\").replace('"', '\\"') + '"'


def make_mail(
    subject="Fête de quartier",
    text="Samedi, la fête de quartier a réuni 300 habitants place du marché.\nAuteur : Jeanne Martin\n",
    sender=AGENT,
    to=SUBMISSION,
    attachments=None,
    headers=None,
    message_id=None,
):
    """A submission as a mail client would send it; attachments = [(bytes, type, filename)]."""
    m = EmailMessage()
    m["From"] = sender
    m["To"] = to
    m["Subject"] = subject
    m["Date"] = email.utils.formatdate(localtime=True)
    m["Message-ID"] = message_id or email.utils.make_msgid(domain="example.org")
    for k, v in (headers or {}).items():
        m[k] = v
    if text is not None:
        m.set_content(text)
    if attachments is None:
        attachments = [(photo_bytes(), "image/jpeg", "photo.jpg")]
    for data, ctype, name in attachments:
        maintype, subtype = ctype.split("/", 1)
        m.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return m


def text_of(msg):
    part = msg.get_body(preferencelist=("plain",))
    return part.get_content() if part is not None else ""


class HttpAnswer:
    def __init__(self, status, body, headers):
        self.status = status
        self.body = body
        self.headers = headers

    def __repr__(self):
        return f"HttpAnswer({self.status}, {self.body[:300]!r})"


class Relais:
    """One relaisd process over one state directory; restartable on the same state."""

    def __init__(self, workdir=None, mail=None, workflow=None, general=None, security=None,
                 checks=None, channels=None, sections=None, referent=None, env=None):
        self.dir = workdir or tempfile.mkdtemp(prefix="relais-e2e-")
        self.state_dir = os.path.join(self.dir, "var")
        self.http_port = free_port()
        self.smtp_port = free_port()
        self.base_url = f"http://127.0.0.1:{self.http_port}"
        self.config_path = os.path.join(self.dir, "relais.toml")
        self.log_path = os.path.join(self.dir, "relaisd.log")
        self.proc = None
        self.starts = 0
        self.env = env or {}  # more environment for relaisd (a fake clock)
        self.sections = dict(sections or {})  # more tables: {"mail.imap": {...}}
        self.referent = referent or {}  # keys of [referent] to change
        # Tests run at any hour: everyone works round the clock unless a test says otherwise.
        self.working_hours = self.sections.pop(
            "working_hours", {"default": "mon-sun 00:00-24:00", "public_holidays": "none"})
        self._write_config(mail or {}, workflow or {}, general or {}, security or {}, checks or {},
                           channels or {})

    # -- configuration -------------------------------------------------------------------
    def _write_config(self, mail, workflow, general, security, checks, channels):
        def section(name, values):
            lines = [f"[{name}]"]
            for k, v in values.items():
                if isinstance(v, bool):
                    lines.append(f"{k} = {'true' if v else 'false'}")
                elif isinstance(v, int):
                    lines.append(f"{k} = {v}")
                elif isinstance(v, list):
                    lines.append(f"{k} = [{', '.join(toml_str(x) for x in v)}]")
                else:
                    lines.append(f"{k} = {toml_str(v)}")
            return "\n".join(lines) + "\n"

        g = {
            "state_dir": self.state_dir,
            "timezone": "Europe/Paris",
            "language": "fr",
            "templates_dir": os.path.join(SOURCE_DIR, "etc", "templates"),
            "lexicons_dir": os.path.join(SOURCE_DIR, "etc", "lexicons"),
            "log_level": "info",
        }
        g.update(general)
        m = {
            "submission_address": SUBMISSION,
            "takedown_address": "droit-image@example.org",
            "from_address": SUBMISSION,
            "from_name": "relais — publications",
            "allowed_senders": ["example.org"],
            "max_message_bytes": 26214400,
            "max_recipients": 10,
            "smtp_listen": f"127.0.0.1:{self.smtp_port}",
            "lmtp_listen": "",
        }
        m.update(mail)
        w = {
            "default_channels": ["site"],
            "publish_delay_minutes": 0,
            "needs_changes_expiry_days": 14,
            "approval_expiry_days": 14,
            "link_ttl_hours": 168,
        }
        w.update(workflow)
        text = (
            section("general", g)
            + section("http", {"listen": f"127.0.0.1:{self.http_port}", "public_url": self.base_url})
            + section("mail", m)
            + section(
                "mail.relay",
                {"host": "", "port": 587, "tls": "starttls", "username": "", "password_file": "",
                 "timeout_seconds": 30},
            )
            + section(
                "referent",
                {"address": REFERENT, "name": "Référent réseaux sociaux",
                 "backup_address": "suppleant@example.org", **self.referent},
            )
            + section("workflow", w)
            + section("working_hours", self.working_hours)
            + section("security", {"token_key_file": "", **security})
            + (section("checks", checks) if checks else "")
            + section("outbox", {"max_attempts": 12, "backoff_initial_seconds": 1,
                                 "backoff_max_seconds": 60})
            + section(
                "channels.site",
                {"type": "site", "dir": os.path.join(self.state_dir, "site"), "title": "Actualités",
                 "public_url": ""},
            )
            + "".join(section("channels." + name, values) for name, values in channels.items())
            + "".join(section(name, values) for name, values in self.sections.items())
        )
        with open(self.config_path, "w", encoding="utf-8") as f:
            f.write(text)

    # -- relaisctl (next to relaisd in the build tree) ---------------------------------------
    def ctl(self, *args):
        """Runs relaisctl on this daemon's config; returns (exit code, stdout, stderr)."""
        ctl = os.path.join(os.path.dirname(RELAISD), "relaisctl")
        env = dict(os.environ)
        env.update(self.env)  # the same clock as relaisd's
        p = subprocess.run([ctl, "--config", self.config_path, *args], cwd=self.dir,
                           capture_output=True, text=True, timeout=60, env=env)
        return p.returncode, p.stdout, p.stderr

    # -- process -------------------------------------------------------------------------
    def start(self, timeout=30):
        assert self.proc is None or self.proc.poll() is not None, "relaisd already running"
        self.starts += 1
        log = open(self.log_path, "ab")
        log.write(f"\n===== start #{self.starts} =====\n".encode())
        log.flush()
        env = dict(os.environ)
        env.setdefault("ASAN_OPTIONS", "detect_leaks=1")
        env.update(self.env)
        self.proc = subprocess.Popen(
            [RELAISD, "--config", self.config_path],
            cwd=self.dir, stdout=log, stderr=subprocess.STDOUT, env=env,
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"relaisd exited with {self.proc.returncode} at start\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(self.base_url + "/healthz", timeout=1) as r:
                    if r.status == 200:
                        self._wait_smtp(deadline)
                        return self
            except (urllib.error.URLError, ConnectionError, socket.timeout):
                pass
            time.sleep(0.05)
        raise AssertionError(f"relaisd not ready after {timeout} s\n{self.log_tail()}")

    def _wait_smtp(self, deadline):
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.smtp_port), timeout=1):
                    return
            except OSError:
                time.sleep(0.05)
        raise AssertionError("SMTP port never opened\n" + self.log_tail())

    @property
    def pid(self):
        return self.proc.pid

    def stop(self, timeout=10):
        """SIGTERM; asserts the daemon exits within `timeout` seconds with code 0."""
        assert self.proc is not None and self.proc.poll() is None, "relaisd not running"
        t0 = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError(f"relaisd did not stop within {timeout} s of SIGTERM\n{self.log_tail()}")
        elapsed = time.monotonic() - t0
        if rc != 0:
            raise AssertionError(f"relaisd exited with {rc} after SIGTERM\n{self.log_tail()}")
        return elapsed

    def kill9(self):
        assert self.proc is not None and self.proc.poll() is None, "relaisd not running"
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def restart(self):
        if self.proc is not None and self.proc.poll() is None:
            self.stop()
        return self.start()

    def close(self, keep=False):
        """Stops whatever still runs (tests call stop() themselves to assert on it)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if not keep and not os.environ.get("RELAIS_E2E_KEEP"):
            shutil.rmtree(self.dir, ignore_errors=True)

    def log_tail(self, n=60):
        try:
            with open(self.log_path, "r", encoding="utf-8", errors="replace") as f:
                lines = f.readlines()
            return "---- relaisd log (tail) ----\n" + "".join(lines[-n:])
        except OSError:
            return "(no log)"

    def log_text(self):
        with open(self.log_path, "r", encoding="utf-8", errors="replace") as f:
            return f.read()

    # -- SMTP ----------------------------------------------------------------------------
    def smtp(self, timeout=30):
        return smtplib.SMTP("127.0.0.1", self.smtp_port, local_hostname="client.example.org",
                            timeout=timeout)

    def send(self, msg, mail_from=None, rcpt=None):
        """Sends with smtplib. Returns (code, text) of the DATA answer, or of the first refusal."""
        mail_from = mail_from if mail_from is not None else email.utils.parseaddr(str(msg["From"]))[1]
        rcpt = rcpt or [email.utils.parseaddr(str(msg["To"]))[1]]
        data = msg.as_bytes(policy=email.policy.SMTP) if isinstance(msg, EmailMessage) else msg
        with self.smtp() as s:
            s.ehlo()
            code, text = s.mail(mail_from)
            if code != 250:
                return code, text.decode(errors="replace")
            accepted = 0
            last = (0, b"")
            for r in rcpt:
                code, text = s.rcpt(r)
                last = (code, text)
                if code in (250, 251):
                    accepted += 1
            if accepted == 0:
                return last[0], last[1].decode(errors="replace")
            code, text = s.data(data)
            return code, text.decode(errors="replace")

    def send_swaks(self, mail_from, to, subject, body, attach=None, attach_type="image/jpeg",
                   extra=()):
        """Sends with swaks; returns (exit code, transcript)."""
        cmd = ["swaks", "--server", f"127.0.0.1:{self.smtp_port}", "--from", mail_from,
               "--to", to, "--helo", "client.example.org", "--header", f"Subject: {subject}",
               "--body", body, "--timeout", "30"]
        if attach:
            cmd += ["--attach-type", attach_type, "--attach", "@" + attach]
        cmd += list(extra)
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        return p.returncode, p.stdout + p.stderr

    # -- outgoing mail (Maildir) ------------------------------------------------------------
    def outbox_files(self):
        base = os.path.join(self.state_dir, "outbox")
        return sorted(glob.glob(os.path.join(base, "new", "*")) + glob.glob(os.path.join(base, "cur", "*")))

    def outbox(self):
        out = []
        for path in self.outbox_files():
            with open(path, "rb") as f:
                m = email.message_from_binary_file(f, policy=email.policy.default)
            m.path = path
            out.append(m)
        return out

    def mails(self, to=None, subject_has=None):
        res = []
        for m in self.outbox():
            if to and to.lower() not in str(m["To"]).lower():
                continue
            if subject_has and subject_has not in str(m["Subject"]):
                continue
            res.append(m)
        return res

    def wait_mail(self, to=None, subject_has=None, timeout=15, count=1):
        deadline = time.monotonic() + timeout
        while True:
            found = self.mails(to, subject_has)
            if len(found) >= count:
                return found
            if time.monotonic() > deadline:
                subjects = [(str(m["To"]), str(m["Subject"])) for m in self.outbox()]
                raise AssertionError(
                    f"no mail to={to!r} subject~{subject_has!r} within {timeout} s; outbox: {subjects}\n"
                    + self.log_tail())
            time.sleep(0.05)

    # -- links and HTTP --------------------------------------------------------------------
    @staticmethod
    def links(msg):
        """{action: (base, token)} from the text part of a referent mail."""
        return {a: (b, t) for b, t, a in LINK_RE.findall(text_of(msg))}

    def http(self, method, path, fields=None, raw_body=None):
        url = path if path.startswith("http") else self.base_url + path
        data = None
        headers = {}
        if fields is not None:
            data = urllib.parse.urlencode(fields, doseq=True).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif raw_body is not None:
            data = raw_body
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        req = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return HttpAnswer(r.status, r.read().decode("utf-8", "replace"), dict(r.headers))
        except urllib.error.HTTPError as e:
            return HttpAnswer(e.code, e.read().decode("utf-8", "replace"), dict(e.headers))

    def get(self, path):
        return self.http("GET", path)

    def get_bytes(self, path, headers=None):
        """(status, body bytes, headers) of a GET, for files rather than pages."""
        req = urllib.request.Request(self.base_url + path, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, r.read(), dict(r.headers)
        except urllib.error.HTTPError as e:
            return e.code, e.read(), dict(e.headers)

    def post(self, path, fields=None, raw_body=None):
        return self.http("POST", path, fields=fields, raw_body=raw_body)

    @staticmethod
    def csrf_in(page):
        m = CSRF_RE.search(page.body)
        assert m, f"no csrf field in page {page!r}"
        return html.unescape(m.group(1))

    def csrf_for(self, token):
        """The CSRF value the daemon expects, computed from the generated key (forged-link tests)."""
        with open(os.path.join(self.state_dir, "secrets", "token.key"), "rb") as f:
            key = f.read().rstrip(b"\r\n")
        return hmac.new(key, b"csrf" + token.encode(), hashlib.sha256).hexdigest()

    def decide(self, token, action="approve", **extra):
        """GET the confirmation page, then POST its form like a browser would."""
        page = self.get(f"/a/{token}?action={action}")
        assert page.status == 200, f"GET /a/TOKEN answered {page!r}"
        fields = {"csrf": self.csrf_in(page), "action": action}
        if action == "approve" and "channel" not in extra:
            fields["channel"] = "site"
        fields.update(extra)
        return self.post(f"/a/{token}", fields)

    def metrics(self):
        r = self.get("/metrics")
        assert r.status == 200, r
        out = {}
        for line in r.body.splitlines():
            if line and not line.startswith("#"):
                name, _, value = line.rpartition(" ")
                out[name] = float(value)
        return out

    # -- database ----------------------------------------------------------------------------
    def db(self):
        """Read-only connection to the store (works while the daemon runs: WAL)."""
        path = os.path.join(self.state_dir, "relais.db")
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
        con.row_factory = sqlite3.Row
        return con

    def query(self, sql, *params):
        con = self.db()
        try:
            return [dict(r) for r in con.execute(sql, params)]
        finally:
            con.close()

    def state_of(self, reference):
        rows = self.query("SELECT state FROM requests WHERE reference = ?", reference)
        return rows[0]["state"] if rows else None

    def wait_state(self, reference, states, timeout=15):
        states = {states} if isinstance(states, str) else set(states)
        deadline = time.monotonic() + timeout
        while True:
            s = self.state_of(reference)
            if s in states:
                return s
            if time.monotonic() > deadline:
                raise AssertionError(f"{reference} is {s!r}, not in {sorted(states)} after {timeout} s\n"
                                     + self.log_tail())
            time.sleep(0.05)

    def wait_outbox_idle(self, timeout=15):
        """Until every queued effect due now is done (mails written, posts made); reminders
        hours ahead are not work in progress."""
        deadline = time.monotonic() + timeout
        soon = lambda: int((time.time() + 60) * 1000)  # noqa: E731
        while self.query("SELECT count(*) AS n FROM outbox WHERE done_at IS NULL AND due_at < ?",
                         soon())[0]["n"]:
            if time.monotonic() > deadline:
                raise AssertionError("outbox still busy\n" + self.log_tail())
            time.sleep(0.05)

    def files_outside_state(self):
        """Every file under the test directory that is not in state_dir, config or log."""
        keep = {self.config_path, self.log_path}
        out = []
        for root, _dirs, files in os.walk(self.dir):
            for f in files:
                p = os.path.join(root, f)
                if p in keep or p.startswith(self.state_dir + os.sep):
                    continue
                out.append(p)
        return out


REF_RE = re.compile(r"PUB-\d{4}-\d{4,}")


def reference_in(reply):
    m = REF_RE.search(reply)
    assert m, f"no reference in {reply!r}"
    return m.group(0)


class RelaisTestCase(unittest.TestCase):
    """Starts a daemon per test; subclasses set `config = dict(mail=..., workflow=...)`."""

    config = {}

    def setUp(self):
        self.relais = Relais(**self.config)
        self.relais.start()

    def tearDown(self):
        failed = False
        result = getattr(getattr(self, "_outcome", None), "result", None)
        if result is not None:
            failed = any(t is self for t, _ in result.errors + result.failures)
        if failed:
            print(self.relais.log_tail(), file=sys.stderr)
        self.relais.close(keep=failed)

    def submit(self, **kw):
        code, reply = self.relais.send(make_mail(**kw))
        self.assertEqual(code, 250, reply)
        return reference_in(reply)

    def referent_token(self, reference, action="approve"):
        m = self.relais.wait_mail(to=REFERENT, subject_has=reference)[-1]
        links = Relais.links(m)
        self.assertIn(action, links, f"no {action} link in referent mail:\n{text_of(m)}")
        return links[action][1]
