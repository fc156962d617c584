"""End-to-end latency of the real relaisd: SMTP 250 -> referent mail in the Maildir, and
approving POST answered -> var/site/index.html holding the request's text; plus idle RSS.
Usage: /usr/bin/python3 bench/e2e_latency.py PATH/TO/relaisd [REPO_ROOT] [--count N]
Exits non-zero if a step does not happen within 30 s."""

import os
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "e2e"))
import harness  # noqa: E402
from harness import REFERENT, Relais  # noqa: E402


def pct(values, p):
    s = sorted(values)
    k = max(0, min(len(s) - 1, int(round(p / 100 * len(s) + 0.5)) - 1))
    return s[k]


def wait_for(pred, timeout=30, step=0.001):
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > deadline:
            raise SystemExit("timed out")
        time.sleep(step)


def referent_mail_for(r, ref):
    # Cheap scan: only look at new file names, parse the ones not seen yet.
    for m in r.mails(to=REFERENT, subject_has=ref):
        return m
    return None


def vm_rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def main():
    count = 20
    if "--count" in sys.argv:
        i = sys.argv.index("--count")
        count = int(sys.argv[i + 1])
        del sys.argv[i:i + 2]
    harness.parse_args()
    r = Relais()
    r.start()
    try:
        time.sleep(5)
        rss_idle_start = vm_rss_kib(r.pid)
        intake, refs = [], []
        for i in range(count):
            text = f"Bench {i} : la fête de quartier numéro {i} a réuni beaucoup de monde. zq{i:04d}x"
            msg = harness.make_mail(subject=f"Bench {i}", text=text + "\nAuteur : Bench\n")
            code, reply = r.send(msg)
            t0 = time.monotonic()
            assert code == 250, reply
            ref = harness.reference_in(reply)
            m = wait_for(lambda: referent_mail_for(r, ref))
            intake.append(time.monotonic() - t0)
            refs.append((ref, f"zq{i:04d}x", Relais.links(m)["approve"][1]))
        index = os.path.join(r.state_dir, "site", "index.html")

        def site_has(marker):
            try:
                with open(index, encoding="utf-8") as f:
                    return marker in f.read()
            except OSError:
                return False

        publish = []
        for ref, marker, token in refs:
            page = r.get(f"/a/{token}?action=approve")
            fields = {"csrf": r.csrf_in(page), "action": "approve", "channel": "site"}
            answer = r.post(f"/a/{token}", fields)
            t0 = time.monotonic()
            assert answer.status == 200, answer
            wait_for(lambda: site_has(marker))
            publish.append(time.monotonic() - t0)
        time.sleep(5)
        rss_idle_after = vm_rss_kib(r.pid)
        stop_s = r.stop()
    finally:
        r.close()

    def show(name, values):
        ms = [v * 1000 for v in values]
        print(f"{name:<40} n={len(ms):3d}  median={statistics.median(ms):8.1f} ms  "
              f"p90={pct(ms, 90):8.1f} ms  max={max(ms):8.1f} ms")

    print(f"relaisd: {harness.RELAISD}")
    show("SMTP 250 -> referent mail in Maildir", intake)
    show("approve POST answered -> site page", publish)
    print(f"idle RSS after start (5 s idle):         {rss_idle_start / 1024:.1f} MiB")
    print(f"idle RSS after {count:>3} requests (5 s idle):   {rss_idle_after / 1024:.1f} MiB")
    print(f"SIGTERM -> exit:                         {stop_s * 1000:.0f} ms")


if __name__ == "__main__":
    main()
