"""The checks stage end to end: a blurred photo goes back to the agent with a French mail that
says so; the agent's reply in the thread with a sharp photo reaches the referent; the completion
form fills in what is missing; a published photo carries no GPS position; the referent lifts a
finding with relaisctl; in a pre-election period every approval is confirmed on purpose."""
import datetime
import os
import re
import subprocess
import time

import harness
from harness import AGENT, REFERENT, RelaisTestCase, text_of

COMPLETION_RE = re.compile(r"(https?://[^\s]+)/c/([A-Za-z0-9_-]+)")


class Checks(RelaisTestCase):
    def needs_changes_mail(self, ref):
        r = self.relais
        r.wait_state(ref, "needs_changes")
        return r.wait_mail(to=AGENT, subject_has="Modifications demandées")[-1]

    def test_blurred_photo_then_a_sharp_one_in_the_thread(self):
        r = self.relais
        ref = self.submit(subject="Fête de quartier",
                          attachments=[(harness.blurred_photo_bytes(), "image/jpeg", "IMG_0042.jpg")])
        mail = self.needs_changes_mail(ref)
        body = text_of(mail)
        self.assertIn("IMG_0042.jpg", body)
        self.assertIn("floue", body)
        self.assertIn("À corriger", body)
        self.assertRegex(body, COMPLETION_RE)
        self.assertEqual(r.mails(to=REFERENT, subject_has=ref), [], "the referent is not bothered")

        reply = harness.make_mail(
            subject="Re: " + str(mail["Subject"]),
            text="Voici une photo nette.\n\nLe 14 mars 2026, relais a écrit :\n> La photo est floue.\n",
            attachments=[(harness.photo_bytes(), "image/jpeg", "IMG_0043.jpg")],
            headers={"In-Reply-To": mail["Message-ID"], "References": mail["Message-ID"]})
        code, answer = r.send(reply)
        self.assertEqual(code, 250, answer)
        r.wait_state(ref, "awaiting_approval")
        request_mail = r.wait_mail(to=REFERENT, subject_has=ref)[-1]
        self.assertIn("IMG_0043.jpg", text_of(request_mail))
        self.assertNotIn("IMG_0042.jpg", text_of(request_mail), "the new photo replaces the blurred one")
        text = r.query("SELECT text FROM requests WHERE reference = ?", ref)[0]["text"]
        self.assertEqual(text, "Voici une photo nette.", "the quoted mail is not taken as new text")

    def test_completion_form_fills_in_the_author(self):
        r = self.relais
        ref = self.submit(subject="Atelier vélo",
                          text="Atelier de réparation de vélos au centre social, dix vélos remis en état.\n")
        body = text_of(self.needs_changes_mail(ref))
        self.assertIn("auteur", body.lower())
        base, token = COMPLETION_RE.search(body).groups()
        page = r.get(f"/c/{token}")
        self.assertEqual(page.status, 200, page)
        self.assertIn("Atelier de réparation de vélos", page.body, "the form is prefilled")
        self.assertIn('name="author"', page.body)
        self.assertNotIn("<script", page.body)
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.body).group(1)

        bad = r.post(f"/c/{token}", {"csrf": "x" * 64, "author": "Paul Durand"})
        self.assertEqual(bad.status, 403)
        done = r.post(f"/c/{token}", {
            "csrf": csrf, "text": "Atelier de réparation de vélos au centre social.",
            "author": "Paul Durand", "people": "aucune personne identifiable", "consent": "",
            "event_date": "", "network": "site"})
        self.assertEqual(done.status, 200, done)
        r.wait_state(ref, "awaiting_approval")
        row = r.query("SELECT author, declaration FROM requests WHERE reference = ?", ref)[0]
        self.assertEqual(row["author"], "Paul Durand")
        self.assertIn("aucune personne identifiable", row["declaration"])
        again = r.post(f"/c/{token}", {"csrf": csrf, "author": "Quelqu'un d'autre"})
        self.assertIn(again.status, (409, 410), "a completion link works once")

    def test_personal_data_is_sent_back(self):
        r = self.relais
        ref = self.submit(text="Inscriptions auprès de Léa au 06 12 34 56 78.\nAuteur : Jeanne Martin\n")
        body = text_of(self.needs_changes_mail(ref))
        self.assertIn("numéro de téléphone", body)
        self.assertNotIn("06 12 34 56 78", body, "the mail masks the number")

    def test_agent_contests_a_finding_and_the_referent_approves(self):
        r = self.relais
        ref = self.submit(text="Renseignements au standard de la mairie : 04 50 12 34 56.\n"
                               "Auteur : Jeanne Martin\n")
        body = text_of(self.needs_changes_mail(ref))
        base, token = COMPLETION_RE.search(body).groups()
        page = r.get(f"/c/{token}")
        self.assertIn('name="contest" value="personal_data.phone"', page.body)
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.body).group(1)
        fields = {"csrf": csrf, "text": "", "author": "", "people": "", "consent": "",
                  "event_date": "", "contest": "personal_data.phone"}
        missing = r.post(f"/c/{token}", fields)
        self.assertEqual(missing.status, 400, "a contest needs its explanation")
        self.assertIn("Expliquez au référent", missing.body)
        done = r.post(f"/c/{token}", {**fields, "contest_reason": "le standard, public"})
        self.assertEqual(done.status, 200, done)
        r.wait_state(ref, "awaiting_approval")
        mail = text_of(r.wait_mail(to=REFERENT, subject_has=ref)[-1])
        self.assertIn("Contesté par l'agent : le standard, public.", mail)
        self.assertEqual(r.decide(self.referent_token(ref), "approve").status, 200)
        r.wait_state(ref, ("scheduled", "publishing", "published"))
        row = r.query("SELECT overrides FROM requests WHERE reference = ?", ref)[0]
        self.assertIn("referent:" + REFERENT, row["overrides"], "lifted in the referent's name")

    def test_referent_lifts_a_finding_with_relaisctl(self):
        r = self.relais
        ref = self.submit(text="Renseignements à l'accueil de la mairie : 04 50 12 34 56.\n"
                               "Auteur : Jeanne Martin\n")
        self.needs_changes_mail(ref)
        code, out, err = r.ctl("override", ref, "consent.missing", "--reason", "x")
        self.assertEqual(code, 1, out)
        self.assertIn("personal_data.phone", err, "the refusal lists the request's findings")
        code, out, err = r.ctl("override", ref, "personal_data.phone", "--reason",
                               "numéro public de l'accueil")
        self.assertEqual(code, 0, err)
        self.assertIn("needs_changes -> checking", out)
        r.wait_state(ref, "awaiting_approval", timeout=30)
        body = text_of(r.wait_mail(to=REFERENT, subject_has=ref)[-1])
        self.assertIn("Levé par le référent : numéro public de l'accueil.", body)
        self.assertEqual(r.decide(self.referent_token(ref), "approve").status, 200)
        r.wait_state(ref, "published")

    def test_approval_page_shows_the_video_and_the_consent_form(self):
        r = self.relais
        form = b"%PDF-1.4\n% autorisation\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
        ref = self.submit(
            text="Le forum des associations en vidéo.\nAuteur : Jeanne Martin\n"
                 "Personnes : Léa Dupont\nConsentement : formulaire joint\n",
            attachments=[(harness.video_bytes(), "video/mp4", "forum.mp4"),
                         (form, "application/pdf", "autorisation-lea.pdf")])
        token = self.referent_token(ref)
        mail = text_of(r.wait_mail(to=REFERENT, subject_has=ref)[-1])
        self.assertIn("autorisation-lea.pdf — autorisation, gardée comme preuve, jamais publiée",
                      mail)
        page = r.get(f"/a/{token}")
        self.assertEqual(page.status, 200, page)
        video = re.search(r'<video[^>]* poster="([^"]+)" src="([^"]+)"', page.body)
        self.assertIsNotNone(video, page.body)
        self.assertIn("media-src 'self'", page.headers["Content-Security-Policy"])
        status, poster, headers = r.get_bytes(video.group(1))
        self.assertEqual(status, 200)
        self.assertEqual(headers["Content-Type"], "image/jpeg")
        self.assertTrue(poster.startswith(b"\xff\xd8"), "a JPEG poster frame")
        status, clip, headers = r.get_bytes(video.group(2))
        self.assertEqual((status, headers["Content-Type"]), (200, "video/mp4"))
        self.assertEqual(clip, harness.video_bytes())
        self.assertEqual(headers["Accept-Ranges"], "bytes")
        status, part, headers = r.get_bytes(video.group(2), {"Range": "bytes=100-199"})
        self.assertEqual((status, part), (206, clip[100:200]), "phones' players read ranges")
        self.assertEqual(headers["Content-Range"], f"bytes 100-199/{len(clip)}")
        self.assertIn("autorisation-lea.pdf", page.body)
        pdf = re.search(r'<li><a href="([^"]+)">autorisation-lea.pdf</a>', page.body).group(1)
        status, body, headers = r.get_bytes(pdf)
        self.assertEqual(body, form)
        self.assertTrue(headers["Content-Disposition"].startswith("attachment"),
                        "a file from outside is downloaded, not opened on our origin")
        self.assertIn("sandbox", headers["Content-Security-Policy"])
        self.assertEqual(r.get_bytes(f"/a/{token}/m/1/poster")[0], 404, "a PDF has no poster")
        self.assertEqual(r.get_bytes(f"/a/{token}/m/9")[0], 404)
        code, out, err = r.ctl("consent", "list")
        self.assertEqual(code, 0, err)
        self.assertIn("Léa Dupont", out, "the form is entered in the consent registry")
        self.assertIn("autorisation-lea.pdf", out)
        self.assertIn(ref, out, "for this request")

    def test_approval_page_shows_previews_and_links_the_originals(self):
        r = self.relais
        ref = self.submit()
        token = self.referent_token(ref)
        page = r.get(f"/a/{token}")
        self.assertIn(f'<img src="/a/{token}/m/0"', page.body)
        self.assertIn(f'<a href="/a/{token}/m/0/original">', page.body)
        status, preview, headers = r.get_bytes(f"/a/{token}/m/0")
        self.assertEqual((status, headers["Content-Type"]), (200, "image/jpeg"))
        path = os.path.join(r.dir, "preview.jpg")
        with open(path, "wb") as f:
            f.write(preview)
        size = subprocess.run(["identify", "-format", "%w %h", path], capture_output=True,
                              text=True, check=True).stdout
        self.assertEqual(size, "1280 917", "a preview fits 1280 pixels")
        status, original, _ = r.get_bytes(f"/a/{token}/m/0/original")
        self.assertEqual((status, original), (200, harness.photo_bytes()))
        self.assertEqual(r.get_bytes(f"/a/{token}/m/0/poster")[0], 404, "a photo has no poster")

    def test_published_copy_has_no_gps(self):
        r = self.relais
        path = os.path.join(r.dir, "gps.jpg")
        with open(path, "wb") as f:
            f.write(harness.photo_bytes())
        subprocess.run(["exiv2", "-M", "set Exif.GPSInfo.GPSLatitudeRef N",
                        "-M", "set Exif.GPSInfo.GPSLatitude 45/1 54/1 0/1",
                        "-M", "set Exif.GPSInfo.GPSLongitudeRef E",
                        "-M", "set Exif.GPSInfo.GPSLongitude 6/1 7/1 0/1",
                        "-M", "set Exif.Image.Artist Jeanne Martin", path], check=True)
        with open(path, "rb") as f:
            photo = f.read()
        self.assertIn("GPSLatitude", subprocess.run(["exiv2", "-pa", path], capture_output=True,
                                                    text=True).stdout)
        ref = self.submit(attachments=[(photo, "image/jpeg", "gps.jpg")])
        token = self.referent_token(ref)
        self.assertEqual(r.decide(token, "approve").status, 200)
        r.wait_state(ref, "published")
        site = os.path.join(r.state_dir, "site")
        published = [os.path.join(d, f) for d, _, files in os.walk(site) for f in files
                     if f.lower().endswith((".jpg", ".jpeg"))]
        self.assertTrue(published, f"no photo under {site}")
        for p in published:
            tags = subprocess.run(["exiv2", "-pa", p], capture_output=True, text=True).stdout
            self.assertNotIn("GPS", tags, p)
            self.assertIn("Jeanne Martin", tags, "the credit stays")


