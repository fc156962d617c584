"""Publishing on the networks end to end, against local servers that behave as each network's
documentation says (tests/connectors/*/fake_*.py, fake_receiver.py): an approved request goes
out on every chosen channel exactly once, even with a 503 and a dropped connection on the first
creates; a takedown removes it everywhere through rate limits; a relaisd killed while a create
was on the wire finds that post after its restart instead of making a second one."""
import json
import os
import subprocess
import time
import urllib.request

import harness
from harness import RelaisTestCase

CONNECTORS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "connectors")
FAKE_MASTODON = os.path.join(CONNECTORS, "mastodon", "fake_mastodon.py")
FAKE_RECEIVER = os.path.join(CONNECTORS, "webhook", "fake_receiver.py")
FAKE_FACEBOOK = os.path.join(CONNECTORS, "facebook", "fake_facebook.py")
FAKE_LINKEDIN = os.path.join(CONNECTORS, "linkedin", "fake_linkedin.py")
FAKE_X = os.path.join(CONNECTORS, "x", "fake_x.py")
PAGE_ID = "104729385617"      # fake_facebook.py
ORGANIZATION = "2414183"      # tests/connectors/linkedin/fixtures/organization.json


class FakeNetwork:
    def __init__(self, script, *args):
        self.proc = subprocess.Popen(["python3", script, *args], stdout=subprocess.PIPE,
                                     text=True)
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


