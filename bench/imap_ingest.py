"""IMAP ingestion with the real relaisd reading a real Dovecot (tests/e2e/dovecot.py), both on
this machine.

Latency: N submissions (text and one photo, as an agent's mail client sends them) are appended
one after the other with Python's imaplib; for each, the clock starts when the APPEND is
answered and stops when the request is in the store (polled every millisecond).

Crash safety: R rounds; in each, a message is appended and relaisd is killed with SIGKILL after
a random 0-400 ms (before, during or after storing and moving it), then started again on the
same state. At the end every message must be a request exactly once, and the mailbox empty.

Usage: /usr/bin/python3 bench/imap_ingest.py PATH/TO/relaisd [REPO_ROOT] [--count N] [--kills R]"""

import os
import random
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "e2e"))
import harness  # noqa: E402
from dovecot import DONE, Dovecot, imap_section  # noqa: E402


def requests(r):
    return r.query("SELECT subject FROM requests ORDER BY id")


def wait_count(r, n, timeout=60):
    t0 = time.monotonic()
    while len(requests(r)) < n:
        if time.monotonic() - t0 > timeout:
            raise SystemExit(f"{len(requests(r))} requests, not {n}, after {timeout} s\n" + r.log_tail())
        time.sleep(0.001)


def wait_log(r, text, count=1, timeout=30):
    t0 = time.monotonic()
    while r.log_text().count(text) < count:
        if time.monotonic() - t0 > timeout:
            raise SystemExit(f"no {text!r} in the log\n" + r.log_tail())
        time.sleep(0.01)


def latency(count):
    dovecot = Dovecot()
    r = harness.Relais(sections=imap_section(dovecot))
    try:
        r.start()
        wait_log(r, "imap account=imap connected")
        times = []
        for i in range(count):
            msg = harness.make_mail(subject=f"Mesure {i}")
            dovecot.append(msg)
            t0 = time.monotonic()
            wait_count(r, i + 1)
            times.append((time.monotonic() - t0) * 1000)
        times.sort()
        p90 = times[max(0, int(round(0.9 * len(times))) - 1)]
        print(f"IMAP APPEND answered -> request stored: median {statistics.median(times):.1f} ms, "
              f"p90 {p90:.1f} ms, worst {times[-1]:.1f} ms, best {times[0]:.1f} ms "
              f"({count} messages)")
    finally:
        r.close()
        dovecot.stop()


def kills(rounds):
    dovecot = Dovecot()
    r = harness.Relais(sections=imap_section(dovecot))
    rng = random.Random(20261124)
    subjects = [f"Coupure {i}" for i in range(rounds)]
    try:
        r.start()
        for subject in subjects:
            dovecot.append(harness.make_mail(subject=subject))
            time.sleep(rng.uniform(0, 0.4))
            r.kill9()
            r.start()
        deadline = time.monotonic() + 120
        while dovecot.count("INBOX") != 0 and time.monotonic() < deadline:
            time.sleep(0.1)
        wait_count(r, rounds)
        time.sleep(1)  # anything doubled would show by now
        got = sorted(row["subject"] for row in requests(r))
        lost = sorted(set(subjects) - set(got))
        doubled = sorted({s for s in got if got.count(s) > 1})
        print(f"{rounds} kill -9 restarts during IMAP ingestion: {len(got)} requests for "
              f"{rounds} messages, lost {lost or 'none'}, doubled {doubled or 'none'}, "
              f"INBOX {dovecot.count('INBOX')}, done folder {dovecot.count(DONE)}")
        if lost or doubled or len(got) != rounds:
            raise SystemExit(1)
    finally:
        r.close()
        dovecot.stop()


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    count = int(sys.argv[sys.argv.index("--count") + 1]) if "--count" in sys.argv else 20
    rounds = int(sys.argv[sys.argv.index("--kills") + 1]) if "--kills" in sys.argv else 50
    harness.RELAISD = os.path.abspath(args[0])
    harness.SOURCE_DIR = os.path.abspath(args[1] if len(args) > 1 else ".")
    latency(count)
    kills(rounds)


if __name__ == "__main__":
    main()
