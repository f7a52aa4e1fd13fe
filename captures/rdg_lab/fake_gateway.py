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
  ws_MODE      (ws_ok, ws_auth_fail, ws_rap_denied, ws_cap_denied, ws_ts_failed)
               the same, over the WebSocket transport: the accepted
               `RDG_OUT_DATA` carrying `Upgrade: websocket` is answered
               `101 Switching Protocols` (with the RFC 6455 Sec-WebSocket-Accept)
               and MS-TSGU then runs inside WebSocket frames on that one
               connection (no RDG_IN_DATA). The client masks its frames; ours
               are unmasked. To exercise a parser the emulation also: splits
               the HANDSHAKE_RESPONSE over a binary frame and a continuation
               frame with a ping between them, sends one KEEPALIVE and one
               SERVICE_MESSAGE after the CHANNEL_RESPONSE (ws_ok), writes the
               TUNNEL_RESPONSE frame in two TLS records, relays target output
               in frames of up to 64 KiB (so some span TLS records), and closes
               the WebSocket (1000) after CLOSE_CHANNEL_RESPONSE.
               Without the ws_ prefix a WebSocket upgrade is answered 200 (not
               101), so FreeRDP falls back to the HTTP transport as before.
  kdc_503      POST /KdcProxy (MS-KKDCP) answered 503 Service Unavailable
  kdc_nokdc    POST /KdcProxy: the KDC-PROXY-MESSAGE's Kerberos message is
               forwarded over TCP to $KDC_TARGET (default 127.0.0.1:1, where
               nothing listens); when that fails the answer is
               503 "Remote unavailable", as the open-source kdcproxy (latchset)
               answers when no KDC replies
  kdc_ok       POST /KdcProxy forwarded to a real KDC at $KDC_TARGET; its reply
               goes back as a KDC-PROXY-MESSAGE (200, application/kerberos)
