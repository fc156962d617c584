"""Automatic mail: the referent's out-of-office reply hands waiting and new requests to the
backup, who can decide; a delivery report about relais's own mail marks the address failing and
tells the administrator once; nothing automatic ever gets an answer (RFC 3834)."""

import datetime
import email.utils
import time
import zoneinfo
from email.message import EmailMessage

import harness
from harness import AGENT, REFERENT, SUBMISSION, Relais, RelaisTestCase, text_of

BACKUP = "suppleant@example.org"
ADMIN = "admin@example.org"
TEXT = ("Samedi, la fête de quartier a réuni 300 habitants place du marché.\n"
        "Auteur : Jeanne Martin\nPersonnes : aucune personne identifiable\n")
MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
          "octobre", "novembre", "décembre"]


def out_of_office(original, body, exchange=False):
    """An out-of-office reply to `original`, as Exchange (X-Auto-Response-Suppress, no
    Auto-Submitted) or as RFC 3834 programs write it."""
    m = EmailMessage()
    m["From"] = f"Référente <{REFERENT}>"
    m["To"] = SUBMISSION
    m["Subject"] = "Réponse automatique : " + str(original["Subject"])
    m["Date"] = email.utils.formatdate(localtime=True)
    m["Message-ID"] = email.utils.make_msgid(domain="example.org")
    m["In-Reply-To"] = original["Message-ID"]
    if exchange:
        m["X-Auto-Response-Suppress"] = "All"
    else:
        m["Auto-Submitted"] = "auto-replied"
    m.set_content(body)
    return m


def delivery_report(failed, returned_message_id, status="5.1.1"):
    """A Postfix bounce (multipart/report) for `failed`, returning our mail's headers; raw bytes,
    as Postfix writes them."""
    return (
        "From: MAILER-DAEMON@mx.example.org (Mail Delivery System)\r\n"
        f"To: {SUBMISSION}\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        "Auto-Submitted: auto-replied\r\n"
        f"Message-ID: {email.utils.make_msgid(domain='mx.example.org')}\r\n"
        f"Date: {email.utils.formatdate(localtime=True)}\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B1"\r\n\r\n'
        "--B1\r\nContent-Description: Notification\r\nContent-Type: text/plain\r\n\r\n"
        "This is the mail system at host mx.example.org.\r\n\r\n"
        "I'm sorry to have to inform you that your message could not\r\n"
        "be delivered to one or more recipients.\r\n\r\n"
        "--B1\r\nContent-Description: Delivery report\r\n"
        "Content-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.example.org\r\n\r\n"
        f"Final-Recipient: rfc822; {failed}\r\nOriginal-Recipient: rfc822;{failed}\r\n"
        f"Action: failed\r\nStatus: {status}\r\n"
        f"Diagnostic-Code: smtp; 550 {status} <{failed}>: Recipient address rejected:\r\n"
        "    User unknown in virtual mailbox table\r\n\r\n"
        "--B1\r\nContent-Description: Undelivered Message Headers\r\n"
        "Content-Type: text/rfc822-headers\r\n\r\n"
        f"From: {SUBMISSION}\r\nTo: {failed}\r\nMessage-ID: {returned_message_id}\r\n"
        "Subject: [PUB] ...\r\n\r\n--B1--\r\n").encode()


