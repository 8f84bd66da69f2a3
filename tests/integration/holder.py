"""Opens many connections to a virtd socket and holds them: run by the
tests as an unprivileged user (setpriv), so it imports nothing from the
test directory.

    holder.py SOCKET COUNT

For each connection it sends AUTH_LIST then CONNECT_OPEN (read-only) and
prints one line: "ok", "refused: MESSAGE" (an error reply) or "closed: WHY"
(no reply, e.g. the connection was closed or could not be made).  Then it
prints "held N" and keeps every connection open, silent, until its stdin
is closed.
"""

import socket
import struct
import sys
import time

REMOTE_PROG = 0x20008086
PROC_CONNECT_OPEN = 1
PROC_AUTH_LIST = 66
VIR_CONNECT_RO = 1


def frame(proc, serial, payload=b""):
    body = struct.pack(">IIiiIi", REMOTE_PROG, 1, proc, 0, serial, 0) + payload
    return struct.pack(">I", len(body) + 4) + body


def recv_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("virtd closed the connection")
        buf += chunk
    return buf


def call(sock, proc, serial, payload=b""):
    """None on success, else the error message of the reply."""
    sock.sendall(frame(proc, serial, payload))
    (length,) = struct.unpack(">I", recv_exact(sock, 4))
    rest = recv_exact(sock, length - 4)
    status = struct.unpack(">i", rest[20:24])[0]
    if status == 0:
        return None
    payload = rest[24:]
    if struct.unpack(">I", payload[8:12])[0] == 0:
        return "(no message)"
    (n,) = struct.unpack(">I", payload[12:16])
    return payload[16:16 + n].decode()


def main():
    path, count = sys.argv[1], int(sys.argv[2])
    held = []
    deadline = time.monotonic() + 120
    for _ in range(count):
        if time.monotonic() > deadline:
            print("closed: gave up after 120 s", flush=True)
            break
        try:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.settimeout(20)
            s.connect(path)
            err = call(s, PROC_AUTH_LIST, 0)
            if err is None:
                # remote_nonnull... optional string NULL (default URI), flags
                err = call(s, PROC_CONNECT_OPEN, 1, struct.pack(">II", 0, VIR_CONNECT_RO))
        except OSError as e:
            print(f"closed: {e}", flush=True)
            continue
        if err is None:
            print("ok", flush=True)
            held.append(s)
        else:
            print(f"refused: {err}", flush=True)
            s.close()
    print(f"held {len(held)}", flush=True)
    sys.stdin.read()


if __name__ == "__main__":
    main()
