"""Takedown latency of the real relaisd, at the size of a busy local authority: 1,000
published requests and 10,000 media hashes in the store. 20 target photos are published
through the whole path (SMTP, referent's link, site); the other 980 requests and their 10,000
media rows are seeded straight into SQLite while the daemon is stopped. Then, one at a time,
a takedown mail arrives from an outside address with a resized (800 px) and recompressed
(quality 70) copy of a target photo, and the time from the SMTP `250` to the photo's files and
page entry being gone from var/site/ is measured. The clock starts when the DATA command's
`250` is read (before QUIT), and each case first checks that the page and files are there.
Usage: /usr/bin/python3 bench/takedown_latency.py PATH/TO/relaisd [REPO_ROOT] [--count N]"""

import email.policy
import email.utils
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "e2e"))
import harness  # noqa: E402
from harness import Relais  # noqa: E402

SAMPLES = "/usr/share/doc/opencv-doc/examples/data"
PHOTOS = ["building.jpg", "fruits.jpg", "home.jpg", "baboon.jpg", "starry_night.jpg",
          "messi5.jpg", "orange.jpg", "apple.jpg", "board.jpg", "aero1.jpg", "butterfly.jpg",
          "lena.jpg", "left01.jpg", "right05.jpg", "graf1.png", "box_in_scene.png",
          "pic1.png", "smarties.png", "squirrel_cls.jpg", "chicky_512.png", "leuvenA.jpg",
          "ela_original.jpg", "HappyFish.jpg", "stuff.jpg"]
TOTAL_REQUESTS = 1000
TOTAL_MEDIA = 10000


def convert(src, *args):
    with tempfile.NamedTemporaryFile(suffix=".jpg") as out:
        subprocess.run(["convert", src, *args, out.name], check=True, timeout=60)
        return open(out.name, "rb").read()


def send_timed(r, msg):
    """Sends msg over SMTP; returns (code, text, monotonic time the DATA answer was read).
    harness.Relais.send returns only after QUIT, which would start the clock late."""
    data = msg.as_bytes(policy=email.policy.SMTP)
    with r.smtp() as s:
        s.ehlo()
        code, text = s.mail(email.utils.parseaddr(str(msg["From"]))[1])
        assert code == 250, text
        code, text = s.rcpt(email.utils.parseaddr(str(msg["To"]))[1])
        assert code in (250, 251), text
        code, text = s.data(data)
        t = time.monotonic()
    return code, text.decode(errors="replace"), t


def on_site(site, slug):
    """(page entry present, media files present) for the entry `slug` in var/site/."""
    with open(os.path.join(site, "index.html"), encoding="utf-8") as fh:
        page = fh.read()
    media = [x for x in os.listdir(os.path.join(site, "media")) if x.startswith(slug + "-")]
    return slug in page, bool(media)


def seed(db_path, published, media_so_far):
    """980 more published requests on the site channel, and media rows up to 10,000."""
    rng = random.Random(42)
    con = sqlite3.connect(db_path)
    now = int(time.time() * 1000)
    others = TOTAL_REQUESTS - published
    per = (TOTAL_MEDIA - media_so_far) // others
    extra = (TOTAL_MEDIA - media_so_far) - per * others
    with con:
        for i in range(others):
            ref = f"PUB-2025-{i + 1:04d}"
            cur = con.execute(
                "INSERT INTO requests (reference, state, version, sender, subject, text, "
                "created_at, updated_at) VALUES (?, 'published', 7, 'agent@example.org', ?, ?, ?, ?)",
                (ref, f"Archive {i}", "Une publication plus ancienne.", now - 86400000, now - 86400000))
            rid = cur.lastrowid
            con.execute("INSERT INTO request_channels (request_id, channel, position, status, post_id, url) "
                        "VALUES (?, 'site', 0, 'published', ?, ?)",
                        (rid, ref.lower(), f"http://127.0.0.1/site/index.html#{ref.lower()}"))
            for j in range(per + (1 if i < extra else 0)):
                h = rng.getrandbits(64) - (1 << 63)
                con.execute("INSERT INTO media (request_id, position, sha256, content_type, filename, "
                            "size, phash, phash_mirror, width, height) VALUES (?, ?, ?, 'image/jpeg', "
                            "'p.jpg', 1000, ?, ?, 4000, 3000)",
                            (rid, j, f"{rng.getrandbits(256):064x}", h, ~h))
    n = con.execute("SELECT count(*) FROM media WHERE phash IS NOT NULL").fetchone()[0]
    r = con.execute("SELECT count(*) FROM requests WHERE state = 'published'").fetchone()[0]
    con.close()
    return r, n


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    count = 20
    if "--count" in sys.argv:
        count = int(sys.argv[sys.argv.index("--count") + 1])
    harness.RELAISD = os.path.abspath(args[0])
    harness.SOURCE_DIR = os.path.abspath(args[1] if len(args) > 1 else ".")
    photos = [p for p in PHOTOS if os.path.exists(os.path.join(SAMPLES, p))][:count]
    if len(photos) < count:
        raise SystemExit(f"only {len(photos)} sample photos in {SAMPLES}")
    r = Relais()
    try:
        r.start()
        targets = []
        for name in photos:
            original = convert(os.path.join(SAMPLES, name), "-resize", "1600x", "-quality", "92")
            code, reply = r.send(harness.make_mail(subject=f"Photo {name}",
                                                   attachments=[(original, "image/jpeg", name)]))
            assert code == 250, reply
            ref = harness.reference_in(reply)
            token = None
            deadline = time.monotonic() + 30
            while token is None:
                for m in r.mails(to=harness.REFERENT, subject_has=ref):
                    links = Relais.links(m)
                    token = links.get("approve", (None, None))[1]
                if token is None:
                    assert time.monotonic() < deadline, r.log_tail()
                    time.sleep(0.01)
            assert r.decide(token, "approve").status == 200
            r.wait_state(ref, "published", timeout=30)
            targets.append((ref, original))
        r.wait_outbox_idle(timeout=60)
        r.stop()
        published, hashes = seed(os.path.join(r.state_dir, "relais.db"), len(targets),
                                 len(targets))
        r.start()
        print(f"store: {published} published requests, {hashes} media hashes")

        site = os.path.join(r.state_dir, "site")
        times = []
        for ref, original in targets:
            with tempfile.NamedTemporaryFile(suffix=".jpg") as f:
                f.write(original)
                f.flush()
                copy = convert(f.name, "-resize", "800x", "-quality", "70")
            msg = harness.make_mail(subject="Retrait d'une photo", text="Je suis sur cette photo.",
                                    sender="habitant@exterieur.net", to="droit-image@example.org",
                                    attachments=[(copy, "image/jpeg", "capture.jpg")])
            slug = ref.lower()
            if on_site(site, slug) != (True, True):
                raise SystemExit(f"{ref}: page entry or media files missing before the takedown")
            code, reply, t0 = send_timed(r, msg)
            assert code == 250, reply
            while True:
                if on_site(site, slug) == (False, False):
                    break
                if time.monotonic() - t0 > 30:
                    raise SystemExit(f"{ref} not removed after 30 s\n" + r.log_tail())
                time.sleep(0.001)
            times.append((time.monotonic() - t0) * 1000)
            r.wait_state(ref, "taken_down")
        print(f"takedown mail 250 -> removed from var/site/ over {len(times)} cases: "
              f"median {statistics.median(times):.1f} ms, worst {max(times):.1f} ms, "
              f"best {min(times):.1f} ms")
    finally:
        r.close()


if __name__ == "__main__":
    main()
