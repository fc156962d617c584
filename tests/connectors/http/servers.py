"""Local servers for the HTTP client tests, started by the C++ test: one line on stdout,
"PID PORT", once listening on 127.0.0.1.

  servers.py https CERT KEY    HTTPS server (echoes method, path, Host and body; X-Peer-Port
                               names the client's port, so a test sees a kept connection)
                               /close answers with "Connection: close"; /hangup answers then
                               closes without saying so (an idle time-out); /flaky closes the
                               connection without answering when it is not its first request; /early sends a 103 first
  servers.py http              the same in plain HTTP
  servers.py silent            accepts connections and never answers
  servers.py proxy [refuse]    an HTTP CONNECT proxy (or one answering 403); logs each
                               CONNECT line on stderr
"""
import email.parser
import email.policy
import hashlib
import http.server
import os
import select
import socket
import ssl
import sys
import threading


class Echo(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # as production servers do: no 40 ms stall per answer

    def answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        # One handler serves one connection: this counts the requests it carried.
        self.requests_here = getattr(self, "requests_here", 0) + 1
        if self.path.startswith("/flaky") and self.requests_here > 1:
            self.close_connection = True
            return
        if self.path.startswith("/early"):  # 103 Early Hints before the answer
            self.send_response_only(103)
            self.send_header("Link", "</style.css>; rel=preload")
            self.end_headers()
        redirects = {"/go303": (303, "/landed"), "/go307": (307, "/landed"),
                     "/loop": (302, "/loop"),
                     "/away": (302, "http://localhost:%d/landed" % self.server.server_address[1])}
        if self.path in redirects:
            status, location = redirects[self.path]
            self.send_response(status)
            self.send_header("Location", location)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if self.path.startswith("/big"):
            out = b"x" * 100000
        elif self.path.startswith("/form"):
            out = describe_form(self.headers.get("Content-Type") or "", body)
        else:
            out = b"%s %s host=%s body=%s" % (self.command.encode(), self.path.encode(),
                                              (self.headers.get("Host") or "").encode(), body)
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("X-Echo", "yes")
        self.send_header("X-Auth-Seen", "yes" if self.headers.get("Authorization") else "no")
        self.send_header("X-Peer-Port", str(self.client_address[1]))
        if self.path.startswith("/close"):
            self.send_header("Connection", "close")
        if self.path.startswith("/short"):
            self.send_header("Keep-Alive", "timeout=1")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)
        if self.path.startswith("/hangup"):
            self.wfile.flush()
            self.close_connection = True

    do_GET = do_POST = do_DELETE = do_PUT = answer

    def log_message(self, *args):
        pass


def describe_form(content_type, body):
    """Each part of a multipart/form-data body as a line read by Python's own MIME parser:
    name, file name, content type, size and SHA-256."""
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body)
    lines = []
    for part in message.iter_parts():
        data = part.get_payload(decode=True) or b""
        lines.append("%s|%s|%s|%d|%s" % (
            part.get_param("name", header="content-disposition"),
            part.get_filename() or "", part.get_content_type() if part.get_filename() else "",
            len(data), hashlib.sha256(data).hexdigest()))
    return "\n".join(lines).encode()


def ready(port):
    print(os.getpid(), port, flush=True)


def serve_http(tls_files=None):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Echo)
    if tls_files:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(*tls_files)
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
    ready(server.server_address[1])
    server.serve_forever()


def serve_silent():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(8)
    ready(s.getsockname()[1])
    kept = []
    while True:
        conn, _ = s.accept()
        kept.append(conn)


def pipe(a, b):
    try:
        while True:
            ready_socks, _, _ = select.select([a, b], [], [], 30)
            if not ready_socks:
                return
            for s in ready_socks:
                data = s.recv(65536)
                if not data:
                    return
                (b if s is a else a).sendall(data)
    finally:
        a.close()
        b.close()


def proxy_client(conn, refuse):
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = conn.recv(4096)
        if not chunk:
            conn.close()
            return
        head += chunk
    line = head.split(b"\r\n", 1)[0].decode()
    print(line, file=sys.stderr, flush=True)
    method, target, _ = line.split(" ", 2)
    if refuse or method != "CONNECT":
        conn.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
        conn.close()
        return
    host, port = target.rsplit(":", 1)
    try:
        # "localhost." is how the tests reach this machine through the proxy.
        upstream = socket.create_connection((host.strip("[]").rstrip("."), int(port)))
    except OSError:
        conn.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
        conn.close()
        return
    conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
    pipe(conn, upstream)


def serve_proxy(refuse):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(8)
    ready(s.getsockname()[1])
    while True:
        conn, _ = s.accept()
        threading.Thread(target=proxy_client, args=(conn, refuse), daemon=True).start()


if __name__ == "__main__":
    kind = sys.argv[1]
    if kind == "https":
        serve_http((sys.argv[2], sys.argv[3]))
    elif kind == "http":
        serve_http()
    elif kind == "silent":
        serve_silent()
    elif kind == "proxy":
        serve_proxy(len(sys.argv) > 2 and sys.argv[2] == "refuse")
