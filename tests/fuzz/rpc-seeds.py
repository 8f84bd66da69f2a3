#!/usr/bin/python3
"""Writes a seed corpus for virnetmessagefuzz: valid frames of the remote
protocol, a few per procedure.

    tests/fuzz/rpc-seeds.py OUTPUT_DIR

The procedures and the shape of their arguments and return values are
read from src/rpc/remote_dispatch.c (the REMOTE_PROC table) and their
numbers from src/rpc/virnetprotocol.h, so that every procedure virtd
serves gets seeds.  The bytes are written here from the XDR rules
(big-endian 4-byte words, strings and opaque data padded to 4 bytes),
not with virtd's encoders.  A shape this script does not know is an error:
add it to ARGS or RETS.
"""

import re
import struct
import sys
from pathlib import Path

SOURCE = Path(__file__).resolve().parents[2]

PROGRAM_REMOTE = 0x20008086
PROGRAM_KEEPALIVE = 0x6B656570
CALL, REPLY, MESSAGE = 0, 1, 2
OK, ERROR = 0, 1

UUID = bytes.fromhex("4dea22b31d52d8f32754e24d976d4a00")
UUID2 = bytes(range(16))


def u32(v):
    return struct.pack(">I", v & 0xFFFFFFFF)


def u64(v):
    return struct.pack(">Q", v)


def pad(b):
    return b + bytes(-len(b) % 4)


def string(s):
    b = s.encode()
    return u32(len(b)) + pad(b)


def optional(x):
    return u32(0) if x is None else u32(1) + x


def opt_string(s):
    return optional(None if s is None else string(s))


def array(items):
    return u32(len(items)) + b"".join(items)


def domain(name="web1", uuid=UUID, id_=-1):
    return string(name) + uuid + u32(id_)


def network(name="default", uuid=UUID2):
    return string(name) + uuid


DOMAIN_XML = "<domain type='qemu'><name>web1</name><memory>65536</memory></domain>"

# Argument shapes (the REMOTE_PROC table's 5th column): a few payloads each.
ARGS = {
    "Void": [b""],
    "IntMsg": [u32(1), u32(-1)],
    "StringMsg": [string("web1"), string(""), string(DOMAIN_XML)],
    "StringFlagsArgs": [string(DOMAIN_XML) + u32(0), string("") + u32(0xFFFFFFFF)],
    "UUIDArgs": [UUID],
    "DomainMsg": [domain(), domain("a" * 244, UUID2, 7)],
    "DomainFlagsArgs": [domain() + u32(0), domain("x", UUID2, 3) + u32(2)],
    "DomainIntArgs": [domain() + u32(1), domain() + u32(0)],
    "NetworkMsg": [network(), network("")],
    "NetworkFlagsArgs": [network() + u32(0)],
    "NetworkIntArgs": [network() + u32(1)],
    "ConnectOpenArgs": [opt_string("qemu:///system") + u32(0), opt_string(None) + u32(1)],
    "ListAllArgs": [u32(1) + u32(0), u32(0) + u32(3)],
    "DomainEventRegisterArgs": [u32(0) + optional(None), u32(0) + optional(domain())],
    "NetworkEventRegisterArgs": [u32(0) + optional(None), u32(0) + optional(network())],
}


def node_info():
    model = [u32(c) for c in b"x86_64".ljust(32, b"\0")]
    return b"".join(model) + u64(4 << 20) + b"".join(u32(v) for v in (2, 2400, 1, 1, 2, 1))


# Return shapes (6th column), as virtd's replies carry them.
RETS = {
    "Void": [b""],
    "IntMsg": [u32(1)],
    "StringMsg": [string("QEMU"), string(DOMAIN_XML)],
    "HyperRet": [u64(9000000)],
    "AuthListRet": [array([u32(0)]), array([])],
    "NodeGetInfoRet": [node_info()],
    "NodeGetSecurityModelRet": [array([u32(0)]) + array([u32(0)]),
                                array([u32(c) for c in b"none\0"]) + array([u32(0)])],
    "ListAllDomainsRet": [array([domain(), domain("b", UUID2, 2)]) + u32(2), array([]) + u32(0)],
    "ListAllNetworksRet": [array([network()]) + u32(1)],
    "StringListRet": [array([string("web1"), string("web2")]), array([])],
    "IntListRet": [array([u32(1), u32(2)])],
    "DomainMsg": [domain(id_=3)],
    "NetworkMsg": [network()],
    "DomainGetInfoRet": [u32(1) + u64(65536) + u64(65536) + u32(1) + u64(123456789)],
    "DomainGetStateRet": [u32(1) + u32(1)],
}

