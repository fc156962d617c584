"""The right to disconnect, with relaisd's clock in a file the test moves (RELAIS_CLOCK_FILE):
mail to the referent outside working hours waits for the next start of them and goes as one
digest, public holidays skipped (Whit Monday, Ascension Thursday); a takedown notifies at once;
with the referent away the backup decides; without a decision, a reminder, then one escalation.
"""

import datetime
import os
import re
import sqlite3
import time
import unittest
import zoneinfo

import harness
from harness import AGENT, REFERENT, Relais, text_of

BACKUP = "suppleant@example.org"
OUTSIDER = "habitant@gmail.test"
PARIS = zoneinfo.ZoneInfo("Europe/Paris")
CASE_RE = re.compile(r"DI-\d{4}-\d{4}")
TEXT = ("Samedi, la fête de quartier a réuni 300 habitants place du marché.\n"
        "Auteur : Jeanne Martin\nPersonnes : aucune personne identifiable\n")


def epoch(y, mo, d, h, mi, s=0):
    return int(datetime.datetime(y, mo, d, h, mi, s, tzinfo=PARIS).timestamp())


class WorkingHoursTest(unittest.TestCase):
    referent = {}

    def setUp(self):
        self.clock_file = None
        self.relais = None

    def start(self, at, **referent):
        """relaisd with its clock at `at` (epoch seconds), going on from there."""
        r = Relais(sections={"working_hours": {"default": "mon-fri 08:30-18:00",
                                               "public_holidays": "france"}},
                   referent={"remind_after_working_hours": 0, "escalate_after_working_hours": 0,
                             **referent})
        self.clock_file = os.path.join(r.dir, "clock")
        self.set_clock(at)
        r.env = {"RELAIS_CLOCK_FILE": self.clock_file}
        self.relais = r
        r.start()
        return r

    def set_clock(self, at):
        """Moves relaisd's clock to `at` (epoch seconds); it goes on from there."""
        tmp = self.clock_file + ".new"
        with open(tmp, "w") as f:
            f.write(f"@{at}\n")
        os.replace(tmp, self.clock_file)

    def tearDown(self):
        if self.relais is None:
            return
        result = getattr(getattr(self, "_outcome", None), "result", None)
        failed = result is not None and any(t is self for t, _ in result.errors + result.failures)
        if failed:
            print(self.relais.log_tail(), file=__import__("sys").stderr)
        self.relais.close(keep=failed)

    def submit(self, subject="Fête de quartier"):
        code, reply = self.relais.send(harness.make_mail(subject=subject, text=TEXT))
        self.assertEqual(code, 250, reply)
        return harness.reference_in(reply)

    def two_requests_on_friday_evening(self):
        """relaisd on Friday 22 May 2026 at 21:00, with two requests waiting for a decision."""
        r = self.start(epoch(2026, 5, 22, 21, 0))
        first = self.submit("Fête de quartier")
        second = self.submit("Conseil municipal des jeunes")
        for ref in (first, second):
            r.wait_state(ref, ["awaiting_approval"])
        return r, first, second

    def hold_unrenderable_mail(self, due_ms):
        """A mail to the referent held until `due_ms` whose template does not exist."""
        r = self.relais
        con = sqlite3.connect(os.path.join(r.state_dir, "relais.db"), timeout=10)
        with con:
            con.execute(
                "INSERT INTO outbox (effect_key, kind, payload, due_at, created_at, held_for) "
                "VALUES ('broken', 'mail', ?, ?, ?, ?)",
                ('{"name":"no_such_template","recipient":"%s","context":{}}' % REFERENT, due_ms,
                 epoch(2026, 5, 22, 21, 0) * 1000, REFERENT))
        con.close()

    def assert_no_mail(self, to, subject_has=None, wait=1.5):
        time.sleep(wait)
        found = self.relais.mails(to=to, subject_has=subject_has)
        self.assertEqual(found, [], [str(m["Subject"]) for m in found])

    def test_friday_evening_waits_for_tuesday_after_whit_monday_as_one_digest(self):
        r, first, second = self.two_requests_on_friday_evening()
        for ref in (first, second):
            r.wait_mail(to=AGENT, subject_has=ref)  # the agent's acknowledgement goes at once
        self.assert_no_mail(REFERENT)
        held = r.query("SELECT held_for, due_at FROM outbox WHERE held_for <> '' AND done_at IS NULL")
        self.assertEqual(len(held), 2)
        self.assertTrue(all(h["held_for"] == REFERENT for h in held))
        self.assertEqual({h["due_at"] // 1000 for h in held}, {epoch(2026, 5, 26, 8, 30)})

        self.set_clock(epoch(2026, 5, 25, 10, 0))  # Whit Monday: a public holiday
        self.assert_no_mail(REFERENT)

        self.set_clock(epoch(2026, 5, 26, 8, 29, 57))  # Tuesday, just before 08:30
        digest = r.wait_mail(to=REFERENT, timeout=20)
        self.assertEqual(len(digest), 1)
        mail = digest[0]
        self.assertIn("2 messages", str(mail["Subject"]))
        body = text_of(mail)
        self.assertIn(first, body)
        self.assertIn(second, body)
        sent_at = email_date(mail)
        self.assertEqual(sent_at.astimezone(PARIS).strftime("%Y-%m-%d %H:%M"), "2026-05-26 08:30")
        # Its links decide, one request each.
        tokens = re.findall(r"/a/([A-Za-z0-9_-]{43})\?action=approve", body)
        self.assertEqual(len(tokens), 2, body)
        for token in tokens:
            page = r.decide(token, "approve")
            self.assertEqual(page.status, 200, page.body)
        for ref in (first, second):
            self.assertIn(r.state_of(ref), ("scheduled", "publishing", "published"))
        time.sleep(1)
        self.assertEqual(len(r.mails(to=REFERENT)), 1)  # nothing sent twice

    def test_a_digest_item_that_cannot_be_rendered_is_left_out(self):
        r, first, second = self.two_requests_on_friday_evening()
        # Due with the others, claimed after them: an item of their digest.
        self.hold_unrenderable_mail(epoch(2026, 5, 26, 8, 30) * 1000)
        self.set_clock(epoch(2026, 5, 26, 8, 29, 58))
        mail = r.wait_mail(to=REFERENT, timeout=20)[0]
        self.assertIn("2 messages", str(mail["Subject"]))  # the digest goes without it
        deadline = time.monotonic() + 15
        while True:  # and it goes its own way, with its own error
            broken = r.query("SELECT digest_of, last_error FROM outbox WHERE effect_key = 'broken'")[0]
            if broken["last_error"] or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        self.assertIsNone(broken["digest_of"])
        self.assertIn("no_such_template", broken["last_error"])

    def test_a_digest_lead_that_cannot_be_rendered_holds_nothing_back(self):
        r, first, second = self.two_requests_on_friday_evening()
        # Due a millisecond before the others: claimed first, it leads their digest.
        self.hold_unrenderable_mail(epoch(2026, 5, 26, 8, 30) * 1000 - 1)
        self.set_clock(epoch(2026, 5, 26, 8, 29, 58))
        mails = r.wait_mail(to=REFERENT, timeout=20)
        deadline = time.monotonic() + 15
        while not all(any(ref in str(m["Subject"]) or ref in text_of(m) for m in mails)
                      for ref in (first, second)):
            self.assertLess(time.monotonic(), deadline, [str(m["Subject"]) for m in mails])
            time.sleep(0.2)
            mails = r.mails(to=REFERENT)
        broken = r.query("SELECT done_at, last_error FROM outbox WHERE effect_key = 'broken'")[0]
        self.assertIn("no_such_template", broken["last_error"])
        for ref in (first, second):  # nothing given up with the broken one
            rows = r.query("SELECT last_error FROM outbox WHERE effect_key LIKE ? AND effect_key "
                           "LIKE '%:3:1'", f"{r.query('SELECT id FROM requests WHERE reference = ?', ref)[0]['id']}:%")
            self.assertEqual([x["last_error"] for x in rows], [""])

    def test_ascension_thursday_is_skipped(self):
        r = self.start(epoch(2026, 5, 13, 20, 0))  # Wednesday 13 May 2026, 20:00
        ref = self.submit()
        r.wait_state(ref, ["awaiting_approval"])
        self.set_clock(epoch(2026, 5, 14, 10, 0))  # Ascension Thursday
        self.assert_no_mail(REFERENT)
        self.set_clock(epoch(2026, 5, 15, 8, 29, 58))  # Friday
        mail = r.wait_mail(to=REFERENT, subject_has=ref, timeout=20)[0]
        self.assertIn("À valider", str(mail["Subject"]))  # one held mail goes as itself
        self.assertEqual(email_date(mail).astimezone(PARIS).strftime("%d %H:%M"), "15 08:30")

    def test_a_takedown_at_night_notifies_at_once(self):
        r = self.start(epoch(2026, 5, 22, 21, 0))
        msg = harness.make_mail(subject="Demande de retrait d'une photo", sender=OUTSIDER,
                                to="droit-image@example.org", attachments=[],
                                text="Bonjour, merci de retirer la photo où j'apparais.")
        code, reply = r.send(msg)
        self.assertEqual(code, 250, reply)
        case = CASE_RE.search(reply).group(0)
        told = r.wait_mail(to=REFERENT, subject_has=case, timeout=10)
        self.assertEqual(email_date(told[0]).astimezone(PARIS).strftime("%d %H"), "22 21")

    def test_away_referent_the_backup_decides(self):
        r = self.start(epoch(2026, 11, 24, 9, 0))  # Tuesday 24 November 2026, 09:00
        waiting = self.submit("Marché de Noël")
        r.wait_mail(to=REFERENT, subject_has=waiting)
        code, out, err = r.ctl("referent", "away", "--until", "2026-11-27")
        self.assertEqual(code, 0, err)
        self.assertIn("1 request(s) handed over", out)
        handed = r.wait_mail(to=BACKUP, subject_has=waiting)[0]
        self.assertIn("à la place de", text_of(handed))
        fresh = self.submit("Cérémonie du 11 novembre")
        mail = r.wait_mail(to=BACKUP, subject_has=fresh)[0]
        self.assertEqual(r.mails(to=REFERENT, subject_has=fresh), [])
        token = Relais.links(mail)["approve"][1]
        page = r.decide(token, "approve")
        self.assertEqual(page.status, 200, page.body)
        self.assertIn(r.state_of(fresh), ("scheduled", "publishing", "published"))
        actors = [row["actor"] for row in r.query(
            "SELECT a.actor FROM audit a JOIN requests q ON q.id = a.request_id "
            "WHERE q.reference = ? AND a.event = 'approve'", fresh)]
        self.assertEqual(actors, [f"referent:{BACKUP}"])
        code, out, err = r.ctl("--json", "referent", "absences")
        self.assertEqual(code, 0, err)
        self.assertIn(REFERENT, out)
        code, out, err = r.ctl("referent", "back")
        self.assertEqual(code, 0, err)
        later = self.submit("Vœux du maire")
        r.wait_mail(to=REFERENT, subject_has=later)

    def test_a_reminder_then_one_escalation_in_working_hours(self):
        r = self.start(epoch(2026, 11, 24, 16, 0), remind_after_working_hours=1,
                       escalate_after_working_hours=3)
        ref = self.submit()
        r.wait_mail(to=REFERENT, subject_has=ref)
        self.set_clock(epoch(2026, 11, 24, 17, 0, 30))  # one working hour later
        reminder = r.wait_mail(to=REFERENT, subject_has="Rappel", timeout=10)[0]
        self.assertIn(ref, str(reminder["Subject"]))
        self.assert_no_mail(BACKUP, wait=1)
        # 3 working hours: 16:00-18:00 on Tuesday, then 08:30-09:30 on Wednesday.
        self.set_clock(epoch(2026, 11, 25, 9, 29, 0))
        self.assert_no_mail(BACKUP, wait=1.5)
        self.set_clock(epoch(2026, 11, 25, 9, 30, 30))
        escalation = r.wait_mail(to=BACKUP, subject_has=ref, timeout=10)[0]
        self.assertIn("Sans décision", str(escalation["Subject"]))
        self.assertIn("3 heures de travail", text_of(escalation))
        self.set_clock(epoch(2026, 11, 27, 15, 0))  # days later: still once
        time.sleep(1.5)
        self.assertEqual(len(r.mails(to=BACKUP, subject_has=ref)), 1)
        self.assertEqual(len(r.mails(to=REFERENT, subject_has="Rappel")), 1)
        # The first mail's links still work: a reminder did not make them stale.
        first = [m for m in r.mails(to=REFERENT, subject_has=ref) if "Rappel" not in str(m["Subject"])]
        page = r.decide(Relais.links(first[0])["approve"][1], "approve")
        self.assertEqual(page.status, 200, page.body)


def email_date(msg):
    import email.utils
    return email.utils.parsedate_to_datetime(str(msg["Date"]))


if __name__ == "__main__":
    harness.main()
