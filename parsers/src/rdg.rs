//! RD Gateway HTTP transport (MS-TSGU 2.2.5/2.2.10; FreeRDP
//! `libfreerdp/core/gateway/rdg.c`, `tsg.h`; protocol-facts A5): the HTTP/1.1
//! request and response heads that open the gateway channels
//! (`RDG_OUT_DATA`/`RDG_IN_DATA`, `GET` + WebSocket upgrade) and the legacy
//! RPC-over-HTTP ones (`RPC_IN_DATA`/`RPC_OUT_DATA` to `/rpc/rpcproxy.dll`),
//! plus the binary RDG packet header and the HRESULT-bearing responses.
//!
//! The WebSocket transport as Windows and FreeRDP deploy it is *not* a `GET`:
//! it is `RDG_OUT_DATA` carrying `Upgrade: websocket` (kind
//! [`RequestKind::RdgOutData`], [`HttpRequest::websocket`] set), answered
//! `101 Switching Protocols`; the frames that follow are
//! [`crate::websocket`]'s and their payloads are the packets of
//! [`message`]. The KDC proxy (MS-KKDCP, [`crate::kkdcp`]) is a `POST` to
//! `/KdcProxy` on the same port; see [`Endpoint`].
//!
//! Credentials never leave this module: for `Authorization` and
//! `Proxy-Authorization` only the scheme (`Negotiate`, `NTLM`, `Basic`,
//! `Bearer`, …) is kept; those header values are dropped from
//! [`HttpRequest::headers`].

use crate::error::{take, ParseError, ParseResult};
use crate::open_enum;

pub mod message;
pub use message::{parse_message, Message, TsguPacket};

/// Longest HTTP head accepted before `\r\n\r\n`.
pub const MAX_HEAD: usize = 16 * 1024;

/// What an HTTP request is, for gateway purposes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestKind {
    /// `RDG_OUT_DATA` (HTTP transport OUT channel).
    RdgOutData,
    /// `RDG_IN_DATA` (HTTP transport IN channel).
    RdgInData,
    /// `GET` with `Upgrade: websocket` (WebSocket transport).
    WebSocketUpgrade,
    /// Legacy RPC-over-HTTP `RPC_IN_DATA`.
    RpcInData,
    /// Legacy RPC-over-HTTP `RPC_OUT_DATA`.
    RpcOutData,
    /// Any other request.
    Other,
}

impl RequestKind {
    /// True for the legacy RPC-over-HTTP transport.
    pub fn is_rpc_over_http(self) -> bool {
        matches!(self, RequestKind::RpcInData | RequestKind::RpcOutData)
    }
}

/// Which service a request path names (case-insensitive, query ignored).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    /// `/remoteDesktopGateway/` (HTTP and WebSocket transports).
    RemoteDesktopGateway,
    /// `/rpc/rpcproxy.dll` (legacy RPC-over-HTTP transport).
    RpcProxy,
    /// `/KdcProxy` (MS-KKDCP).
    KdcProxy,
    Other,
}

/// Classify a request path.
pub fn classify_path(path: &str) -> Endpoint {
    let p = path.split(['?', '#']).next().unwrap_or("");
    let p = p.trim_end_matches('/');
    let eq = |s: &str| p.eq_ignore_ascii_case(s);
    if eq("/remoteDesktopGateway") {
        Endpoint::RemoteDesktopGateway
    } else if eq("/rpc/rpcproxy.dll") {
        Endpoint::RpcProxy
    } else if eq("/KdcProxy") {
        Endpoint::KdcProxy
    } else {
        Endpoint::Other
    }
}

/// The HTTP/2 client connection preface (RFC 9113 §3.4), sent first after
/// ALPN `h2`: a KDC proxy behind IIS may be reached this way.
pub const HTTP2_PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// True when `input` starts with (a prefix of) the HTTP/2 preface.
pub fn is_http2_preface(input: &[u8]) -> bool {
    let n = input.len().min(HTTP2_PREFACE.len());
    n > 0 && input.get(..n) == HTTP2_PREFACE.get(..n)
}

