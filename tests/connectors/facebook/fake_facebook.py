"""A Facebook Page on the Graph API as Meta documents it (developers.facebook.com/docs/pages-api/
posts, /docs/video-api/guides/publishing, /docs/graph-api/guides/error-handling), on 127.0.0.1,
for the connector tests. Prints "PID PORT" when listening. Answers come from fixtures/*.json.

Two hosts on one port: paths under /graph-video stand for graph-video.facebook.com (video
uploads must come there, nothing else may). Checked on every call: the version segment
(/vNN.N/), the token in an "Authorization: Bearer" header and nowhere else (the way relais
chose; a token in the URL or the body is refused), the method and path, the body's type and
shape (multipart with a `source` file for photos and videos; a form with message and
attached_media[i]={"media_fbid": ...} for the feed, each media an unpublished photo of the Page
not yet attached). Errors come in the documented {"error": {...}} shape.

Tokens: "good-page-token" is the Page's; "user-token" is a person's, who can read the Page but
not post as it (code 200).

Faults are queued by the test: POST /__fault {"path": part of the path, "method",
"status", "error": a name in errors.json, "message", "retry_after", "usage": a usage header
name, "headers", "drop", "sleep", "raw"}. "drop" does the call, then closes the connection
unanswered; "sleep" does it, then waits that many seconds before answering; "raw" does it and
answers that text. Otherwise the call is not done and the error is answered.
POST /__seed {"posts": [{"message", "age"}]} adds posts made elsewhere, `age` seconds ago. GET /__state returns what the
Page holds and every call received.
"""
import copy
import email.parser
import email.policy
import http.server
import json
import os
import re
import threading
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(HERE, "fixtures", "endpoints.json")) as f:
    ENDPOINTS = json.load(f)
with open(os.path.join(HERE, "fixtures", "errors.json")) as f:
    ERRORS = json.load(f)

PAGE_ID = "104729385617"
PAGE_NAME = "Mairie de Villeneuve"
TOKENS = {"good-page-token": {"id": PAGE_ID, "name": PAGE_NAME, "page": True},
          "user-token": {"id": "55501", "name": "Jeanne Martin", "page": False}}
VIDEO_PREFIX = "/graph-video"
LOCK = threading.Lock()
STATE = {"posts": {}, "photos": {}, "videos": {}, "calls": [], "faults": [], "next": 900000}


def fill(template, values):
    """The template with each "{name}" replaced: a whole-string placeholder takes the value's
    type, a placeholder inside a string is replaced as text."""
    if isinstance(template, dict):
        return {fill(k, values): fill(v, values) for k, v in template.items()}
    if isinstance(template, list):
        return [fill(v, values) for v in template]
    if isinstance(template, str):
        whole = re.fullmatch(r"\{([a-z-]+)\}", template)
        if whole and whole.group(1) in values:
            return values[whole.group(1)]
        return re.sub(r"\{([a-z-]+)\}",
                      lambda m: str(values.get(m.group(1), m.group(0))), template)
    return template


def graph_error(name, **values):
    spec = copy.deepcopy(ERRORS["errors"][name])
    status = spec.pop("status")
    body = fill(spec, values)
    body["fbtrace_id"] = "A%07dFake" % (len(STATE["calls"]))
    return status, {"error": body}, {}


def new_number():
    STATE["next"] += 1
    return str(STATE["next"])


def now_text(age=0):
    """Now (less `age` seconds) as the Graph API writes times."""
    return time.strftime("%Y-%m-%dT%H:%M:%S+0000", time.gmtime(time.time() - age))


class Answer(Exception):
    def __init__(self, status, body, headers=None):
        super().__init__(status)
        self.status, self.body, self.headers = status, body, headers or {}


def fail(name, **values):
    status, body, headers = graph_error(name, **values)
    raise Answer(status, body, headers)


def answer(example, **values):
    return 200, fill(ENDPOINTS[example]["response"], values), {}


