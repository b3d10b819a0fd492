#!/usr/bin/env python3
"""A fake Hugging Face Hub on 127.0.0.1 for benchmarks/reliability/hub_findings.sh (stdlib only).

Serves one repository (the files of MODEL_DIR) in both protocols clipprobe has spoken:

- hf-hub 0.4.3 (clipprobe up to c94bcf7): `GET /api/models/{repo}/revision/{rev}`, then per file
  `GET /{repo}/resolve/{commit}/{file}` with `Range: bytes=0-0` (reads `x-repo-commit`,
  `x-linked-etag`/`etag` and the total of `content-range`; follows relative redirects itself,
  takes the headers of an absolute redirect and asks its `Location` for `content-range`), then
  the download: `GET` with `Range: bytes={start}-`;
- clipprobe's own client: `GET /api/models/{repo}/revision/{rev}?blobs=true` (sizes), `HEAD` on
  `resolve/` (`x-repo-commit`, `etag`, `x-linked-size`/`content-length`), `GET` with `Range`
  only when resuming.

Non-LFS files get a git blob SHA-1 etag, `*.safetensors` a SHA-256 one, as on the Hub. MODE
makes it hostile (see `Handler.resolve`). A second server on another port ("other", another
origin) serves the same files under `/cdn/...` for redirects. Every request is logged as one
JSON line (server, method, path, range, authorization, status, body bytes sent).

usage: fake_hub.py MODEL_DIR REPO MODE PORTS_FILE LOG_FILE
PORTS_FILE receives "MAIN_PORT OTHER_PORT" once both listen.
"""

import hashlib
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

COMMIT = "0123456789abcdef0123456789abcdef01234567"

model_dir, repo, mode, ports_file, log_file = sys.argv[1:6]
files = {}
for name in sorted(os.listdir(model_dir)):
    if name in ("config.json", "model.safetensors", "tokenizer.json", "preprocessor_config.json"):
        with open(os.path.join(model_dir, name), "rb") as f:
            files[name] = f.read()
if mode.startswith("huge-config:"):
    # the real config padded with spaces (still valid JSON) to the announced size
    size = int(mode.split(":", 1)[1])
    files["config.json"] = files["config.json"] + b" " * (size - len(files["config.json"]))


def etag_of(name, body):
    if name.endswith(".safetensors"):
        return hashlib.sha256(body).hexdigest()
    return hashlib.sha1(b"blob %d\0" % len(body) + body).hexdigest()


lock = threading.Lock()
state = {"truncated": False}
ports = {}


def log(entry):
    with lock, open(log_file, "a") as f:
        f.write(json.dumps(entry) + "\n")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_name_tag = "main"

    def log_message(self, *args):
        pass

    def do_HEAD(self):
        self.route(head=True)

    def do_GET(self):
        self.route(head=False)

    def answer(self, status, headers=(), body=b"", head=False, send=None):
        """Sends status, headers and (unless HEAD) `send` bytes of body (default: all)."""
        self.send_response(status)
        names = {k.lower() for k, _ in headers}
        if "content-length" not in names:
            self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Connection", "close")
        self.end_headers()
        sent = 0
        if not head:
            chunk = body if send is None else body[:send]
            try:
                for i in range(0, len(chunk), 1 << 20):
                    self.wfile.write(chunk[i : i + (1 << 20)])
                    sent += len(chunk[i : i + (1 << 20)])
                self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                pass
        self.close_connection = True
        log({
            "server": self.server_name_tag, "method": self.command, "path": self.path,
            "range": self.headers.get("Range"), "auth": self.headers.get("Authorization"),
            "status": status, "sent": sent,
        })

    def route(self, head):
        path = self.path.split("?", 1)[0]
        parts = path.strip("/").split("/")
        org, name = repo.split("/")
        if parts[:4] == ["api", "models", org, name] and len(parts) >= 6 and parts[4] == "revision":
            siblings = [{"rfilename": f, "size": len(b)} for f, b in files.items()]
            body = json.dumps({"sha": COMMIT, "siblings": siblings}).encode()
            return self.answer(200, [("Content-Type", "application/json")], body, head)
        if self.server_name_tag == "other" and parts[0] == "cdn":
            parts = parts[1:]
        if parts[:3] == [org, name, "resolve"] and len(parts) >= 5:
            return self.resolve("/".join(parts[4:]), head)
        return self.answer(404, [], b"no such route", head)

    def resolve(self, file, head):
        if file not in files:
            return self.answer(404, [("X-Error-Code", "EntryNotFound")], b"Entry not found", head)
        body = files[file]
        etag, commit = etag_of(file, body), COMMIT
        rng = self.headers.get("Range")
        main = self.server_name_tag == "main"
        if main and mode == "redirect-loop":
            # 302 to itself, relative (hf-hub 0.4.3 follows relative redirects without limit)
            return self.answer(302, [("Location", self.path)], b"", head)
        if main and mode == "silent":
            # never answer: hold the connection until the server is stopped
            log({"server": "main", "method": self.command, "path": self.path, "held": True})
            while True:
                time.sleep(1)
        if main and mode == "cross-origin" and file == "model.safetensors":
            # as the Hub does for LFS files: 302 to a CDN (here: another origin), the file's
            # headers on the redirect itself
            to = "http://127.0.0.1:%d/cdn%s" % (ports["other"], self.path)
            return self.answer(302, [
                ("Location", to), ("X-Repo-Commit", commit), ("X-Linked-Etag", '"%s"' % etag),
                ("X-Linked-Size", str(len(body))),
            ], b"", head)
        if main and mode.startswith("etag:") and file == "tokenizer.json":
            etag = mode.split(":", 1)[1]
        if main and mode.startswith("commit:"):
            commit = mode.split(":", 1)[1]
        headers = [("X-Repo-Commit", commit), ("ETag", '"%s"' % etag),
                   ("X-Linked-Size", str(len(body)))]
        total = len(body)
        if rng and rng.startswith("bytes="):
            a, _, b = rng[len("bytes="):].partition("-")
            a = int(a or 0)
            b = min(int(b), total - 1) if b else total - 1
            if mode == "ignore-range" and file == "model.safetensors" and a > 0:
                # a server that ignores Range on a resume: 200 with the whole file
                return self.answer(200, headers, body, head)
            if mode == "ignore-range" and file == "model.safetensors" and b == total - 1:
                with lock:
                    first, state["truncated"] = not state["truncated"], True
                if first:
                    # the first full download breaks off halfway (a dropped connection)
                    headers.append(("Content-Range", "bytes %d-%d/%d" % (a, b, total)))
                    return self.answer(206, headers, body[a:], head, send=(total - a) // 2)
            headers.append(("Content-Range", "bytes %d-%d/%d" % (a, b, total)))
            return self.answer(206, headers, body[a : b + 1], head)
        if mode == "ignore-range" and file == "model.safetensors" and not head:
            with lock:
                first, state["truncated"] = not state["truncated"], True
            if first:
                return self.answer(200, headers, body, head, send=total // 2)
        return self.answer(200, headers, body, head)


class Other(Handler):
    server_name_tag = "other"


def serve(handler):
    srv = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv.server_address[1]


ports["main"] = serve(Handler)
ports["other"] = serve(Other)
with open(ports_file + ".tmp", "w") as f:
    f.write("%d %d\n" % (ports["main"], ports["other"]))
os.rename(ports_file + ".tmp", ports_file)
while True:
    time.sleep(3600)
