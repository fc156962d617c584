"""The whole path through the real daemon: a mail with a photo, the agent's acknowledgement,
the referent's mail and links, a harmless GET, the approving POST, the site page, the agent's
"published" mail, the refused second POST, the metrics, and a clean SIGTERM stop."""

import os
import re
import time
import unittest

import harness
from harness import AGENT, REFERENT, Relais, RelaisTestCase, text_of

TEXT = "Samedi, la fête de quartier a réuni 300 habitants place du marché. Merci à tous !"


class WholePath(RelaisTestCase):
    def test_submit_approve_publish(self):
        r = self.relais
        msg = harness.make_mail(subject="Fête de quartier", text=TEXT + "\nAuteur : Jeanne Martin\n")
        code, reply = r.send(msg)
        self.assertEqual(code, 250, reply)
        self.assertRegex(reply, r"^2\.0\.0 Ok: PUB-\d{4}-\d{4}$")
        ref = harness.reference_in(reply)

        # The agent's acknowledgement names the reference.
        ack = r.wait_mail(to=AGENT, subject_has=ref)[0]
        self.assertIn(ref, str(ack["Subject"]))
        self.assertIn("photo.jpg", text_of(ack))

        # The referent's mail carries one link per decision; the text part is 8bit so links stay whole.
        ref_mail = r.wait_mail(to=REFERENT, subject_has=ref)[0]
        plain = ref_mail.get_body(preferencelist=("plain",))
        self.assertEqual(str(plain["Content-Transfer-Encoding"]).lower(), "8bit")
        links = Relais.links(ref_mail)
        self.assertEqual(set(links), {"approve", "request_changes", "reject"}, text_of(ref_mail))
        base, token = links["approve"]
        self.assertEqual(base, r.base_url)
        self.assertEqual(len(token), 43)
        self.assertEqual(r.state_of(ref), "awaiting_approval")

        # GET shows the form and changes nothing, twice.
        for _ in range(2):
            page = r.get(f"/a/{token}?action=approve")
            self.assertEqual(page.status, 200, page)
            self.assertIn('name="csrf"', page.body)
            self.assertIn(ref, page.body)
            self.assertEqual(r.state_of(ref), "awaiting_approval")
        self.assertEqual(r.query("SELECT used_at FROM tokens WHERE used_at IS NOT NULL"), [])
        # The preview image of the request is served through the token.
        img = r.get(f"/a/{token}/m/0")
        self.assertEqual(img.status, 200, img)
        self.assertEqual(img.headers.get("Content-Type"), "image/jpeg")

        # POST approves.
        csrf = r.csrf_in(page)
        answer = r.post(f"/a/{token}", {"csrf": csrf, "action": "approve", "channel": "site"})
        self.assertEqual(answer.status, 200, answer)
        self.assertIn("<h1>Publication approuvée</h1>", answer.body)
        self.assertIn(r.state_of(ref), ("scheduled", "publishing", "published"))

        # Published on the site within a few seconds: text and image.
        index = os.path.join(r.state_dir, "site", "index.html")
        deadline = time.monotonic() + 10
        body = ""
        while time.monotonic() < deadline:
            if os.path.exists(index):
                with open(index, encoding="utf-8") as f:
                    body = f.read()
                if "300 habitants" in body:
                    break
            time.sleep(0.05)
        self.assertIn("300 habitants", body, r.log_tail())
        images = re.findall(r'src="(?:[^"]*/)?(media/[^"]+)"', body)
        self.assertTrue(images, f"no media/ image in index.html:\n{body}")
        for rel in images:
            self.assertTrue(os.path.isfile(os.path.join(r.state_dir, "site", rel)), rel)
        r.wait_state(ref, "published")

        # The agent is told, with the link.
        published = r.wait_mail(to=AGENT, subject_has="En ligne")[0]
        self.assertIn(ref, str(published["Subject"]))
        self.assertRegex(text_of(published), r"site : https?://\S+")

        # The site is served over HTTP too.
        site = r.get("/site/")
        self.assertEqual(site.status, 200)
        self.assertIn("300 habitants", site.body)

        # A second POST is refused with a clear page and changes nothing.
        again = r.post(f"/a/{token}", {"csrf": csrf, "action": "approve", "channel": "site"})
        self.assertEqual(again.status, 409, again)
        self.assertIn("déjà utilisé", again.body)
        self.assertEqual(r.state_of(ref), "published")
        self.assertEqual(len(r.mails(to=AGENT, subject_has="En ligne")), 1)

        # Metrics.
        m = r.metrics()
        self.assertEqual(m.get('relais_requests{state="published"}'), 1.0, m)
        self.assertGreaterEqual(m.get('relais_mail_total{outcome="accepted"}', 0), 1.0)

        # Clean stop.
        elapsed = r.stop(timeout=10)
        self.assertLess(elapsed, 10)

    def test_swaks_submission(self):
        r = self.relais
        photo = os.path.join(r.dir, "photo.jpg")
        with open(photo, "wb") as f:
            f.write(harness.photo_bytes())
        rc, out = r.send_swaks(AGENT, harness.SUBMISSION, "Atelier vélo",
                               "Atelier de réparation de vélos au centre social, dix vélos remis en état.\n"
                               "Auteur : Paul Durand", attach=photo)
        self.assertEqual(rc, 0, out)
        m = re.search(r"<[-~]\s+250 2\.0\.0 Ok: (PUB-\d{4}-\d{4})", out)
        self.assertTrue(m, out)
        ref = m.group(1)
        r.wait_mail(to=AGENT, subject_has=ref)
        r.wait_mail(to=REFERENT, subject_has=ref)
        self.assertEqual(r.query("SELECT count(*) AS n FROM media m JOIN requests q ON q.id = m.request_id "
                                 "WHERE q.reference = ?", ref)[0]["n"], 1)

    def test_sigterm_idle(self):
        elapsed = self.relais.stop(timeout=10)
        self.assertLess(elapsed, 10)
        self.assertIn("relaisd stopped", self.relais.log_text())


if __name__ == "__main__":
    harness.main()
