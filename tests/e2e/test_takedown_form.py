"""The public takedown form through the real daemon, posted like a browser posts it
(multipart/form-data built by hand, http.client so that the 303 itself is seen): a valid form
opens a case and mails a confirmation link that a button confirms; a photo of a publication
removes it at once without that link; a filled honeypot creates nothing; a flood from one
address gets 429 after takedown.form_requests_per_day; a 60 MB body gets a clear 413 page and
the daemon stays healthy."""

import hashlib
import hmac
import html
import http.client
import os
import re
import subprocess
import tempfile
import time

import harness
from harness import RelaisTestCase, text_of

SAMPLES = "/usr/share/doc/opencv-doc/examples/data"
TAKEDOWN = "droit-image@example.org"
REQUESTER = "habitante@exterieur.net"
CASE_RE = re.compile(r"DI-\d{4}-\d{4,}")
STAMP_RE = re.compile(r'name="stamp" value="([^"]+)"')
CONFIRM_RE = re.compile(r"(https?://[^/\s]+)(/takedown/confirm/[A-Za-z0-9_-]{43})")
CSRF_RE = re.compile(r'name="csrf" value="([0-9a-f]+)"')


def jpeg(name, *args):
    with tempfile.NamedTemporaryFile(suffix=".jpg") as out:
        subprocess.run(["convert", os.path.join(SAMPLES, name), *args, out.name], check=True,
                       timeout=60)
        with open(out.name, "rb") as f:
            return f.read()


def multipart(fields, files=()):
    """(content type, body) as a browser builds them; files = [(filename, type, bytes)]."""
    boundary = "----relaisE2E" + os.urandom(8).hex()
    out = b""
    for name, value in fields.items():
        out += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n"
                .encode() + value.encode() + b"\r\n")
    for filename, ctype, data in files:
        out += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; "
                f"filename=\"{filename}\"\r\nContent-Type: {ctype}\r\n\r\n").encode() + data + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return f"multipart/form-data; boundary={boundary}", out


class Answer:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def __repr__(self):
        return f"Answer({self.status}, {self.body[:300]!r})"


