"""The referent's notification as a mail client sees it: multipart/alternative with the text
first and, for HTML, a multipart/related holding small JPEG pictures; every cid: resolves; the
text part carries the very links of the HTML part; never an original file."""

import re
import struct

import harness
from harness import REFERENT, RelaisTestCase

TEXT = ("Samedi, la fête de quartier a réuni 300 habitants place du marché.\n"
        "Auteur : Jeanne Martin\nPersonnes : aucune personne identifiable\n")


def jpeg_size(data):
    """(width, height) from a JPEG's SOF marker."""
    i = 2
    while i < len(data):
        if data[i] != 0xFF:
            raise ValueError("not a JPEG marker")
        marker = data[i + 1]
        length = struct.unpack(">H", data[i + 2:i + 4])[0]
        if marker in (0xC0, 0xC1, 0xC2):
            h, w = struct.unpack(">HH", data[i + 5:i + 9])
            return w, h
        i += 2 + length
    raise ValueError("no SOF")


class NotificationMailTest(RelaisTestCase):
    def test_structure_pictures_and_links(self):
        r = self.relais
        photo = harness.photo_bytes()
        ref = self.submit(subject="Fête de quartier", text=TEXT,
                          attachments=[(photo, "image/jpeg", "place.jpg"),
                                       (photo, "image/jpeg", "scene.jpg"),
                                       (harness.video_bytes(), "video/mp4", "discours.mp4")])
        mail = r.wait_mail(to=REFERENT, subject_has=ref)[0]
        self.assertIn(ref, str(mail["Subject"]))
        self.assertIn("Fête de quartier", str(mail["Subject"]))

        self.assertEqual(mail.get_content_type(), "multipart/alternative")
        parts = list(mail.iter_parts())
        self.assertEqual([p.get_content_type() for p in parts],
                         ["text/plain", "multipart/related"])
        related = list(parts[1].iter_parts())
        self.assertEqual(related[0].get_content_type(), "text/html")
        self.assertEqual(parts[1].get_param("type"), "text/html")
        html = related[0].get_content()
        text = parts[0].get_content()

        pictures = {p["Content-ID"].strip("<>"): p for p in related[1:]}
        self.assertEqual(len(pictures), 3, [p.get_content_type() for p in related])
        cids = re.findall(r'src="cid:([^"]+)"', html)
        self.assertEqual(sorted(cids), sorted(pictures))  # each shown, each there
        for cid, part in pictures.items():
            self.assertEqual(part.get_content_type(), "image/jpeg")
            self.assertEqual(part.get_content_disposition(), "inline")
            data = part.get_content()
            self.assertNotEqual(data, photo)  # never the original
            w, h = jpeg_size(data)
            self.assertLessEqual(max(w, h), 480, cid)
            self.assertIn(ref, cid)

        html_links = set(re.findall(r'href="(http[^"]+)"', html))
        text_links = set(re.findall(r"(http://\S+)", text))
        self.assertEqual({l.replace("&amp;", "&") for l in html_links}, text_links)
        self.assertEqual(len([l for l in text_links if "/a/" in l]), 4)  # the four buttons
        for label in ("Approuver", "Demander des modifications", "Refuser", "Ouvrir"):
            self.assertIn(label, html)
        self.assertIn("Photos et vidéos", html)
        # Layout tables that survive Outlook: the buttons are table cells.
        self.assertIn('role="presentation"', html)

    def test_findings_in_colour_with_their_sentences(self):
        r = self.relais
        ref = self.submit(subject="Date floue", text=TEXT + "Date : bientôt\n")
        mail = r.wait_mail(to=REFERENT, subject_has=ref)[0]
        html = list(list(mail.iter_parts())[1].iter_parts())[0].get_content()
        self.assertIn("border-left:6px solid #b26a00", html)  # amber: worth knowing
        self.assertIn("bientôt", html)
        text = list(mail.iter_parts())[0].get_content()
        # The same sentences in the text part.
        for sentence in re.findall(r"</strong> : ([^<]+)</td>", html):
            self.assertIn(sentence.strip()[:40].replace("&#39;", "'").replace("&quot;", '"'),
                          text)


if __name__ == "__main__":
    harness.main()
