#!/usr/bin/env python3
"""A loopback HTTP server for the downloader tests: serves one folder and
misbehaves on demand, logging every request so a test can count them.

    fault_server.py --root DIR --log FILE

Prints "PORT <n>" on stdout once it listens on 127.0.0.1 (port chosen by
the kernel). The first path segment picks the behaviour, the rest names
the file under DIR:

    /ok/F              serve F, honouring Range
    /notfound/F        404
    /status/503/F      answer 503 (any status)
    /closehalf/F       the first request for F without Range announces the
                       whole length but the connection closes after half;
                       later requests are served, honouring Range
    /ignorerange/F     like closehalf, but Range is always ignored (200, whole file)
    /toomany/F         F plus 1000 extra bytes, Content-Length says so
    /toomanynolength/F F plus 1000 extra bytes, no Content-Length (ends at close)
    /stall/F           headers and 100 bytes, then silence for 30 s
    /slow/F            waits 0.5 s, then serves F
    /corrupt/F         F with one byte flipped
    /redirect/N/REST   302 to /redirect/N-1/REST, and from /redirect/0/REST to /REST
    /tofile/F          302 to file:///etc/passwd (must be refused)

Each request appends a JSON line {"path", "range", "status"} to the log.
"""
import argparse
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
SEEN = set()  # paths whose first (failing) request has happened


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"  # one request per connection: simple to reason about

    def log_message(self, *args):
        pass

    def record(self, status):
        entry = {"path": self.path, "range": self.headers.get("Range"), "status": status}
        with LOCK:
            with open(self.server.log_path, "a") as log:
                log.write(json.dumps(entry) + "\n")

    def first_time(self, key):
        with LOCK:
            if key in SEEN:
                return False
            SEEN.add(key)
            return True

    def read_file(self, name):
        path = os.path.normpath(os.path.join(self.server.root, name))
        if not path.startswith(self.server.root + os.sep) or not os.path.isfile(path):
            return None
        with open(path, "rb") as f:
            return f.read()

    def send_body(self, status, body, length=None, extra=None):
        self.record(status)
        self.send_response(status)
        self.send_header("Content-Type", "application/octet-stream")
        if length is not None:
            self.send_header("Content-Length", str(length))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        try:
            self.wfile.write(body)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass

    def serve(self, data, honour_range=True):
        requested = self.headers.get("Range")
        if requested and honour_range and requested.startswith("bytes=") and requested.endswith("-"):
            start = int(requested[len("bytes="):-1])
            if start >= len(data):
                self.send_body(416, b"", 0, {"Content-Range": "bytes */%d" % len(data)})
                return
            part = data[start:]
            self.send_body(206, part, len(part), {"Content-Range": "bytes %d-%d/%d" % (start, len(data) - 1, len(data))})
            return
        self.send_body(200, data, len(data))

    def do_GET(self):
        parts = self.path.lstrip("/").split("/")
        mode, rest = parts[0], parts[1:]
        if mode == "redirect":
            hops = int(rest[0])
            target = "/redirect/%d/%s" % (hops - 1, "/".join(rest[1:])) if hops > 0 else "/" + "/".join(rest[1:])
            self.send_body(302, b"", 0, {"Location": target})
            return
        if mode == "tofile":
            self.send_body(302, b"", 0, {"Location": "file:///etc/passwd"})
            return
        if mode == "status":
            self.send_body(int(rest[0]), b"", 0)
            return
        data = self.read_file("/".join(rest))
        if data is None or mode == "notfound":
            self.send_body(404, b"not found\n", 10)
            return
        if mode == "ok":
            self.serve(data)
        elif mode in ("closehalf", "ignorerange"):
            if not self.headers.get("Range") and self.first_time(self.path):
                # Announce the whole file, send half, hang up.
                self.send_body(200, data[: len(data) // 2], len(data))
                self.close_connection = True
                return
            self.serve(data, honour_range=(mode == "closehalf"))
        elif mode == "toomany":
            body = data + b"\0" * 1000
            self.send_body(200, body, len(body))
        elif mode == "toomanynolength":
            self.send_body(200, data + b"\0" * 1000)
        elif mode == "stall":
            self.record(200)
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            try:
                self.wfile.write(data[:100])
                self.wfile.flush()
                time.sleep(30)
            except (BrokenPipeError, ConnectionResetError):
                pass
        elif mode == "slow":
            time.sleep(0.5)
            self.serve(data)
        elif mode == "corrupt":
            body = bytearray(data)
            body[len(body) // 2] ^= 0xFF
            self.serve(bytes(body))
        else:
            self.send_body(400, b"unknown mode\n", 13)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--root", required=True)
    parser.add_argument("--log", required=True)
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.root = os.path.realpath(args.root)
    server.log_path = args.log
    open(args.log, "w").close()
    print("PORT %d" % server.server_address[1], flush=True)
    # Exit when the test process closes our stdin (or dies), so no server outlives its test.
    threading.Thread(target=lambda: (sys.stdin.read(), os._exit(0)), daemon=True).start()
    server.serve_forever()


if __name__ == "__main__":
    main()
