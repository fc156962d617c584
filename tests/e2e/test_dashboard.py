"""The dashboard as its people use it: a login link by mail (one use, no session on a GET), a
session cookie (HttpOnly, SameSite=Strict), CSRF on every form, the pages (waiting for me,
requests with search, a request's history and media, the calendar, takedown cases, consents,
channel health, quarantine, absences), the ICS feed behind its token and a new feed URL that
retires the old one, and logging out.
"""

import datetime
import http.client
import re
import sys
import unittest
import urllib.parse
import zoneinfo

import harness
from harness import REFERENT, Relais, RelaisTestCase, text_of

BACKUP = "suppleant@example.org"
ADMIN = "admin@example.org"
LOGIN_RE = re.compile(r"(https?://[^/\s]+)(/d/login/[A-Za-z0-9_-]{43})")
CSRF_RE = re.compile(r'name="csrf" value="([0-9a-f]+)"')
PARIS = zoneinfo.ZoneInfo("Europe/Paris")


class Browser:
    """A client that keeps the session cookie and does not follow redirects, so that each
    answer can be looked at."""

    def __init__(self, relais):
        self.relais = relais
        self.cookie = None

    def request(self, method, path, fields=None, cookie=True):
        con = http.client.HTTPConnection("127.0.0.1", self.relais.http_port, timeout=30)
        headers = {}
        body = None
        if fields is not None:
            body = urllib.parse.urlencode(fields, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if cookie and self.cookie:
            headers["Cookie"] = self.cookie
        con.request(method, path, body=body, headers=headers)
        r = con.getresponse()
        answer = harness.HttpAnswer(r.status, r.read().decode("utf-8", "replace"),
                                    {k.lower(): v for k, v in r.getheaders()})
        con.close()
        set_cookie = answer.headers.get("set-cookie")
        if set_cookie:
            pair = set_cookie.split(";", 1)[0]
            self.cookie = None if pair.endswith("=") else pair
        return answer

    def get(self, path):
        return self.request("GET", path)

    def post(self, path, fields):
        return self.request("POST", path, fields)

    def login(self, address=REFERENT):
        page = self.get("/d/login")
        assert page.status == 200, page
        sent = self.post("/d/login", {"csrf": csrf(page), "address": address})
        assert sent.status == 200, sent
        mail = self.relais.wait_mail(to=address, subject_has="connexion")[-1]
        path = LOGIN_RE.search(text_of(mail)).group(2)
        button = self.get(path)
        assert button.status == 200 and "set-cookie" not in button.headers, button
        opened = self.post(path, {"csrf": csrf(button)})
        assert opened.status == 303 and opened.headers["location"] == "/d/", opened
        return opened, path


def csrf(page):
    m = CSRF_RE.search(page.body)
    assert m, f"no csrf field in {page!r}"
    return m.group(1)


class DashboardTest(RelaisTestCase):
    config = dict(referent={"admin_address": ADMIN})

    def test_login_link_session_and_logout(self):
        b = Browser(self.relais)
        first = b.get("/d/")
        self.assertEqual(first.status, 303)
        self.assertEqual(first.headers["location"], "/d/login")
        opened, path = b.login()
        cookie = opened.headers["set-cookie"]
        for attribute in ("HttpOnly", "SameSite=Strict", "Path=/d", "Max-Age=28800"):
            self.assertIn(attribute, cookie)
        self.assertNotIn("Secure", cookie)  # plain http on loopback
        home = b.get("/d/")
        self.assertEqual(home.status, 200, home)
        self.assertIn("À traiter", home.body)
        self.assertIn(REFERENT, home.body)
        self.assertIn("no-store", home.headers["cache-control"])
        self.assertEqual(home.headers["x-frame-options"], "DENY")

        # The link served once.
        again = Browser(self.relais)
        button = again.get(path)
        self.assertEqual(again.post(path, {"csrf": csrf(button)}).status, 410)
        self.assertIsNone(again.cookie)

        # A form without the session's CSRF field changes nothing.
        refused = b.post("/d/logout", {"csrf": "0" * 64})
        self.assertEqual(refused.status, 403)
        self.assertEqual(b.get("/d/").status, 200)
        out = b.post("/d/logout", {"csrf": csrf(home)})
        self.assertEqual(out.status, 303)
        self.assertIn("Max-Age=0", out.headers["set-cookie"])
        self.assertEqual(b.get("/d/").status, 303)
        # The old cookie does not come back to life.
        b.cookie = cookie.split(";", 1)[0]
        self.assertEqual(b.get("/d/").status, 303)
        audit_free = self.relais.log_text()
        self.assertNotIn(path.rsplit("/", 1)[1], audit_free)  # the token is never logged

    def test_login_is_silent_about_who_may_log_in(self):
        b = Browser(self.relais)
        page = b.get("/d/login")
        for address in ("agent@example.org", "nobody@elsewhere.test"):
            answer = b.post("/d/login", {"csrf": csrf(page), "address": address})
            self.assertEqual(answer.status, 200)
            self.assertIn("Si cette adresse", answer.body)
        bad = b.post("/d/login", {"csrf": csrf(page), "address": "pas une adresse"})
        self.assertEqual(bad.status, 400)
        self.assertIn("pas valide", bad.body)
        forged = b.post("/d/login", {"csrf": "f" * 64, "address": REFERENT})
        self.assertEqual(forged.status, 400)
        self.relais.wait_outbox_idle()
        self.assertEqual(self.relais.mails(subject_has="connexion"), [])
        # One link every two minutes per address: asking again at once sends nothing more,
        # and the form still answers the same.
        for _ in range(4):
            again = b.post("/d/login", {"csrf": csrf(page), "address": BACKUP})
            self.assertIn("Si cette adresse", again.body)
        self.relais.wait_outbox_idle()
        self.assertEqual(len(self.relais.mails(to=BACKUP, subject_has="connexion")), 1)
        # The rate-limit rows hold keyed hashes, never the address or the client's.
        keys = [row["key"] for row in self.relais.query("SELECT * FROM form_hits")]
        self.assertTrue(keys)
        self.assertFalse([k for k in keys if "@" in k or "127.0.0.1" in k], keys)
        self.assertNotIn(BACKUP, self.relais.log_text())
        self.assertEqual(b.get("/d/login/" + "A" * 43).status, 200)  # a button, nothing opened
        page = b.get("/d/login/" + "A" * 43)
        self.assertEqual(b.post("/d/login/" + "A" * 43, {"csrf": csrf(page)}).status, 410)

    def test_pages_show_a_scheduled_request(self):
        reference = self.submit()
        token = self.referent_token(reference)
        at = (datetime.datetime.now(PARIS) + datetime.timedelta(days=2)).replace(
            hour=10, minute=15, second=0, microsecond=0)
        done = self.relais.decide(token, publish_at=at.strftime("%Y-%m-%dT%H:%M"))
        self.assertEqual(done.status, 200, done)
        self.relais.wait_state(reference, "scheduled")
        request_id = self.relais.query("SELECT id FROM requests WHERE reference = ?",
                                       reference)[0]["id"]
        b = Browser(self.relais)
        b.login()
        home = b.get("/d/")
        self.assertIn(reference, home.body)  # in the next seven days

        found = b.get("/d/requests?q=" + reference)
        self.assertIn(f"/d/requests/{request_id}", found.body)
        self.assertIn("1 demande(s)", found.body)
        self.assertIn("0 demande(s)", b.get("/d/requests?q=introuvable-xyz").body)
        by_state = b.get("/d/requests?state=scheduled")
        self.assertIn(reference, by_state.body)
        self.assertNotIn(reference, b.get("/d/requests?state=rejected").body)
        self.assertEqual(b.get("/d/requests?q=%25&page=99&state=nonsense").status, 200)

        page = b.get(f"/d/requests/{request_id}")
        self.assertEqual(page.status, 200)
        for shown in ("Programmée", "Historique", "approve", "site", "Fête de quartier"):
            self.assertIn(shown, page.body)
        self.assertEqual(b.get(f"/d/requests/{reference}").status, 200)
        self.assertEqual(b.get("/d/requests/999999").status, 404)
        status, body, headers = self.media(b, f"/d/requests/{request_id}/m/0")
        self.assertEqual(status, 200)
        self.assertEqual(headers["content-type"], "image/jpeg")
        self.assertEqual(body[:2], b"\xff\xd8")
        anonymous = Browser(self.relais)
        self.assertEqual(anonymous.get(f"/d/requests/{request_id}/m/0").status, 303)

        week = b.get("/d/calendar?view=week&date=" + at.strftime("%Y-%m-%d"))
        self.assertIn(reference, week.body)
        self.assertIn("10:15", week.body)
        month = b.get("/d/calendar?view=month&date=" + at.strftime("%Y-%m-%d"))
        self.assertIn(reference, month.body)
        far = b.get("/d/calendar?view=week&date=2001-01-01")
        self.assertNotIn(reference, far.body)
        self.assertEqual(b.get("/d/calendar?date=not-a-date").status, 200)

        for path, text in (("/d/cases", "Droit à l'image"), ("/d/consents", "consentements"),
                           ("/d/channels", "site"), ("/d/quarantine", "Quarantaine"),
                           ("/d/absences", "Absences")):
            answer = b.get(path)
            self.assertEqual(answer.status, 200, path)
            self.assertIn(text, answer.body)
        self.assertEqual(b.get("/d/nothing-here").status, 404)

    def media(self, browser, path):
        con = http.client.HTTPConnection("127.0.0.1", self.relais.http_port, timeout=30)
        con.request("GET", path, headers={"Cookie": browser.cookie})
        r = con.getresponse()
        try:
            return r.status, r.read(), {k.lower(): v for k, v in r.getheaders()}
        finally:
            con.close()

    def test_ics_feed_and_a_new_address(self):
        reference = self.submit()
        token = self.referent_token(reference)
        at = datetime.datetime.now(PARIS) + datetime.timedelta(days=3)
        self.relais.decide(token, publish_at=at.strftime("%Y-%m-%dT%H:%M"))
        self.relais.wait_state(reference, "scheduled")
        b = Browser(self.relais)
        b.login()
        calendar = b.get("/d/calendar")
        feed = re.search(r"http://127\.0\.0\.1:\d+(/ics/[0-9a-f]{64}\.ics)", calendar.body).group(1)
        ics = Relais.get(self.relais, feed)
        self.assertEqual(ics.status, 200)
        self.assertTrue(ics.headers["Content-Type"].startswith("text/calendar"))
        raw = ics.body
        self.assertTrue(raw.startswith("BEGIN:VCALENDAR\r\n"))
        self.assertIn("BEGIN:VEVENT\r\n", raw)
        self.assertIn(f"UID:{reference}@example.org", raw)
        start = at.astimezone(datetime.timezone.utc).strftime("DTSTART:%Y%m%dT%H%M00Z")
        self.assertIn(start, raw)
        for line in raw.split("\r\n"):
            self.assertLessEqual(len(line.encode()), 75, line)
        self.assertEqual(Relais.get(self.relais, "/ics/" + "0" * 64 + ".ics").status, 404)
        self.assertEqual(Relais.get(self.relais, "/ics/short.ics").status, 404)

        renewed = b.post("/d/calendar/feed", {"csrf": csrf(calendar)})
        self.assertEqual(renewed.status, 303)
        self.assertEqual(Relais.get(self.relais, feed).status, 404)
        calendar = b.get(renewed.headers["location"])
        self.assertIn("Nouvelle adresse", calendar.body)
        new_feed = re.search(r"(/ics/[0-9a-f]{64}\.ics)", calendar.body).group(1)
        self.assertNotEqual(new_feed, feed)
        self.assertEqual(Relais.get(self.relais, new_feed).status, 200)
        # The backup has an address of their own.
        other = Browser(self.relais)
        other.login(BACKUP)
        backup_feed = re.search(r"(/ics/[0-9a-f]{64}\.ics)", other.get("/d/calendar").body).group(1)
        self.assertNotEqual(backup_feed, new_feed)

    def test_decide_from_the_request_page(self):
        reference = self.submit()
        self.relais.wait_mail(to=REFERENT, subject_has=reference)
        request_id = self.relais.query("SELECT id FROM requests WHERE reference = ?",
                                       reference)[0]["id"]
        # The administrator sees the request but does not decide it.
        admin = Browser(self.relais)
        admin.login(ADMIN)
        seen = admin.get(f"/d/requests/{request_id}")
        self.assertEqual(seen.status, 200)
        self.assertNotIn("/decide", seen.body)
        refused = admin.post(f"/d/requests/{request_id}/decide", {"csrf": csrf(seen)})
        self.assertEqual((refused.status, refused.headers["location"]),
                         (303, f"/d/requests/{request_id}"))
        b = Browser(self.relais)
        b.login()
        page = b.get(f"/d/requests/{request_id}")
        self.assertIn(f'action="/d/requests/{request_id}/decide"', page.body)
        self.assertEqual(b.post(f"/d/requests/{request_id}/decide", {"csrf": "0" * 64}).status,
                         403)
        self.assertEqual(b.post("/d/requests/999999/decide", {"csrf": csrf(page)}).status, 404)
        go = b.post(f"/d/requests/{request_id}/decide", {"csrf": csrf(page)})
        self.assertEqual(go.status, 303)
        location = go.headers["location"]
        self.assertRegex(location, r"^/a/[A-Za-z0-9_-]{43}\?action=approve$")
        token = location[3:46]
        done = self.relais.decide(token, "approve")
        self.assertEqual(done.status, 200, done)
        self.relais.wait_state(reference, ["scheduled", "publishing", "published"])
        actor = self.relais.query("SELECT actor FROM audit WHERE event = 'approve'")[0]["actor"]
        self.assertIn(REFERENT, actor)
        handed = self.relais.query(
            "SELECT actor, detail FROM audit WHERE kind = 'dashboard' AND event = 'decision_link'")
        self.assertEqual(handed, [{"actor": f"dashboard:{REFERENT}", "detail": '{"role":"referent"}'}])
        # Decided: the page offers nothing more, and asking again changes nothing.
        page = b.get(f"/d/requests/{request_id}")
        self.assertNotIn("/decide", page.body)
        again = b.post(f"/d/requests/{request_id}/decide", {"csrf": csrf(page)})
        self.assertEqual((again.status, again.headers["location"]), (303, f"/d/requests/{request_id}"))

    def test_absence_from_the_dashboard(self):
        reference = self.submit()
        self.relais.wait_mail(to=REFERENT, subject_has=reference)
        b = Browser(self.relais)
        b.login()
        page = b.get("/d/absences")
        until = (datetime.date.today() + datetime.timedelta(days=5)).isoformat()
        refused = b.post("/d/absences", {"action": "away", "who": "referent", "until": until})
        self.assertEqual(refused.status, 403)
        bad = b.post("/d/absences", {"csrf": csrf(page), "action": "away", "who": "referent",
                                     "until": "demain"})
        self.assertEqual(bad.status, 400)
        self.assertIn("dernier jour", bad.body)
        past = b.post("/d/absences", {"csrf": csrf(page), "action": "away", "who": "referent",
                                      "until": "2001-01-01"})
        self.assertEqual(past.status, 400)
        self.assertEqual(self.relais.query("SELECT count(*) AS n FROM absences")[0]["n"], 0)

        away = b.post("/d/absences", {"csrf": csrf(page), "action": "away", "who": "referent",
                                      "until": until})
        self.assertEqual(away.status, 303)
        shown = b.get(away.headers["location"])
        self.assertIn("Absence enregistrée", shown.body)
        self.assertIn(f"Les demandes sont adressées à <strong>{BACKUP}", shown.body)
        # The request waiting is handed over to the backup, who can decide.
        handed = self.relais.wait_mail(to=BACKUP, subject_has=reference)[-1]
        self.assertIn("approve", Relais.links(handed))
        audit = self.relais.query(
            "SELECT actor, event FROM audit WHERE kind = 'absence' ORDER BY id")
        self.assertEqual(audit[-1]["actor"], f"dashboard:{REFERENT}")
        back = b.post("/d/absences", {"csrf": csrf(page), "action": "back", "who": "referent"})
        self.assertEqual(back.status, 303)
        self.assertIn("Retour enregistré", b.get(back.headers["location"]).body)
        self.assertIn(f"adressées à <strong>{REFERENT}", b.get("/d/absences").body)


class DashboardInEnglishTest(RelaisTestCase):
    config = dict(general={"language": "en"})

    def test_every_page_in_english(self):
        b = Browser(self.relais)
        page = b.get("/d/login")
        self.assertIn("Send me a login link", page.body)
        sent = b.post("/d/login", {"csrf": csrf(page), "address": REFERENT})
        self.assertIn("login link has just been sent", sent.body)
        mail = self.relais.wait_mail(to=REFERENT, subject_has="login link")[-1]
        path = LOGIN_RE.search(text_of(mail)).group(2)
        button = b.get(path)
        self.assertIn("Open the dashboard", button.body)
        self.assertEqual(b.post(path, {"csrf": csrf(button)}).status, 303)
        for path, text in (("/d/", "To do"), ("/d/requests", "Requests"),
                           ("/d/calendar?view=month", "Publication calendar"),
                           ("/d/cases", "takedown requests"), ("/d/consents", "Consent registry"),
                           ("/d/channels", "Channel health"), ("/d/quarantine", "Quarantine"),
                           ("/d/absences", "Declare an absence"), ("/d/nowhere", "Page not found")):
            answer = b.get(path)
            self.assertIn(text, answer.body, path)
            self.assertIn('lang="en"', answer.body, path)


if __name__ == "__main__":
    harness.main()
