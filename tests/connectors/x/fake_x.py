"""The X API v2 as its documentation describes it (docs.x.com: OAuth 2.0 refresh, media upload
initialize/append/finalize/STATUS/metadata, posts, users), on 127.0.0.1, for the connector tests.
Prints "PID PORT" when listening. Its answers come from fixtures/*.json, the documented examples.

Checked on every call: the method and path; the bearer token (issued here, not expired) and the
scopes it carries; the body's shape. The token endpoint checks HTTP Basic client_id:client_secret
and the form, and rotates refresh tokens as X does: each renewal issues a new one and the old
one stops working ("Value passed for the token was invalid."). A video is processed over a few
STATUS calls. Posts come back as X writes them: links replaced by t.co links, a t.co link to the
media appended, & < > escaped. The same text twice is refused as duplicate content.

Faults are queued by the test: POST /__fault {"path" (a prefix), "suffix", "method", "status",
"retry_after", "rate_limit_reset" (seconds: x-rate-limit-* headers), "drop" (act, then close the
connection unanswered), "sleep" (seconds before acting), "invalid_token" (the access token is
revoked first), "deleted_false", "processing_failed"}. POST /__setup {"refresh_token",
"expires_in", "scope", "client_secret", "video_polls"} changes the account; POST /__reset
brings it back as it started. POST /__seed {"text", "age"} adds a post made elsewhere, `age`
seconds ago. GET /__state returns what X holds and every call it received.
"""
import base64
import copy
import email.parser
import email.policy
import hashlib
import http.server
import json
import os
import random
import re
import socket
import string
import threading
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
FIX = {}
for name in ("oauth2_token", "media_upload", "tweets", "problems"):
    with open(os.path.join(HERE, "fixtures", name + ".json")) as f:
        FIX[name] = json.load(f)

ALL_SCOPES = "tweet.read tweet.write users.read offline.access media.write"
LOCK = threading.Lock()
STATE = {
    "client_id": "relais-app", "client_secret": "app-secret",
    "refresh_tokens": ["rt-1"], "access_tokens": {}, "scope": ALL_SCOPES, "expires_in": 7200,
    "refreshes": 0, "refused_refreshes": 0, "issued": 1,
    "user": copy.deepcopy(FIX["tweets"]["users_me_response"]["data"]),
    "media": {}, "tweets": {}, "calls": [], "requests": [], "faults": [],
    "video_polls": 2, "next_id": 1880028106020515840,
}
INITIAL = copy.deepcopy(STATE)
MAX_CHUNK = 5 * 1024 * 1024
URL = re.compile(r"(?:https?://|www\.)\S+|\b[a-z0-9-]+\.(?:fr|com|org|net|eu)\b(?:/\S*)?")


def x_time(age=0):
    """Now (less `age` seconds) as X writes times."""
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(time.time() - age))


def new_id():
    STATE["next_id"] += 1
    return str(STATE["next_id"])


def tco():
    return "https://t.co/" + "".join(random.choice(string.ascii_letters + string.digits)
                                     for _ in range(10))


def weighted_length(text):
    """twitter-text v3: links weigh 23, code points outside the light ranges 2."""
    n = 0
    for m in URL.finditer(text):
        n += 23
    rest = URL.sub("", text)
    for ch in rest:
        cp = ord(ch)
        light = cp <= 0x10FF or 0x2000 <= cp <= 0x200D or 0x2010 <= cp <= 0x201F or 0x2032 <= cp <= 0x2037
        n += 1 if light else 2
    return n


def as_x_writes_it(text, with_media):
    def link(m):
        url = m.group(0)
        tail = ""
        while url and url[-1] in ".,;:!?)'":
            tail = url[-1] + tail
            url = url[:-1]
        return tco() + tail
    out = URL.sub(link, text)
    out = out.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if with_media:
        out += " " + tco()
    return out


def problem(name, **changes):
    body = copy.deepcopy(FIX["problems"][name])
    body.update(changes)
    return body