/// An HTTP request head (borrowed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRequest<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub version: &'a str,
    pub kind: RequestKind,
    /// Headers, credentials removed.
    pub headers: Vec<(&'a str, &'a str)>,
    /// `RDG-Connection-Id`.
    pub connection_id: Option<&'a str>,
    /// Scheme of `Authorization` (never the credential).
    pub authorization_scheme: Option<&'a str>,
    pub upgrade: Option<&'a str>,
    pub host: Option<&'a str>,
    /// `Upgrade: websocket` is present (on `GET` or, as mstsc and FreeRDP
    /// send it, on `RDG_OUT_DATA`).
    pub websocket: bool,
    /// `Sec-WebSocket-Key` as sent. FreeRDP 2.11 sends 16 printable
    /// characters, not the base64 of 16 bytes RFC 6455 §4.1 asks for, so it
    /// is not validated.
    pub websocket_key: Option<&'a str>,
    pub content_type: Option<&'a str>,
    pub endpoint: Endpoint,
    /// Length of the head including the blank line.
    pub head_len: usize,
}

impl HttpRequest<'_> {
    /// A KDC proxy request: `POST` to `/KdcProxy`, or any `POST` whose body
    /// is `application/kerberos` (MS-KKDCP 2.2.1 fixes only the content type).
    pub fn is_kdc_proxy(&self) -> bool {
        self.method == "POST"
            && (self.endpoint == Endpoint::KdcProxy
                || self
                    .content_type
                    .is_some_and(|c| c.eq_ignore_ascii_case("application/kerberos")))
    }
}

/// An HTTP response head (borrowed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse<'a> {
    pub version: &'a str,
    pub status: u16,
    pub reason: &'a str,
    pub headers: Vec<(&'a str, &'a str)>,
    /// Scheme of each `WWW-Authenticate` header (`Negotiate`, `NTLM`, …).
    pub www_authenticate: Vec<&'a str>,
    pub upgrade: Option<&'a str>,
    pub server: Option<&'a str>,
    pub content_length: Option<u64>,
    pub content_type: Option<&'a str>,
    pub websocket_accept: Option<&'a str>,
    pub head_len: usize,
}

impl HttpResponse<'_> {
    /// `101` with `Upgrade: websocket`: WebSocket frames follow the head.
    pub fn switches_to_websocket(&self) -> bool {
        self.status == 101
            && self
                .upgrade
                .is_some_and(|u| u.eq_ignore_ascii_case("websocket"))
    }
}

/// Split off the head (through `\r\n\r\n`); `Incomplete` until it is there.
fn head<'a>(input: &'a [u8], what: &'static str) -> Result<(&'a str, usize), ParseError> {
    let limit = input.len().min(MAX_HEAD);
    let window = input.get(..limit).unwrap_or(input);
    match window.windows(4).position(|w| w == b"\r\n\r\n") {
        Some(p) => {
            let h = window.get(..p).unwrap_or(&[]);
            let s = core::str::from_utf8(h)
                .map_err(|_| ParseError::invalid(what, "head", "not UTF-8"))?;
            Ok((s, p + 4))
        }
        None if input.len() >= MAX_HEAD => {
            Err(ParseError::invalid(what, "head", "longer than 16 KiB"))
        }
        None => Err(ParseError::incomplete(1)),
    }
}

fn headers<'a>(
    lines: core::str::Split<'a, &'static str>,
    what: &'static str,
) -> Result<Vec<(&'a str, &'a str)>, ParseError> {
    let mut out = Vec::new();
    for l in lines {
        let (k, v) = l
            .split_once(':')
            .ok_or(ParseError::invalid(what, "header", "no colon"))?;
        out.push((k.trim(), v.trim()));
    }
    Ok(out)
}

fn find<'a>(h: &[(&'a str, &'a str)], name: &str) -> Option<&'a str> {
    h.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| *v)
}

fn scheme(v: &str) -> &str {
    v.split_whitespace().next().unwrap_or("")
}

fn token_ok(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_graphic())
}

