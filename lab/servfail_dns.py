#!/usr/bin/python3
"""A DNS server that fails: answers every query with RCODE 2 (SERVFAIL), the
question echoed, no records. Stands in for a recursive resolver whose
upstreams are broken. usage: servfail_dns.py LISTEN_ADDR  (port 53, UDP)"""
import socket
import sys

s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 53))
print("listening", flush=True)
while True:
    q, peer = s.recvfrom(4096)
    if len(q) < 12 or q[2] & 0x80:
        continue
    # header: same ID; QR=1, opcode and RD copied; RA=1, RCODE=2; QDCOUNT kept, no records
    flags = bytes([0x80 | (q[2] & 0x79), 0x80 | 2])
    end = 12
    while end < len(q) and q[end] != 0:
        end += 1 + q[end]
    end += 5  # root label + QTYPE + QCLASS
    resp = q[:2] + flags + q[4:6] + b"\0\0\0\0\0\0" + q[12:end]
    s.sendto(resp, peer)
    print(f"{peer[0]} query id {q[0] << 8 | q[1]:#06x} -> SERVFAIL", flush=True)
