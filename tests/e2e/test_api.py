"""The JSON API of the real daemon: bearer tokens from a file (read and write scopes); the
consent registry (a consent recorded with its evidence, listed and shown, then revoked, which
takes the person's publication down); requests, the calendar, takedown cases and channels.
Every answer, errors included, is checked against schemas/openapi.json (OpenAPI 3.1, JSON
Schema 2020-12); every bad input is answered with a JSON error and nothing changed."""

import base64
import datetime
import json
import os
import re
import tempfile
import unittest
import urllib.request

import jsonschema

import harness
from harness import Relais, RelaisTestCase

WRITE = "w" * 8 + "0123456789abcdef0123456789abcdef"
READ = "r" * 8 + "0123456789abcdef0123456789abcdef"


_OPENAPI = None


def openapi():
    global _OPENAPI
    if _OPENAPI is None:
        with open(os.path.join(harness.SOURCE_DIR, "schemas", "openapi.json"), encoding="utf-8") as f:
            _OPENAPI = json.load(f)
    return _OPENAPI


def check_against_openapi(method, path, status, body):
    """Validates an answer against the response the OpenAPI document gives for that path,
    method and status; fails when the document has none."""
    doc = openapi()
    path = path.split("?", 1)[0].removeprefix("/api/v1").rstrip("/") or "/"
    for template, item in doc["paths"].items():
        pattern = "^" + re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(template)) + "$"
        if re.match(pattern, path):
            operation = item.get(method.lower())
            break
    else:
        operation = None
    if operation is None:  # 404/405 of paths the document does not have: still an Error
        schema = {"$ref": "#/components/schemas/Error"}
    else:
        response = operation["responses"].get(str(status))
        assert response is not None, f"{method} {path}: status {status} is not documented"
        if "$ref" in response:
            response = doc["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
        schema = response["content"]["application/json"]["schema"]
    resolver = jsonschema.RefResolver.from_schema(doc)
    jsonschema.Draft202012Validator(schema, resolver=resolver).validate(body)


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
                status, answer, headers = r.status, json.loads(r.read()), dict(r.headers)
        except urllib.error.HTTPError as e:
            raw = e.read()
            self.assertEqual(e.headers.get("Content-Type"), "application/json", raw)
            status, answer, headers = e.code, json.loads(raw), dict(e.headers)
        if status not in (405,) and "/api/v1/" in path:
            check_against_openapi(method, path, status, answer)
        return status, answer, headers

    def test_requests_calendar_cases_channels(self):
        r = self.relais
        ref = self.submit(subject="Forum des associations")
        at = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=2)
        r.decide(self.referent_token(ref), "approve",
                 publish_at=at.astimezone().strftime("%Y-%m-%dT%H:%M"))
        r.wait_state(ref, "scheduled")
        other = self.submit(subject="Conseil municipal")
        r.wait_state(other, "awaiting_approval")

        status, listed, _ = self.call("GET", "/api/v1/requests", token=READ)
        self.assertEqual(status, 200)
        self.assertEqual(listed["total"], 2)
        self.assertEqual([x["reference"] for x in listed["requests"]], [other, ref])
        status, found, _ = self.call("GET", "/api/v1/requests?state=scheduled&q=Forum", token=READ)
        self.assertEqual([x["reference"] for x in found["requests"]], [ref])
        status, page, _ = self.call("GET", "/api/v1/requests?limit=1&offset=1", token=READ)
        self.assertEqual([x["reference"] for x in page["requests"]], [ref])
        self.assertEqual(page["total"], 2)
        status, one, _ = self.call("GET", f"/api/v1/requests/{ref}", token=READ)
        self.assertEqual(status, 200)
        self.assertEqual(one["state"], "scheduled")
        self.assertEqual(one["media"][0]["position"], 0)
        self.assertIn("approve", [h["event"] for h in one["history"]])
        status, same, _ = self.call("GET", f"/api/v1/requests/{one['id']}", token=READ)
        self.assertEqual(same["reference"], ref)

        status, cal, _ = self.call("GET", "/api/v1/calendar", token=READ)
        self.assertEqual([x["reference"] for x in cal["publications"]], [ref])
        status, cal, _ = self.call("GET", "/api/v1/calendar?from=2001-01-01&to=2001-02-01", token=READ)
        self.assertEqual(cal["publications"], [])

        status, cases, _ = self.call("GET", "/api/v1/cases", token=READ)
        self.assertEqual((status, cases), (200, {"cases": []}))
        status, channels, _ = self.call("GET", "/api/v1/channels", token=READ)
        self.assertEqual(status, 200)
        self.assertEqual(channels["channels"][0]["name"], "site")
        self.assertIsNone(channels["channels"][0]["credentials_expire_at"])

        for bad in ("/api/v1/requests?state=lost", "/api/v1/requests?limit=100000",
                    "/api/v1/requests?offset=-1", "/api/v1/calendar?from=yesterday",
                    "/api/v1/calendar?from=2026-02-01&to=2026-01-01", "/api/v1/cases?state=open"):
            status, error, _ = self.call("GET", bad, token=READ)
            self.assertEqual(status, 400, bad)
            self.assertIn("message", error["error"])
        for missing in ("/api/v1", "/api/v1/", "/api/v1/requests/PUB-1999-0001", "/api/v1/requests/0",
                        "/api/v1/cases/DI-1999-0001", "/api/v1/nothing"):
            self.assertEqual(self.call("GET", missing, token=READ)[0], 404, missing)
        self.assertEqual(self.call("GET", "/api/v1/requests", token=None)[0], 401)
        self.assertEqual(self.call("POST", "/api/v1/requests", {}, token=WRITE)[0], 405)
        self.assertEqual(self.call("POST", "/api/v1/requests", {}, token=READ)[0], 403)
        served = r.get("/schemas/openapi.json")
        self.assertEqual(served.status, 200)
        self.assertEqual(json.loads(served.body), openapi())

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