/// Parse an HTTP/1.x request head.
pub fn parse_http_request(input: &[u8]) -> ParseResult<'_, HttpRequest<'_>> {
    const WHAT: &str = "HTTP request";
    // Reject non-HTTP early so a TLS record does not wait forever.
    if let Some(&b) = input.first() {
        if !b.is_ascii_uppercase() {
            return Err(ParseError::invalid(WHAT, "method", "not an HTTP method"));
        }
    }
    let (h, head_len) = head(input, WHAT)?;
    let mut lines = h.split("\r\n");
    let line = lines.next().unwrap_or("");
    let mut parts = line.splitn(3, ' ');
    let method = parts.next().unwrap_or("");
    let path = parts.next().unwrap_or("");
    let version = parts.next().unwrap_or("");
    if !token_ok(method) || !token_ok(path) || !version.starts_with("HTTP/") {
        return Err(ParseError::invalid(WHAT, "request line", "malformed"));
    }
    let all = headers(lines, WHAT)?;
    let authorization_scheme = find(&all, "Authorization").map(scheme);
    let headers: Vec<_> = all
        .iter()
        .copied()
        .filter(|(k, _)| {
            !k.eq_ignore_ascii_case("Authorization")
                && !k.eq_ignore_ascii_case("Proxy-Authorization")
        })
        .collect();
    let upgrade = find(&headers, "Upgrade");
    let kind = match method {
        "RDG_OUT_DATA" => RequestKind::RdgOutData,
        "RDG_IN_DATA" => RequestKind::RdgInData,
        "RPC_IN_DATA" => RequestKind::RpcInData,
        "RPC_OUT_DATA" => RequestKind::RpcOutData,
        "GET" if upgrade.is_some_and(|u| u.eq_ignore_ascii_case("websocket")) => {
            RequestKind::WebSocketUpgrade
        }
        _ => RequestKind::Other,
    };
    let rest = input.get(head_len..).unwrap_or(&[]);
    Ok((
        rest,
        HttpRequest {
            method,
            path,
            version,
            kind,
            connection_id: find(&headers, "RDG-Connection-Id"),
            authorization_scheme,
            upgrade,
            host: find(&headers, "Host"),
            websocket: upgrade.is_some_and(|u| u.eq_ignore_ascii_case("websocket")),
            websocket_key: find(&headers, "Sec-WebSocket-Key"),
            content_type: find(&headers, "Content-Type"),
            endpoint: classify_path(path),
            headers,
            head_len,
        },
    ))
}

/// Parse an HTTP/1.x response head.
pub fn parse_http_response(input: &[u8]) -> ParseResult<'_, HttpResponse<'_>> {
    const WHAT: &str = "HTTP response";
    let pre = input.get(..input.len().min(5)).unwrap_or(&[]);
    if !b"HTTP/".starts_with(pre) {
        return Err(ParseError::invalid(
            WHAT,
            "status line",
            "does not start with HTTP/",
        ));
    }
    let (h, head_len) = head(input, WHAT)?;
    let mut lines = h.split("\r\n");
    let line = lines.next().unwrap_or("");
    let mut parts = line.splitn(3, ' ');
    let version = parts.next().unwrap_or("");
    let status = parts
        .next()
        .and_then(|s| s.parse::<u16>().ok())
        .filter(|s| (100..=999).contains(s))
        .ok_or(ParseError::invalid(WHAT, "status", "not a 3-digit code"))?;
    let reason = parts.next().unwrap_or("");
    let headers = headers(lines, WHAT)?;
    let www_authenticate = headers
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case("WWW-Authenticate"))
        .map(|(_, v)| scheme(v))
        .collect();
    let rest = input.get(head_len..).unwrap_or(&[]);
    Ok((
        rest,
        HttpResponse {
            version,
            status,
            reason,
            www_authenticate,
            upgrade: find(&headers, "Upgrade"),
            server: find(&headers, "Server"),
            content_length: find(&headers, "Content-Length").and_then(|v| v.parse().ok()),
            content_type: find(&headers, "Content-Type"),
            websocket_accept: find(&headers, "Sec-WebSocket-Accept"),
            headers,
            head_len,
        },
    ))
}

