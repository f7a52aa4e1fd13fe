#!/usr/bin/env python3
"""Build the seed corpora in fuzz/corpus/<target>/ from real data.

Sources: the parser fixtures cut from real captures
(parsers/tests/fixtures/tls_auth_transports/*.bin), the TCP/UDP payloads of the captures in
captures/ and ../shared/captures (extracted with tshark when it is
installed), and small real capture files for the pipeline targets.
Nothing here is committed; rerun this script after a fresh checkout.
It adds to an existing corpus (what the fuzzers found is kept); --clean
starts over.
"""
import glob
import hashlib
import os
import shutil
import struct
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SHARED = os.path.join(os.path.dirname(ROOT), "shared", "captures")
CORPUS = os.path.join(HERE, "corpus")
MAX_PER_TARGET = 400
MAX_SEED = 16 * 1024

counts = {}


def put(target, data):
    if not data:
        return
    data = data[:MAX_SEED]
    if counts.get(target, 0) >= MAX_PER_TARGET:
        return
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    p = os.path.join(d, hashlib.sha1(data).hexdigest())
    if not os.path.exists(p):
        with open(p, "wb") as f:
            f.write(data)
        counts[target] = counts.get(target, 0) + 1


def captures():
    pats = [os.path.join(ROOT, "captures", "*.pcap*")]
    pats += [os.path.join(SHARED, "**", "*.pcap*")]
    out = []
    for p in pats:
        out += [f for f in glob.glob(p, recursive=True) if os.path.isfile(f) and not f.endswith(".json")]
    return sorted(set(out))


def fixtures():
    prefix = {
        "credssp": "auth",
        "krb": "auth",
        "dns": "dns",
        "http": "rdg",
        "rdpeudp": "rdpeudp",
        "tls": "tls_x509",
    }
    for f in glob.glob(os.path.join(ROOT, "parsers", "tests", "fixtures", "tls_auth_transports", "*.bin")):
        name = os.path.basename(f)
        t = prefix.get(name.split("_")[0])
        if t:
            with open(f, "rb") as fh:
                data = fh.read()
            put(t, data)
            if t == "tls_x509":
                # also the handshake messages without the record header
                put(t, data[5:])
            if t == "auth":
                put(t, data[data.find(b"NTLMSSP"):] if b"NTLMSSP" in data else b"")


def layer_a_frames():
    """The real frames (hex) quoted by parsers/tests/fixtures/rdp_core/real_frames.rs."""
    import re
    p = os.path.join(ROOT, "parsers", "tests", "fixtures", "rdp_core", "real_frames.rs")
    try:
        src = open(p).read()
    except OSError:
        return
    for name, body in re.findall(r"pub const (\w+): &str =\s*(?:concat!\()?(.*?);", src, re.S):
        try:
            data = bytes.fromhex("".join(re.findall(r'"([0-9a-fA-F]*)"', body)))
        except ValueError:
            continue
        put("tpkt_x224", data)
        if name.endswith(("_CR", "_CC", "_CR_LEGACY", "_CC_LEGACY", "_CC_FAILURE")) or "_CC" in name:
            put("nego", data)
        elif data[:2] == b"\x03\x00" and len(data) > 7:
            put("mcs_gcc", data[7:])
            for off in range(7, min(len(data), 24)):
                put("rdp_pdu", data[off:])
        else:
            put("rdp_pdu", data)


def tshark_payloads(cap):
    cmd = [
        "tshark", "-r", cap, "-T", "fields", "-E", "separator=,",
        "-e", "tcp.srcport", "-e", "tcp.dstport", "-e", "tcp.payload",
        "-e", "udp.srcport", "-e", "udp.dstport", "-e", "udp.payload",
    ]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=60).stdout
    except (OSError, subprocess.TimeoutExpired):
        return
    for line in out.splitlines():
        f = line.split(",")
        if len(f) < 6:
            continue
        tsp, tdp, tpl, usp, udp_, upl = f[:6]
        try:
            if tpl:
                yield "tcp", {int(tsp), int(tdp)}, bytes.fromhex(tpl.replace(":", ""))
            elif upl:
                yield "udp", {int(usp), int(udp_)}, bytes.fromhex(upl.replace(":", ""))
        except ValueError:
            continue


def payloads(cap):
    for proto, ports, data in tshark_payloads(cap):
        if proto == "udp":
            if 53 in ports:
                put("dns", data)
            elif 88 in ports:
                put("auth", data)
            else:
                put("rdpeudp", data)
            continue
        if 53 in ports:
            put("dns", data)
        if 88 in ports:
            put("auth", data)
        if ports & {80, 443} and data[:1] != b"\x16":
            put("rdg", data)
        if data[:1] in (b"\x14", b"\x15", b"\x16", b"\x17") and data[1:2] == b"\x03":
            put("tls_x509", data)
            continue
        if b"NTLMSSP" in data:
            put("auth", data[data.find(b"NTLMSSP"):])
        if data[:2] == b"\x03\x00":
            put("tpkt_x224", data)
            code = data[5] if len(data) > 5 else 0
            if code in (0xE0, 0xD0):
                put("nego", data)
            elif code == 0xF0:
                body = data[7:]
                put("mcs_gcc", body)
                # MCS Send Data: skip the PER header to reach the RDP PDU
                for off in (8, 9, 10):
                    put("rdp_pdu", body[off:])
        elif data[:1] and data[0] & 0x03 == 0:
            put("tpkt_x224", data)  # fast-path


def pcap_frames(cap):
    """(linktype, [(ts_ms, bytes)]) for a classic pcap, or None."""
    with open(cap, "rb") as f:
        raw = f.read()
    if len(raw) < 24:
        return None
    magic = raw[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = ">"
    else:
        return None
    link = struct.unpack(e + "I", raw[20:24])[0]
    off, frames = 24, []
    while off + 16 <= len(raw):
        sec, usec, incl, _ = struct.unpack(e + "IIII", raw[off:off + 16])
        off += 16
        frames.append((sec * 1000 + usec // 1000, raw[off:off + incl]))
        off += incl
    return link, frames


LINKS = {1: 0, 101: 1, 113: 2, 276: 3, 0: 4, 108: 5, 228: 6, 229: 7}


def pipeline(cap):
    with open(cap, "rb") as f:
        raw = f.read()
    put("capture_reader", raw[:4096])
    put("analyze", raw[:MAX_SEED])
    pf = pcap_frames(cap)
    if pf and pf[0] in LINKS:
        link, frames = pf
        out = bytes([LINKS[link]])
        last = frames[0][0] if frames else 0
        for ts, fr in frames[:40]:
            step = max(0, min(ts - last, 0xFFFF))
            last = ts
            out += struct.pack("<HH", len(fr), step) + fr
            if len(out) > MAX_SEED:
                break
        put("flow_engine", out)


def main():
    if os.path.isdir(CORPUS) and "--clean" in sys.argv:
        shutil.rmtree(CORPUS)
    fixtures()
    layer_a_frames()
    have_tshark = shutil.which("tshark") is not None
    if not have_tshark:
        print("tshark not found: only fixture and pipeline seeds", file=sys.stderr)
    for cap in captures():
        if have_tshark:
            payloads(cap)
        pipeline(cap)
    for t in sorted(counts):
        print(f"{t:16} {counts[t]:4} seeds")


if __name__ == "__main__":
    main()
