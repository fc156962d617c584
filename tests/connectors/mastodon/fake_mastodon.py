"""A Mastodon instance as its API documentation describes it (docs.joinmastodon.org/methods/
media and statuses), on 127.0.0.1, for the connector tests. Prints "PID PORT" when listening.

Checked on every call: the bearer token ("good-token"), the method and path, and the body's
shape (multipart with a `file` part for media; JSON with status, media_ids, visibility and
language for statuses). A status posted twice with one Idempotency-Key is created once, as the
documentation says. Faults are queued by the test: POST /__fault {"path", "status",
"retry_after", "drop", "sleep"}; "drop" creates the status, then closes the connection
unanswered; "sleep" waits that many seconds before answering normally (a time-out).
POST /__seed {"text", "age"} adds a status made elsewhere `age` seconds ago. GET /__state
returns what the instance holds and every call it received.
"""
import email.parser
import html
import email.policy
import http.server
import json
import os
import threading
import time

TOKEN = "good-token"
WRITE_ONLY_TOKEN = "write-only-token"  # write:statuses and write:media, without read:accounts
ACCOUNT = {"id": "109", "username": "mairie", "acct": "mairie",
           "url": "https://social.example/@mairie"}
# The part of GET /api/v2/instance the connector reads (docs: methods/instance, v4.0.0).
INSTANCE = {"domain": "social.example",
            "configuration": {"statuses": {"max_characters": 500, "max_media_attachments": 4,
                                           "characters_reserved_per_url": 23}}}


def content_html(text):
    """A status's `content` as Mastodon renders it: paragraphs in <p>, line breaks as <br />."""
    paragraphs = [p for p in text.split("\n\n") if p]
    return "".join("<p>%s</p>" % html.escape(p, quote=True).replace("\n", "<br />")
                   for p in paragraphs)
