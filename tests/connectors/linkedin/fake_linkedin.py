"""LinkedIn's versioned Community Management API as its documentation describes it (Images,
Videos, Posts, Organizations; learn.microsoft.com/linkedin/marketing/community-management/),
on 127.0.0.1, for the connector tests. Prints "PID PORT" when listening. The documented
examples it answers from are in fixtures/.

    fake_linkedin.py [VIDEO_PART_SIZE]    (4194304 bytes, as LinkedIn, unless given)

Checked on every /rest call, answered with LinkedIn's error shape ({"status",
"serviceErrorCode", "code", "message"}) when wrong: the bearer token ("good-token";
"expired-token" and "revoked-token" get LinkedIn's own 401s), LinkedIn-Version (YYYYMM, 426
for a version that is sunset), X-Restli-Protocol-Version: 2.0.0, X-RestLi-Method on the finder
and on DELETE, URNs percent-encoded in paths and queries, and the body's fields. Photos are PUT
with the bearer token, video parts as application/octet-stream with their exact byte range;
finalizeUpload must list every part's ETag in order. A post's commentary must be in the
"little" text format (reserved characters escaped), and a post with the same commentary as one
the page holds is refused with 422 "Content is a duplicate of <urn>", as LinkedIn does.

Control endpoints (no checks): POST /__fault {"path" (prefix of path?query), "method",
"status", "retry_after", "sleep" (seconds before answering normally), "drop" (act, then close
the connection unanswered), "raw" (a body that is not JSON)}; POST /__seed {"commentary"} puts
a post on the page as if made elsewhere ("age": that many seconds ago); POST /__reset empties the page (one server serves
a whole test run); GET /__state returns what the page holds and the calls received.
"""
import copy
import hashlib
import http.server
import json
import os
import re
import sys
import threading
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))


def fixture(name):
    with open(os.path.join(HERE, "fixtures", name)) as f:
        return json.load(f)


ERRORS = fixture("errors.json")
IMAGE_INIT = fixture("images_initialize_upload.json")["response"]["body"]
VIDEO_INIT = fixture("videos_initialize_upload.json")["response"]["body"]
POSTS_PAGE = fixture("posts_by_author.json")["response"]["body"]
ORGANIZATION = fixture("organization.json")["response"]["body"]

ORG_ID = str(ORGANIZATION["id"])
ORG = "urn:li:organization:" + ORG_ID
TOKENS = {"good-token": None, "expired-token": "expired_token", "revoked-token": "revoked_token"}
OLDEST_VERSION, NEWEST_VERSION = "202512", "202611"  # served on 2026-11-24
RESERVED = set("|{}@[]()<>#\\*_~")
DISTRIBUTION = {"feedDistribution": "MAIN_FEED", "targetEntities": [],
                "thirdPartyDistributionChannels": []}
PART_SIZE = int(sys.argv[1]) if len(sys.argv) > 1 else 4194304

LOCK = threading.Lock()
STATE = {"images": {}, "videos": {}, "posts": {}, "calls": [], "uploads": [], "faults": [],
         "next": 7000000000000000000}


def next_number():
    STATE["next"] += 1
    return STATE["next"]


def error(kind, *args):
    body = copy.deepcopy(ERRORS[kind])
    if args:
        body["message"] = body["message"] % args
    return body["status"], body


def little_problem(text):
    """Where `text` breaks the little text format, or None."""
    i = 0
    while i < len(text):
        c = text[i]
        if c == "\\":
            if i + 1 >= len(text) or text[i + 1] not in RESERVED:
                return "a lone backslash at offset %d must itself be escaped" % i
            i += 2
            continue
        if c in RESERVED:
            return ("'%s' at offset %d is reserved in the little text format and must be "
                    "escaped with a backslash" % (c, i))
        i += 1
    return None


def unescape(text):
    return re.sub(r"\\(.)", r"\1", text)


