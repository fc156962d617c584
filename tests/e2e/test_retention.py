"""Retention through the real daemon: the photo of a rejected request is kept while the
request is recent and deleted (file gone, row marked purged, a retention row in the audit
record, the chain intact) once the request is older than retention.media_days, by the purge
relaisd runs at start and every hour. Ages are made by moving the request's last update back
in the store while relaisd is stopped."""

import os
import sqlite3
import time
import unittest

import harness
from harness import RelaisTestCase

DAY_MS = 24 * 3600 * 1000


class Retention(RelaisTestCase):
    def blob_path(self, sha):
        for root, _, files in os.walk(os.path.join(self.relais.state_dir, "media")):
            for f in files:
                if sha in os.path.join(root, f).replace(os.sep, ""):
                    return os.path.join(root, f)
        return None

    def age_request(self, ref, days):
        r = self.relais
        r.stop()
        con = sqlite3.connect(os.path.join(r.state_dir, "relais.db"))
        with con:
            con.execute("UPDATE requests SET updated_at = updated_at - ? WHERE reference = ?",
                        (days * DAY_MS, ref))
        con.close()
        r.start()

    def test_media_of_an_old_rejected_request_is_purged(self):
        r = self.relais
        ref = self.submit(subject="Vœux du maire",
                          attachments=[(harness.photo_bytes(), "image/jpeg", "voeux.jpg")])
        r.wait_state(ref, "awaiting_approval")
        code, out, err = r.ctl("reject", ref, "--reason", "Photo floue")
        self.assertEqual(code, 0, err)
        sha = r.query("SELECT m.sha256 FROM media m JOIN requests q ON q.id = m.request_id "
                      "WHERE q.reference = ?", ref)[0]["sha256"]
        path = self.blob_path(sha)
        self.assertIsNotNone(path)

        self.age_request(ref, 89)  # younger than retention.media_days (90): kept
        time.sleep(0.5)
        self.assertTrue(os.path.exists(path))
        self.assertIsNone(r.query("SELECT purged_at FROM media WHERE sha256 = ?", sha)[0]["purged_at"])

        self.age_request(ref, 2)  # 91 days: purged at start
        deadline = time.monotonic() + 10
        while r.query("SELECT purged_at FROM media WHERE sha256 = ?", sha)[0]["purged_at"] is None:
            self.assertLess(time.monotonic(), deadline, r.log_tail())
            time.sleep(0.05)
        while os.path.exists(path):
            self.assertLess(time.monotonic(), deadline, r.log_tail())
            time.sleep(0.05)
        rows = r.query("SELECT event FROM audit WHERE kind = 'retention'")
        self.assertTrue(rows, "no retention row in the audit record")
        self.assertIn("retention purged", r.log_text())
        self.assertEqual(r.state_of(ref), "rejected")  # the request and its history stay
        code, out, err = r.ctl("audit", "verify")
        self.assertEqual(code, 0, out + err)


if __name__ == "__main__":
    harness.main()
