"""Publishing on the social networks end to end, against local servers that behave as each
network's documentation says (tests/connectors/*/fake_*.py): an approved request goes out on
the site and on Mastodon exactly once, even when the answer to the first create is lost; a
takedown removes it from both."""
import json
import os
import subprocess
import urllib.request

import harness
from harness import RelaisTestCase

FAKE_MASTODON = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "connectors",
                             "mastodon", "fake_mastodon.py")


class FakeNetwork:
    def __init__(self, script):
        self.proc = subprocess.Popen(["python3", script], stdout=subprocess.PIPE, text=True)
        _, port = self.proc.stdout.readline().split()
        self.base_url = f"http://127.0.0.1:{port}"

    def call(self, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base_url + path, data=data,
                                     method="POST" if data else "GET")
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.loads(r.read())

    def close(self):
        self.proc.kill()
        self.proc.wait()
        self.proc.stdout.close()


class Mastodon(RelaisTestCase):
    def setUp(self):
        self.mastodon = FakeNetwork(FAKE_MASTODON)
        self.addCleanup(self.mastodon.close)
        token = os.path.join(harness.tempfile.mkdtemp(prefix="relais-token-"), "mastodon")
        with open(os.open(token, os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:
            f.write("good-token\n")
        self.config = dict(channels={"mastodon": {
            "type": "mastodon", "base_url": self.mastodon.base_url,
            "access_token_file": token, "visibility": "unlisted"}})
        super().setUp()

    def test_published_once_despite_a_lost_answer_then_taken_down(self):
        r = self.relais
        self.mastodon.call("/__fault", {"path": "/api/v1/statuses", "drop": True})
        ref = self.submit()
        token = self.referent_token(ref)
        answer = r.decide(token, "approve", channel=["site", "mastodon"])
        self.assertEqual(answer.status, 200, answer)
        r.wait_state(ref, "published", timeout=30)
        state = self.mastodon.call("/__state")
        self.assertEqual(len(state["statuses"]), 1, "one status, not two")
        (sid, status), = state["statuses"].items()
        self.assertEqual(status["visibility"], "unlisted")
        self.assertEqual(status["language"], "fr")
        self.assertIn("© Jeanne Martin", status["text"])
        self.assertEqual(len(status["media_ids"]), 1)
        self.assertEqual(state["calls"].count("POST /api/v1/statuses"), 2, "retried once")
        code, out, err = r.ctl("show", ref)
        self.assertIn(f"https://social.example/@mairie/{sid}", out)

        code, out, err = r.ctl("takedown", ref, "--reason", "Demande de la personne")
        self.assertEqual(code, 0, err)
        r.wait_state(ref, "taken_down")
        r.wait_outbox_idle(timeout=30)
        self.assertEqual(self.mastodon.call("/__state")["statuses"], {}, "removed on Mastodon")


if __name__ == "__main__":
    harness.main()
