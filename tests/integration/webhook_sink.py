#!/usr/bin/python3
"""A webhook receiver for the tests (http.server).

    webhook_sink.py DIR [--port N]

Each POST is stored as DIR/<n>.json: {"path", "headers" (the X-Lifeline-*
ones and Content-Type), "body" (the parsed JSON, or the text when it is not
JSON)}, then answered 200 {"errcode": 0} (what WeCom and DingTalk robots
say). A POST to a path under /fail/ is answered 500 without being stored.
Prints "port N" on stdout once it listens.
"""
import argparse
import itertools
import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

counter = itertools.count(1)
lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    directory = "."

    def log_message(self, fmt, *args):
        pass

    def do_POST(self):
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path.startswith("/fail/"):
            self.send_response(500)
            self.end_headers()
            self.wfile.write(b"receiver says no")
            return
        try:
            body = json.loads(raw)
        except ValueError:
            body = raw.decode("utf-8", "replace")
        headers = {k: v for k, v in self.headers.items()
                   if k.lower().startswith("x-lifeline") or k.lower() == "content-type"}
        with lock:
            n = next(counter)
        tmp = os.path.join(self.directory, f".{os.getpid()}-{n}.tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump({"path": self.path, "headers": headers, "body": body}, f, ensure_ascii=False)
        os.rename(tmp, os.path.join(self.directory, f"{os.getpid()}-{n:06d}.json"))
        out = b'{"errcode":0,"errmsg":"ok"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("directory")
    ap.add_argument("--port", type=int, default=0)
    args = ap.parse_args()
    os.makedirs(args.directory, exist_ok=True)
    Handler.directory = args.directory
    srv = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    srv.daemon_threads = True
    print(f"port {srv.server_address[1]}", flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
