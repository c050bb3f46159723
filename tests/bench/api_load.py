#!/usr/bin/python3
"""API load for the delivery benchmark (tests/bench/notify.py): a few clients,
each on one keep-alive connection, send GETs at a steady pace until SIGTERM.

    api_load.py URL OUT [--clients N] [--rate R] PATH...

The bearer token is read from stdin (one line), so it shows in no process
list. The clients take turns over the PATHs; together they send R (40) requests a
second (0: each sends the next as soon as the last is answered). A client
that falls behind does not catch up with a burst: it starts a new schedule.
Each request is one line of OUT, written when its answer has been read:

    <time.time() when sent> <latency ms> <HTTP status, 0 on a network error> <PATH index> <body bytes>

A separate process, so that its timing does not share an interpreter lock
with the benchmark's own threads. Exit status 0 on SIGTERM.
"""
import argparse
import http.client
import signal
import sys
import threading
import time
import urllib.parse


def client(i, args, token, out, lock, stop):
    u = urllib.parse.urlsplit(args.url)
    conn = None
    period = args.clients / args.rate if args.rate > 0 else 0.0
    nxt = time.monotonic() + period * i / max(args.clients, 1)
    k = i
    while not stop.is_set():
        if period:
            now = time.monotonic()
            if nxt > now:
                if stop.wait(nxt - now):
                    break
            elif now - nxt > period:
                nxt = now   # behind: a new schedule, not a catch-up burst
            nxt += period
        idx = k % len(args.paths)
        k += 1
        status = size = 0
        sent = time.time()
        t0 = time.perf_counter()
        try:
            if conn is None:
                conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
            conn.request("GET", args.paths[idx], headers={"Authorization": f"Bearer {token}"})
            r = conn.getresponse()
            size = len(r.read())
            status = r.status
            if r.getheader("Connection", "").lower() == "close":
                conn.close()
                conn = None
        except (OSError, http.client.HTTPException):
            if conn is not None:
                conn.close()
            conn = None
        ms = (time.perf_counter() - t0) * 1000.0
        with lock:
            out.write(f"{sent:.6f} {ms:.3f} {status} {idx} {size}\n")
    if conn is not None:
        conn.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("url", help="http://127.0.0.1:PORT")
    ap.add_argument("out", help="the file to write, one line per request")
    ap.add_argument("paths", nargs="+", help="paths to GET, in turn")
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--rate", type=float, default=40.0,
                    help="requests a second in all (default 40; 0: no pause)")
    args = ap.parse_args()
    token = sys.stdin.readline().strip()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    lock = threading.Lock()
    with open(args.out, "w", buffering=1, encoding="ascii") as out:
        threads = [threading.Thread(target=client, args=(i, args, token, out, lock, stop), daemon=True)
                   for i in range(args.clients)]
        for t in threads:
            t.start()
        print("started", flush=True)
        while not stop.wait(0.5):
            pass
        for t in threads:
            t.join(35)
    return 0


if __name__ == "__main__":
    sys.exit(main())
