"""Chat notifications: a request awaiting a decision is told to a Teams channel (an Adaptive
Card, checked against its schema), a Slack and a Mattermost incoming webhook, from the outbox:
a busy webhook is tried again, the card's button opens the approval page, which decides."""

import base64
import http.server
import json
import os
import re
import threading
import time

import jsonschema

import harness
from harness import REFERENT, RelaisTestCase



class Webhooks:
    """A local server taking POSTs at /teams, /slack, /mattermost; /busy answers 429 once."""

    def __init__(self):
        self.received = []  # (path, parsed JSON, raw length)
        self.busy_once = True
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if self.path == "/busy" and outer.busy_once:
                    outer.busy_once = False
                    self.send_response(429)
                    self.send_header("Retry-After", "1")
                    self.end_headers()
                    return
                outer.received.append((self.path, json.loads(body), len(body),
                                       self.headers.get("Content-Type")))
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                self.wfile.write(b"1")

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def wait(self, path, count=1, timeout=15):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = [r for r in self.received if r[0] == path]
            if len(got) >= count:
                return got
            time.sleep(0.05)
        raise AssertionError(f"nothing posted to {path}; got {[r[0] for r in self.received]}")


class ChatTest(RelaisTestCase):
    def setUp(self):
        self.hooks = Webhooks()
        import tempfile
        self.secrets = tempfile.mkdtemp(prefix="relais-chat-")
        files = {}
        for name, path in (("teams", "/teams"), ("slack", "/slack"), ("mattermost", "/mattermost"),
                           ("busy", "/busy")):
            files[name] = os.path.join(self.secrets, name + ".url")
            with open(files[name], "w") as f:
                f.write(self.hooks.url(path) + "\n")
        self.config = dict(sections={
            "chat.equipe": {"kind": "teams", "url_file": files["teams"]},
            "chat.referent": {"kind": "slack", "url_file": files["slack"], "people": [REFERENT]},
            "chat.autre": {"kind": "mattermost", "url_file": files["mattermost"],
                           "people": ["quelquun@example.org"]},
            "chat.occupe": {"kind": "mattermost", "url_file": files["busy"],
                            "people": ["example.org"]},
        })
        super().setUp()

    def tearDown(self):
        super().tearDown()
        self.hooks.server.shutdown()

    def test_teams_card_slack_and_mattermost(self):
        r = self.relais
        ref = self.submit(subject="Fête de quartier")
        r.wait_mail(to=REFERENT, subject_has=ref)
        (_, card, size, ctype), = self.hooks.wait("/teams")
        self.assertEqual(ctype, "application/json")
        schema = os.path.join(harness.SOURCE_DIR, "tests", "data", "chat",
                              "teams-message.schema.json")
        with open(schema) as f:
            jsonschema.validate(card, json.load(f))
        self.assertLess(size, 28 * 1024)  # Teams' limit for a webhook message
        content = card["attachments"][0]["content"]
        texts = [b.get("text", "") for b in content["body"]]
        self.assertTrue(any(ref in t and "Fête de quartier" in t for t in texts), texts)
        images = [b for b in content["body"] if b["type"] == "Image"]
        self.assertEqual(len(images), 1)
        picture = base64.b64decode(images[0]["url"].split(",", 1)[1])
        self.assertEqual(picture[:2], b"\xff\xd8")  # a JPEG, made small
        self.assertNotEqual(picture, harness.photo_bytes())
        titles = [a["title"] for a in content["actions"]]
        self.assertEqual(titles, ["Approuver", "Demander des modifications", "Refuser", "Ouvrir"])

        (_, slack, _, _), = self.hooks.wait("/slack")
        self.assertIn(ref, slack["text"])
        buttons = [b for block in slack["blocks"] if block["type"] == "actions"
                   for b in block["elements"]]
        self.assertEqual(buttons[0]["style"], "primary")
        self.assertTrue(all(b["url"].startswith(r.base_url + "/a/") for b in buttons))

        (_, mm, _, _), = self.hooks.wait("/busy")  # tried again after the 429
        self.assertIn(f"[Approuver]({r.base_url}/a/", mm["text"])
        time.sleep(0.5)
        self.assertEqual([x for x in self.hooks.received if x[0] == "/mattermost"], [])

        # The card's button opens the approval page; GET changes nothing, the POST decides.
        approve = content["actions"][0]["url"]
        token = re.search(r"/a/([A-Za-z0-9_-]{43})", approve).group(1)
        page = r.get(f"/a/{token}?action=approve")
        self.assertEqual(page.status, 200)
        self.assertEqual(r.state_of(ref), "awaiting_approval")
        done = r.decide(token, "approve")
        self.assertEqual(done.status, 200, done.body)
        self.assertIn(r.state_of(ref), ("scheduled", "publishing", "published"))
        actors = [row["actor"] for row in r.query(
            "SELECT a.actor FROM audit a JOIN requests q ON q.id = a.request_id "
            "WHERE q.reference = ? AND a.event = 'approve'", ref)]
        self.assertEqual(actors, [f"referent:{REFERENT}"])

    def test_a_refused_webhook_is_given_up_and_logged(self):
        with open(os.path.join(self.secrets, "teams.url"), "w") as f:
            f.write("https://\n")  # not a URL relais will call
        r = self.relais
        ref = self.submit()
        r.wait_mail(to=REFERENT, subject_has=ref)
        deadline = time.monotonic() + 10
        while "effect gave up" not in r.log_text() or "chat:equipe" not in r.log_text():
            self.assertLess(time.monotonic(), deadline, r.log_tail())
            time.sleep(0.1)
        self.assertIn("https URL", r.log_text())
        self.hooks.wait("/slack")  # the others go anyway


if __name__ == "__main__":
    harness.main()
