"""Signed inbound webhooks (POST /hooks/NAME): a submission with a base64 photo and one with a URL
served by a local server become requests; a takedown becomes a case; a decision approves. Every
bad call (signature, old timestamp, replay, schema, internal address, oversized file) is refused
with its JSON error and stores nothing; the same call sent again creates nothing new."""

import base64
import hashlib
import hmac
import http.server
import json
import os
import threading
import time
import urllib.request

import harness
from harness import AGENT, REFERENT, Relais, RelaisTestCase

SECRET = "s3cret-partagé-avec-l-intranet"


def sign(body, ts=None, secret=SECRET):
    ts = int(time.time()) if ts is None else ts
    mac = hmac.new(secret.encode(), f"{ts}.".encode() + body, hashlib.sha256).hexdigest()
    return {"X-Relais-Timestamp": str(ts), "X-Relais-Signature": "sha256=" + mac}


class PhotoServer:
    """A local HTTP server handing out one photo, as an intranet would."""

    def __init__(self, data):
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                outer.hits += 1
                if self.path != "/photos/fete.jpg":
                    self.send_response(404)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "image/jpeg")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.hits = 0
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, path="/photos/fete.jpg"):
        return f"http://127.0.0.1:{self.port}{path}"

    def close(self):
        self.server.shutdown()


