#!/usr/bin/python3
"""A real SMTP server for the tests (aiosmtpd, Debian's python3-aiosmtpd).

    smtp_sink.py DIR [--port N] [--delay SECONDS] [--arrivals FILE]

Each message accepted is stored as DIR/<n>.eml (written to a temporary name,
then renamed, so a reader never sees half a file) just before the 250 reply
to its DATA. --delay waits that long before accepting each message (a slow
server, to kill the client in the middle of a burst); a client that hung up
meanwhile never heard the 250, so its message is not stored. --arrivals
appends one line per message accepted to FILE, written just before the 250:
"<time.time()>\t<file name>\t<recipients, comma-separated>" (the delivery
benchmark times bursts with it). Prints "port N" on stdout once it listens.
"""
import argparse
import asyncio
import itertools
import os
import socket
import sys
import time

from aiosmtpd.smtp import SMTP


class Sink:
    def __init__(self, directory, delay, arrivals=None):
        self.directory = directory
        self.delay = delay
        self.counter = itertools.count(1)
        self.arrivals = arrivals   # a line-buffered file, or None

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        if server.transport is None or server.transport.is_closing():
            return "421 client went away"
        n = next(self.counter)
        tmp = os.path.join(self.directory, f".{os.getpid()}-{n}.tmp")
        with open(tmp, "wb") as f:
            f.write(b"X-Sink-Rcpt: " + ",".join(envelope.rcpt_tos).encode() + b"\r\n")
            f.write(envelope.original_content or envelope.content)
        name = f"{os.getpid()}-{n:06d}.eml"
        os.rename(tmp, os.path.join(self.directory, name))
        if self.arrivals:
            self.arrivals.write(f"{time.time():.6f}\t{name}\t{','.join(envelope.rcpt_tos)}\n")
        return "250 OK stored"


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("directory")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--delay", type=float, default=0.0)
    ap.add_argument("--arrivals", metavar="FILE", help="append a time-stamped line per message")
    args = ap.parse_args()
    os.makedirs(args.directory, exist_ok=True)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", args.port))
    arrivals = open(args.arrivals, "a", buffering=1, encoding="utf-8") if args.arrivals else None
    handler = Sink(args.directory, args.delay, arrivals)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(handler, hostname="sink.test", decode_data=False), sock=sock)
    print(f"port {sock.getsockname()[1]}", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
