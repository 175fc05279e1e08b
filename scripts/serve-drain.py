#!/usr/bin/env python3
"""SIGTERM under keep-alive load: CLIENTS connections each send BODY to /v1/predict every 10 ms;
after a second the server PID gets SIGTERM. Every request sent must get a 200, until a response
says `Connection: close` (then the client sends no more). Exit 1 when any request was lost.
Usage: serve-drain.py PORT PID BODY [CLIENTS]   (scripts/e2e-serve.sh runs it)"""
import os, signal, socket, sys, threading, time

port, pid, body = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3].encode()
clients = int(sys.argv[4]) if len(sys.argv) > 4 else 8
req = b"POST /v1/predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
counts = {"answered": 0, "lost": 0, "told to close": 0, "refused": 0}
lock = threading.Lock()


def count(key):
    with lock:
        counts[key] += 1


def client():
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    f = s.makefile("rb")
    while True:
        try:
            s.sendall(req)
        except OSError:
            return count("refused")   # closed by the server before this request was sent
        status = f.readline()
        if not status:
            return count("lost")      # sent, never answered
        length, close = 0, False
        while True:
            h = f.readline().lower().replace(b" ", b"")
            if h in (b"\r\n", b""):
                break
            if h.startswith(b"content-length:"):
                length = int(h.split(b":")[1])
            if h.startswith(b"connection:close"):
                close = True
        f.read(length)
        if b" 200 " not in status:
            return count("lost")
        count("answered")
        if close:
            return count("told to close")
        time.sleep(0.01)


threads = [threading.Thread(target=client) for _ in range(clients)]
for t in threads:
    t.start()
time.sleep(1.0)
os.kill(pid, signal.SIGTERM)
for t in threads:
    t.join(20)
print(", ".join(f"{k} {v}" for k, v in counts.items()))
sys.exit(1 if counts["lost"] or counts["refused"] else 0)