class Hooks(RelaisTestCase):
    def setUp(self):
        secret_file = os.path.join(os.environ.get("TMPDIR", "/tmp"),
                                   f"relais-hook-{os.getpid()}-{id(self)}")
        with open(secret_file, "w") as f:
            f.write(SECRET + "\n")
        os.chmod(secret_file, 0o600)
        self.secret_file = secret_file
        common = {"secret_file": secret_file}
        self.config = dict(sections={
            "hooks.intranet": {"kind": "submission", "media_hosts": ["127.0.0.1"],
                               "max_media_bytes": 1000000, **common},
            "hooks.intranet-lan": {"kind": "submission", "media_hosts": ["127.0.0.1"],
                                   "allow_private_addresses": True, **common},
            "hooks.site-droit-image": {"kind": "takedown", **common},
            "hooks.parapheur": {"kind": "decision", "referent": REFERENT, **common},
        })
        super().setUp()
        self.photo = harness.photo_bytes()
        self.server = PhotoServer(self.photo)

    def tearDown(self):
        self.server.close()
        os.unlink(self.secret_file)
        super().tearDown()

    def call(self, name, payload, headers=None, raw=None, sign_with=None):
        body = raw if raw is not None else json.dumps(payload).encode()
        h = {"Content-Type": "application/json"}
        h.update(sign_with if sign_with is not None else sign(body))
        h.update(headers or {})
        req = urllib.request.Request(f"{self.relais.base_url}/hooks/{name}", data=body, headers=h,
                                     method="POST")
        try:
            with urllib.request.urlopen(req, timeout=30) as res:
                return res.status, json.loads(res.read()), dict(res.headers)
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read()), dict(e.headers)

    def submission(self, **extra):
        p = {"sender": AGENT, "subject": "Fête de quartier",
             "text": "Samedi, la fête de quartier a réuni 300 habitants place du marché.",
             "author": "Jeanne Martin", "people": "aucune personne identifiable"}
        p.update(extra)
        return p

    def count(self, table):
        return self.relais.query(f"SELECT count(*) AS n FROM {table}")[0]["n"]

    def assert_refused(self, status, code, answer, field=None):
        self.assertEqual(answer[0], status, answer)
        self.assertEqual(answer[1]["error"]["code"], code, answer)
        if field is not None:
            self.assertEqual(answer[1]["error"].get("field"), field, answer)

    def test_submission_with_a_base64_photo_and_the_same_call_again(self):
        r = self.relais
        payload = self.submission(media=[{"filename": "fete.jpg", "content_type": "image/jpeg",
                                          "data": base64.b64encode(self.photo).decode()}],
                                  idempotency_key="form-4711")
        status, answer, _ = self.call("intranet", payload)
        self.assertEqual(status, 202, answer)
        ref = answer["reference"]
        self.assertRegex(ref, r"^PUB-\d{4}-\d{4}$")
        media = r.query("SELECT m.filename, m.size FROM media m JOIN requests q ON "
                        "q.id = m.request_id WHERE q.reference = ?", ref)
        self.assertEqual([(m["filename"], m["size"]) for m in media], [("fete.jpg", len(self.photo))])
        r.wait_mail(to=AGENT, subject_has=ref)  # the agent's acknowledgement, as for a mail
        r.wait_state(ref, ["awaiting_approval", "needs_changes"])
        # Sent again later (a retry: a new timestamp, so a new signature): the first answer.
        time.sleep(1.1)
        status, again, headers = self.call("intranet", payload)
        self.assertEqual(status, 202, again)
        self.assertEqual(again["reference"], ref)
        self.assertEqual(headers.get("Idempotent-Replayed"), "true")
        self.assertEqual(self.count("requests"), 1)
        # The same key for another body: refused, so that a caller's bug does not lose a call.
        other = dict(payload, subject="Autre événement")
        self.assert_refused(422, "idempotency_key_reused", self.call("intranet", other),
                            "/idempotency_key")
        # Replayed byte for byte (same signature): refused.
        body = json.dumps(payload).encode()
        signed = sign(body, ts=int(time.time()) + 120)  # a signature not used above
        self.assertEqual(self.call("intranet", None, raw=body, sign_with=signed)[0], 202)
        self.assert_refused(409, "replay", self.call("intranet", None, raw=body, sign_with=signed))
        self.assertEqual(self.count("requests"), 1)

    def test_submission_with_a_url_on_the_intranet(self):
        status, answer, _ = self.call("intranet-lan", self.submission(
            media=[{"filename": "fete.jpg", "url": self.server.url()}]))
        self.assertEqual(status, 202, answer)
        self.assertEqual(self.server.hits, 1)
        rows = self.relais.query("SELECT content_type, size FROM media")
        self.assertEqual([(m["content_type"], m["size"]) for m in rows],
                         [("image/jpeg", len(self.photo))])
        # A URL the server does not have: the fetch failure names the field.
        self.assert_refused(502, "fetch_failed", self.call("intranet-lan", self.submission(
            media=[{"filename": "x.jpg", "url": self.server.url("/nope.jpg")}])), "/media/0/url")

    def test_each_bad_call_is_refused_and_stores_nothing(self):
        good = json.dumps(self.submission()).encode()
        self.assert_refused(401, "signature", self.call(
            "intranet", None, raw=good, sign_with=sign(good, secret="wrong")))
        self.assert_refused(401, "signature", self.call(
            "intranet", None, raw=good, sign_with={"X-Relais-Timestamp": "1"}))
        self.assert_refused(401, "timestamp", self.call(
            "intranet", None, raw=good, sign_with=sign(good, ts=int(time.time()) - 600)))
        tampered = good.replace(b"300", b"900")
        self.assert_refused(401, "signature", self.call(
            "intranet", None, raw=tampered, sign_with=sign(good)))
        self.assert_refused(400, "json", self.call("intranet", None, raw=b"{not json"))
        self.assert_refused(422, "schema", self.call("intranet", {"subject": "x", "text": "y"}),
                            "/sender")
        answer = self.call("intranet", self.submission(colour="red"))
        self.assert_refused(422, "schema", answer, "/colour")
        self.assertEqual(answer[1]["error"]["schema"], "/schemas/hooks/submission.schema.json")
        self.assert_refused(422, "sender_not_allowed",
                            self.call("intranet", self.submission(sender="x@elsewhere.net")),
                            "/sender")
        # 127.0.0.1 is a listed host, but an internal address this hook may not reach.
        self.assert_refused(422, "address_not_allowed", self.call("intranet", self.submission(
            media=[{"filename": "fete.jpg", "url": self.server.url()}])), "/media/0/url")
        self.assert_refused(422, "address_not_allowed", self.call("intranet", self.submission(
            media=[{"filename": "fete.jpg",
                    "url": f"https://127.0.0.1:{self.server.port}/photos/fete.jpg"}])),
            "/media/0/url")
        self.assertEqual(self.server.hits, 0)
        self.assert_refused(422, "host_not_allowed", self.call("intranet", self.submission(
            media=[{"filename": "fete.jpg", "url": "https://attacker.example/fete.jpg"}])),
            "/media/0/url")
        big = base64.b64encode(b"\xff\xd8" + os.urandom(1100000)).decode()
        self.assert_refused(413, "too_large", self.call("intranet", self.submission(
            media=[{"filename": "big.jpg", "data": big}])), "/media/0/data")
        self.assert_refused(415, "media_type", self.call("intranet", self.submission(
            media=[{"filename": "run.exe", "content_type": "application/x-msdownload",
                    "data": base64.b64encode(b"MZ").decode()}])), "/media/0/content_type")
        self.assert_refused(404, "no_such_hook", self.call("nope", self.submission()))
        self.assertEqual(self.count("requests"), 0)
        self.assertEqual(self.count("media"), 0)
        self.assertEqual(self.count("hook_calls"), 0)

    def test_takedown_and_decision(self):
        r = self.relais
        status, answer, _ = self.call("site-droit-image", {
            "requester": "lea@example.net", "requester_name": "Léa",
            "text": "Je demande le retrait de la photo où j'apparais.",
            "urls": ["https://example.org/actualites/fete"]})
        self.assertEqual(status, 202, answer)
        self.assertRegex(answer["reference"], r"^DI-\d{4}-\d{4}$")
        self.assertTrue(answer["needs_email_confirmation"])
        self.assertEqual(self.count("takedown_cases"), 1)

        ref = self.submit(text="Samedi, la fête de quartier.\nAuteur : Jeanne Martin\n"
                               "Personnes : aucune personne identifiable\n")
        r.wait_state(ref, ["awaiting_approval"])
        self.assert_refused(422, "reason_missing",
                            self.call("parapheur", {"reference": ref, "decision": "reject"}),
                            "/reason")
        self.assert_refused(404, "not_found", self.call(
            "parapheur", {"reference": "PUB-2026-9999", "decision": "approve"}), "/reference")
        status, answer, _ = self.call("parapheur", {"reference": ref, "decision": "approve",
                                                    "channels": ["site"]})
        self.assertEqual(status, 202, answer)
        r.wait_state(ref, ["scheduled", "publishing", "published"])
        row = r.query("SELECT actor, source FROM audit WHERE event = 'approve'")[0]
        self.assertEqual(row["actor"], "referent:" + REFERENT)
        self.assertTrue(row["source"].startswith("hook:parapheur:"))
        # A second, different decision on the decided request: the machine refuses it.
        self.assert_refused(409, "refused", self.call(
            "parapheur", {"reference": ref, "decision": "reject", "reason": "trop tard"}))

    def test_schemas_are_served(self):
        for kind in ("submission", "takedown", "decision"):
            page = self.relais.get(f"/schemas/hooks/{kind}.schema.json")
            self.assertEqual(page.status, 200)
            self.assertEqual(json.loads(page.body)["$id"], f"/schemas/hooks/{kind}.schema.json")
        self.assertEqual(self.relais.get("/schemas/../relais.toml").status, 404)


if __name__ == "__main__":
    harness.main()