class TakedownForm(RelaisTestCase):
    def raw_post(self, path, ctype, body, timeout=60):
        conn = http.client.HTTPConnection("127.0.0.1", self.relais.http_port, timeout=timeout)
        try:
            conn.request("POST", path, body=body, headers={"Content-Type": ctype})
            r = conn.getresponse()
            return Answer(r.status, dict(r.getheaders()), r.read().decode("utf-8", "replace"))
        finally:
            conn.close()

    def stamp(self, age=10):
        """The stamp of a form page served `age` seconds ago (a browser would have waited)."""
        with open(os.path.join(self.relais.state_dir, "secrets", "token.key"), "rb") as f:
            key = f.read().rstrip(b"\r\n")
        ms = str(int((time.time() - age) * 1000))
        mac = hmac.new(key, b"csrf" + f"takedown-form:{ms}".encode(), hashlib.sha256).hexdigest()
        return f"{ms}.{mac}"

    def send_form(self, email=REQUESTER, description="Je suis sur la photo de la fête, à gauche.",
                  files=(), stamp=None, **extra):
        fields = {"stamp": stamp or self.stamp(), "name": "Camille Durand", "email": email,
                  "description": description, "urls": "", "website": ""}
        fields.update(extra)
        ctype, body = multipart(fields, files)
        return self.raw_post("/takedown", ctype, body)

    def cases(self):
        return self.relais.query("SELECT * FROM takedown_cases ORDER BY id")

    def test_valid_form_then_confirmation_link(self):
        r = self.relais
        page = r.get("/takedown")
        self.assertEqual(page.status, 200, page)
        self.assertIn('<html lang="fr">', page.body)
        self.assertNotIn("<script", page.body)
        stamp = html.unescape(STAMP_RE.search(page.body).group(1))
        time.sleep(2.1)  # a person takes longer than that; a robot posting at once is refused
        answer = self.send_form(stamp=stamp, files=[("moi.jpg", "image/jpeg", harness.photo_bytes()),
                                                    ("note.txt", "text/plain", b"a note")])
        self.assertEqual(answer.status, 303, answer)
        location = answer.headers["Location"]
        case_ref = CASE_RE.search(location).group(0)
        self.assertIn("confirm=1", location)
        done = r.get(location)
        self.assertEqual(done.status, 200, done)
        self.assertIn(case_ref, done.body)

        rows = self.cases()
        self.assertEqual(len(rows), 1)
        case = rows[0]
        self.assertEqual((case["reference"], case["origin"], case["state"], case["email_confirmed"],
                          case["requester"]), (case_ref, "form", "received", 0, REQUESTER))
        evidence = r.query("SELECT filename, phash FROM case_evidence WHERE case_id = ? "
                           "ORDER BY position", case["id"])
        self.assertEqual([e["filename"] for e in evidence], ["moi.jpg", "note.txt"])
        self.assertIsNotNone(evidence[0]["phash"])
        self.assertIsNone(evidence[1]["phash"])

        # The mail with the link; its GET changes nothing, the button does.
        mail = r.wait_mail(to=REQUESTER, subject_has=case_ref)[0]
        link = CONFIRM_RE.search(text_of(mail))
        self.assertIsNotNone(link, text_of(mail))
        shown = r.get(link.group(2))
        self.assertEqual(shown.status, 200, shown)
        self.assertEqual(r.query("SELECT email_confirmed FROM takedown_cases")[0]["email_confirmed"], 0)
        csrf = html.unescape(CSRF_RE.search(shown.body).group(1))
        confirmed = r.post(link.group(2), {"csrf": csrf})
        self.assertEqual(confirmed.status, 200, confirmed)
        self.assertIn(case_ref, confirmed.body)
        self.assertEqual(r.query("SELECT email_confirmed FROM takedown_cases")[0]["email_confirmed"], 1)
        self.assertEqual(r.post(link.group(2), {"csrf": csrf}).status, 410)
        subjects = [str(m["Subject"]) for m in r.wait_mail(to=REQUESTER, subject_has=case_ref, count=2)]
        self.assertTrue(any("bien été reçue" in s for s in subjects), subjects)
        r.wait_mail(to=harness.REFERENT, subject_has=case_ref)

        # The log names the case, never the requester or the text.
        log = r.log_text()
        self.assertIn(f"takedown_form received case={case_ref}", log)
        self.assertIn(f"takedown_form confirmed case={case_ref}", log)
        for line in log.splitlines():
            if "takedown_form" in line:
                self.assertNotIn(REQUESTER, line)
                self.assertNotIn("photo de la fête", line)

    def test_photo_of_a_publication_is_removed_without_confirmation(self):
        r = self.relais
        original = jpeg("building.jpg", "-resize", "1600x", "-quality", "92")
        ref = self.submit(subject="Fête de quartier", attachments=[(original, "image/jpeg", "photo.jpg")])
        self.assertEqual(r.decide(self.referent_token(ref), "approve").status, 200)
        r.wait_state(ref, "published")
        r.wait_outbox_idle()
        copy = jpeg("building.jpg", "-resize", "700x", "-quality", "70")
        answer = self.send_form(files=[("capture.jpg", "image/jpeg", copy)])
        self.assertEqual(answer.status, 303, answer)
        self.assertNotIn("confirm=1", answer.headers["Location"])
        r.wait_state(ref, "taken_down")
        case = self.cases()[0]
        self.assertEqual(case["email_confirmed"], 0)
        self.assertNotEqual(case["state"], "received")
        r.wait_mail(to=REQUESTER, subject_has=case["reference"])

    def test_honeypot_creates_nothing(self):
        r = self.relais
        answer = self.send_form(email="robot@spam.example", website="https://spam.example/")
        self.assertEqual(answer.status, 303, answer)
        self.assertTrue(answer.headers["Location"].startswith("/takedown/received"), answer.headers)
        self.assertEqual(self.cases(), [])
        self.assertEqual(r.query("SELECT count(*) AS n FROM form_hits")[0]["n"], 0)
        self.assertIn("takedown_form honeypot", r.log_text())
        time.sleep(0.3)
        self.assertEqual(r.outbox_files(), [])

    def test_flood_from_one_address(self):
        r = self.relais
        per_day = 5  # takedown.form_requests_per_day, default
        statuses = [self.send_form(description=f"demande {i}").status for i in range(per_day + 3)]
        self.assertEqual(statuses, [303] * per_day + [429] * 3)
        refused = self.send_form(email="autre@exterieur.net")  # same network
        self.assertEqual(refused.status, 429, refused)
        self.assertIn(TAKEDOWN, refused.body)
        self.assertIn("Retry-After", refused.headers)
        self.assertEqual(len(self.cases()), per_day)

    def test_errors_keep_the_values(self):
        answer = self.send_form(email="pas-une-adresse", description="<b>ma photo</b>")
        self.assertEqual(answer.status, 400, answer)
        self.assertIn('href="#email"', answer.body)
        self.assertIn("&lt;b&gt;ma photo&lt;/b&gt;", answer.body)
        fast = self.send_form(stamp=self.stamp(age=0))
        self.assertEqual(fast.status, 400, fast)
        self.assertEqual(self.cases(), [])

    def test_sixty_megabytes_get_a_clear_413(self):
        r = self.relais
        started = time.monotonic()
        ctype, body = multipart({"stamp": self.stamp(), "email": REQUESTER, "description": "x"},
                                [("big.jpg", "image/jpeg", os.urandom(60 * 1024 * 1024))])
        answer = self.raw_post("/takedown?lang=en", ctype, body)
        print(f"60 MB answered {answer.status} in {time.monotonic() - started:.2f} s")
        self.assertEqual(answer.status, 413, answer)
        self.assertIn('<html lang="en">', answer.body)
        self.assertIn("25 MB", answer.body)
        self.assertIn('name="stamp"', answer.body)  # the form again, ready to be sent
        self.assertEqual(r.get("/healthz").status, 200)
        self.assertEqual(self.cases(), [])
        media = os.path.join(r.state_dir, "media")
        self.assertEqual(sum(len(f) for _, _, f in os.walk(media)), 0)
        # Still serving forms.
        self.assertEqual(self.send_form().status, 303)


if __name__ == "__main__":
    harness.main()