class OutOfOffice(RelaisTestCase):
    def request(self):
        ref = self.submit(text=TEXT)
        self.relais.wait_state(ref, ["awaiting_approval"])
        return ref

    def test_out_of_office_hands_waiting_and_new_requests_to_the_backup(self):
        r = self.relais
        first = self.request()
        notification = r.wait_mail(to=REFERENT, subject_has=first)[-1]
        back = datetime.date.today() + datetime.timedelta(days=8)
        code, reply = r.send(out_of_office(
            notification, "Bonjour,\nJe suis absente du bureau, de retour le "
            f"{back.day} {MONTHS[back.month - 1]}.\nEn cas d'urgence, contactez le standard."))
        self.assertEqual(code, 250, reply)
        # The waiting request reaches the backup, with a link of the backup's own.
        handed = r.wait_mail(to=BACKUP, subject_has=first)[-1]
        self.assertIn("à la place de", text_of(handed))
        self.assertIn(f"{back.day} {MONTHS[back.month - 1]}", text_of(handed))
        rows = r.query("SELECT address, until FROM absences")
        self.assertEqual(len(rows), 1)
        self.assertEqual(rows[0]["address"], REFERENT)
        until = datetime.datetime.fromtimestamp(rows[0]["until"] / 1000,
                                                zoneinfo.ZoneInfo("Europe/Paris"))
        self.assertEqual(until.date(), back)
        # A new request goes to the backup only; the backup approves it from the link.
        second = self.request()
        to_backup = r.wait_mail(to=BACKUP, subject_has=second)[-1]
        self.assertEqual(r.mails(to=REFERENT, subject_has=second), [])
        token = Relais.links(to_backup)["approve"][1]
        answer = r.decide(token, "approve")
        self.assertEqual(answer.status, 200, answer)
        r.wait_state(second, ["scheduled", "publishing", "published"])
        actor = r.query("SELECT actor FROM audit WHERE event = 'approve'")[0]["actor"]
        self.assertEqual(actor, "referent:" + BACKUP)
        # The same out-of-office reply again records nothing new, and none is ever answered.
        r.send(out_of_office(notification, f"De retour le {back.day} {MONTHS[back.month - 1]}."))
        r.wait_outbox_idle()
        self.assertEqual(len(r.query("SELECT id FROM absences")), 1)
        self.assertEqual([m for m in r.mails(to=REFERENT) if "Réponse" in str(m["Subject"])], [])

    def test_exchange_reply_without_a_date_counts_for_the_default_day(self):
        r = self.relais
        ref = self.request()
        notification = r.wait_mail(to=REFERENT, subject_has=ref)[-1]
        code, reply = r.send(out_of_office(notification, "Je suis absente du bureau.",
                                           exchange=True))
        self.assertEqual(code, 250, reply)
        r.wait_mail(to=BACKUP, subject_has=ref)
        row = r.query("SELECT starts_at, until FROM absences")[0]
        self.assertEqual(row["until"] - row["starts_at"], 24 * 3600 * 1000)
        # Not taken for the referent's answer: nothing was decided, nobody was answered.
        self.assertEqual(r.state_of(ref), "awaiting_approval")
        r.wait_outbox_idle()
        self.assertEqual(r.mails(to=REFERENT, subject_has="Votre réponse"), [])


class Bounces(RelaisTestCase):
    config = dict(referent={"admin_address": ADMIN})

    def test_bounce_marks_the_address_and_tells_the_admin_once(self):
        r = self.relais
        agent = "parti@example.org"
        ref = self.submit(text=TEXT, sender=agent)
        ack = r.wait_mail(to=agent, subject_has=ref)[-1]
        r.wait_mail(to=REFERENT, subject_has=ref)
        before = len(r.outbox())
        # A report about a mail relais never sent to that address (forged, or someone else's):
        # nothing recorded, nobody alerted.
        r.send(delivery_report("inconnu@example.org", str(ack["Message-ID"])), mail_from="",
               rcpt=[SUBMISSION])
        self.assertEqual(r.query("SELECT address FROM failing_addresses"), [])
        code, reply = r.send(delivery_report(agent, str(ack["Message-ID"])), mail_from="",
                             rcpt=[SUBMISSION])
        self.assertEqual(code, 250, reply)
        alert = r.wait_mail(to=ADMIN, subject_has="Adresse en échec")[-1]
        self.assertIn(agent, text_of(alert))
        self.assertIn("5.1.1", text_of(alert))
        rows = r.query("SELECT address, status, message_id FROM failing_addresses")
        self.assertEqual([(x["address"], x["status"]) for x in rows], [(agent, "5.1.1")])
        self.assertEqual(rows[0]["message_id"], str(ack["Message-ID"]).strip("<>"))
        audit = r.query("SELECT request_id, event FROM audit WHERE kind = 'bounce'")
        self.assertEqual(len(audit), 1)
        self.assertEqual(audit[0]["event"], "address_failing")
        self.assertIsNotNone(audit[0]["request_id"])
        # A second report: recorded, no second alert; the bounce itself is never answered.
        r.send(delivery_report(agent, str(ack["Message-ID"])), mail_from="", rcpt=[SUBMISSION])
        r.wait_outbox_idle()
        time.sleep(0.3)
        self.assertEqual(len(r.mails(to=ADMIN)), 1)
        self.assertEqual(len(r.outbox()), before + 1)
        self.assertEqual(r.mails(to="mailer-daemon@mx.example.org"), [])
        # A bounce of the alert to the administrator is recorded but alerts nobody.
        r.send(delivery_report(ADMIN, str(alert["Message-ID"])), mail_from="", rcpt=[SUBMISSION])
        r.wait_outbox_idle()
        time.sleep(0.3)
        self.assertEqual(len(r.outbox()), before + 1)
        self.assertEqual(len(r.query("SELECT address FROM failing_addresses")), 2)


if __name__ == "__main__":
    harness.main()