class Api(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # as production servers do: no 40 ms stall per answer

    def reply(self, status, body=None, headers=None):
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        if body is not None:
            self.send_header("Content-Type", "application/json")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def fail(self, kind, *args, headers=None):
        status, body = error(kind, *args)
        return self.reply(status, body, headers)

    def json_body(self, raw):
        if not (self.headers.get("Content-Type") or "").startswith("application/json"):
            return None, "Content-Type must be application/json"
        try:
            return json.loads(raw), None
        except ValueError as e:
            return None, "the body is not JSON: %s" % e

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        split = urllib.parse.urlsplit(self.path)
        path, query = split.path, split.query
        target = path + ("?" + query if query else "")
        if path == "/__fault":
            with LOCK:
                STATE["faults"].append(json.loads(raw))
            return self.reply(200, {})
        if path == "/__state":
            with LOCK:
                return self.reply(200, {k: STATE[k] for k in
                                        ("images", "videos", "posts", "calls", "uploads")})
        if path == "/__reset":
            with LOCK:
                for key in ("images", "videos", "posts"):
                    STATE[key] = {}
                for key in ("calls", "uploads", "faults"):
                    STATE[key] = []
            return self.reply(200, {})
        if path == "/__seed":
            seed = json.loads(raw)
            with LOCK:
                urn = "urn:li:share:%d" % next_number()
                STATE["posts"][urn] = {"author": ORG, "commentary": seed["commentary"],
                                       "content": {},
                                       "createdAt": int((time.time() - seed.get("age", 0)) * 1000)}
            return self.reply(200, {"id": urn})
        with LOCK:
            STATE["calls"].append("%s %s" % (self.command, target))
            fault = next((f for f in STATE["faults"] if target.startswith(f["path"]) and
                          f.get("method", self.command) == self.command), None)
            if fault:
                STATE["faults"].remove(fault)
        if path.startswith("/dms-uploads/"):
            return self.upload(path, raw)
        refusal = self.refusal()
        if refusal:
            return self.fail(*refusal)
        drop = bool(fault and fault.get("drop"))
        if fault and not drop:
            time.sleep(fault.get("sleep", 0))
            if "status" in fault:
                return self.injected(fault)
        return self.route(path, query, raw, drop)

    def refusal(self):
        """What LinkedIn answers before looking at the call: token, version, protocol."""
        auth = self.headers.get("Authorization") or ""
        token = auth[len("Bearer "):] if auth.startswith("Bearer ") else None
        if token not in TOKENS:
            return ("invalid_token",)
        if TOKENS[token]:
            return (TOKENS[token],)
        version = self.headers.get("LinkedIn-Version")
        if not version:
            return ("version_missing",)
        if not re.fullmatch(r"\d{6}", version) or not OLDEST_VERSION <= version <= NEWEST_VERSION:
            return ("version_inactive", version)
        if self.headers.get("X-Restli-Protocol-Version") != "2.0.0":
            return ("bad_request", "X-Restli-Protocol-Version: 2.0.0 is required")
        return None

    def injected(self, fault):
        headers = {"Retry-After": fault["retry_after"]} if "retry_after" in fault else {}
        if "raw" in fault:
            data = fault["raw"].encode()
            self.send_response(fault["status"])
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return
        kinds = {403: "not_enough_permissions", 429: "throttled", 500: "server_error",
                 503: "unavailable", 422: "unprocessable", 404: "not_found"}
        kind = kinds.get(fault["status"], "bad_request")
        status, body = error(kind, "Fault injected") if "%s" in ERRORS[kind]["message"] \
            else error(kind)
        body["status"] = fault["status"]
        return self.reply(fault["status"], body, headers)

    def route(self, path, query, raw, drop):
        params = urllib.parse.parse_qs(query)
        if self.command == "POST" and path == "/rest/images" and query == "action=initializeUpload":
            return self.init_image(raw)
        if self.command == "POST" and path == "/rest/videos" and query == "action=initializeUpload":
            return self.init_video(raw)
        if self.command == "POST" and path == "/rest/videos" and query == "action=finalizeUpload":
            return self.finalize_video(raw)
        m = re.fullmatch(r"/rest/(images|videos)/([^/]+)", path)
        if self.command == "GET" and m:
            return self.media_state(m.group(1), m.group(2))
        if self.command == "POST" and path == "/rest/posts" and not query:
            return self.create_post(raw, drop)
        if self.command == "GET" and path == "/rest/posts":
            return self.find_posts(query, params)
        m = re.fullmatch(r"/rest/posts/([^/]+)", path)
        if self.command == "DELETE" and m:
            return self.delete_post(m.group(1))
        m = re.fullmatch(r"/rest/organizations/(\d+)", path)
        if self.command == "GET" and m:
            if m.group(1) != ORG_ID:
                return self.fail("not_found")
            return self.reply(200, ORGANIZATION)
        return self.fail("not_found")

    # Images and videos -------------------------------------------------------------------

    def init_image(self, raw):
        body, problem = self.json_body(raw)
        if problem:
            return self.fail("bad_request", problem)
        request = body.get("initializeUploadRequest") if isinstance(body, dict) else None
        if set(body or {}) != {"initializeUploadRequest"} or not isinstance(request, dict) \
                or set(request) != {"owner"}:
            return self.fail("bad_request", "expected {initializeUploadRequest: {owner}}")
        if request["owner"] != ORG:
            return self.fail("not_enough_permissions")
        with LOCK:
            n = next_number()
            urn = "urn:li:image:C4E10AQ%d" % n
            STATE["images"][urn] = {"owner": request["owner"], "status": "WAITING_UPLOAD",
                                    "size": 0, "token": str(n)}
        answer = copy.deepcopy(IMAGE_INIT)
        answer["value"].update({"image": urn, "uploadUrlExpiresAt": int(time.time() * 1000) + 86400000,
                                "uploadUrl": "http://%s/dms-uploads/image/%d" % (self.headers["Host"], n)})
        return self.reply(200, answer)

    def init_video(self, raw):
        body, problem = self.json_body(raw)
        if problem:
            return self.fail("bad_request", problem)
        request = body.get("initializeUploadRequest") if isinstance(body, dict) else None
        keys = {"owner", "fileSizeBytes", "uploadCaptions", "uploadThumbnail"}
        if set(body or {}) != {"initializeUploadRequest"} or not isinstance(request, dict) \
                or set(request) != keys:
            return self.fail("bad_request", "expected {initializeUploadRequest: {%s}}"
                             % ", ".join(sorted(keys)))
        size = request["fileSizeBytes"]
        if not isinstance(size, int) or isinstance(size, bool) or size <= 0:
            return self.fail("bad_request", "fileSizeBytes must be a positive number")
        if request["uploadCaptions"] is not False or request["uploadThumbnail"] is not False:
            return self.fail("bad_request", "no caption or thumbnail upload URL was asked for here")
        if request["owner"] != ORG:
            return self.fail("not_enough_permissions")
        with LOCK:
            n = next_number()
            urn = "urn:li:video:C5505AQ%d" % n
            parts = [{"first": first, "last": min(first + PART_SIZE, size) - 1, "etag": None}
                     for first in range(0, size, PART_SIZE)]
            token = "" if len(parts) == 1 else "upload-token-%d" % n
            STATE["videos"][urn] = {"owner": request["owner"], "size": size, "parts": parts,
                                    "uploadToken": token, "status": "WAITING_UPLOAD", "pending": 0,
                                    "number": n}
        answer = copy.deepcopy(VIDEO_INIT)
        answer["value"].update({
            "video": urn, "uploadToken": token,
            "uploadUrlsExpireAt": int(time.time() * 1000) + 86400000,
            "uploadInstructions": [
                {"uploadUrl": "http://%s/dms-uploads/video/%d/%d" % (self.headers["Host"], n, i),
                 "firstByte": p["first"], "lastByte": p["last"]} for i, p in enumerate(parts)]})
        return self.reply(200, answer)

    def upload(self, path, raw):
        auth = self.headers.get("Authorization")
        record = {"path": path, "authorization": auth is not None,
                  "content_type": self.headers.get("Content-Type"), "size": len(raw)}
        with LOCK:
            STATE["uploads"].append(record)
        m = re.fullmatch(r"/dms-uploads/image/(\d+)", path)
        if self.command == "PUT" and m:
            if auth != "Bearer good-token":
                return self.fail("invalid_token")
            with LOCK:
                image = next((i for i in STATE["images"].values() if i["token"] == m.group(1)), None)
                if image is None:
                    return self.fail("not_found")
                image.update({"status": "AVAILABLE", "size": len(raw),
                              "sha256": hashlib.sha256(raw).hexdigest()})
            return self.reply(201)
        m = re.fullmatch(r"/dms-uploads/video/(\d+)/(\d+)", path)
        if self.command == "PUT" and m:
            if self.headers.get("Content-Type") != "application/octet-stream":
                return self.fail("bad_request", "a video part is sent as application/octet-stream")
            with LOCK:
                video = next((v for v in STATE["videos"].values()
                              if v["number"] == int(m.group(1))), None)
                index = int(m.group(2))
                if video is None or index >= len(video["parts"]):
                    return self.fail("not_found")
                part = video["parts"][index]
                if len(raw) != part["last"] - part["first"] + 1:
                    return self.fail("bad_request", "part %d is %d bytes, not %d" % (
                        index, part["last"] - part["first"] + 1, len(raw)))
                part["etag"] = "/ambry-video/signedId/%s" % hashlib.sha256(raw).hexdigest()[:24]
                part["sha256"] = hashlib.sha256(raw).hexdigest()
            return self.reply(200, None, {"ETag": part["etag"]})
        return self.fail("not_found")

    def finalize_video(self, raw):
        body, problem = self.json_body(raw)
        if problem:
            return self.fail("bad_request", problem)
        request = body.get("finalizeUploadRequest") if isinstance(body, dict) else None
        keys = {"video", "uploadToken", "uploadedPartIds"}
        if set(body or {}) != {"finalizeUploadRequest"} or not isinstance(request, dict) \
                or set(request) != keys:
            return self.fail("bad_request", "expected {finalizeUploadRequest: {%s}}"
                             % ", ".join(sorted(keys)))
        with LOCK:
            video = STATE["videos"].get(request["video"])
            if video is None:
                return self.fail("not_found")
            if request["uploadToken"] != video["uploadToken"]:
                return self.fail("bad_request", "uploadToken does not match the upload")
            etags = [p["etag"] for p in video["parts"]]
            if None in etags or request["uploadedPartIds"] != etags:
                return self.fail("bad_request", "uploadedPartIds must list each part's ETag in order")
            video.update({"status": "PROCESSING", "pending": 1})
        return self.reply(200)

    def media_state(self, kind, encoded):
        if ":" in encoded:
            return self.fail("bad_request", "the URN in the path must be URL-encoded")
        urn = urllib.parse.unquote(encoded)
        with LOCK:
            item = STATE[kind].get(urn)
            if item is None:
                return self.fail("not_found")
            if item.get("pending"):
                item["pending"] -= 1
            elif item["status"] == "PROCESSING":
                item["status"] = "AVAILABLE"
            return self.reply(200, {"id": urn, "owner": item["owner"], "status": item["status"]})

    # Posts ------------------------------------------------------------------------------

    def post_problem(self, body):
        """What is wrong with a post's body, as (kind, message), or None."""
        required = {"author", "commentary", "visibility", "distribution", "lifecycleState",
                    "isReshareDisabledByAuthor"}
        if not isinstance(body, dict) or not required <= set(body) \
                or not set(body) <= required | {"content"}:
            return ("bad_request", "a post has exactly %s and an optional content"
                    % ", ".join(sorted(required)))
        if body["author"] != ORG:
            return ("not_enough_permissions",)
        text = body["commentary"]
        if not isinstance(text, str):
            return ("bad_request", "/commentary must be a string")
        problem = little_problem(text)
        if problem:
            return ("bad_request", "/commentary: " + problem)
        if len(unescape(text)) > 3000:
            return ("unprocessable", "/commentary :: length %d exceeds the maximum allowed 3000"
                    % len(unescape(text)))
        if body["visibility"] != "PUBLIC" or body["distribution"] != DISTRIBUTION \
                or body["lifecycleState"] != "PUBLISHED" \
                or not isinstance(body["isReshareDisabledByAuthor"], bool):
            return ("bad_request", "visibility, distribution or lifecycleState is not that of "
                    "a published public post")
        content = body.get("content")
        if content is None:
            return None
        if not isinstance(content, dict) or len(content) != 1:
            return ("bad_request", "/content holds exactly one of media, multiImage")
        if "media" in content:
            return self.media_problem(content["media"], ("image", "video"), {"id", "altText"})
        if "multiImage" in content:
            images = content["multiImage"].get("images") \
                if isinstance(content["multiImage"], dict) else None
            if not isinstance(images, list) or not 2 <= len(images) <= 20:
                return ("unprocessable", "/content/multiImage/images must hold 2 to 20 images")
            for item in images:
                problem = self.media_problem(item, ("image",), {"id", "altText"})
                if problem:
                    return problem
            return None
        return ("bad_request", "/content holds exactly one of media, multiImage")

    def media_problem(self, item, kinds, keys):
        if not isinstance(item, dict) or "id" not in item or not set(item) <= keys:
            return ("bad_request", "a media item is {id, altText}")
        if "altText" in item and (not isinstance(item["altText"], str) or len(item["altText"]) > 4086):
            return ("unprocessable", "altText must be a string of at most 4086 characters")
        kind = next((k for k in kinds if item["id"].startswith("urn:li:%s:" % k)), None)
        media = STATE[kind + "s"].get(item["id"]) if kind else None
        if media is None:
            return ("unprocessable", "%s is not a known %s" % (item["id"], " or ".join(kinds)))
        if media["status"] != "AVAILABLE":
            return ("unprocessable", "%s is %s, not AVAILABLE" % (item["id"], media["status"]))
        return None

    def create_post(self, raw, drop):
        body, problem = self.json_body(raw)
        if problem:
            return self.fail("bad_request", problem)
        with LOCK:
            problem = self.post_problem(body)
            if problem:
                return self.fail(*problem)
            twin = next((urn for urn, p in STATE["posts"].items()
                         if p["author"] == body["author"] and p["commentary"] == body["commentary"]),
                        None)
            if twin:
                return self.fail("duplicate", twin)
            video = "video:" in json.dumps(body.get("content", {}))
            urn = "urn:li:%s:%d" % ("ugcPost" if video else "share", next_number())
            STATE["posts"][urn] = dict(body, createdAt=int(time.time() * 1000))
        if drop:
            self.close_connection = True
            self.connection.close()
            return
        return self.reply(201, None, {"x-restli-id": urn})

    def find_posts(self, query, params):
        if self.headers.get("X-RestLi-Method") != "FINDER":
            return self.fail("bad_request", "X-RestLi-Method: FINDER is required for q=author")
        if params.get("q") != ["author"] or "author" not in params:
            return self.fail("bad_request", "q=author and author are required")
        if "urn%3Ali%3Aorganization%3A" not in query:
            return self.fail("bad_request", "the author URN must be URL-encoded")
        if params["author"] != [ORG]:
            return self.fail("not_enough_permissions")
        count = int(params.get("count", ["10"])[0])
        if not 1 <= count <= 100 or params.get("sortBy", ["LAST_MODIFIED"])[0] not in (
                "LAST_MODIFIED", "CREATED"):
            return self.fail("bad_request", "count is 1 to 100; sortBy LAST_MODIFIED or CREATED")
        template = POSTS_PAGE["elements"][0]
        with LOCK:
            newest = list(reversed(list(STATE["posts"].items())))
        elements = []
        for urn, post in newest[:count]:
            element = copy.deepcopy(template)
            element.update({"id": urn, "author": post["author"],
                            "commentary": post["commentary"], "content": post.get("content", {}),
                            "createdAt": post["createdAt"], "lastModifiedAt": post["createdAt"],
                            "publishedAt": post["createdAt"]})
            elements.append(element)
        page = copy.deepcopy(POSTS_PAGE)
        page.update({"elements": elements,
                     "paging": {"start": 0, "count": count, "links": [], "total": len(newest)}})
        return self.reply(200, page)

    def delete_post(self, encoded):
        if self.headers.get("X-RestLi-Method") != "DELETE":
            return self.fail("bad_request", "X-RestLi-Method: DELETE is required")
        if ":" in encoded:
            return self.fail("bad_request", "the URN in the path must be URL-encoded")
        with LOCK:
            post = STATE["posts"].pop(urllib.parse.unquote(encoded), None)
        if post is None:
            return self.fail("not_found")
        return self.reply(204)

    do_GET = do_POST = do_PUT = do_DELETE = handle_any

    def log_message(self, *args):
        pass


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # a client that gave up (time-out tests) is expected


if __name__ == "__main__":
    server = Server(("127.0.0.1", 0), Api)
    print(os.getpid(), server.server_address[1], flush=True)
    server.serve_forever()
