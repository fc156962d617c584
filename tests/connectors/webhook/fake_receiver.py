"""A receiver of relais's webhook events as schemas/webhook-event.schema.json documents them:
an intranet CMS on 127.0.0.1. Prints "PID PORT" when listening.

Checked on every call: POST to /hook, Content-Type, the X-Relais-* headers, the signature
(HMAC-SHA256 of timestamp "." body with the secret given as argv[1], default
"webhook-secret"), a timestamp within 300 s, and the body against the JSON Schema. A delivery
already seen is answered as before and changes nothing. Faults are queued by the test:
POST /__fault {"event", "status", "retry_after", "drop", "sleep"}; "drop" stores the event,
then closes the connection unanswered. GET /__state returns the posts held and every call.
"""
import hashlib
import hmac
import http.server
import json
import os
import sys
import threading
import time

import jsonschema

SECRET = (sys.argv[1] if len(sys.argv) > 1 else "webhook-secret").encode()
SCHEMA = json.load(open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..",
                                     "schemas", "webhook-event.schema.json")))
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
LOCK = threading.Lock()
STATE = {"posts": {}, "deliveries": {}, "calls": [], "faults": [], "next_id": 0}


class Receiver(http.server.BaseHTTPRequestHandler):
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

    def do_GET(self):
        if self.path == "/__state":
            with LOCK:
                return self.reply(200, {k: STATE[k] for k in ("posts", "calls")})
        return self.reply(404, {"error": "not found"})

    def do_POST(self):
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path == "/__fault":
            with LOCK:
                STATE["faults"].append(json.loads(raw))
            return self.reply(200, {})
        if self.path != "/hook":
            return self.reply(404, {"error": "not found"})
        event = self.headers.get("X-Relais-Event") or ""
        with LOCK:
            STATE["calls"].append(event)
            fault = next((f for f in STATE["faults"] if f["event"] == event), None)
            if fault:
                STATE["faults"].remove(fault)
        if fault and fault.get("sleep"):
            time.sleep(fault["sleep"])
            fault = None
        if fault and not fault.get("drop"):
            headers = {"Retry-After": fault["retry_after"]} if "retry_after" in fault else {}
            return self.reply(fault["status"], {"error": "fault injected"}, headers)
        problem = self.refusal(raw)
        if problem:
            return self.reply(problem[0], {"error": problem[1]})
        body = json.loads(raw)
        if body["event"] != event or body["delivery"] != self.headers.get("X-Relais-Delivery"):
            return self.reply(400, {"error": "headers and body disagree"})
        with LOCK:
            answer = STATE["deliveries"].get(body["delivery"])
            if answer is None:
                answer = self.apply(body)
                STATE["deliveries"][body["delivery"]] = answer
        if fault and fault.get("drop"):
            self.close_connection = True
            self.connection.close()
            return
        return self.reply(*answer)

    def refusal(self, raw):
        if not (self.headers.get("Content-Type") or "").startswith("application/json"):
            return 415, "Content-Type must be application/json"
        timestamp = self.headers.get("X-Relais-Timestamp") or ""
        given = self.headers.get("X-Relais-Signature") or ""
        if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > 300:
            return 401, "timestamp missing or outside 300 s"
        expected = "sha256=" + hmac.new(SECRET, timestamp.encode() + b"." + raw,
                                        hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, given):
            return 401, "bad signature"
        try:
            VALIDATOR.validate(json.loads(raw))
        except (ValueError, jsonschema.ValidationError) as e:
            return 422, "schema: %s" % str(e).split("\n")[0]
        return None

    def apply(self, body):
        if body["event"] == "published":
            STATE["next_id"] += 1
            pid = "cms-%d" % STATE["next_id"]
            post = body["post"]
            STATE["posts"][pid] = {"reference": body["reference"], "text": post["text"],
                                   "media": [{k: m[k] for k in ("filename", "content_type", "size",
                                                                "sha256", "alt")}
                                             for m in post["media"]]}
            return 201, {"id": pid, "url": "https://intranet.example/actus/" + pid}
        if body["event"] == "removed":
            if STATE["posts"].pop(body["post_id"], None) is None:
                return 404, {"error": "no such post"}
            return 200, {"removed": body["post_id"]}
        return 200, {"pong": True}

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    print(os.getpid(), server.server_address[1], flush=True)
    server.serve_forever()