class Graph(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # as production servers do: no 40 ms stall per answer

    def write(self, status, body, headers=None, raw=None):
        data = raw.encode() if raw is not None else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        url = urllib.parse.urlsplit(self.path)
        if url.path == "/__fault":
            with LOCK:
                STATE["faults"].append(json.loads(raw))
            return self.write(200, {})
        if url.path == "/__seed":
            with LOCK:
                for p in json.loads(raw).get("posts", []):
                    pid = PAGE_ID + "_" + new_number()
                    STATE["posts"][pid] = {"message": p.get("message"), "photos": [],
                                           "video": None,
                                           "created_time": now_text(p.get("age", 0))}
            return self.write(200, {})
        if url.path == "/__state":
            with LOCK:
                return self.write(200, {k: STATE[k] for k in ("posts", "photos", "videos", "calls")})
        host, path = ("video", url.path[len(VIDEO_PREFIX):]) \
            if url.path.startswith(VIDEO_PREFIX + "/") else ("graph", url.path)
        version = re.match(r"^/(v\d+\.\d+)(/.*)$", path)
        query = {k: v[-1] for k, v in urllib.parse.parse_qs(url.query).items()}
        call = {"method": self.command, "host": host, "version": version and version.group(1),
                "path": version.group(2) if version else path, "query": query,
                "content_type": self.headers.get("Content-Type"), "form": {}, "files": []}
        form, files = self.parse_body(raw, call)
        with LOCK:
            STATE["calls"].append(call)
            fault = next((f for f in STATE["faults"] if f["path"] in call["path"] and
                          f.get("method", self.command) == self.command), None)
            if fault:
                STATE["faults"].remove(fault)
        try:
            if not version:
                fail("unknown_path", detail=path)
            self.authorize(query, form)
            if fault and not any(k in fault for k in ("drop", "sleep", "raw")):
                raise self.fault_answer(fault)
            with LOCK:
                status, body, headers = self.route(host, call["path"], query, form, files)
        except Answer as a:
            return self.write(a.status, a.body, a.headers)
        if fault and fault.get("drop"):
            self.close_connection = True
            self.connection.close()
            return
        if fault and fault.get("sleep"):
            time.sleep(float(fault["sleep"]))
        try:
            self.write(fault.get("status", status) if fault else status, body, headers,
                       raw=fault.get("raw") if fault else None)
        except OSError:
            self.close_connection = True  # the client gave up waiting

    def parse_body(self, raw, call):
        ctype = self.headers.get("Content-Type") or ""
        form, files = {}, {}
        if ctype.startswith("multipart/form-data; boundary="):
            message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
                b"Content-Type: " + ctype.encode() + b"\r\n\r\n" + raw)
            for part in message.iter_parts():
                name = part.get_param("name", header="content-disposition")
                if part.get_filename():
                    data = part.get_payload(decode=True)
                    files[name] = {"filename": part.get_filename(),
                                   "content_type": part.get_content_type(), "size": len(data)}
                    call["files"].append(dict(files[name], name=name))
                else:
                    form[name] = part.get_payload(decode=True).decode("utf-8")
        elif ctype.startswith("application/x-www-form-urlencoded"):
            form = {k: v[-1] for k, v in
                    urllib.parse.parse_qs(raw.decode(), keep_blank_values=True).items()}
        call["form"] = form
        return form, files

    def authorize(self, query, form):
        if "access_token" in query or "access_token" in form:
            fail("invalid_parameter",
                 detail="relais sends the token in the Authorization header, never in a URL")
        auth = self.headers.get("Authorization") or ""
        if not auth.startswith("Bearer "):
            fail("no_token")
        self.owner = TOKENS.get(auth[len("Bearer "):])
        if self.owner is None:
            fail("invalid_token")

    def fault_answer(self, fault):
        name = fault.get("error") or {500: "unknown", 503: "temporary"}.get(
            fault.get("status"), "app_request_limit")
        status, body, headers = graph_error(name)
        if "message" in fault:
            body["error"]["message"] = fault["message"]
        headers = dict(fault.get("headers", {}))
        if "retry_after" in fault:
            headers["Retry-After"] = fault["retry_after"]
        if "usage" in fault:
            usage = fill(ERRORS["usage_headers"][fault["usage"]], {"page-id": PAGE_ID})
            headers[fault["usage"]] = json.dumps(usage)
        return Answer(fault.get("status", status), body, headers)

    def route(self, host, path, query, form, files):
        parts = path.strip("/").split("/")
        method = self.command
        if host == "video" and not (method == "POST" and len(parts) == 2 and parts[1] == "videos"):
            fail("unknown_path", detail="graph-video.facebook.com only takes video uploads")
        if method == "POST" and len(parts) == 2:
            self.writer(parts[0])
            if parts[1] == "photos":
                return self.post_photo(form, files)
            if parts[1] == "feed":
                return self.post_feed(form)
            if parts[1] == "videos":
                if host != "video":
                    fail("invalid_parameter", detail="Video uploads go to graph-video.facebook.com")
                return self.post_video(form, files)
        if method == "GET" and len(parts) == 2 and parts[0] == PAGE_ID:
            if parts[1] in ("feed", "videos"):
                return self.list_edge(parts[1], query)
        if method == "GET" and len(parts) == 1:
            if parts[0] in (PAGE_ID, "me"):
                return self.read_profile(parts[0], query)
            return self.read_permalink(parts[0], query)
        if method == "DELETE" and len(parts) == 1:
            return self.delete(parts[0])
        fail("unknown_path", detail=path)

    def writer(self, page):
        if page != PAGE_ID:
            fail("object_missing", method="post", **{"object-id": page})
        if not self.owner["page"]:
            fail("missing_permission")

    def file_of(self, files, kind):
        source = files.get("source")
        if source is None or not source["content_type"].startswith(kind + "/"):
            fail("invalid_parameter", detail="Requires upload file: a %s in `source`" % kind)
        return source

    def only(self, form, allowed):
        extra = sorted(set(form) - set(allowed))
        if extra:
            fail("invalid_parameter", detail="Param %s is not a valid parameter" % extra[0])

    def post_photo(self, form, files):
        self.only(form, ("message", "caption", "published", "alt_text_custom"))
        source = self.file_of(files, "image")
        published = form.get("published", "true")
        if published not in ("true", "false"):
            fail("invalid_parameter", detail="Param published must be a boolean")
        if published == "false" and "message" in form:
            fail("invalid_parameter",
                 detail="relais puts the text of a multi-photo post on the feed post")
        photo_id = new_number()
        STATE["photos"][photo_id] = {"filename": source["filename"],
                                     "content_type": source["content_type"],
                                     "size": source["size"], "alt_text_custom":
                                     form.get("alt_text_custom"), "post": None}
        if published == "false":
            return answer("upload_unpublished_photo", **{"photo-id": photo_id})
        post_id = self.new_post(form.get("message"), [photo_id], None)
        return answer("publish_photo", **{"photo-id": photo_id, "page-post-id": post_id})

    def post_feed(self, form):
        media = sorted(k for k in form if k.startswith("attached_media"))
        self.only(form, ["message"] + media)
        if media != sorted("attached_media[%d]" % i for i in range(len(media))):
            fail("invalid_parameter", detail="attached_media must be attached_media[0], [1]...")
        photo_ids = []
        for i in range(len(media)):
            try:
                fbid = json.loads(form["attached_media[%d]" % i])["media_fbid"]
            except (ValueError, KeyError, TypeError):
                fail("invalid_parameter", detail='attached_media[%d] must be {"media_fbid": id}' % i)
            photo = STATE["photos"].get(fbid)
            if photo is None or photo["post"] is not None:
                fail("invalid_parameter",
                     detail="media_fbid %s is not an unpublished photo of the Page" % fbid)
            photo_ids.append(fbid)
        if not form.get("message") and not photo_ids:
            fail("invalid_parameter", detail="Missing message or attachment")
        post_id = self.new_post(form.get("message"), photo_ids, None)
        return answer("publish_multi_photo_post" if photo_ids else "publish_text",
                      **{"page-post-id": post_id})

    def post_video(self, form, files):
        self.only(form, ("description", "title"))
        source = self.file_of(files, "video")
        video_id = new_number()
        STATE["videos"][video_id] = {"description": form.get("description"),
                                     "title": form.get("title"), "size": source["size"],
                                     "content_type": source["content_type"],
                                     "created_time": now_text(), "post": None}
        STATE["videos"][video_id]["post"] = self.new_post(form.get("description"), [], video_id)
        return answer("publish_video", **{"video-id": video_id})

    def new_post(self, message, photo_ids, video_id):
        post_id = PAGE_ID + "_" + new_number()
        STATE["posts"][post_id] = {"message": message, "photos": photo_ids, "video": video_id,
                                   "created_time": now_text()}
        for p in photo_ids:
            STATE["photos"][p]["post"] = post_id
        return post_id

    def permalink(self, object_id):
        if object_id in STATE["posts"]:
            return "https://www.facebook.com/%s/posts/%s" % (PAGE_ID, object_id.split("_")[1])
        if object_id in STATE["videos"]:
            return "/%s/videos/%s/" % (PAGE_ID, object_id)  # a path, as videos give it
        return "https://www.facebook.com/photo.php?fbid=%s" % object_id

    def fields(self, query, allowed, required):
        asked = query.get("fields", "").split(",")
        if not set(required) <= set(asked) or not set(asked) <= set(allowed):
            fail("invalid_parameter", detail="fields must be among %s" % ",".join(allowed))
        return asked

    def list_edge(self, edge, query):
        text = "message" if edge == "feed" else "description"
        self.fields(query, ("id", text, "created_time", "permalink_url"), ("id", text))
        limit = query.get("limit", "25")
        if not limit.isdigit() or not 0 < int(limit) <= 100:
            fail("invalid_parameter", detail="limit must be between 1 and 100")
        example = ENDPOINTS["read_feed" if edge == "feed" else "read_videos"]
        if edge == "feed":
            rows = [(pid, p) for pid, p in STATE["posts"].items()]
        else:
            rows = list(STATE["videos"].items())
        rows.reverse()  # newest first
        data = []
        for oid, o in rows[:int(limit)]:
            item = fill(example["item"], {"page-post-id": oid, "video-id": oid,
                                          "message": o.get(text) if edge == "videos" else
                                          o.get("message"), "permalink": self.permalink(oid),
                                          "created-time": o["created_time"]})
            data.append({k: v for k, v in item.items() if v is not None})
        body = fill(example["response"], {"cursor": "QVFIUfake"})
        body["data"] = data
        return 200, body, {}

    def read_profile(self, who, query):
        self.fields(query, ("id", "name"), ("id",))
        values = {"page-id": self.owner["id"], "page-name": self.owner["name"]} if who == "me" \
            else {"page-id": PAGE_ID, "page-name": PAGE_NAME}
        return answer("read_page", **values)

    def read_permalink(self, object_id, query):
        if query.get("fields") != "permalink_url":
            fail("invalid_parameter", detail="relais asks only for permalink_url")
        if not any(object_id in STATE[k] for k in ("posts", "videos", "photos")):
            fail("object_missing", method="get", **{"object-id": object_id})
        return answer("read_permalink", permalink=self.permalink(object_id),
                      **{"object-id": object_id})

    def delete(self, object_id):
        if not self.owner["page"]:
            fail("missing_permission")
        if object_id in STATE["posts"]:
            post = STATE["posts"].pop(object_id)
            for p in post["photos"]:
                STATE["photos"].pop(p, None)
            if post["video"]:
                STATE["videos"].pop(post["video"], None)
        elif object_id in STATE["videos"]:
            STATE["posts"].pop(STATE["videos"].pop(object_id)["post"], None)
        elif object_id in STATE["photos"]:
            STATE["photos"].pop(object_id)
        else:
            fail("object_missing", method="delete", **{"object-id": object_id})
        return answer("delete_post")

    do_GET = do_POST = do_DELETE = handle_any

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Graph)
    print(os.getpid(), server.server_address[1], flush=True)
    server.serve_forever()