class ElectionPeriod(RelaisTestCase):
    today = datetime.date.today()
    config = dict(checks={"election_periods": [
        f"{today - datetime.timedelta(days=1)}/{today + datetime.timedelta(days=60)}"]})

    def test_approval_needs_the_confirmation(self):
        r = self.relais
        ref = self.submit(text="Le forum des associations a réuni quarante stands.\n"
                               "Auteur : Jeanne Martin\n")
        mail = r.wait_mail(to=REFERENT, subject_has=ref)[-1]
        self.assertIn("préélectorale", text_of(mail))
        token = self.referent_token(ref)
        page = r.get(f"/a/{token}")
        self.assertIn('name="confirm_election"', page.body)
        refused = r.decide(token, "approve")
        self.assertEqual(refused.status, 400, refused)
        self.assertIn("période préélectorale", refused.body)
        self.assertIn("Rien n'a été modifié", refused.body)
        self.assertEqual(r.state_of(ref), "awaiting_approval")
        done = r.decide(token, "approve", confirm_election="1")
        self.assertEqual(done.status, 200, done)
        r.wait_state(ref, ("scheduled", "publishing", "published"))
        code, out, err = r.ctl("show", ref)
        self.assertIn("approve", out, "the approval is in the request's history")

    def test_political_terms_are_blocking(self):
        r = self.relais
        ref = self.submit(text="Le candidat a inauguré le forum des associations.\n"
                               "Auteur : Jeanne Martin\n")
        r.wait_state(ref, "needs_changes")


if __name__ == "__main__":
    harness.main()
