#!/usr/bin/python3
"""relaisd's process contract: sd_notify READY/WATCHDOG/RELOADING/STOPPING through a real
AF_UNIX datagram socket, journal-style log lines under JOURNAL_STREAM, SIGHUP reload, SIGTERM
stop within 10 s, --check-config and --print-states.

usage: test_lifecycle.py RELAISD SOURCE_DIR
"""
import os, signal, socket, subprocess, sys, tempfile, time

relaisd, source = sys.argv[1], sys.argv[2]
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def recv_until(sock, wanted, timeout):
    got, end = [], time.time() + timeout
    while time.time() < end:
        sock.settimeout(max(0.01, end - time.time()))
        try:
            msg = sock.recv(4096).decode()
        except socket.timeout:
            break
        got.append(msg)
        if wanted in msg:
            return got
    return got


with tempfile.TemporaryDirectory() as tmp:
    http, smtp = free_port(), free_port()
    config = os.path.join(tmp, "relais.toml")
    with open(config, "w") as f:
        f.write(f'''[general]
state_dir = "{tmp}/var"
templates_dir = "{source}/etc/templates"
lexicons_dir = "{source}/etc/lexicons"
[http]
listen = "127.0.0.1:{http}"
public_url = "http://127.0.0.1:{http}"
[mail]
smtp_listen = "127.0.0.1:{smtp}"
''')

    # --check-config: valid, then one line per problem.
    r = subprocess.run([relaisd, "--check-config", "--config", config], capture_output=True, text=True)
    check(r.returncode == 0, "--check-config accepts a valid file")
    bad = os.path.join(tmp, "bad.toml")
    with open(bad, "w") as f:
        f.write('[mail]\nmax_message_bytes = 12\nsmtp_lisen = "x"\n[http]\nlisten = "nowhere"\n')
    r = subprocess.run([relaisd, "--check-config", "--config", bad], capture_output=True, text=True)
    lines = [l for l in r.stderr.splitlines() if l]
    check(r.returncode != 0, "--check-config rejects a bad file")
    check(len(lines) >= 3 and all(l.startswith(bad + ":") for l in lines),
          "one line per problem, each naming the file: " + repr(lines))
    check(any("max_message_bytes" in l for l in lines) and any("smtp_lisen" in l for l in lines),
          "the lines name the keys")

    r = subprocess.run([relaisd, "--print-states"], capture_output=True, text=True)
    check(r.returncode == 0 and r.stdout.startswith("stateDiagram-v2"), "--print-states prints Mermaid")
    readme = open(os.path.join(source, "README.md")).read()
    block = readme.split("```mermaid\n", 1)[1].split("```", 1)[0] if "```mermaid" in readme else ""
    check(block == r.stdout, "the README's diagram is the one the table draws (regenerate it with --print-states)")

    # sd_notify and the watchdog.
    notify_path = os.path.join(tmp, "notify.sock")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(notify_path)
    env = dict(os.environ, NOTIFY_SOCKET=notify_path, WATCHDOG_USEC="1500000",
               JOURNAL_STREAM="8:12345")
    log = open(os.path.join(tmp, "log"), "w+")
    p = subprocess.Popen([relaisd, "--config", config], cwd=tmp, env=env, stdout=log, stderr=log)
    try:
        got = recv_until(sock, "READY=1", 20)
        check(any("READY=1" in m for m in got), "READY=1 is sent once listening")
        got = recv_until(sock, "WATCHDOG=1", 3)
        got += recv_until(sock, "WATCHDOG=1", 3)
        check(sum("WATCHDOG=1" in m for m in got) >= 2, "WATCHDOG=1 keeps coming")

        p.send_signal(signal.SIGHUP)
        got = recv_until(sock, "READY=1", 5)
        check(any("RELOADING=1" in m for m in got) and any("READY=1" in m for m in got),
              "SIGHUP: RELOADING=1 then READY=1")

        start = time.time()
        p.send_signal(signal.SIGTERM)
        got = recv_until(sock, "STOPPING=1", 5)
        check(any("STOPPING=1" in m for m in got), "SIGTERM: STOPPING=1")
        code = p.wait(timeout=10)
        check(code == 0, f"exit code 0 (got {code})")
        check(time.time() - start < 10, "stopped within 10 s")
    finally:
        if p.poll() is None:
            p.kill()
    log.seek(0)
    lines = [l for l in log.read().splitlines() if l]
    check(lines and all(l[:3] in ("<2>", "<3>", "<4>", "<6>", "<7>") for l in lines),
          "journal lines start with a <N> priority")
    check(not any(l[3:7].isdigit() for l in lines), "journal lines carry no timestamp")
    check(any("templates reloaded" in l for l in lines), "the reload is logged")

sys.exit(1 if failures else 0)
