"""The approval page, as the referent uses it from the mail's link: every photo with a box to
untick it, the text as each chosen network will show it with its length counter, "count again"
without JavaScript, then the decision with the edited text, the channels and the photos kept."""

import html
import os
import re

import harness
from harness import REFERENT, Relais, RelaisTestCase

TEXT = ("Samedi, la fête de quartier a réuni 300 habitants place du marché.\n"
        "Auteur : Jeanne Martin\nPersonnes : aucune personne identifiable\n")


class ApprovalPageTest(RelaisTestCase):
    def setUp(self):
        import tempfile
        token = os.path.join(tempfile.mkdtemp(prefix="relais-page-"), "mastodon.token")
        with open(token, "w") as f:
            f.write("never-used\n")
        self.config = dict(
            channels={"intranet": {"type": "site", "dir": "var/intranet", "title": "Intranet",
                                   "public_url": ""},
                      "masto": {"type": "mastodon", "base_url": "http://127.0.0.1:9",
                                "access_token_file": token}},
            workflow={"default_channels": ["site", "intranet"]})
        super().setUp()

    def test_edit_untick_count_and_approve(self):
        r = self.relais
        photo = harness.photo_bytes()
        ref = self.submit(text=TEXT, attachments=[(photo, "image/jpeg", "a.jpg"),
                                                  (photo, "image/jpeg", "b.jpg")])
        mail = r.wait_mail(to=REFERENT, subject_has=ref)[0]
        token = Relais.links(mail)["approve"][1]
        page = r.get(f"/a/{token}?action=approve")
        self.assertEqual(page.status, 200)
        body = page.body
        self.assertIn('name="viewport" content="width=device-width', body)
        self.assertEqual(len(re.findall(r'name="keep" value="\d+" form="decision" checked', body)), 2)
        self.assertIn("script-src 'self'", page.headers["Content-Security-Policy"])
        self.assertIn('<script src="/static/approval.js">', body)
        js = r.get("/static/approval.js")
        self.assertEqual(js.status, 200)
        self.assertTrue(js.headers["Content-Type"].startswith("text/javascript"))

        # "Count again" with a longer text decides nothing and shows the new text.
        csrf = Relais.csrf_in(page)
        longer = "Un texte modifié par la référente. " * 3
        again = r.post(f"/a/{token}", {"csrf": csrf, "action": "preview", "text": longer,
                                       "channel": ["site"], "keep": ["1"], "keep_shown": "1"})
        self.assertEqual(again.status, 200)
        self.assertIn(html.escape(longer.strip(), quote=False), again.body)
        self.assertEqual(r.state_of(ref), "awaiting_approval")
        self.assertRegex(again.body, r'name="keep" value="0" form="decision">')  # unticked
        self.assertRegex(again.body, r'name="channel" value="intranet">')  # not chosen

        # The decision: edited text, one channel, the first photo unticked.
        done = r.post(f"/a/{token}", {"csrf": csrf, "action": "approve", "text": longer,
                                      "channel": ["site"], "keep": ["1"], "keep_shown": "1",
                                      "publish_at": ""})
        self.assertEqual(done.status, 200, done.body)
        r.wait_state(ref, ["published"], timeout=20)
        row = r.query("SELECT text FROM requests WHERE reference = ?", ref)[0]
        self.assertEqual(row["text"], longer)
        chans = r.query("SELECT channel FROM request_channels c JOIN requests q ON q.id = "
                        "c.request_id WHERE q.reference = ?", ref)
        self.assertEqual([c["channel"] for c in chans], ["site"])
        kept = r.query("SELECT position, dropped FROM media m JOIN requests q ON q.id = "
                       "m.request_id WHERE q.reference = ? ORDER BY position", ref)
        self.assertEqual([(k["position"], k["dropped"]) for k in kept], [(0, 1), (1, 0)])
        detail = r.query("SELECT detail FROM audit WHERE event = 'approve'")[0]["detail"]
        self.assertIn('"dropped_media":[0]', detail)
        self.assertIn('"text_edited":true', detail)

    def test_counters_per_network(self):
        r = self.relais
        ref = self.submit(text=TEXT)
        token = Relais.links(r.wait_mail(to=REFERENT, subject_has=ref)[0])["approve"][1]
        page = r.get(f"/a/{token}")
        body = page.body
        self.assertIn('value="site" checked> site (', body)
        # The site has no text limit: Mastodon's counter only, hidden while it is not chosen.
        sections = re.findall(r'<section class="network" data-channel="(\w+)" data-max="(\d+)" '
                              r'data-counting="(\w+)"( hidden)?>', body)
        self.assertEqual(sections, [("masto", "500", "mastodon", " hidden")])
        n = len(TEXT.replace("\n", "x")) - len("Auteur : Jeanne Martin\n")  # roughly
        count = int(re.search(r'<span class="n">(\d+)</span> / 500', body).group(1))
        self.assertGreater(count, 60)
        # Chosen with a text over 500: counted too long, server-side.
        csrf = Relais.csrf_in(page)
        again = r.post(f"/a/{token}", {"csrf": csrf, "action": "preview", "text": "é" * 501,
                                       "channel": ["masto"]})
        self.assertIn('<p class="count over" aria-live="polite"><span class="n">501</span> / 500',
                      again.body)
        del n


if __name__ == "__main__":
    harness.main()
