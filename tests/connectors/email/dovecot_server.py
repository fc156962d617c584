"""A real Dovecot IMAP server for a test, on 127.0.0.1, unprivileged, all its state under DIR.
Prints "PID PORT" once configured, then becomes Dovecot (`dovecot -F`), so that killing PID
stops it. Run again with the same DIR and PORT, it serves the same mailboxes (a restart).

  dovecot_server.py DIR [--port N] [--no-idle] [--no-move] [--tls CERT KEY]
                        [--starttls CERT KEY]

The accounts are publications@example.org and droit-image@example.org, password "secret"
(passwd-file, PLAIN). --no-idle
and --no-move leave IDLE or MOVE out of the capabilities announced (the fallbacks' tests).
--tls serves IMAP in TLS from the first byte (as on port 993); --starttls serves it in clear
until STARTTLS, and refuses to log in before it (as on port 143).
"""
import argparse
import grp
import os
import pwd
import socket
import subprocess
import sys
import time

USER = "publications@example.org"
TAKEDOWN_USER = "droit-image@example.org"  # a second mailbox, for the takedown address
PASSWORD = "secret"
SYSTEM_USER = "relaistest"

BASE_CAPABILITIES = ("IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE LITERAL+ AUTH=PLAIN "
                     "AUTH=LOGIN UIDPLUS NAMESPACE CHILDREN UNSELECT ESEARCH SEARCHRES")


def system_user():
    """The throw-away user Dovecot's processes run as (made here when running as root)."""
    if os.geteuid() != 0:
        return pwd.getpwuid(os.geteuid()).pw_name
    # Tests running side by side may both make it: the loser's useradd fails on the lock or
    # finds the user made, and looks again.
    for _ in range(50):
        try:
            pwd.getpwnam(SYSTEM_USER)
            return SYSTEM_USER
        except KeyError:
            subprocess.run(["useradd", "--system", "--no-create-home", "--shell",
                            "/usr/sbin/nologin", SYSTEM_USER], stderr=subprocess.DEVNULL)
            time.sleep(0.1)
    raise SystemExit("the user %s could not be made" % SYSTEM_USER)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("dir")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--no-idle", action="store_true")
    parser.add_argument("--no-move", action="store_true")
    parser.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    parser.add_argument("--starttls", nargs=2, metavar=("CERT", "KEY"))
    parser.add_argument("--oauth2", metavar="INTROSPECTION_URL",
                        help="also accept XOAUTH2/OAUTHBEARER tokens, checked by POSTing them to "
                             "this RFC 7662 introspection endpoint")
    args = parser.parse_args()

    root = os.path.abspath(args.dir)
    user = system_user()
    info = pwd.getpwnam(user)
    for sub in ("run", "state", "mail", "home"):
        os.makedirs(os.path.join(root, sub), exist_ok=True)
    if os.geteuid() == 0:
        for sub in ("mail", "home"):
            os.chown(os.path.join(root, sub), info.pw_uid, info.pw_gid)
    os.chmod(root, 0o755)
    port = args.port or free_port()
    with open(os.path.join(root, "users"), "w") as f:
        for account in (USER, TAKEDOWN_USER):
            f.write("%s:{PLAIN}%s\n" % (account, PASSWORD))
    capabilities = BASE_CAPABILITIES
    if not args.no_idle:
        capabilities += " IDLE"
    if not args.no_move:
        capabilities += " MOVE"
    tls_files = args.tls or args.starttls
    if tls_files:
        ssl_lines = "ssl = required\nssl_cert = <%s\nssl_key = <%s\n" % tuple(
            os.path.abspath(p) for p in tls_files)
    else:
        ssl_lines = "ssl = no\n"
    implicit = "yes" if args.tls else "no"
    mechanisms = "plain login"
    oauth2_passdb = ""
    if args.oauth2:
        mechanisms += " xoauth2 oauthbearer"
        with open(os.path.join(root, "oauth2.conf.ext"), "w") as f:
            f.write("introspection_mode = post\nintrospection_url = %s\n"
                    "username_attribute = username\nactive_attribute = active\n"
                    "active_value = true\n" % args.oauth2)
        oauth2_passdb = ("passdb {\n  driver = oauth2\n  mechanisms = xoauth2 oauthbearer\n"
                         "  args = %s/oauth2.conf.ext\n}\n" % root)
    conf = """
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {user}
disable_plaintext_auth = no
{ssl_lines}
auth_mechanisms = {mechanisms}
mail_location = maildir:{root}/mail/%u
imap_capability = {capabilities}
{oauth2_passdb}passdb {{
  driver = passwd-file
  args = scheme=PLAIN {root}/users
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
    ssl = {implicit}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
service stats {{
  unix_listener stats-reader {{
    mode = 0666
  }}
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
namespace inbox {{
  inbox = yes
  separator = /
}}
""".format(root=root, user=user, group=grp.getgrgid(info.pw_gid).gr_name, ssl_lines=ssl_lines,
           capabilities=capabilities, implicit=implicit, mechanisms=mechanisms,
           oauth2_passdb=oauth2_passdb, uid=info.pw_uid, gid=info.pw_gid, port=port)
    path = os.path.join(root, "dovecot.conf")
    with open(path, "w") as f:
        f.write(conf)
    print(os.getpid(), port, flush=True)
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)  # the test stops reading; Dovecot logs to a file
    os.execvp("dovecot", ["dovecot", "-F", "-c", path])


if __name__ == "__main__":
    sys.exit(main())