open_enum! {
    /// HTTP_PACKET_HEADER packetType (MS-TSGU 2.2.5.3.3).
    pub struct PacketType(u16) {
        HANDSHAKE_REQUEST = 0x1 => "PKT_TYPE_HANDSHAKE_REQUEST",
        HANDSHAKE_RESPONSE = 0x2 => "PKT_TYPE_HANDSHAKE_RESPONSE",
        EXTENDED_AUTH_MSG = 0x3 => "PKT_TYPE_EXTENDED_AUTH_MSG",
        TUNNEL_CREATE = 0x4 => "PKT_TYPE_TUNNEL_CREATE",
        TUNNEL_RESPONSE = 0x5 => "PKT_TYPE_TUNNEL_RESPONSE",
        TUNNEL_AUTH = 0x6 => "PKT_TYPE_TUNNEL_AUTH",
        TUNNEL_AUTH_RESPONSE = 0x7 => "PKT_TYPE_TUNNEL_AUTH_RESPONSE",
        CHANNEL_CREATE = 0x8 => "PKT_TYPE_CHANNEL_CREATE",
        CHANNEL_RESPONSE = 0x9 => "PKT_TYPE_CHANNEL_RESPONSE",
        DATA = 0xA => "PKT_TYPE_DATA",
        SERVICE_MESSAGE = 0xB => "PKT_TYPE_SERVICE_MESSAGE",
        REAUTH_MESSAGE = 0xC => "PKT_TYPE_REAUTH_MESSAGE",
        KEEPALIVE = 0xD => "PKT_TYPE_KEEPALIVE",
        CLOSE_CHANNEL = 0x10 => "PKT_TYPE_CLOSE_CHANNEL",
        CLOSE_CHANNEL_RESPONSE = 0x11 => "PKT_TYPE_CLOSE_CHANNEL_RESPONSE",
    }
}

open_enum! {
    /// HRESULT / Win32 codes the gateway returns (MS-TSGU 2.2.6; FreeRDP `tsg.h`).
    pub struct GatewayStatus(u32) {
        S_OK = 0x0000_0000 => "S_OK",
        ERROR_ACCESS_DENIED = 0x0000_0005 => "ERROR_ACCESS_DENIED",
        ERROR_BAD_ARGUMENTS = 0x0000_00A0 => "ERROR_BAD_ARGUMENTS",
        ERROR_OPERATION_ABORTED = 0x0000_03E3 => "ERROR_OPERATION_ABORTED",
        ERROR_GRACEFUL_DISCONNECT = 0x0000_04CA => "ERROR_GRACEFUL_DISCONNECT",
        E_PROXY_CONNECTIONABORTED = 0x0000_04D4 => "E_PROXY_CONNECTIONABORTED",
        ERROR_ONLY_IF_CONNECTED = 0x0000_04E3 => "ERROR_ONLY_IF_CONNECTED",
        // HRESULT_CODE() forms the RPC-over-HTTP pipe methods return (MS-TSGU 2.2.6).
        E_PROXY_INTERNALERROR_CODE = 0x0000_59D8 => "HRESULT_CODE(E_PROXY_INTERNALERROR)",
        E_PROXY_TS_CONNECTFAILED_CODE = 0x0000_59DD => "HRESULT_CODE(E_PROXY_TS_CONNECTFAILED)",
        E_PROXY_INTERNALERROR = 0x8007_59D8 => "E_PROXY_INTERNALERROR",
        E_PROXY_RAP_ACCESSDENIED = 0x8007_59DA => "E_PROXY_RAP_ACCESSDENIED",
        E_PROXY_NAP_ACCESSDENIED = 0x8007_59DB => "E_PROXY_NAP_ACCESSDENIED",
        E_PROXY_TS_CONNECTFAILED = 0x8007_59DD => "E_PROXY_TS_CONNECTFAILED",
        E_PROXY_ALREADYDISCONNECTED = 0x8007_59DF => "E_PROXY_ALREADYDISCONNECTED",
        E_PROXY_CAPABILITYMISMATCH = 0x8007_59E9 => "E_PROXY_CAPABILITYMISMATCH",
        E_PROXY_QUARANTINE_ACCESSDENIED = 0x8007_59ED => "E_PROXY_QUARANTINE_ACCESSDENIED",
        E_PROXY_NOCERTAVAILABLE = 0x8007_59EE => "E_PROXY_NOCERTAVAILABLE",
        E_PROXY_COOKIE_BADPACKET = 0x8007_59F7 => "E_PROXY_COOKIE_BADPACKET",
        E_PROXY_COOKIE_AUTHENTICATION_ACCESS_DENIED = 0x8007_59F8 => "E_PROXY_COOKIE_AUTHENTICATION_ACCESS_DENIED",
        E_PROXY_UNSUPPORTED_AUTHENTICATION_METHOD = 0x8007_59F9 => "E_PROXY_UNSUPPORTED_AUTHENTICATION_METHOD",
        E_PROXY_MAXCONNECTIONSREACHED = 0x0000_59E6 => "E_PROXY_MAXCONNECTIONSREACHED",
        E_PROXY_NOTSUPPORTED = 0x0000_59E8 => "E_PROXY_NOTSUPPORTED",
        E_PROXY_SESSIONTIMEOUT = 0x0000_59F6 => "E_PROXY_SESSIONTIMEOUT",
        E_PROXY_REAUTH_AUTHN_FAILED = 0x0000_59FA => "E_PROXY_REAUTH_AUTHN_FAILED",
        E_PROXY_REAUTH_CAP_FAILED = 0x0000_59FB => "E_PROXY_REAUTH_CAP_FAILED",
        E_PROXY_REAUTH_RAP_FAILED = 0x0000_59FC => "E_PROXY_REAUTH_RAP_FAILED",
        E_PROXY_SDR_NOT_SUPPORTED_BY_TS = 0x0000_59FD => "E_PROXY_SDR_NOT_SUPPORTED_BY_TS",
        E_PROXY_REAUTH_NAP_FAILED = 0x0000_5A00 => "E_PROXY_REAUTH_NAP_FAILED",
        SEC_E_LOGON_DENIED = 0x8009_030C => "SEC_E_LOGON_DENIED",
    }
}