Usage: fakegw.py MODE CERT KEY HOST PORT   (serves until killed or 10 s idle)
"""
import base64, hashlib, os, socket, ssl, struct, sys, threading, time

MODE, CERT, KEY, HOST, PORT = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
LOG = sys.stderr
WS = MODE.startswith('ws_')
BASE = MODE[3:] if WS else MODE

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
        if MODE.startswith('kdc_'):
            buf = kdc_proxy(s, head, buf)
            if state.pop('close_after', False):
                return
            continue
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
        if BASE == 'auth_fail':
            send(s, 401, 'Unauthorized', [('WWW-Authenticate', 'Negotiate'), ('WWW-Authenticate', 'NTLM')])
            continue
        # accepted
        if method == 'RDG_OUT_DATA' and WS and header(head, 'upgrade').lower() == 'websocket':
            key = header(head, 'sec-websocket-key')
            acc = base64.b64encode(hashlib.sha1((key + WS_GUID).encode()).digest()).decode()
            s.sendall(('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n'
                       'Connection: Upgrade\r\nSec-WebSocket-Accept: ' + acc +
                       '\r\nServer: Microsoft-HTTPAPI/2.0\r\n\r\n').encode())
            with state['lock']:
                state['out'] = s
            ws_channel(s, buf)
            return
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

WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11'

def header(head, name):
    for l in head.split('\r\n')[1:]:
        k, _, v = l.partition(':')
        if k.strip().lower() == name:
            return v.strip()
    return ''

def ws_frame(opcode, payload, fin=True):
    # server frames are never masked (RFC 6455 5.1)
    n = len(payload)
    h = bytes([(0x80 if fin else 0) | opcode])
    if n < 126:
        h += bytes([n])
    elif n < 0x10000:
        h += bytes([126]) + struct.pack('>H', n)
    else:
        h += bytes([127]) + struct.pack('>Q', n)
    return h + payload

class WsOut:
    """OUT side of the WebSocket transport: every MS-TSGU packet in one binary frame."""
    def __init__(self, s):
        self.s = s
        self.lock = threading.Lock()
    def sendall(self, data):
        with self.lock:
            self.s.sendall(ws_frame(0x2, data))
    def raw(self, data):
        with self.lock:
            self.s.sendall(data)

def ws_channel(s, buf):
    out = WsOut(s)
    state['out'] = out
    msg, op0 = b'', None
    data = b''
    def need(n):
        nonlocal buf
        while len(buf) < n:
            d = s.recv(65536)
            if not d:
                raise EOFError
            buf += d
    try:
        while True:
            need(2)
            b0, b1 = buf[0], buf[1]
            fin, op, masked, n = b0 & 0x80, b0 & 0xf, b1 & 0x80, b1 & 0x7f
            pos = 2
            if n == 126:
                need(4); n = struct.unpack('>H', buf[2:4])[0]; pos = 4
            elif n == 127:
                need(10); n = struct.unpack('>Q', buf[2:10])[0]; pos = 10
            key = b'\0\0\0\0'
            if masked:
                need(pos + 4); key = buf[pos:pos + 4]; pos += 4
            need(pos + n)
            payload = bytes(b ^ key[i % 4] for i, b in enumerate(buf[pos:pos + n]))
            buf = buf[pos + n:]
            state['last'] = time.time()
            print('WS', 'op', op, 'fin', bool(fin), 'masked', bool(masked), 'len', n, file=LOG, flush=True)
            if op in (0x9,):
                out.raw(ws_frame(0xA, payload))
                continue
            if op in (0x8, 0xA):
                if op == 0x8 or state.get('close_sent'):
                    return
                continue
            msg += payload
            if not fin:
                continue
            data += msg
            msg = b''
            while len(data) >= 8:
                t, _, ln = struct.unpack('<HHI', data[:8])
                if len(data) < ln:
                    break
                body, data = data[8:ln], data[ln:]
                print('PKT', hex(t), ln, file=LOG, flush=True)
                reply(t, body)
    except (EOFError, OSError, ValueError):
        return

def reply(t, body):
    out = state['out']
    if out is None:
        return
    code = CODES.get(BASE, S_OK)
    if t == 0x1 and WS:  # HANDSHAKE_RESPONSE fragmented: binary (FIN=0), ping, continuation
        p = pkt(0x2, struct.pack('<IBBHH', S_OK, 1, 0, 0, 0))
        out.raw(ws_frame(0x2, p[:5], fin=False) + ws_frame(0x9, b'rdg') + ws_frame(0x0, p[5:]))
    elif t == 0x1:  # HANDSHAKE_REQUEST -> HANDSHAKE_RESPONSE
        out.sendall(pkt(0x2, struct.pack('<IBBHH', S_OK, 1, 0, 0, 0)))
    elif t == 0x4:  # TUNNEL_CREATE -> TUNNEL_RESPONSE (tunnel id + caps present)
        st = code if BASE == 'cap_denied' else S_OK
        fields = 0 if st else 0x3
        b = struct.pack('<HIHH', 0, st, fields, 0)
        if fields:
            b += struct.pack('<I', 1)  # tunnel id
            b += struct.pack('<I', 0x3F)  # caps
        if WS:
            # one frame written in two TLS records: header+4 bytes, then the rest
            f = ws_frame(0x2, pkt(0x5, b))
            out.raw(f[:6])
            out.raw(f[6:])
        else:
            out.sendall(pkt(0x5, b))
    elif t == 0x6:  # TUNNEL_AUTH -> TUNNEL_AUTH_RESPONSE
        out.sendall(pkt(0x7, struct.pack('<IHH', S_OK, 0, 0)))
    elif t == 0x8:  # CHANNEL_CREATE -> CHANNEL_RESPONSE
        st = code if BASE in ('rap_denied', 'ts_failed') else S_OK
        if BASE == 'ok':
            h, p = os.environ.get('RDG_TARGET', '127.0.0.1:33890').rsplit(':', 1)
            state['target'] = socket.create_connection((h, int(p)))
            threading.Thread(target=relay_back, daemon=True).start()
        out.sendall(pkt(0x9, struct.pack('<IHH', st, 0, 0)))
        if WS and st == S_OK:
            out.sendall(pkt(0xD, b''))  # KEEPALIVE
            m = 'Lab gateway: this is an emulation.\0'.encode('utf-16le')
            out.sendall(pkt(0xB, struct.pack('<H', len(m)) + m))  # SERVICE_MESSAGE
    elif t == 0xA and state.get('target'):  # DATA: cbLen u16 + data -> target
        n = struct.unpack('<H', body[:2])[0]
        state['target'].sendall(body[2:2 + n])
    elif t == 0x10:  # CLOSE_CHANNEL -> CLOSE_CHANNEL_RESPONSE
        out.sendall(pkt(0x11, struct.pack('<I', S_OK)))
        if WS:
            state['close_sent'] = True
            out.raw(ws_frame(0x8, struct.pack('>H', 1000)))

def kdc_proxy(s, head, buf):
    """MS-KKDCP endpoint: read the POST body, answer per MODE."""
    n = int(header(head, 'content-length') or 0)
    while len(buf) < n:
        d = s.recv(65536)
        if not d:
            break
        buf += d
    body, buf = buf[:n], buf[n:]
    print('KDCPROXY', head.split('\r\n')[0], len(body), 'bytes', file=LOG, flush=True)
    if ' HTTP/1.0' in head.split('\r\n')[0]:
        # MIT krb5 asks HTTP/1.0 and reads to EOF: close after the answer, as HTTP.sys does
        state['close_after'] = True
    if MODE == 'kdc_503':
        send(s, 503, 'Service Unavailable', body=b'Service Unavailable')
        return buf
    krb = kkdcp_inner(body)
    h, p = os.environ.get('KDC_TARGET', '127.0.0.1:1').rsplit(':', 1)
    try:
        k = socket.create_connection((h, int(p)), timeout=3)
        k.sendall(krb)  # already carries the 4-byte TCP record mark (MS-KKDCP 2.2.2)
        rep = b''
        while len(rep) < 4 or len(rep) < 4 + struct.unpack('>I', rep[:4])[0]:
            d = k.recv(65536)
            if not d:
                break
            rep += d
        k.close()
    except OSError as e:
        print('KDC', e, file=LOG, flush=True)
        send(s, 503, 'Remote unavailable', body=b'Remote unavailable')
        return buf
    msg = der(0x30, der(0xA0, der(0x04, rep)))
    send(s, 200, 'OK', [('Content-Type', 'application/kerberos'),
                        ('Content-Length', str(len(msg)))], body=msg)
    return buf

def der(tag, v):
    n = len(v)
    if n < 0x80:
        return bytes([tag, n]) + v
    b = n.to_bytes((n.bit_length() + 7) // 8, 'big')
    return bytes([tag, 0x80 | len(b)]) + b + v

def der_tlv(b):
    tag, l0, pos = b[0], b[1], 2
    if l0 & 0x80:
        k = l0 & 0x7f
        l0, pos = int.from_bytes(b[2:2 + k], 'big'), 2 + k
    return tag, b[pos:pos + l0], b[pos + l0:]

def kkdcp_inner(body):
    # KDC-PROXY-MESSAGE ::= SEQUENCE { kerb-message [0] OCTET STRING, ... }
    _, seq, _ = der_tlv(body)
    _, f0, _ = der_tlv(seq)
    _, octets, _ = der_tlv(f0)
    return octets

def relay_back():
    # target -> DATA packets on the OUT channel
    t = state['target']
    while True:
        try:
            d = t.recv(65000 if WS else 16000)
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