def secret_file(name, content):
    path = os.path.join(harness.tempfile.mkdtemp(prefix="relais-secret-"), name)
    with open(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:
        f.write(content + "\n")
    return path


class Fakes:
    """One fake server per network and a webhook receiver, and the [channels] that reach them
    (also used by bench/networks_latency.py)."""

    def __init__(self):
        self.mastodon = FakeNetwork(FAKE_MASTODON)
        self.receiver = FakeNetwork(FAKE_RECEIVER, "webhook-secret")
        self.facebook = FakeNetwork(FAKE_FACEBOOK)
        self.linkedin = FakeNetwork(FAKE_LINKEDIN)
        self.x = FakeNetwork(FAKE_X)
        self.x_refresh = secret_file("x-refresh", "rt-1")
        self.channels = {
            "facebook": {"type": "facebook", "base_url": self.facebook.base_url,
                         "video_base_url": self.facebook.base_url + "/graph-video",
                         "page_id": PAGE_ID,
                         "access_token_file": secret_file("facebook", "good-page-token")},
            "linkedin": {"type": "linkedin", "base_url": self.linkedin.base_url,
                         "organization_urn": "urn:li:organization:" + ORGANIZATION,
                         "access_token_file": secret_file("linkedin", "good-token")},
            "x": {"type": "x", "base_url": self.x.base_url, "upload_base_url": self.x.base_url,
                  "token_url": self.x.base_url + "/2/oauth2/token", "client_id": "relais-app",
                  "client_secret_file": secret_file("x-secret", "app-secret"),
                  "refresh_token_file": self.x_refresh},
            "mastodon": {"type": "mastodon", "base_url": self.mastodon.base_url,
                         "access_token_file": secret_file("mastodon", "good-token"),
                         "visibility": "unlisted"},
            "intranet": {"type": "webhook", "url": self.receiver.base_url + "/hook",
                         "secret_file": secret_file("webhook", "webhook-secret")},
        }

    def close(self):
        for fake in (self.mastodon, self.receiver, self.facebook, self.linkedin, self.x):
            fake.close()


class Networks(RelaisTestCase):
    def setUp(self):
        fakes = Fakes()
        self.addCleanup(fakes.close)
        self.mastodon, self.receiver = fakes.mastodon, fakes.receiver
        self.facebook, self.linkedin, self.x = fakes.facebook, fakes.linkedin, fakes.x
        self.x_refresh = fakes.x_refresh
        self.config = dict(channels=fakes.channels)
        super().setUp()
        self.channels = ["site", "facebook", "linkedin", "x", "mastodon", "intranet"]

    def approve(self, ref):
        answer = self.relais.decide(self.referent_token(ref), "approve", channel=self.channels)
        self.assertEqual(answer.status, 200, answer)

    def test_once_on_every_channel_despite_faults_then_taken_down_through_429(self):
        r = self.relais
        self.mastodon.call("/__fault", {"path": "/api/v1/statuses", "status": 503,
                                        "retry_after": "1"})
        self.mastodon.call("/__fault", {"path": "/api/v1/statuses", "drop": True})
        self.receiver.call("/__fault", {"event": "published", "status": 503})
        self.receiver.call("/__fault", {"event": "published", "drop": True})
        self.facebook.call("/__fault", {"path": "/photos", "status": 503})
        self.facebook.call("/__fault", {"path": "/photos", "drop": True})
        self.linkedin.call("/__fault", {"path": "/rest/posts", "method": "POST", "status": 503})
        self.linkedin.call("/__fault", {"path": "/rest/posts", "method": "POST", "drop": True})
        self.x.call("/__fault", {"path": "/2/tweets", "method": "POST", "status": 503})
        self.x.call("/__fault", {"path": "/2/tweets", "method": "POST", "drop": True})
        ref = self.submit()
        self.approve(ref)
        r.wait_state(ref, "published", timeout=60)

        statuses = self.mastodon.call("/__state")["statuses"]
        self.assertEqual(len(statuses), 1, "one status, not two")
        (sid, status), = statuses.items()
        self.assertEqual(status["visibility"], "unlisted")
        self.assertIn("© Jeanne Martin", status["text"])
        posts = self.receiver.call("/__state")["posts"]
        self.assertEqual(list(posts), ["cms-1"], "one post in the intranet, not two")
        self.assertEqual(posts["cms-1"]["reference"], ref)
        facebook = self.facebook.call("/__state")["posts"]
        self.assertEqual(len(facebook), 1, "one Facebook post, not two")
        linkedin = self.linkedin.call("/__state")["posts"]
        self.assertEqual(len(linkedin), 1, "one LinkedIn post, not two")
        x = self.x.call("/__state")
        self.assertEqual(len(x["tweets"]), 1, "one post on X, not two")
        with open(self.x_refresh) as f:
            self.assertNotEqual(f.read().strip(), "rt-1", "the rotated refresh token is kept")

        code, out, err = r.ctl("--json", "show", ref)
        self.assertEqual(code, 0, err)
        channels = {c["name"]: c for c in json.loads(out)["channels"]}
        self.assertEqual({c["status"] for c in channels.values()}, {"published"})
        self.assertEqual(channels["mastodon"]["url"], f"https://social.example/@mairie/{sid}")
        self.assertEqual(channels["intranet"]["post_id"], "cms-1")
        self.assertEqual(channels["intranet"]["url"], "https://intranet.example/actus/cms-1")
        mail = r.wait_mail(subject_has="En ligne")[-1]
        for url in (channels["mastodon"]["url"], channels["intranet"]["url"]):
            self.assertIn(url, harness.text_of(mail))

        self.mastodon.call("/__fault", {"path": "/api/v1/statuses/", "status": 429,
                                        "retry_after": "1"})
        self.receiver.call("/__fault", {"event": "removed", "status": 429, "retry_after": "1"})
        self.facebook.call("/__fault", {"path": PAGE_ID + "_", "method": "DELETE", "status": 429,
                                        "retry_after": "1"})
        self.linkedin.call("/__fault", {"path": "/rest/posts/", "method": "DELETE",
                                        "status": 429, "retry_after": "1"})
        self.x.call("/__fault", {"path": "/2/tweets/", "method": "DELETE", "status": 429,
                                 "rate_limit_reset": 1})
        code, out, err = r.ctl("takedown", ref, "--reason", "Demande de la personne")
        self.assertEqual(code, 0, err)
        r.wait_state(ref, "taken_down")
        r.wait_outbox_idle(timeout=60)
        self.assertEqual(self.mastodon.call("/__state")["statuses"], {}, "removed on Mastodon")
        self.assertEqual(self.receiver.call("/__state")["posts"], {}, "removed in the intranet")
        self.assertEqual(self.facebook.call("/__state")["posts"], {}, "removed on Facebook")
        self.assertEqual(self.linkedin.call("/__state")["posts"], {}, "removed on LinkedIn")
        self.assertEqual(self.x.call("/__state")["tweets"], {}, "removed on X")
        code, out, err = r.ctl("--json", "show", ref)
        channels = {c["name"]: c for c in json.loads(out)["channels"]}
        self.assertEqual({c["status"] for c in channels.values()}, {"removed"})

    def test_killed_during_a_create_then_reconciled_not_duplicated(self):
        r = self.relais
        self.channels = ["mastodon"]
        # The instance takes 3 s to answer; relaisd is killed in the meantime; the status is
        # made all the same. After the restart the post is found, not made again.
        self.mastodon.call("/__fault", {"path": "/api/v1/statuses", "sleep": 3})
        ref = self.submit()
        self.approve(ref)
        deadline = time.time() + 30
        while "POST /api/v1/statuses" not in self.mastodon.call("/__state")["calls"]:
            self.assertLess(time.time(), deadline, "the create never came")
            time.sleep(0.05)
        r.kill9()
        time.sleep(3.5)
        self.assertEqual(len(self.mastodon.call("/__state")["statuses"]), 1)
        r.restart()
        r.wait_state(ref, "published", timeout=30)
        state = self.mastodon.call("/__state")
        self.assertEqual(len(state["statuses"]), 1, "reconciled, not duplicated")
        self.assertEqual(state["calls"].count("POST /api/v1/statuses"), 1)
        self.assertIn("GET /api/v1/accounts/109/statuses", state["calls"])
        sid, = state["statuses"]
        code, out, err = r.ctl("--json", "show", ref)
        channel, = json.loads(out)["channels"]
        self.assertEqual(channel["post_id"], sid)

    def test_a_failed_channel_is_retried_from_the_mail_alone(self):
        r = self.relais
        self.channels = ["site", "intranet"]
        self.receiver.call("/__fault", {"event": "published", "status": 400})
        ref = self.submit()
        self.approve(ref)
        r.wait_state(ref, "failed", timeout=30)
        mail = r.wait_mail(subject_has="Échec de publication")[-1]
        body = harness.text_of(mail)
        self.assertIn("intranet : The webhook endpoint refused the event (HTTP 400", body)
        links = harness.Relais.links(mail)
        self.assertIn("retry", links, body)
        page = r.get(f"/a/{links['retry'][1]}?action=retry")
        self.assertEqual(page.status, 200, page)
        self.assertIn("en échec", page.body)
        answer = r.decide(links["retry"][1], "retry")
        self.assertEqual(answer.status, 200, answer)
        r.wait_state(ref, "published", timeout=30)
        self.assertEqual(len(self.receiver.call("/__state")["posts"]), 1)
        code, out, err = r.ctl("--json", "show", ref)
        channels = {c["name"]: c for c in json.loads(out)["channels"]}
        self.assertEqual(channels["site"]["status"], "published")


if __name__ == "__main__":
    harness.main()