/// HTTP_PACKET_HEADER (8 bytes, little-endian).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PacketHeader {
    pub packet_type: PacketType,
    pub reserved: u16,
    /// Whole packet length including this header.
    pub packet_length: u32,
}

/// Decoded body of the packets that carry a status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PacketBody<'a> {
    HandshakeResponse {
        error_code: GatewayStatus,
        ver_major: u8,
        ver_minor: u8,
        server_version: u16,
        extended_auth: u16,
    },
    TunnelResponse {
        server_version: u16,
        status_code: GatewayStatus,
        fields_present: u16,
    },
    ChannelResponse {
        error_code: GatewayStatus,
        fields_present: u16,
    },
    TunnelAuthResponse {
        error_code: GatewayStatus,
    },
    CloseChannel {
        status_code: GatewayStatus,
    },
    /// Any other packet: its body.
    Other(&'a [u8]),
}

/// One RDG packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Packet<'a> {
    pub header: PacketHeader,
    pub body: PacketBody<'a>,
}

fn le16(b: &[u8], at: usize) -> u16 {
    match b.get(at..at + 2) {
        Some([x, y]) => u16::from_le_bytes([*x, *y]),
        _ => 0,
    }
}

fn le32(b: &[u8], at: usize) -> u32 {
    match b.get(at..at + 4) {
        Some([a, c, d, e]) => u32::from_le_bytes([*a, *c, *d, *e]),
        _ => 0,
    }
}

/// Parse the 8-byte packet header.
pub fn parse_packet_header(input: &[u8]) -> ParseResult<'_, PacketHeader> {
    const WHAT: &str = "RDG HTTP_PACKET_HEADER";
    let (rest, h) = take(input, 8)?;
    let hdr = PacketHeader {
        packet_type: PacketType(le16(h, 0)),
        reserved: le16(h, 2),
        packet_length: le32(h, 4),
    };
    if hdr.packet_length < 8 {
        return Err(ParseError::invalid(
            WHAT,
            "packetLength",
            "shorter than the header",
        ));
    }
    Ok((rest, hdr))
}

