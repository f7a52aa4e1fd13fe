#!/usr/bin/env python3
"""Minimal RD Gateway *emulation* for recording test captures of a real
FreeRDP client. Not a gateway: it answers the client's real HTTP requests
with canned responses chosen by MODE, so that rdpdiag's gateway rules can be
tested on real client bytes.

MODE:
  auth_fail    401 (Negotiate, NTLM) -> NTLM CHALLENGE -> 401 after AUTHENTICATE
  forbidden    403 Forbidden
  unavailable  503 Service Unavailable
  rap_denied   NTLM accepted (200), HANDSHAKE_RESPONSE S_OK, TUNNEL_RESPONSE S_OK,
               TUNNEL_AUTH_RESPONSE S_OK, CHANNEL_RESPONSE E_PROXY_RAP_ACCESSDENIED
  cap_denied   ... TUNNEL_RESPONSE E_PROXY_NAP_ACCESSDENIED (CAP)
  ts_failed    ... CHANNEL_RESPONSE E_PROXY_TS_CONNECTFAILED
  ok           ... CHANNEL_RESPONSE S_OK, then DATA packets relayed to a real
               RDP server at $RDG_TARGET (host:port, default 127.0.0.1:33890)
Usage: fakegw.py MODE CERT KEY HOST PORT   (serves until killed or 10 s idle)
"""
import base64, os, socket, ssl, struct, sys, threading, time

MODE, CERT, KEY, HOST, PORT = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
LOG = sys.stderr

def ntlm_challenge():
    # NTLM CHALLENGE_MESSAGE (MS-NLMP 2.2.1.2) with a small target info.
    def av(t, v):
        return struct.pack('<HH', t, len(v)) + v
    name = 'RDGLAB'.encode('utf-16le')
    ti = av(2, name) + av(1, 'GW'.encode('utf-16le')) + av(4, 'rdg.lab'.encode('utf-16le')) \
        + av(3, 'gw.rdg.lab'.encode('utf-16le')) \
        + av(7, struct.pack('<Q', int((time.time() + 11644473600) * 10**7))) + av(0, b'')
    flags = 0xE28A8215
    hdr_len = 56
    msg = b'NTLMSSP\x00' + struct.pack('<I', 2)
    msg += struct.pack('<HHI', len(name), len(name), hdr_len)
    msg += struct.pack('<I', flags) + os.urandom(8) + b'\x00' * 8
    msg += struct.pack('<HHI', len(ti), len(ti), hdr_len + len(name))
    msg += bytes([10, 0]) + struct.pack('<H', 20348) + b'\x00\x00\x00\x0f'
    return msg + name + ti

def pkt(ptype, body):
    return struct.pack('<HHI', ptype, 0, 8 + len(body)) + body

S_OK = 0
CODES = {'rap_denied': 0x800759DA, 'cap_denied': 0x800759DB, 'ts_failed': 0x800759DD}

state = {'out': None, 'lock': threading.Lock(), 'last': time.time()}

def read_head(s, buf):
    while b'\r\n\r\n' not in buf:
        d = s.recv(65536)
        if not d:
            return None, buf
        buf += d
    i = buf.index(b'\r\n\r\n') + 4
    return buf[:i].decode('latin1'), buf[i:]

def send(s, status, reason, headers=(), body=b''):
    h = f'HTTP/1.1 {status} {reason}\r\n'
    for k, v in headers:
        h += f'{k}: {v}\r\n'
    h += 'Server: Microsoft-HTTPAPI/2.0\r\n'
    if status != 200:
        h += f'Content-Length: {len(body)}\r\n'
    s.sendall(h.encode() + b'\r\n' + body)

def handle(s):
    buf = b''
    while True:
        head, buf = read_head(s, buf)
        if head is None:
            return
        state['last'] = time.time()
        line = head.split('\r\n')[0]
        auth = ''
        for l in head.split('\r\n')[1:]:
            if l.lower().startswith('authorization:'):
                auth = l.split(':', 1)[1].strip()
        print('REQ', line, '| auth', auth[:24], file=LOG, flush=True)
        method = line.split(' ')[0]
        if MODE == 'forbidden':
            send(s, 403, 'Forbidden', body=b'403 - Forbidden: Access is denied.')
            continue
        if MODE == 'unavailable':
            send(s, 503, 'Service Unavailable', body=b'Service Unavailable')
            continue
        if not auth:
            send(s, 401, 'Unauthorized', [('WWW-Authenticate', 'Negotiate'), ('WWW-Authenticate', 'NTLM')])
            continue
        scheme, _, tok = auth.partition(' ')
        raw = base64.b64decode(tok) if tok else b''
        mtype = struct.unpack('<I', raw[8:12])[0] if len(raw) >= 12 else 0
        if mtype == 1:
            send(s, 401, 'Unauthorized', [('WWW-Authenticate', scheme + ' ' + base64.b64encode(ntlm_challenge()).decode())])
            continue
        if MODE == 'auth_fail':
            send(s, 401, 'Unauthorized', [('WWW-Authenticate', 'Negotiate'), ('WWW-Authenticate', 'NTLM')])
            continue
        # accepted
        if method == 'RDG_OUT_DATA':
            # MS-TSGU: the OUT channel's 200 is followed by a 10-byte seed (FreeRDP rdg_skip_seed_payload)
            s.sendall(b'HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nServer: Microsoft-HTTPAPI/2.0\r\nContent-Length: 0\r\n\r\n' + os.urandom(10))
            with state['lock']:
                state['out'] = s
            while True:
                time.sleep(0.2)
                if time.time() - state['last'] > 5:
                    return
        elif method == 'RDG_IN_DATA':
            s.sendall(b'HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nServer: Microsoft-HTTPAPI/2.0\r\nContent-Length: 0\r\n\r\n')
            in_channel(s, buf)
            return
        elif head.lower().find('upgrade: websocket') >= 0:
            send(s, 403, 'Forbidden')
            continue
        else:
            send(s, 404, 'Not Found')