class Api(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # as production servers do: no 40 ms stall per answer
    drop = False

    def reply(self, status, body, headers=None):
        if self.drop:  # acted on; the answer is lost
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self.connection.close()
            return
        data = json.dumps(body).encode()
        ctype = "application/problem+json" if "title" in body and status >= 400 else "application/json"
        try:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (a time-out test)
            self.close_connection = True

    def body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def json_body(self, raw):
        if not (self.headers.get("Content-Type") or "").startswith("application/json"):
            return None
        try:
            body = json.loads(raw)
        except ValueError:
            return None
        return body if isinstance(body, dict) else None

    def invalid(self, message, parameter="body"):
        return self.reply(400, problem("invalid_request",
                                       errors=[{"parameters": {parameter: []}, "message": message}]))

    def handle_any(self):
        raw = self.body()
        url = urllib.parse.urlsplit(self.path)
        path, query = url.path, urllib.parse.parse_qs(url.query)
        if path == "/__fault":
            with LOCK:
                STATE["faults"].append(json.loads(raw))
            return self.reply(200, {})
        if path == "/__reset":
            with LOCK:
                STATE.clear()
                STATE.update(copy.deepcopy(INITIAL))
            return self.reply(200, {})
        if path == "/__seed":
            seed = json.loads(raw)
            with LOCK:
                tid = new_id()
                STATE["tweets"][tid] = {"posted": seed["text"], "text": seed["text"],
                                        "media_ids": [], "created_at": x_time(seed.get("age", 0))}
            return self.reply(200, {"id": tid})
        if path == "/__setup":
            with LOCK:
                setup = json.loads(raw)
                if "refresh_token" in setup:
                    STATE["refresh_tokens"] = [setup.pop("refresh_token")]
                STATE.update(setup)
            return self.reply(200, {})
        if path == "/__state":
            with LOCK:
                return self.reply(200, {k: STATE[k] for k in (
                    "media", "tweets", "calls", "requests", "refresh_tokens", "refreshes",
                    "refused_refreshes")})
        with LOCK:
            STATE["calls"].append("%s %s" % (self.command, self.path))
            fault = next((f for f in STATE["faults"] if path.startswith(f["path"]) and
                          path.endswith(f.get("suffix", "")) and
                          f.get("method", self.command) == self.command), None)
            if fault:
                STATE["faults"].remove(fault)
        fault = fault or {}
        if fault.get("sleep"):
            time.sleep(fault["sleep"])
        self.drop = bool(fault.get("drop"))
        if self.command == "POST" and path == "/2/oauth2/token":
            if "status" in fault:
                return self.fault_reply(fault)
            return self.token(raw)
        scope = self.authorised(fault)
        if scope is None:
            return self.reply(401, problem("unauthorized"))
        if "status" in fault:
            return self.fault_reply(fault)
        return self.route(path, query, raw, scope, fault)

    def fault_reply(self, fault):
        status = fault["status"]
        name = {429: "too_many_requests", 500: "internal_error", 503: "service_unavailable",
                403: "forbidden", 404: "not_found"}.get(status, "invalid_request")
        headers = {}
        if "retry_after" in fault:
            headers["Retry-After"] = str(fault["retry_after"])
        if "rate_limit_reset" in fault:
            headers.update({"x-rate-limit-limit": "200", "x-rate-limit-remaining": "0",
                            "x-rate-limit-reset": str(int(time.time()) + fault["rate_limit_reset"])})
        return self.reply(status, problem(name), headers)

    def authorised(self, fault):
        """The scopes of the bearer token, or None when X would answer 401."""
        auth = self.headers.get("Authorization") or ""
        if not auth.startswith("Bearer "):
            return None
        token = auth[len("Bearer "):]
        with LOCK:
            if fault.get("invalid_token"):
                STATE["access_tokens"].pop(token, None)
            held = STATE["access_tokens"].get(token)
            if held is None or held["expires"] < time.time():
                return None
            return held["scope"].split()

    def route(self, path, query, raw, scope, fault):
        def needs(*wanted):
            return all(s in scope for s in wanted)
        parts = path.strip("/").split("/")
        media_write = needs("media.write")
        if self.command == "POST" and path == "/2/media/upload/initialize":
            return self.initialize(raw) if media_write else self.reply(403, problem("forbidden"))
        if self.command == "POST" and len(parts) == 5 and parts[:3] == ["2", "media", "upload"]:
            if not media_write:
                return self.reply(403, problem("forbidden"))
            if parts[4] == "append":
                return self.append(parts[3], raw)
            if parts[4] == "finalize":
                return self.finalize(parts[3], fault)
        if self.command == "GET" and path == "/2/media/upload":
            return self.status(query) if media_write else self.reply(403, problem("forbidden"))
        if self.command == "POST" and path == "/2/media/metadata":
            return self.metadata(raw) if media_write else self.reply(403, problem("forbidden"))
        if self.command == "POST" and path == "/2/tweets":
            if not needs("tweet.read", "tweet.write", "users.read"):
                return self.reply(403, problem("forbidden"))
            return self.create(raw)
        if len(parts) == 3 and parts[:2] == ["2", "tweets"] and self.command in ("DELETE", "GET"):
            if self.command == "DELETE" and not needs("tweet.read", "tweet.write", "users.read"):
                return self.reply(403, problem("forbidden"))
            if self.command == "DELETE":
                return self.delete(parts[2], fault)
            return self.lookup(parts[2])
        if self.command == "GET" and path == "/2/users/me":
            if not needs("tweet.read", "users.read"):
                return self.reply(403, problem("forbidden"))
            return self.reply(200, {"data": STATE["user"]})
        if self.command == "GET" and len(parts) == 4 and parts[:2] == ["2", "users"] and parts[3] == "tweets":
            return self.timeline(parts[2], query)
        return self.reply(404, problem("no_route"))

    # OAuth 2.0 refresh, with rotation.
    def token(self, raw):
        oauth = FIX["oauth2_token"]
        with LOCK:
            expected = base64.b64encode(("%s:%s" % (STATE["client_id"], STATE["client_secret"])).encode()).decode()
        if self.headers.get("Authorization") != "Basic " + expected:
            return self.reply(401, oauth["missing_authorization"])
        if self.headers.get("Content-Type") != "application/x-www-form-urlencoded":
            return self.reply(400, oauth["bad_grant_type"])
        form = urllib.parse.parse_qs(raw.decode(), keep_blank_values=True, strict_parsing=True)
        form = {k: v[0] for k, v in form.items()}
        with LOCK:
            STATE["requests"].append({"call": "POST /2/oauth2/token", "fields": sorted(form)})
            if form.get("grant_type") != "refresh_token" or form.get("client_id") != STATE["client_id"]:
                return self.reply(400, oauth["bad_grant_type"])
            if form.get("refresh_token") not in STATE["refresh_tokens"]:
                STATE["refused_refreshes"] += 1
                return self.reply(400, oauth["spent_refresh_token"])
            STATE["issued"] += 1
            n = STATE["issued"]
            answer = copy.deepcopy(oauth["refresh_response"])
            answer.update({"access_token": "at-%d" % n, "refresh_token": "rt-%d" % n,
                           "expires_in": STATE["expires_in"], "scope": STATE["scope"]})
            STATE["refresh_tokens"] = [answer["refresh_token"]]  # the old one stops working
            STATE["access_tokens"][answer["access_token"]] = {
                "expires": time.time() + STATE["expires_in"], "scope": STATE["scope"]}
            STATE["refreshes"] += 1
        return self.reply(200, answer)

    # Media upload.
    def initialize(self, raw):
        doc = FIX["media_upload"]
        body = self.json_body(raw)
        if body is None:
            return self.invalid("The request body must be JSON.")
        with LOCK:
            STATE["requests"].append({"call": "POST /2/media/upload/initialize", "body": body})
        if body.get("media_type") not in doc["media_types"]:
            return self.invalid("media_type is not one X takes.", "media_type")
        if body.get("media_category") not in doc["media_categories"]:
            return self.invalid("media_category is not one X takes.", "media_category")
        total = body.get("total_bytes")
        if not isinstance(total, int) or total <= 0:
            return self.invalid("total_bytes must be a positive integer.", "total_bytes")
        with LOCK:
            mid = new_id()
            STATE["media"][mid] = {"type": body["media_type"], "category": body["media_category"],
                                   "total_bytes": total, "segments": {}, "state": "uploading",
                                   "polls": 0, "alt_text": None, "sha256": None}
        answer = copy.deepcopy(doc["initialize_response"])
        answer["data"].update({"id": mid, "media_key": "3_" + mid})
        return self.reply(200, answer)

    def append(self, mid, raw):
        ctype = self.headers.get("Content-Type") or ""
        if not ctype.startswith("multipart/form-data; boundary="):
            return self.invalid("The body must be multipart/form-data.", "media")
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            b"Content-Type: " + ctype.encode() + b"\r\n\r\n" + raw)
        parts = {p.get_param("name", header="content-disposition"): p for p in message.iter_parts()}
        if "media" not in parts or "segment_index" not in parts:
            return self.invalid("media and segment_index are required.", "media")
        data = parts["media"].get_payload(decode=True)
        try:
            index = int(parts["segment_index"].get_content().strip())
        except ValueError:
            return self.invalid("segment_index must be an integer.", "segment_index")
        if not 0 <= index <= 999:
            return self.invalid("segment_index must be between 0 and 999.", "segment_index")
        if len(data) > MAX_CHUNK:
            return self.invalid("A segment may not exceed 5 MB.", "media")
        with LOCK:
            m = STATE["media"].get(mid)
            if m is None or m["state"] != "uploading":
                return self.reply(400, problem("invalid_request", detail="Unknown or finalized media id."))
            m["segments"][str(index)] = data.hex()
        return self.reply(200, copy.deepcopy(FIX["media_upload"]["append_response"]))

    def finalize(self, mid, fault):
        doc = FIX["media_upload"]
        with LOCK:
            m = STATE["media"].get(mid)
            if m is None or m["state"] != "uploading":
                return self.reply(400, problem("invalid_request", detail="Unknown or finalized media id."))
            order = sorted(int(i) for i in m["segments"])
            if order != list(range(len(order))):
                return self.reply(400, problem("invalid_request", detail="Segments are missing."))
            data = b"".join(bytes.fromhex(m["segments"][str(i)]) for i in order)
            if len(data) != m["total_bytes"]:
                return self.reply(400, problem("invalid_request",
                                               detail="Segments do not add up to provided total file size."))
            m["segments"] = {i: len(bytes.fromhex(v)) for i, v in m["segments"].items()}
            m["sha256"] = hashlib.sha256(data).hexdigest()
            video = m["category"] == "tweet_video"
            m["state"] = "pending" if video else "succeeded"
            m["fails"] = bool(fault.get("processing_failed"))
            answer = copy.deepcopy(doc["finalize_video_response" if video else "finalize_response"])
            answer["data"].update({"id": mid, "media_key": "3_" + mid, "size": len(data)})
        return self.reply(200, answer)

    def status(self, query):
        doc = FIX["media_upload"]
        if query.get("command") != ["STATUS"] or "media_id" not in query:
            return self.invalid("command=STATUS and media_id are required.", "command")
        mid = query["media_id"][0]
        with LOCK:
            m = STATE["media"].get(mid)
            if m is None or m["state"] == "uploading":
                return self.reply(400, problem("invalid_request", detail="Unknown media id."))
            m["polls"] += 1
            if m["state"] != "succeeded" and m["polls"] >= STATE["video_polls"]:
                m["state"] = "failed" if m.get("fails") else "succeeded"
            elif m["state"] == "pending":
                m["state"] = "in_progress"
            name = {"in_progress": "status_in_progress", "succeeded": "status_succeeded",
                    "failed": "status_failed"}[m["state"]]
        answer = copy.deepcopy(doc[name])
        answer["data"].update({"id": mid, "media_key": "3_" + mid})
        return self.reply(200, answer)

    def metadata(self, raw):
        body = self.json_body(raw)
        if body is None:
            return self.invalid("The request body must be JSON.")
        alt = ((body.get("metadata") or {}).get("alt_text") or {}).get("text")
        if not isinstance(body.get("id"), str) or not isinstance(alt, str) or len(alt) > 1000:
            return self.invalid("id and metadata.alt_text.text (up to 1000 characters) are required.", "id")
        with LOCK:
            m = STATE["media"].get(body["id"])
            if m is None:
                return self.reply(400, problem("invalid_request", detail="Unknown media id."))
            m["alt_text"] = alt
        answer = copy.deepcopy(FIX["media_upload"]["metadata_response"])
        answer["data"] = {"id": body["id"], "associated_metadata": {"alt_text": {"text": alt}}}
        return self.reply(200, answer)

    # Posts.
    def create(self, raw):
        body = self.json_body(raw)
        if body is None:
            return self.invalid("The request body must be JSON.")
        text = body.get("text")
        if not isinstance(text, str) or not text:
            return self.invalid("The `text` field is required.", "text")
        if weighted_length(text) > 280:
            return self.reply(403, problem("forbidden", detail="Your Tweet text is too long."))
        media = body.get("media", {"media_ids": []})
        ids = media.get("media_ids") if isinstance(media, dict) else None
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            return self.invalid("media.media_ids must be a list of strings.", "media.media_ids")
        if set(body) - {"text", "media"}:
            return self.invalid("Unexpected fields.", "body")
        with LOCK:
            STATE["requests"].append({"call": "POST /2/tweets", "body": body})
            for i in ids:
                m = STATE["media"].get(i)
                if m is None or m["state"] != "succeeded":
                    return self.invalid("Your media IDs are invalid.", "media.media_ids")
            kinds = [STATE["media"][i]["category"] for i in ids]
            if len(ids) > 4 or (len(ids) > 1 and any(k != "tweet_image" for k in kinds)):
                return self.invalid("Your media IDs are invalid.", "media.media_ids")
            if any(t["posted"] == text for t in STATE["tweets"].values()):
                return self.reply(403, problem("duplicate"))
            tid = new_id()
            STATE["tweets"][tid] = {"posted": text, "text": as_x_writes_it(text, bool(ids)),
                                    "media_ids": ids, "created_at": x_time()}
            answer = copy.deepcopy(FIX["tweets"]["create_response"])
            answer["data"].update({"id": tid, "text": STATE["tweets"][tid]["text"],
                                   "edit_history_tweet_ids": [tid]})
        return self.reply(201, answer)

    def delete(self, tid, fault):
        with LOCK:
            if fault.get("deleted_false"):
                return self.reply(200, {"data": {"deleted": False}})
            if STATE["tweets"].pop(tid, None) is None:
                return self.reply(404, problem("not_found", detail="Could not find tweet with id: [%s]." % tid))
        return self.reply(200, copy.deepcopy(FIX["tweets"]["delete_response"]))

    def lookup(self, tid):
        with LOCK:
            t = STATE["tweets"].get(tid)
        if t is None:
            answer = copy.deepcopy(FIX["tweets"]["lookup_not_found"])
            answer["errors"][0].update({"value": tid, "resource_id": tid,
                                        "detail": "Could not find tweet with id: [%s]." % tid})
            return self.reply(200, answer)
        return self.reply(200, {"data": {"id": tid, "text": t["text"], "edit_history_tweet_ids": [tid]}})

    def timeline(self, uid, query):
        if uid != STATE["user"]["id"]:
            return self.reply(400, problem("invalid_request", detail="The `id` query parameter value is not valid."))
        try:
            count = int(query.get("max_results", ["10"])[0])
        except ValueError:
            count = 0
        if not 5 <= count <= 100:
            return self.invalid("max_results must be between 5 and 100.", "max_results")
        fields = query.get("tweet.fields", [""])[0].split(",")
        with LOCK:
            tweets = sorted(STATE["tweets"].items(), key=lambda kv: int(kv[0]), reverse=True)[:count]
        if not tweets:
            return self.reply(200, copy.deepcopy(FIX["tweets"]["user_tweets_empty"]))
        data = []
        for tid, t in tweets:
            item = {"id": tid, "text": t["text"], "edit_history_tweet_ids": [tid]}
            if "created_at" in fields:
                item["created_at"] = t["created_at"]
            data.append(item)
        return self.reply(200, {"data": data, "meta": {"result_count": len(data), "newest_id": data[0]["id"],
                                                       "oldest_id": data[-1]["id"]}})

    do_GET = do_POST = do_DELETE = handle_any

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Api)
    print(os.getpid(), server.server_address[1], flush=True)
    server.serve_forever()