/// Parse one complete RDG packet.
pub fn parse_packet(input: &[u8]) -> ParseResult<'_, Packet<'_>> {
    const WHAT: &str = "RDG packet";
    let (_, header) = parse_packet_header(input)?;
    let (rest, pkt) = take(input, header.packet_length as usize)?;
    let b = pkt.get(8..).unwrap_or(&[]);
    let need = |n: usize| {
        if b.len() < n {
            Err(ParseError::invalid(
                WHAT,
                "packetLength",
                "too short for its type",
            ))
        } else {
            Ok(())
        }
    };
    let body = match header.packet_type {
        PacketType::HANDSHAKE_RESPONSE => {
            need(10)?;
            PacketBody::HandshakeResponse {
                error_code: GatewayStatus(le32(b, 0)),
                ver_major: b.get(4).copied().unwrap_or(0),
                ver_minor: b.get(5).copied().unwrap_or(0),
                server_version: le16(b, 6),
                extended_auth: le16(b, 8),
            }
        }
        PacketType::TUNNEL_RESPONSE => {
            need(10)?;
            PacketBody::TunnelResponse {
                server_version: le16(b, 0),
                status_code: GatewayStatus(le32(b, 2)),
                fields_present: le16(b, 6),
            }
        }
        PacketType::CHANNEL_RESPONSE => {
            need(8)?;
            PacketBody::ChannelResponse {
                error_code: GatewayStatus(le32(b, 0)),
                fields_present: le16(b, 4),
            }
        }
        PacketType::TUNNEL_AUTH_RESPONSE => {
            need(4)?;
            PacketBody::TunnelAuthResponse {
                error_code: GatewayStatus(le32(b, 0)),
            }
        }
        PacketType::CLOSE_CHANNEL | PacketType::CLOSE_CHANNEL_RESPONSE => {
            need(4)?;
            PacketBody::CloseChannel {
                status_code: GatewayStatus(le32(b, 0)),
            }
        }
        _ => PacketBody::Other(b),
    };
    Ok((rest, Packet { header, body }))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn rdg_out_data_request_hides_credentials() {
        // hand-made: no capture holds decrypted RD Gateway traffic; request
        // line and headers follow FreeRDP rdg.c (rdg_build_http_request).
        let req = b"RDG_OUT_DATA /remoteDesktopGateway/ HTTP/1.1\r\nHost: gw.example.com\r\n\
Authorization: NTLM TlRMTVNTUAABAAAAB4IIog==\r\nRDG-Connection-Id: {11111111-2222-3333-4444-555555555555}\r\n\r\n";
        let (rest, r) = parse_http_request(req).unwrap();
        assert!(rest.is_empty());
        assert_eq!(r.kind, RequestKind::RdgOutData);
        assert_eq!(r.authorization_scheme, Some("NTLM"));
        assert_eq!(
            r.connection_id,
            Some("{11111111-2222-3333-4444-555555555555}")
        );
        assert!(r
            .headers
            .iter()
            .all(|(k, v)| !k.eq_ignore_ascii_case("authorization") && !v.contains("TlRM")));
        assert!(format!("{r:?}").find("TlRM").is_none());
    }

    #[test]
    fn packets() {
        // hand-made: layouts per MS-TSGU 2.2.10.7 / 2.2.10.20 / 2.2.10.4 and
        // FreeRDP rdg_process_{handshake,tunnel,channel}_response.
        let hs = [
            2, 0, 0, 0, 18, 0, 0, 0, 0xda, 0x59, 0x07, 0x80, 1, 0, 0, 0, 0, 0,
        ];
        let (_, p) = parse_packet(&hs).unwrap();
        assert_eq!(
            p.body,
            PacketBody::HandshakeResponse {
                error_code: GatewayStatus::E_PROXY_RAP_ACCESSDENIED,
                ver_major: 1,
                ver_minor: 0,
                server_version: 0,
                extended_auth: 0
            }
        );
        let tr = [
            5, 0, 0, 0, 18, 0, 0, 0, 0, 0, 0xdd, 0x59, 0x07, 0x80, 0, 0, 0, 0,
        ];
        let (_, p) = parse_packet(&tr).unwrap();
        assert!(matches!(
            p.body,
            PacketBody::TunnelResponse {
                status_code: GatewayStatus::E_PROXY_TS_CONNECTFAILED,
                ..
            }
        ));
        let cr = [9, 0, 0, 0, 16, 0, 0, 0, 0xdd, 0x59, 0x07, 0x80, 0, 0, 0, 0];
        let (_, p) = parse_packet(&cr).unwrap();
        assert!(matches!(
            p.body,
            PacketBody::ChannelResponse {
                error_code: GatewayStatus::E_PROXY_TS_CONNECTFAILED,
                ..
            }
        ));
        assert_eq!(
            parse_packet(&cr[..10]),
            Err(ParseError::Incomplete { needed: 6 })
        );
        assert_eq!(
            PacketType(0x11).name(),
            Some("PKT_TYPE_CLOSE_CHANNEL_RESPONSE")
        );
    }

    #[test]
    fn websocket_upgrade_on_rdg_out_data_and_101() {
        // captures/rdg_ws_rap_denied.pcap frame 10 (xfreerdp 2.11, decrypted):
        // the WebSocket transport is RDG_OUT_DATA + Upgrade, with FreeRDP's
        // header spelling and its non-base64 key.
        let req = b"RDG_OUT_DATA /remoteDesktopGateway/ HTTP/1.1\r\nCache-Control: no-cache\r\n\
Pragma: no-cache\r\nAccept: */*\r\nUser-Agent: MS-RDGateway/1.0\r\nHost: 127.0.0.1\r\n\
Connection: Upgrade\r\nUpgrade: websocket\r\nSec-Websocket-Version: 13\r\n\
Sec-Websocket-Key: @VFVDAO\\YMXWTYF\r\nRDG-Connection-Id: {89caf025-1f05-99df-7d53-3f9c639e3f25}\r\n\
Content-Length: 0\r\nAuthorization: NTLM TlRMTVNTUAABAAAAt4II4gAAAAAAAAAAAAAAAAAAAAAGAbEdAAAADw==\r\n\r\n";
        let (rest, r) = parse_http_request(req).unwrap();
        assert!(rest.is_empty());
        assert_eq!(r.kind, RequestKind::RdgOutData);
        assert!(r.websocket);
        assert_eq!(r.websocket_key, Some("@VFVDAO\\YMXWTYF"));
        assert_eq!(r.endpoint, Endpoint::RemoteDesktopGateway);
        assert!(!r.is_kdc_proxy());
        // frame 13: the emulated gateway's 101.
        let rsp = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
Sec-WebSocket-Accept: LOYGlNkFHu+J/E71sfZpJdD6NMA=\r\nServer: Microsoft-HTTPAPI/2.0\r\n\r\n\x82\x10";
        let (rest, r) = parse_http_response(rsp).unwrap();
        assert_eq!(rest, b"\x82\x10");
        assert!(r.switches_to_websocket());
        assert_eq!(r.websocket_accept, Some("LOYGlNkFHu+J/E71sfZpJdD6NMA="));
    }

    #[test]
    fn kdc_proxy_rpc_and_http2_classification() {
        // captures/kdcproxy_ok.pcap frame 10 (MIT kinit 1.20, decrypted): head only.
        let req = b"POST /KdcProxy HTTP/1.0\r\nHost: 127.0.0.1:443\r\nCache-Control: no-cache\r\n\
Pragma: no-cache\r\nUser-Agent: kerberos/1.0\r\nContent-type: application/kerberos\r\n\
Content-Length: 201\r\n\r\n\x30\x81";
        let (rest, r) = parse_http_request(req).unwrap();
        assert_eq!(rest, b"\x30\x81");
        assert!(r.is_kdc_proxy());
        assert_eq!(r.endpoint, Endpoint::KdcProxy);
        assert_eq!(r.kind, RequestKind::Other);
        // hand-made paths and methods (no RPC-over-HTTP capture exists).
        assert_eq!(
            classify_path("/rpc/rpcproxy.dll?gw:3388"),
            Endpoint::RpcProxy
        );
        assert_eq!(
            classify_path("/REMOTEDESKTOPGATEWAY/"),
            Endpoint::RemoteDesktopGateway
        );
        assert_eq!(classify_path("/kdcproxy"), Endpoint::KdcProxy);
        assert_eq!(classify_path("/"), Endpoint::Other);
        let rpc = b"RPC_IN_DATA /rpc/rpcproxy.dll?localhost:3388 HTTP/1.1\r\nHost: gw\r\n\r\n";
        let (_, r) = parse_http_request(rpc).unwrap();
        assert!(r.kind.is_rpc_over_http());
        assert_eq!(r.endpoint, Endpoint::RpcProxy);
        let get = b"GET /remoteDesktopGateway/ HTTP/1.1\r\nUpgrade: WebSocket\r\n\r\n";
        assert_eq!(
            parse_http_request(get).unwrap().1.kind,
            RequestKind::WebSocketUpgrade
        );
        assert!(is_http2_preface(
            b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00"
        ));
        assert!(is_http2_preface(b"PRI *"));
        assert!(!is_http2_preface(b"POST /KdcProxy"));
        assert!(!is_http2_preface(b""));
    }
}