def in_channel(s, buf):
    # chunked body carrying RDG packets
    data = b''
    def more():
        nonlocal buf
        d = s.recv(65536)
        if not d:
            raise EOFError
        buf += d
    try:
        # FreeRDP sends the RDG_IN_DATA head once more, with Transfer-Encoding: chunked
        head, buf = read_head(s, buf)
        if head is None:
            return
        print('REQ', head.split('\r\n')[0], '(chunked body follows)', file=LOG, flush=True)
        while True:
            while b'\r\n' not in buf:
                more()
            i = buf.index(b'\r\n')
            n = int(buf[:i].split(b';')[0], 16)
            while len(buf) < i + 2 + n + 2:
                more()
            data += buf[i + 2:i + 2 + n]
            buf = buf[i + 2 + n + 2:]
            while len(data) >= 8:
                t, _, ln = struct.unpack('<HHI', data[:8])
                if len(data) < ln:
                    break
                body, data = data[8:ln], data[ln:]
                state['last'] = time.time()
                print('PKT', hex(t), ln, file=LOG, flush=True)
                reply(t, body)
    except (EOFError, OSError, ValueError):
        return

def reply(t, body):
    out = state['out']
    if out is None:
        return
    code = CODES.get(MODE, S_OK)
    if t == 0x1:  # HANDSHAKE_REQUEST -> HANDSHAKE_RESPONSE
        out.sendall(pkt(0x2, struct.pack('<IBBHH', S_OK, 1, 0, 0, 0)))
    elif t == 0x4:  # TUNNEL_CREATE -> TUNNEL_RESPONSE (tunnel id + caps present)
        st = code if MODE == 'cap_denied' else S_OK
        fields = 0 if st else 0x3
        b = struct.pack('<HIHH', 0, st, fields, 0)
        if fields:
            b += struct.pack('<I', 1)  # tunnel id
            b += struct.pack('<I', 0x3F)  # caps
        out.sendall(pkt(0x5, b))
    elif t == 0x6:  # TUNNEL_AUTH -> TUNNEL_AUTH_RESPONSE
        out.sendall(pkt(0x7, struct.pack('<IHH', S_OK, 0, 0)))
    elif t == 0x8:  # CHANNEL_CREATE -> CHANNEL_RESPONSE
        st = code if MODE in ('rap_denied', 'ts_failed') else S_OK
        if MODE == 'ok':
            h, p = os.environ.get('RDG_TARGET', '127.0.0.1:33890').rsplit(':', 1)
            state['target'] = socket.create_connection((h, int(p)))
            threading.Thread(target=relay_back, daemon=True).start()
        out.sendall(pkt(0x9, struct.pack('<IHH', st, 0, 0)))
    elif t == 0xA and state.get('target'):  # DATA: cbLen u16 + data -> target
        n = struct.unpack('<H', body[:2])[0]
        state['target'].sendall(body[2:2 + n])
    elif t == 0x10:  # CLOSE_CHANNEL -> CLOSE_CHANNEL_RESPONSE
        out.sendall(pkt(0x11, struct.pack('<I', S_OK)))

def relay_back():
    # target -> DATA packets on the OUT channel
    t = state['target']
    while True:
        try:
            d = t.recv(16000)
        except OSError:
            return
        if not d:
            return
        state['last'] = time.time()
        state['out'].sendall(pkt(0xA, struct.pack('<H', len(d)) + d))

def main():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(CERT, KEY)
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((HOST, PORT))
    ls.listen(8)
    ls.settimeout(0.5)
    while time.time() - state['last'] < 10:
        try:
            c, _ = ls.accept()
        except socket.timeout:
            continue
        try:
            t = ctx.wrap_socket(c, server_side=True)
        except Exception as e:
            print('TLS', e, file=LOG, flush=True)
            continue
        threading.Thread(target=lambda: (handle(t), t.close()), daemon=True).start()

main()
