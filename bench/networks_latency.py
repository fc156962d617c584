"""Time from approval to every channel `published`, and from a takedown to every channel
`removed`, with the real relaisd publishing on six channels at once: site, and Facebook,
LinkedIn, X, Mastodon and a webhook served by the local fakes of the connector tests
(tests/connectors/*/fake_*.py: each checks every call against the network's documentation,
answers at once, and is a Python http.server on this machine).

Per request (one photo, N requests one after the other): the clock starts when the approving
POST is answered and stops when the store shows the request `published` (every channel
confirmed); then `relaisctl takedown` runs and the clock stops when every channel of the
request is `removed` in the store. The store is polled every millisecond.
Usage: /usr/bin/python3 bench/networks_latency.py PATH/TO/relaisd [REPO_ROOT] [--count N]"""

import os
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "e2e"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Relais  # noqa: E402
from test_networks import Fakes  # noqa: E402

CHANNELS = ["site", "facebook", "linkedin", "x", "mastodon", "intranet"]
def wait(r, ref, sql, done, t0, what):
    while True:
        rows = r.query(sql, ref)
        if done(rows):
            return (time.monotonic() - t0) * 1000
        if time.monotonic() - t0 > 60:
            raise SystemExit(f"{ref}: not {what} after 60 s\n" + r.log_tail())
        time.sleep(0.001)


def summary(name, times):
    times = sorted(times)
    p90 = times[max(0, int(round(0.9 * len(times))) - 1)]
    print(f"{name}: median {statistics.median(times):.1f} ms, p90 {p90:.1f} ms, "
          f"worst {times[-1]:.1f} ms, best {times[0]:.1f} ms ({len(times)} requests)")


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    count = 20
    if "--count" in sys.argv:
        count = int(sys.argv[sys.argv.index("--count") + 1])
    harness.RELAISD = os.path.abspath(args[0])
    harness.SOURCE_DIR = os.path.abspath(args[1] if len(args) > 1 else ".")
    fakes = Fakes()
    r = Relais(channels=fakes.channels)
    published, removed, refs = [], [], []
    try:
        r.start()
        # All are published first, then all taken down: a takedown blocks the photo's hash, and
        # every request here carries the harness's photo.
        for i in range(count):
            code, reply = r.send(harness.make_mail(subject=f"Forum {i}",
                                                   text=f"Le forum des associations, édition {i}, a réuni "
                                                   f"quarante stands.\nAuteur : Jeanne Martin\n"))
            assert code == 250, reply
            ref = harness.reference_in(reply)
            token = None
            deadline = time.monotonic() + 30
            while token is None:
                for m in r.mails(to=harness.REFERENT, subject_has=ref):
                    token = Relais.links(m).get("approve", (None, None))[1]
                if token is None:
                    assert time.monotonic() < deadline, r.ctl("show", ref)[1]
                    time.sleep(0.01)
            answer = r.decide(token, "approve", channel=CHANNELS)
            t0 = time.monotonic()
            assert answer.status == 200, answer
            published.append(wait(r, ref, "SELECT state FROM requests WHERE reference = ?",
                                  lambda rows: rows[0]["state"] == "published", t0, "published"))
            refs.append(ref)
        r.wait_outbox_idle(timeout=60)
        for ref in refs:
            t0 = time.monotonic()
            code, out, err = r.ctl("takedown", ref, "--reason", "Demande de la personne")
            assert code == 0, err
            removed.append(wait(
                r, ref,
                "SELECT c.status FROM request_channels c JOIN requests q ON q.id = c.request_id "
                "WHERE q.reference = ?",
                lambda rows: len(rows) == len(CHANNELS) and
                all(row["status"] == "removed" for row in rows), t0, "removed everywhere"))
        calls = fakes.mastodon.call("/__state")["calls"]
        print(f"Mastodon: {calls.count('POST /api/v1/statuses')} statuses created for {count} "
              f"requests, {calls.count('GET /api/v1/accounts/109/statuses')} look-ups")
        summary("approval answered -> published on all 6 channels", published)
        summary("relaisctl takedown started -> removed from all 6 channels", removed)
    finally:
        r.close()
        fakes.close()


if __name__ == "__main__":
    main()
