#!/usr/bin/python3
"""A webhook receiver for the tests (http.server).

    webhook_sink.py DIR [--port N] [--arrivals FILE]

Each POST is stored as DIR/<n>.json: {"path", "headers" (the X-Lifeline-*
ones and Content-Type), "body" (the parsed JSON, or the text when it is not
JSON)}, then answered 200 {"errcode": 0} (what WeCom and DingTalk robots
say). A POST to a path under /fail/ is answered 500 without being stored.
--arrivals appends one line per POST stored to FILE, written just before the
200: "<time.time()>\t<file name>\t<path>" (the delivery benchmark times
bursts with it). Prints "port N" on stdout once it listens.
"""
import argparse
import itertools
import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

counter = itertools.count(1)
lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    directory = "."
    arrivals = None   # a line-buffered file, or None

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
        name = f"{os.getpid()}-{n:06d}.json"
        os.rename(tmp, os.path.join(self.directory, name))
        if self.arrivals:
            with lock:
                self.arrivals.write(f"{time.time():.6f}\t{name}\t{self.path}\n")
        out = b'{"errcode":0,"errmsg":"ok"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    # socketserver listens with a backlog of 5: in a burst of connections the
    # kernel drops the rest, and each client waits a second for its SYN to be
    # sent again. A real receiver (nginx: 511) takes them.
    request_queue_size = 1024


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("directory")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--arrivals", metavar="FILE", help="append a time-stamped line per POST")
    args = ap.parse_args()
    os.makedirs(args.directory, exist_ok=True)
    Handler.directory = args.directory
    if args.arrivals:
        Handler.arrivals = open(args.arrivals, "a", buffering=1, encoding="utf-8")
    srv = Server(("127.0.0.1", args.port), Handler)
    print(f"port {srv.server_address[1]}", flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