def iso_time(seconds):
    """A time as Mastodon writes it: "2026-11-23T21:45:00.000Z"."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + ".%03dZ" % (
        int(seconds * 1000) % 1000)


LOCK = threading.Lock()
STATE = {"media": {}, "statuses": {}, "keys": {}, "calls": [], "faults": [], "next_id": 1000}


def new_id():
    STATE["next_id"] += 1
    return str(STATE["next_id"])


class Api(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # as production servers do: no 40 ms stall per answer

    def reply(self, status, body, headers=None):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def handle_any(self):
        raw = self.body()
        path = self.path.split("?")[0]
        if path == "/__fault":
            with LOCK:
                STATE["faults"].append(json.loads(raw))
            return self.reply(200, {})
        if path == "/__state":
            with LOCK:
                return self.reply(200, {k: STATE[k] for k in ("media", "statuses", "calls")})
        if path == "/__seed":
            seed = json.loads(raw)
            with LOCK:
                sid = new_id()
                STATE["statuses"][sid] = {"text": seed["text"], "media_ids": [],
                                          "visibility": "public", "language": "fr",
                                          "created_at": iso_time(time.time() - seed.get("age", 0))}
            return self.reply(200, {"id": sid})
        with LOCK:
            STATE["calls"].append("%s %s" % (self.command, path))
            fault = next((f for f in STATE["faults"] if path.startswith(f["path"])), None)
            if fault:
                STATE["faults"].remove(fault)
        auth = self.headers.get("Authorization")
        if auth == "Bearer " + WRITE_ONLY_TOKEN and path.startswith("/api/v1/accounts/"):
            return self.reply(403, {"error": "This action is outside the authorized scopes"})
        if auth not in ("Bearer " + TOKEN, "Bearer " + WRITE_ONLY_TOKEN):
            return self.reply(401, {"error": "The access token is invalid"})
        if fault and fault.get("sleep"):
            time.sleep(fault["sleep"])
            fault = None
        if fault and not fault.get("drop"):
            headers = {"Retry-After": fault["retry_after"]} if "retry_after" in fault else {}
            return self.reply(fault["status"], {"error": "Fault injected"}, headers)
        if self.command == "POST" and path == "/api/v2/media":
            return self.media(raw)
        if self.command == "GET" and path.startswith("/api/v1/media/"):
            return self.poll(path.rsplit("/", 1)[1])
        if self.command == "POST" and path == "/api/v1/statuses":
            return self.status(raw, drop=bool(fault and fault.get("drop")))
        if self.command == "DELETE" and path.startswith("/api/v1/statuses/"):
            return self.delete(path.rsplit("/", 1)[1])
        if self.command == "GET" and path == "/api/v1/accounts/verify_credentials":
            return self.reply(200, ACCOUNT)
        if self.command == "GET" and path == "/api/v1/accounts/%s/statuses" % ACCOUNT["id"]:
            return self.account_statuses()
        if self.command == "GET" and path == "/api/v2/instance":
            return self.reply(200, INSTANCE)
        return self.reply(404, {"error": "Record not found"})

    def media(self, raw):
        ctype = self.headers.get("Content-Type") or ""
        if not ctype.startswith("multipart/form-data; boundary="):
            return self.reply(422, {"error": "Validation failed: File can't be blank"})
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            b"Content-Type: " + ctype.encode() + b"\r\n\r\n" + raw)
        parts = {p.get_param("name", header="content-disposition"): p for p in message.iter_parts()}
        file = parts.get("file")
        if file is None or not file.get_filename():
            return self.reply(422, {"error": "Validation failed: File can't be blank"})
        data = file.get_payload(decode=True)
        description = parts["description"].get_content() if "description" in parts else None
        with LOCK:
            mid = new_id()
            big = len(data) > 100000  # like a video: processed asynchronously
            STATE["media"][mid] = {"type": file.get_content_type(), "size": len(data),
                                   "description": description, "pending": 1 if big else 0}
        body = {"id": mid, "type": "image", "url": None if big else "https://x/m/" + mid,
                "description": description}
        return self.reply(202 if big else 200, body)

    def poll(self, mid):
        with LOCK:
            m = STATE["media"].get(mid)
            if m is None:
                return self.reply(404, {"error": "Record not found"})
            if m["pending"] > 0:
                m["pending"] -= 1
                return self.reply(206, {"id": mid, "url": None})
        return self.reply(200, {"id": mid, "url": "https://x/m/" + mid})

    def status(self, raw, drop):
        if not (self.headers.get("Content-Type") or "").startswith("application/json"):
            return self.reply(422, {"error": "Validation failed: Text can't be blank"})
        body = json.loads(raw)
        text = body.get("status")
        if not isinstance(text, str) or not text:
            return self.reply(422, {"error": "Validation failed: Text can't be blank"})
        if len(text) > 500:
            return self.reply(422, {"error": "Validation failed: Text character limit of 500 exceeded"})
        if body.get("visibility") not in ("public", "unlisted", "private", "direct"):
            return self.reply(422, {"error": "Visibility is invalid"})
        if not isinstance(body.get("language"), str) or len(body["language"]) != 2:
            return self.reply(422, {"error": "Language is invalid"})
        ids = body.get("media_ids", [])
        key = self.headers.get("Idempotency-Key")
        with LOCK:
            if any(i not in STATE["media"] or STATE["media"][i]["pending"] for i in ids):
                return self.reply(422, {"error": "Cannot attach files that have not finished processing"})
            if key and key in STATE["keys"]:
                sid = STATE["keys"][key]
            else:
                sid = new_id()
                STATE["statuses"][sid] = {"text": text, "media_ids": ids,
                                          "visibility": body["visibility"],
                                          "language": body["language"],
                                          "created_at": iso_time(time.time())}
                if key:
                    STATE["keys"][key] = sid
        if drop:
            self.close_connection = True
            self.connection.close()
            return
        return self.reply(200, {"id": sid, "url": "https://social.example/@mairie/" + sid})

    def account_statuses(self):
        with LOCK:
            items = sorted(STATE["statuses"].items(), key=lambda kv: -int(kv[0]))
        return self.reply(200, [{"id": sid, "url": "https://social.example/@mairie/" + sid,
                                 "created_at": st["created_at"],
                                 "content": content_html(st["text"])} for sid, st in items])

    def delete(self, sid):
        with LOCK:
            status = STATE["statuses"].pop(sid, None)
        if status is None:
            return self.reply(404, {"error": "Record not found"})
        return self.reply(200, {"id": sid, "text": status["text"]})

    do_GET = do_POST = do_DELETE = handle_any

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Api)
    print(os.getpid(), server.server_address[1], flush=True)
    server.serve_forever()
