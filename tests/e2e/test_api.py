"""The consent registry through the JSON API of the real daemon: bearer tokens from a file
(read and write scopes), a consent recorded with its evidence, listed and shown, then
revoked, which takes the person's publication down; every bad input answered with a JSON
error and nothing changed."""

import base64
import json
import os
import tempfile
import unittest
import urllib.request

import harness
from harness import Relais, RelaisTestCase

WRITE = "w" * 8 + "0123456789abcdef0123456789abcdef"
READ = "r" * 8 + "0123456789abcdef0123456789abcdef"


class Api(RelaisTestCase):
    def setUp(self):
        self.tokens = tempfile.NamedTemporaryFile("w", suffix=".tokens", delete=False)
        self.tokens.write(f"# name scope token\nrh write {WRITE}\n\ntableau read {READ}\n")
        self.tokens.close()
        self.config = dict(security={"api_tokens_file": self.tokens.name})
        super().setUp()

    def tearDown(self):
        super().tearDown()
        os.unlink(self.tokens.name)

    def call(self, method, path, body=None, token=WRITE, content_type="application/json"):
        data = None
        headers = {}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            headers["Content-Type"] = content_type
        req = urllib.request.Request(self.relais.base_url + path, data=data, method=method,
                                     headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, json.loads(r.read()), dict(r.headers)
        except urllib.error.HTTPError as e:
            raw = e.read()
            self.assertEqual(e.headers.get("Content-Type"), "application/json", raw)
            return e.code, json.loads(raw), dict(e.headers)

    def test_record_list_revoke(self):
        r = self.relais
        ref = self.submit(subject="Forum des associations",
                          attachments=[(harness.photo_bytes(), "image/jpeg", "forum.jpg")])
        r.decide(self.referent_token(ref), "approve")
        r.wait_state(ref, "published")

        form = b"%PDF-1.4 signed consent form"
        status, consent, headers = self.call("POST", "/api/v1/consents", {
            "name": "Inès Moreau", "email": "ines@exterieur.net", "request": ref,
            "note": "formulaire signé au forum",
            "evidence": {"name": "C:\\scans\\autorisation.pdf",
                         "content_base64": base64.b64encode(form).decode()}})
        self.assertEqual(status, 201, consent)
        self.assertEqual(headers["Location"], f"/api/v1/consents/{consent['id']}")
        self.assertEqual(consent["request"], ref)
        self.assertEqual(consent["status"], "active")
        self.assertEqual(consent["evidence_name"], "autorisation.pdf")
        self.assertEqual(consent["person"]["email"], "ines@exterieur.net")
        evidence = r.query("SELECT evidence_sha256 FROM consents")[0]["evidence_sha256"]
        self.assertEqual(evidence, consent["evidence_sha256"])

        status, period, _ = self.call("POST", "/api/v1/consents", {
            "name": "Inès Moreau", "email": "INES@exterieur.net", "from": "2026-01-01",
            "until": "2026-12-31", "minor": False})
        self.assertEqual(status, 201, period)
        self.assertEqual(period["person"]["id"], consent["person"]["id"])
        self.assertEqual(period["valid_from"], "2025-12-31T23:00:00Z")

        status, listed, _ = self.call("GET", "/api/v1/consents", token=READ)
        self.assertEqual(status, 200)
        self.assertEqual([c["id"] for c in listed["consents"]], [consent["id"], period["id"]])
        status, shown, _ = self.call("GET", f"/api/v1/consents/{consent['id']}", token=READ)
        self.assertEqual((status, shown), (200, consent))

        status, revoked, _ = self.call("POST", f"/api/v1/consents/{consent['id']}/revoke",
                                       {"reason": "Inès retire son accord"})
        self.assertEqual(status, 200, revoked)
        self.assertEqual(revoked["requests"], [ref])
        self.assertRegex(revoked["case"], r"^DI-\d{4}-\d{4}$")
        r.wait_state(ref, "taken_down")
        status, again, _ = self.call("POST", f"/api/v1/consents/{consent['id']}/revoke", {})
        self.assertEqual(status, 409, again)
        actors = {row["actor"] for row in r.query("SELECT actor FROM audit WHERE kind = 'consent'")}
        self.assertIn("api:rh", actors)
        code, out, err = r.ctl("audit", "verify")
        self.assertEqual(code, 0, out + err)

    def test_bad_requests_change_nothing(self):
        cases = [
            (dict(token=None), 401, "Bearer"),
            (dict(token="x" * 40), 401, "Bearer"),
            (dict(token=READ), 403, "may only read"),
            (dict(content_type="text/plain"), 415, "application/json"),
            (dict(body=b"{not json"), 400, "not a JSON object"),
            (dict(body=b"[1, 2]"), 400, "not a JSON object"),
            (dict(body={"email": "a@b.fr", "request": "1"}), 400, "name is required"),
            (dict(body={"name": "A", "request": "1", "colour": "blue"}), 400, "unknown field colour"),
            (dict(body={"name": 12, "request": "1"}), 400, "name must be a string"),
            (dict(body={"name": "A"}), 400, "what does it cover?"),
            (dict(body={"name": "A", "request": "1", "from": "2026-01-01", "until": "2026-02-01"}),
             400, "not both"),
            (dict(body={"name": "A", "from": "2026-02-30", "until": "2026-03-01"}), 400, "YYYY-MM-DD"),
            (dict(body={"name": "A", "from": "2026-03-01", "until": "2026-02-01"}), 400,
             "until is before from"),
            (dict(body={"name": "A", "email": "pas une adresse", "request": "1"}), 400,
             "plain address"),
            (dict(body={"name": "A", "request": "1", "minor": "yes"}), 400, "true or false"),
            (dict(body={"name": "A", "request": "1", "evidence": {"name": "f.pdf",
                                                                   "content_base64": "@@@"}}),
             400, "not base64"),
            (dict(body={"name": "A", "request": "1", "evidence": {"name": "f.pdf",
                                                                   "content_base64": "QUJD-EVG"}}),
             400, "not base64"),  # base64url: OpenSSL would stop at the '-'
            (dict(body={"name": "A", "request": "1", "evidence": {"name": "f.pdf",
                                                                   "content_base64": "QU=JDRVZH"}}),
             400, "not base64"),
            (dict(body={"name": "A", "request": "1", "evidence": "f.pdf"}), 400, "content_base64"),
            (dict(body={"name": "A", "request": "PUB-2026-0099"}), 422, "no request PUB-2026-0099"),
        ]
        for kw, status, words in cases:
            body = kw.pop("body", {"name": "A", "request": "1"})
            with self.subTest(kw=kw, body=body):
                got, answer, headers = self.call("POST", "/api/v1/consents", body, **kw)
                self.assertEqual(got, status, answer)
                self.assertIn(words, answer["error"]["message"] + headers.get("WWW-Authenticate", ""))
        self.assertEqual(self.relais.query("SELECT count(*) AS n FROM consents")[0]["n"], 0)
        self.assertEqual(self.relais.query("SELECT count(*) AS n FROM persons")[0]["n"], 0)
        for method, path, status in [("GET", "/api/v1/consents/99", 404),
                                     ("POST", "/api/v1/consents/99/revoke", 404),
                                     ("GET", "/api/v1/consents/abc", 404),
                                     ("GET", "/api/v1/nothing", 404),
                                     ("DELETE", "/api/v1/consents", 405),
                                     ("GET", "/api/v1/consents/1/revoke", 405)]:
            with self.subTest(path=path):
                got, answer, _ = self.call(method, path)
                self.assertEqual(got, status, answer)
        self.assertIn("api refused reason=token", self.relais.log_text())
        self.assertNotIn(WRITE, self.relais.log_text())
        self.assertNotIn(READ, self.relais.log_text())


class ApiOff(RelaisTestCase):
    def test_without_a_tokens_file_the_api_says_it_is_off(self):
        req = urllib.request.Request(self.relais.base_url + "/api/v1/consents")
        with self.assertRaises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(req, timeout=10)
        self.assertEqual(e.exception.code, 404)
        self.assertIn("security.api_tokens_file", e.exception.read().decode())


class ApiBadTokensFile(unittest.TestCase):
    def test_a_broken_tokens_file_stops_the_start_with_the_line(self):
        with tempfile.NamedTemporaryFile("w", suffix=".tokens", delete=False) as f:
            f.write("rh write short\n")
        relais = Relais(security={"api_tokens_file": f.name})
        try:
            with self.assertRaises(AssertionError) as e:
                relais.start(timeout=10)
            self.assertIn("line 1: TOKEN must be at least 32 characters", str(e.exception))
            self.assertNotIn("short", relais.log_text().replace("TOKEN must", ""))
        finally:
            relais.close()
            os.unlink(f.name)


if __name__ == "__main__":
    harness.main()
