"""Headless Chromium through the real pages: at 390 px, the approval page from the mail's link
(edit the text, untick a channel, pick the time, approve); the dashboard after its login link,
whose calendar shows the request as scheduled; an axe-core scan of the approval page, the
dashboard and the takedown form with no serious or critical violation. Screenshots are kept in
RELAIS_ARTIFACTS (the build's artifacts/ directory), the README's come from there.
"""

import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import unittest
import zoneinfo

import harness
from harness import REFERENT, Relais, RelaisTestCase, text_of

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
CHROMIUM = "/usr/bin/chromium"
LOGIN_RE = re.compile(r"https?://\S+/d/login/[A-Za-z0-9_-]{43}")
CSRF_RE = re.compile(r'name="csrf" value="([0-9a-f]+)"')
TEXT = ("Samedi, la fête de quartier a réuni 300 habitants place du marché.\n"
        "Auteur : Jeanne Martin\nPersonnes : aucune personne identifiable\n")


class BrowserTest(RelaisTestCase):
    def setUp(self):
        self.browser_dir = os.path.join(harness.SOURCE_DIR, "tests", "browser")
        missing = [p for p in (CHROMIUM, shutil.which("node") or "node",
                               os.path.join(self.browser_dir, "node_modules", "playwright-core"),
                               os.path.join(self.browser_dir, "node_modules", "axe-core"))
                   if not os.path.exists(p)]
        if missing:  # never skipped quietly: scripts/install-deps installs all of them
            self.fail(f"missing for the browser tests: {missing} (run scripts/install-deps)")
        self.config = dict(
            channels={"intranet": {"type": "site", "dir": "var/intranet", "title": "Intranet",
                                   "public_url": ""}},
            workflow={"default_channels": ["site", "intranet"]})
        super().setUp()

    def test_phone_approval_dashboard_calendar_and_accessibility(self):
        r = self.relais
        ref = self.submit(text=TEXT)
        mail = r.wait_mail(to=REFERENT, subject_has=ref)[0]
        approval_url = next(f"{b}/a/{t}?action=approve" for a, (b, t) in Relais.links(mail).items()
                            if a == "approve")
        # The dashboard's login link, asked for as a person would.
        page = r.get("/d/login")
        r.post("/d/login", {"csrf": CSRF_RE.search(page.body).group(1), "address": REFERENT})
        login = r.wait_mail(to=REFERENT, subject_has="connexion")[-1]
        login_url = LOGIN_RE.search(text_of(login)).group(0)

        at = (datetime.datetime.now(PARIS) + datetime.timedelta(days=1)).replace(
            hour=11, minute=30, second=0, microsecond=0)
        out_dir = os.environ.get("RELAIS_ARTIFACTS") or os.path.join(r.dir, "artifacts")
        os.makedirs(out_dir, exist_ok=True)
        new_text = "Retour en images sur la fête de quartier : merci aux 300 habitants venus !"
        args = {"approvalUrl": approval_url, "loginUrl": login_url,
                "calendarUrl": f"{r.base_url}/d/calendar?view=week&date={at:%Y-%m-%d}",
                "takedownUrl": f"{r.base_url}/takedown", "reference": ref,
                "publishAt": at.strftime("%Y-%m-%dT%H:%M"), "newText": new_text,
                "untick": "intranet", "outDir": out_dir}
        run = subprocess.run(["node", os.path.join(self.browser_dir, "pages.mjs"), json.dumps(args)],
                             capture_output=True, text=True, timeout=180, cwd=self.browser_dir)
        report = None
        for line in run.stdout.splitlines():
            if line.startswith("{"):
                report = json.loads(line)
        self.assertIsNotNone(report, f"no report from the browser run:\n{run.stdout}\n{run.stderr}")
        failed = [s for s in report["steps"] if not s["ok"]]
        self.assertEqual(failed, [], json.dumps(report, indent=1, ensure_ascii=False))
        self.assertEqual(run.returncode, 0, run.stderr)
        for name, found in report["violations"].items():
            if found:
                print(f"axe {name}: minor or moderate: {[v['id'] for v in found]}", file=sys.stderr)

        # What the browser did is what the store holds.
        r.wait_state(ref, "scheduled")
        row = r.query("SELECT text, publish_at FROM requests WHERE reference = ?", ref)[0]
        self.assertEqual(row["text"], new_text)
        self.assertEqual(row["publish_at"], int(at.timestamp()) * 1000)
        chans = r.query("SELECT channel FROM request_channels c JOIN requests q ON q.id = "
                        "c.request_id WHERE q.reference = ?", ref)
        self.assertEqual([c["channel"] for c in chans], ["site"])
        for shot in ("approval-390.png", "dashboard-calendar.png"):
            with open(os.path.join(out_dir, shot), "rb") as f:
                self.assertEqual(f.read(8), b"\x89PNG\r\n\x1a\n")


if __name__ == "__main__":
    harness.main()
