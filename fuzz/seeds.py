#!/usr/bin/env python3
"""Build the seed corpora in fuzz/corpus/<target>/ from real data.

Sources: the parser fixtures cut from real captures
(parsers/tests/fixtures/tls_auth_transports/*.bin), the TCP/UDP payloads of the captures in
captures/ and ../shared/captures (extracted with tshark when it is
installed), every real capture file whole for the pipeline targets (capture_reader,
analyze, redact, gzip_damaged, pcapng_dsb), the TLS records of every capture
with a key log for tls_decrypt, the lab key logs (keylog) and the TOML
examples of the docs (config).
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
# Parser targets run with -max_len=16384 (run-all.sh); the pipeline targets
# get every capture whole.
MAX_SEED = 16 * 1024
WHOLE = {"capture_reader", "analyze", "redact", "gzip_damaged", "pcapng_dsb", "tls_decrypt", "keylog", "config"}

counts = {}


def put(target, data):
    if not data:
        return
    if target not in WHOLE:
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
    put("capture_reader", raw)
    put("analyze", raw)
    put("redact", raw)
    # gzip_damaged: [mode][u32 position][capture], a different damage per
    # capture (mode 5 is the undamaged file).
    n = counts.get("gzip_damaged", 0)
    for mode in (n % 6, 5):
        put("gzip_damaged", bytes([mode]) + struct.pack("<I", len(raw) // 3) + raw)
    if raw[:4] == b"\x0a\x0d\x0d\x0a" and len(raw) < 0xFFFF:
        # pcapng_dsb op 5 (raw bytes): a real pcapng after the built header,
        # then the lab frames and an oversized secrets block
        put("pcapng_dsb", b"\x05" + struct.pack("<H", len(raw)) + raw)
        put("pcapng_dsb", b"\x05" + struct.pack("<H", len(raw)) + raw + b"\x03\x02\x00\x10")
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


def key_logs():
    """The KEY_LOGS dictionary of tests/fuzz_harness/mod.rs, in its order."""
    import re
    src = open(os.path.join(ROOT, "tests", "fuzz_harness", "mod.rs")).read()
    return re.findall(r'\("([^"]+\.keys\.txt)", include_str!', src)


def tls_records(cap, keylog):
    """[(dir, ct, version, fragment)] of each TCP connection of `cap`, in
    the order records complete (what the session layer hands the decryptor)."""
    cmd = ["tshark", "-r", cap, "-o", "tcp.desegment_tcp_streams:FALSE",
           "-Y", "tcp.len > 0 && !tcp.analysis.retransmission && !tcp.analysis.spurious_retransmission",
           "-T", "fields", "-E", "separator=,",
           "-e", "tcp.stream", "-e", "tcp.srcport", "-e", "tcp.dstport", "-e", "tcp.payload"]
    if keylog:
        cmd[3:3] = ["-o", "tls.keylog_file:" + keylog]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=120).stdout
    except (OSError, subprocess.TimeoutExpired):
        return {}
    bufs, first, conns = {}, {}, {}
    for line in out.splitlines():
        f = line.split(",")
        if len(f) < 4 or not f[3]:
            continue
        try:
            stream, sp, dp = int(f[0]), int(f[1]), int(f[2])
            data = bytes.fromhex(f[3].replace(":", ""))
        except ValueError:
            continue
        first.setdefault(stream, sp)
        d = 0 if sp == first[stream] else 1
        key = (stream, d)
        buf = bufs.get(key, b"") + data
        recs = conns.setdefault(stream, [])
        while len(buf) >= 5:
            if buf[0] == 3 and buf[1] == 0 and len(buf) >= 4:  # TPKT before TLS
                n = struct.unpack(">H", buf[2:4])[0]
            elif buf[0] in (20, 21, 22, 23) and buf[1] == 3:
                n = 5 + struct.unpack(">H", buf[3:5])[0]
                if len(buf) >= n:
                    recs.append((d, buf[0], struct.unpack(">H", buf[1:3])[0], buf[5:n]))
            else:
                buf = b""  # not TLS (HTTP, lost segment): drop this direction's bytes
                break
            if n < 4 or len(buf) < n:
                break
            buf = buf[n:]
        bufs[key] = buf
    return conns


def decrypt_seeds(cap, names):
    base = os.path.basename(cap)
    stem = base.rsplit(".", 1)[0]
    keys = os.path.join(os.path.dirname(cap), stem + ".keys.txt")
    if not os.path.isfile(keys):
        return
    kname = stem + ".keys.txt"
    sel = names.index(kname) if kname in names and os.path.dirname(cap) == os.path.join(ROOT, "captures") else len(names)
    for recs in tls_records(cap, None).values():
        if not any(ct == 22 for _, ct, _, _ in recs):
            continue
        out = bytes([sel])
        for d, ct, ver, frag in recs:
            out += bytes([d, ct]) + struct.pack(">HH", ver, len(frag)) + frag
            if len(out) > 256 * 1024:
                break
        put("tls_decrypt", out)


def key_and_config_seeds(names):
    for n in names:
        with open(os.path.join(ROOT, "captures", n), "rb") as f:
            raw = f.read()
        put("keylog", raw)
        # the same secrets as separate DSB-sized blocks (NUL-separated)
        put("keylog", raw.replace(b"\n", b"\n\x00"))
        put("pcapng_dsb", bytes([0, names.index(n), 0, 3]))
    for prog in ([3], [3, 0, 0, 0], [0, 0, 3, 3], [2, 0, 0, 3], [2, 1, 47, 3], [6, 0, 3, 3], [6, 2, 255, 0, 3, 0]):
        put("pcapng_dsb", bytes(prog))
    import re
    docs = glob.glob(os.path.join(ROOT, "docs", "*.md")) + [os.path.join(ROOT, "README.md")]
    for d in docs:
        for block in re.findall(r"```toml\n(.*?)```", open(d).read(), re.S):
            put("config", block.encode())
    exe = os.path.join(ROOT, "target", "debug", "rdpdiag")
    if os.path.isfile(exe):
        try:
            put("config", subprocess.run([exe, "config", "--example"], capture_output=True, timeout=30).stdout)
        except (OSError, subprocess.TimeoutExpired):
            pass


def probe_seeds(cap):
    """What real servers sent, for probe_replies: [step][param][chunk][bytes]."""
    for proto, ports, data in tshark_payloads(cap):
        if proto != "tcp" or 3389 not in ports:
            continue
        if data[:2] == b"\x03\x00" and len(data) > 5 and data[5] == 0xD0:
            put("probe_replies", bytes([0, 3, 0]) + data)
        elif data[:1] == b"\x16" and len(data) > 5 and data[5:6] == b"\x02":
            put("probe_replies", bytes([1, 2, 255]) + data)


def main():
    if os.path.isdir(CORPUS) and "--clean" in sys.argv:
        shutil.rmtree(CORPUS)
    fixtures()
    layer_a_frames()
    have_tshark = shutil.which("tshark") is not None
    if not have_tshark:
        print("tshark not found: only fixture and pipeline seeds", file=sys.stderr)
    names = key_logs()
    key_and_config_seeds(names)
    for f in glob.glob(os.path.join(ROOT, "parsers", "tests", "fixtures", "tls_auth_transports", "credssp_*challenge*.bin")):
        with open(f, "rb") as fh:
            put("probe_replies", bytes([2, 0, 255]) + fh.read())
    for cap in captures():
        if have_tshark:
            payloads(cap)
            decrypt_seeds(cap, names)
            probe_seeds(cap)
        pipeline(cap)
    for t in sorted(counts):
        print(f"{t:16} {counts[t]:4} seeds")


if __name__ == "__main__":
    main()
