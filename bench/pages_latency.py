"""Server time of the approval page and of the dashboard under load, with 10,000 requests in
the store: wrk (Debian's package) with 50 connections on two threads for 15 s per page, from a
second process on loopback, against a real relaisd. One request goes the whole path (SMTP, the
referent's mail) to get a real approval link and a real dashboard session (login link by mail);
the other 9,999 are seeded straight into SQLite while the daemon is stopped, spread over every
state, with publication times over two years (so the calendar weeks hold some).
Usage: /usr/bin/python3 bench/pages_latency.py PATH/TO/relaisd [REPO_ROOT] [--seconds N]"""

import os
import random
import re
import shutil
import sqlite3
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "e2e"))
import harness  # noqa: E402
from harness import REFERENT, Relais, make_mail, reference_in, text_of  # noqa: E402

TOTAL = 10000
STATES = ["awaiting_approval", "scheduled", "published", "published", "published", "rejected",
          "withdrawn", "needs_changes", "expired", "failed", "taken_down"]
LOGIN_RE = re.compile(r"https?://\S+(/d/login/[A-Za-z0-9_-]{43})")
CSRF_RE = re.compile(r'name="csrf" value="([0-9a-f]+)"')


def seed(db_path, count):
    rng = random.Random(7)
    now = int(time.time() * 1000)
    con = sqlite3.connect(db_path)
    with con:
        for i in range(count):
            state = STATES[i % len(STATES)]
            at = now + rng.randint(-365, 365) * 86400000 + rng.randint(8, 18) * 3600000
            publish = at if state in ("scheduled", "published", "failed", "taken_down") else None
            ref = f"PUB-2025-{i + 1:05d}"
            cur = con.execute(
                "INSERT INTO requests (reference, state, version, sender, sender_name, subject, text, "
                "publish_at, created_at, updated_at) VALUES (?, ?, 5, ?, ?, ?, ?, ?, ?, ?)",
                (ref, state, f"agent{i % 200}@example.org", f"Agent {i % 200}",
                 f"Événement n° {i} de la commune", "Retour en images sur un événement. " * 4,
                 publish, now - i * 60000, now - i * 60000))
            con.execute("INSERT INTO request_channels (request_id, channel, position, status) "
                        "VALUES (?, 'site', 0, ?)",
                        (cur.lastrowid, "published" if state == "published" else "pending"))
    n = con.execute("SELECT count(*) FROM requests").fetchone()[0]
    con.close()
    return n


def wrk(url, seconds, cookie=None):
    cmd = ["wrk", "-t2", "-c50", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    if cookie:
        cmd += ["-H", f"Cookie: {cookie}"]
    out = subprocess.run(cmd + [url], capture_output=True, text=True, check=True).stdout
    lat = dict(re.findall(r"^\s+(50|99)%\s+(\S+)$", out, re.M))
    rps = re.search(r"Requests/sec:\s+(\S+)", out).group(1)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: .*", out)
    return lat.get("50"), lat.get("99"), rps, non2xx.group(1) if non2xx else "0", \
        errors.group(0) if errors else ""


def main():
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install wrk")
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    seconds = int(sys.argv[sys.argv.index("--seconds") + 1]) if "--seconds" in sys.argv else 15
    harness.RELAISD = os.path.abspath(args[0])
    harness.SOURCE_DIR = os.path.abspath(args[1] if len(args) > 1 else ".")
    r = Relais()
    try:
        r.start()
        code, reply = r.send(make_mail(subject="Fête de quartier"))
        assert code == 250, reply
        ref = reference_in(reply)
        mail = r.wait_mail(to=REFERENT, subject_has=ref)[0]
        token = Relais.links(mail)["approve"][1]
        r.stop()
        total = seed(os.path.join(r.state_dir, "relais.db"), TOTAL - 1)
        r.start()
        page = r.get("/d/login")
        r.post("/d/login", {"csrf": CSRF_RE.search(page.body).group(1), "address": REFERENT})
        login = r.wait_mail(to=REFERENT, subject_has="connexion")[-1]
        path = LOGIN_RE.search(text_of(login)).group(1)
        import http.client
        con = http.client.HTTPConnection("127.0.0.1", r.http_port, timeout=30)
        button = r.get(path)
        body = f"csrf={CSRF_RE.search(button.body).group(1)}"
        con.request("POST", path, body=body,
                    headers={"Content-Type": "application/x-www-form-urlencoded"})
        cookie = con.getresponse().getheader("Set-Cookie").split(";", 1)[0]
        con.close()
        pages = [("approval page (/a/TOKEN)", f"/a/{token}?action=approve", None),
                 ("dashboard home (/d/)", "/d/", cookie),
                 ("dashboard requests, page 1 (/d/requests)", "/d/requests", cookie),
                 ("dashboard search (/d/requests?q=)", "/d/requests?q=n%C2%B0%204242", cookie),
                 ("dashboard calendar, month (/d/calendar)", "/d/calendar?view=month", cookie)]
        print(f"{total} requests in the store; wrk -t2 -c50 -d{seconds}s per page")
        print("| page | p50 | p99 | requests/s | non-2xx |")
        print("| --- | --- | --- | --- | --- |")
        for name, url, c in pages:
            p50, p99, rps, bad, errors = wrk(r.base_url + url, seconds, c)
            print(f"| {name} | {p50} | {p99} | {rps} | {bad} {errors} |", flush=True)
        rss = [ln for ln in open(f"/proc/{r.pid}/status") if ln.startswith("VmRSS")][0].split()[1]
        print(f"relaisd VmRSS after the runs: {int(rss) / 1024:.1f} MiB")
    finally:
        r.close()


if __name__ == "__main__":
    main()