# Events virtd sends: procedure number, payload.
EVENTS = [
    (107, domain(id_=1) + u32(2) + u32(0)),
    (315, u32(1) + network() + u32(2) + u32(0)),
    (318, u32(1) + domain(id_=1) + u32(5) + u32(1)),
    (319, u32(1) + domain(id_=1)),
    (321, u32(1) + domain(id_=1) + u32(0)),
]


def error_payload(message, dom=None):
    return (u32(42) + u32(10) + opt_string(message) + u32(2) + optional(dom) +
            opt_string(None) * 3 + u32(-1) + u32(-1) + optional(None))


def frame(prog, proc, type_, serial, status, payload, vers=1):
    body = u32(prog) + u32(vers) + u32(proc) + u32(type_) + u32(serial) + u32(status) + payload
    return u32(len(body) + 4) + body


def procedures():
    """[(name, number, args shape, ret shape)] from the sources."""
    header = (SOURCE / "src/rpc/virnetprotocol.h").read_text()
    numbers = {m[1]: int(m[2]) for m in re.finditer(r"\bREMOTE_PROC_(\w+) = (\d+),", header)}
    table = (SOURCE / "src/rpc/remote_dispatch.c").read_text()
    found = re.findall(r'REMOTE_PROC\(\s*(\w+),\s*"[^"]*",\s*\w+,\s*\w+,\s*(\w+),\s*(\w+),', table)
    if not found:
        sys.exit("no REMOTE_PROC entries found in src/rpc/remote_dispatch.c")
    return [(name, numbers[name], a, r) for name, a, r in found]


def main():
    if len(sys.argv) != 2:
        sys.exit(f"usage: {sys.argv[0]} OUTPUT_DIR")
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    seeds = {}
    for name, num, args, ret in procedures():
        if args not in ARGS or ret not in RETS:
            sys.exit(f"{name}: unknown shape {args if args not in ARGS else ret}; "
                     f"add it to {sys.argv[0]}")
        for i, payload in enumerate(ARGS[args]):
            seeds[f"call-{num}-{name.lower()}-{i}"] = frame(PROGRAM_REMOTE, num, CALL, i + 1, OK,
                                                            payload)
        for i, payload in enumerate(RETS[ret]):
            seeds[f"reply-{num}-{name.lower()}-{i}"] = frame(PROGRAM_REMOTE, num, REPLY, i + 1,
                                                             OK, payload)
    for num, payload in EVENTS:
        seeds[f"event-{num}"] = frame(PROGRAM_REMOTE, num, MESSAGE, 1, OK, payload)
    seeds["error-0"] = frame(PROGRAM_REMOTE, 23, REPLY, 5, ERROR,
                             error_payload("Domain not found: no domain with matching name 'x'"))
    seeds["error-1"] = frame(PROGRAM_REMOTE, 12, REPLY, 6, ERROR, error_payload("", domain()))
    seeds["keepalive-ping"] = frame(PROGRAM_KEEPALIVE, 1, MESSAGE, 0, OK, b"")
    # what virsh sends first, several frames in one input
    seeds["stream-open-list"] = (
        frame(PROGRAM_REMOTE, 66, CALL, 0, OK, b"") +
        frame(PROGRAM_REMOTE, 1, CALL, 1, OK, ARGS["ConnectOpenArgs"][0]) +
        frame(PROGRAM_REMOTE, 273, CALL, 2, OK, ARGS["ListAllArgs"][0]))
    for name, data in seeds.items():
        (out / name).write_bytes(data)
    print(f"{len(seeds)} seeds in {out}")


if __name__ == "__main__":
    main()
