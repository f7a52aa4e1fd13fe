//! Every MS-TSGU HTTP-transport packet body (MS-TSGU 2.2.10; FreeRDP
//! `rdg.c` `rdg_send_*`/`rdg_process_*`), both directions. The packets are the
//! same whether they travel in the chunked `RDG_IN_DATA`/`RDG_OUT_DATA`
//! bodies or inside WebSocket binary messages ([`crate::websocket`]).
//!
//! [`super::PacketBody`] is the status-only view the analyzer already uses;
//! [`Message`] is the full decode. Strings stay borrowed UTF-16LE; use
//! [`utf16`] to read them.

use super::{parse_packet_header, GatewayStatus, PacketHeader, PacketType};
use crate::error::flag_set;
use crate::error::{take, ParseError, ParseResult};
use crate::tpkt::rd;

const WHAT: &str = "RDG packet";

flag_set! {
    /// HTTP_EXTENDED_AUTH (MS-TSGU 2.2.5.3.2), in HANDSHAKE_REQUEST/RESPONSE.
    pub struct ExtendedAuth(u16) [zero = "HTTP_EXTENDED_AUTH_NONE"] {
        SC = 0x1 => "HTTP_EXTENDED_AUTH_SC",
        PAA = 0x2 => "HTTP_EXTENDED_AUTH_PAA",
        SSPI_NTLM = 0x4 => "HTTP_EXTENDED_AUTH_SSPI_NTLM",
    }
}

flag_set! {
    /// HTTP_CAPABILITY_TYPE (MS-TSGU 2.2.5.3.1), TUNNEL_CREATE/RESPONSE capsFlags.
    pub struct Capabilities(u32) [zero = ""] {
        QUAR_SOH = 0x1 => "HTTP_CAPABILITY_TYPE_QUAR_SOH",
        IDLE_TIMEOUT = 0x2 => "HTTP_CAPABILITY_IDLE_TIMEOUT",
        MESSAGING_CONSENT_SIGN = 0x4 => "HTTP_CAPABILITY_MESSAGING_CONSENT_SIGN",
        MESSAGING_SERVICE_MSG = 0x8 => "HTTP_CAPABILITY_MESSAGING_SERVICE_MSG",
        REAUTH = 0x10 => "HTTP_CAPABILITY_REAUTH",
        UDP_TRANSPORT = 0x20 => "HTTP_CAPABILITY_UDP_TRANSPORT",
    }
}

/// fieldsPresent bits (MS-TSGU 2.2.5.3.4–2.2.5.3.8), per packet.
pub mod fields {
    pub const TUNNEL_CREATE_PAA_COOKIE: u16 = 0x1;
    pub const TUNNEL_RESPONSE_TUNNEL_ID: u16 = 0x1;
    pub const TUNNEL_RESPONSE_CAPS: u16 = 0x2;
    pub const TUNNEL_RESPONSE_SOH_REQ: u16 = 0x4;
    pub const TUNNEL_RESPONSE_CONSENT_MSG: u16 = 0x10;
    pub const TUNNEL_AUTH_SOH: u16 = 0x1;
    pub const TUNNEL_AUTH_RESPONSE_REDIR_FLAGS: u16 = 0x1;
    pub const TUNNEL_AUTH_RESPONSE_IDLE_TIMEOUT: u16 = 0x2;
    pub const TUNNEL_AUTH_RESPONSE_SOH_RESPONSE: u16 = 0x4;
    pub const CHANNEL_RESPONSE_CHANNEL_ID: u16 = 0x1;
    pub const CHANNEL_RESPONSE_AUTHN_COOKIE: u16 = 0x2;
    pub const CHANNEL_RESPONSE_UDP_PORT: u16 = 0x4;
}

/// One decoded packet body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message<'a> {
    HandshakeRequest {
        ver_major: u8,
        ver_minor: u8,
        client_version: u16,
        extended_auth: ExtendedAuth,
    },
    HandshakeResponse {
        error_code: GatewayStatus,
        ver_major: u8,
        ver_minor: u8,
        server_version: u16,
        extended_auth: ExtendedAuth,
    },
    ExtendedAuth {
        blob: &'a [u8],
    },
    TunnelCreate {
        caps: Capabilities,
        fields_present: u16,
        paa_cookie: Option<&'a [u8]>,
    },
    TunnelResponse {
        server_version: u16,
        status_code: GatewayStatus,
        fields_present: u16,
        tunnel_id: Option<u32>,
        caps: Option<Capabilities>,
        /// SOH request: nonce GUID and server certificate (UTF-16LE).
        soh_nonce: Option<&'a [u8]>,
        server_cert: Option<&'a [u8]>,
        /// Consent message (UTF-16LE).
        consent_message: Option<&'a [u8]>,
    },
    TunnelAuth {
        fields_present: u16,
        /// Client machine name (UTF-16LE).
        client_name: &'a [u8],
        statement_of_health: Option<&'a [u8]>,
    },
    TunnelAuthResponse {
        error_code: GatewayStatus,
        fields_present: u16,
        redir_flags: Option<u32>,
        idle_timeout_minutes: Option<u32>,
        soh_response: Option<&'a [u8]>,
    },
    ChannelCreate {
        port: u16,
        /// 3 = RDP.
        protocol: u16,
        /// Target names (UTF-16LE), then the alternative ones.
        resources: Vec<&'a [u8]>,
        alt_resources: Vec<&'a [u8]>,
    },
    ChannelResponse {
        error_code: GatewayStatus,
        fields_present: u16,
        channel_id: Option<u32>,
        udp_port: Option<u16>,
        authn_cookie: Option<&'a [u8]>,
    },
    Data {
        data: &'a [u8],
    },
    /// Administrative message (UTF-16LE).
    ServiceMessage {
        message: &'a [u8],
    },
    Reauth {
        context: u64,
    },
    Keepalive,
    CloseChannel {
        status_code: GatewayStatus,
    },
    CloseChannelResponse {
        status_code: GatewayStatus,
    },
    /// A type MS-TSGU does not define: its body.
    Unknown {
        body: &'a [u8],
    },
}

/// A packet with its full decode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TsguPacket<'a> {
    pub header: PacketHeader,
    pub message: Message<'a>,
}

/// UTF-16LE bytes to a `String`, stopping at the first NUL.
pub fn utf16(bytes: &[u8]) -> String {
    rd::utf16z(bytes)
}

/// Inside a complete packet a short field is malformed, not incomplete.
fn short<T>(r: ParseResult<'_, T>) -> ParseResult<'_, T> {
    r.map_err(|e| match e {
        ParseError::Incomplete { .. } => {
            ParseError::invalid(WHAT, "packetLength", "too short for its fields")
        }
        e => e,
    })
}

fn u8_(b: &[u8]) -> ParseResult<'_, u8> {
    short(rd::u8(b))
}
fn u16_(b: &[u8]) -> ParseResult<'_, u16> {
    short(rd::u16_le(b))
}
fn u32_(b: &[u8]) -> ParseResult<'_, u32> {
    short(rd::u32_le(b))
}
fn status(b: &[u8]) -> ParseResult<'_, GatewayStatus> {
    u32_(b).map(|(r, v)| (r, GatewayStatus(v)))
}

/// HTTP_BYTE_BLOB / HTTP_UNICODE_STRING: u16 byte count, then the bytes.
fn blob(b: &[u8]) -> ParseResult<'_, &[u8]> {
    let (r, n) = u16_(b)?;
    short(take(r, usize::from(n)))
}

fn opt<'a, T>(
    present: bool,
    b: &'a [u8],
    f: impl Fn(&'a [u8]) -> ParseResult<'a, T>,
) -> ParseResult<'a, Option<T>> {
    if present {
        f(b).map(|(r, v)| (r, Some(v)))
    } else {
        Ok((b, None))
    }
}

/// Parse one complete packet and decode its body.
pub fn parse_message(input: &[u8]) -> ParseResult<'_, TsguPacket<'_>> {
    let (_, header) = parse_packet_header(input)?;
    let (rest, pkt) = take(input, header.packet_length as usize)?;
    let body = pkt.get(8..).unwrap_or(&[]);
    let message = decode(header.packet_type, body)?;
    Ok((rest, TsguPacket { header, message }))
}

fn decode(t: PacketType, b: &[u8]) -> Result<Message<'_>, ParseError> {
    Ok(match t {
        PacketType::HANDSHAKE_REQUEST => {
            let (b, ver_major) = u8_(b)?;
            let (b, ver_minor) = u8_(b)?;
            let (b, client_version) = u16_(b)?;
            let (_, ext) = u16_(b)?;
            Message::HandshakeRequest {
                ver_major,
                ver_minor,
                client_version,
                extended_auth: ExtendedAuth(ext),
            }
        }
        PacketType::HANDSHAKE_RESPONSE => {
            let (b, error_code) = status(b)?;
            let (b, ver_major) = u8_(b)?;
            let (b, ver_minor) = u8_(b)?;
            let (b, server_version) = u16_(b)?;
            let (_, ext) = u16_(b)?;
            Message::HandshakeResponse {
                error_code,
                ver_major,
                ver_minor,
                server_version,
                extended_auth: ExtendedAuth(ext),
            }
        }
        PacketType::EXTENDED_AUTH_MSG => Message::ExtendedAuth { blob: blob(b)?.1 },
        PacketType::TUNNEL_CREATE => {
            let (b, caps) = u32_(b)?;
            let (b, fields_present) = u16_(b)?;
            let (b, _reserved) = u16_(b)?;
            let present = fields_present & fields::TUNNEL_CREATE_PAA_COOKIE != 0;
            let (_, paa_cookie) = opt(present, b, blob)?;
            Message::TunnelCreate {
                caps: Capabilities(caps),
                fields_present,
                paa_cookie,
            }
        }
        PacketType::TUNNEL_RESPONSE => tunnel_response(b)?,
        PacketType::TUNNEL_AUTH => {
            let (b, fields_present) = u16_(b)?;
            let (b, client_name) = blob(b)?;
            let present = fields_present & fields::TUNNEL_AUTH_SOH != 0;
            let (_, statement_of_health) = opt(present, b, blob)?;
            Message::TunnelAuth {
                fields_present,
                client_name,
                statement_of_health,
            }
        }
        PacketType::TUNNEL_AUTH_RESPONSE => {
            let (b, error_code) = status(b)?;
            let (b, f) = u16_(b)?;
            let (b, _reserved) = u16_(b)?;
            let (b, redir_flags) = opt(f & fields::TUNNEL_AUTH_RESPONSE_REDIR_FLAGS != 0, b, u32_)?;
            let (b, idle) = opt(f & fields::TUNNEL_AUTH_RESPONSE_IDLE_TIMEOUT != 0, b, u32_)?;
            let (_, soh) = opt(f & fields::TUNNEL_AUTH_RESPONSE_SOH_RESPONSE != 0, b, blob)?;
            Message::TunnelAuthResponse {
                error_code,
                fields_present: f,
                redir_flags,
                idle_timeout_minutes: idle,
                soh_response: soh,
            }
        }
        PacketType::CHANNEL_CREATE => {
            let (b, n) = u8_(b)?;
            let (b, n_alt) = u8_(b)?;
            let (b, port) = u16_(b)?;
            let (mut b, protocol) = u16_(b)?;
            let mut resources = Vec::with_capacity(usize::from(n));
            for _ in 0..n {
                let (r, s) = blob(b)?;
                resources.push(s);
                b = r;
            }
            let mut alt_resources = Vec::with_capacity(usize::from(n_alt));
            for _ in 0..n_alt {
                let (r, s) = blob(b)?;
                alt_resources.push(s);
                b = r;
            }
            Message::ChannelCreate {
                port,
                protocol,
                resources,
                alt_resources,
            }
        }
        PacketType::CHANNEL_RESPONSE => {
            let (b, error_code) = status(b)?;
            let (b, f) = u16_(b)?;
            let (b, _reserved) = u16_(b)?;
            let (b, channel_id) = opt(f & fields::CHANNEL_RESPONSE_CHANNEL_ID != 0, b, u32_)?;
            let (b, udp_port) = opt(f & fields::CHANNEL_RESPONSE_UDP_PORT != 0, b, u16_)?;
            let (_, authn_cookie) = opt(f & fields::CHANNEL_RESPONSE_AUTHN_COOKIE != 0, b, blob)?;
            Message::ChannelResponse {
                error_code,
                fields_present: f,
                channel_id,
                udp_port,
                authn_cookie,
            }
        }
        PacketType::DATA => Message::Data { data: blob(b)?.1 },
        PacketType::SERVICE_MESSAGE => Message::ServiceMessage {
            message: blob(b)?.1,
        },
        PacketType::REAUTH_MESSAGE => {
            let (_, v) = short(take(b, 8))?;
            let context = v.iter().rev().fold(0u64, |a, &x| (a << 8) | u64::from(x));
            Message::Reauth { context }
        }
        PacketType::KEEPALIVE => Message::Keepalive,
        PacketType::CLOSE_CHANNEL => Message::CloseChannel {
            status_code: status(b)?.1,
        },
        PacketType::CLOSE_CHANNEL_RESPONSE => Message::CloseChannelResponse {
            status_code: status(b)?.1,
        },
        _ => Message::Unknown { body: b },
    })
}

fn tunnel_response(b: &[u8]) -> Result<Message<'_>, ParseError> {
    let (b, server_version) = u16_(b)?;
    let (b, status_code) = status(b)?;
    let (b, f) = u16_(b)?;
    let (b, _reserved) = u16_(b)?;
    let (b, tunnel_id) = opt(f & fields::TUNNEL_RESPONSE_TUNNEL_ID != 0, b, u32_)?;
    let (b, caps) = opt(f & fields::TUNNEL_RESPONSE_CAPS != 0, b, u32_)?;
    let soh = f & fields::TUNNEL_RESPONSE_SOH_REQ != 0;
    let (b, soh_nonce) = opt(soh, b, |x| short(take(x, 16)))?;
    let (b, server_cert) = opt(soh, b, blob)?;
    let (_, consent_message) = opt(f & fields::TUNNEL_RESPONSE_CONSENT_MSG != 0, b, blob)?;
    Ok(Message::TunnelResponse {
        server_version,
        status_code,
        fields_present: f,
        tunnel_id,
        caps: caps.map(Capabilities),
        soh_nonce,
        server_cert,
        consent_message,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::websocket::{Event, Opcode, Reassembler};

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    /// Feed decrypted TLS records of one direction; return the messages.
    fn messages(records: &[&str]) -> (Vec<Vec<u8>>, Vec<Event>) {
        let mut r = Reassembler::new();
        let mut data = Vec::new();
        let mut control = Vec::new();
        for rec in records {
            for ev in r.push(&hex(rec)) {
                match ev {
                    Event::Message {
                        opcode, data: d, ..
                    } => {
                        assert_eq!(opcode, Opcode::BINARY);
                        data.push(d);
                    }
                    other => control.push(other),
                }
            }
        }
        assert_eq!(r.buffered(), 0);
        (data, control)
    }

    fn one(b: &[u8]) -> Message<'_> {
        let (rest, p) = parse_message(b).unwrap();
        assert!(rest.is_empty());
        assert_eq!(p.header.packet_length as usize, b.len());
        p.message
    }

    #[test]
    fn websocket_rap_denied_client_side() {
        // captures/rdg_ws_rap_denied.pcap frames 14, 16, 17, 23, 25 (decrypted
        // TLS records, xfreerdp 2.11 → gateway): masked binary frames and the
        // masked pong answering the gateway's ping.
        let (msgs, control) = messages(&[
            "828eb272cfa2b372cfa2bc72cfa2b372cfa2b272",
            "8a83d682f68da4e691",
            "8290cb87324ecf87324edb87324ec687324ecb87324e",
            "8292261ab47d201ab47d341ab47d261ab27d501ad97d261a",
            "82a660cbe07968cbe07946cbe07961cbdd7463cbf67951cbd0794ecbd27950cbd3794ecbd0794ecbd17960cb",
        ]);
        assert!(matches!(
            &control[..],
            [Event::Control { opcode: Opcode::PONG, payload, masked: true }] if payload == b"rdg"
        ));
        assert_eq!(
            one(&msgs[0]),
            Message::HandshakeRequest {
                ver_major: 1,
                ver_minor: 0,
                client_version: 0,
                extended_auth: ExtendedAuth(0)
            }
        );
        assert!(matches!(
            one(&msgs[1]),
            Message::TunnelCreate { caps, fields_present: 0, paa_cookie: None }
                if caps == Capabilities::QUAR_SOH
                    | Capabilities::MESSAGING_CONSENT_SIGN
                    | Capabilities::MESSAGING_SERVICE_MSG
        ));
        let Message::TunnelAuth {
            client_name,
            statement_of_health: None,
            ..
        } = one(&msgs[2])
        else {
            panic!()
        };
        assert_eq!(utf16(client_name), "vm"); // the lab machine's host name
        let Message::ChannelCreate {
            port,
            protocol,
            resources,
            alt_resources,
        } = one(&msgs[3])
        else {
            panic!()
        };
        assert_eq!((port, protocol, alt_resources.len()), (3389, 3, 0));
        assert_eq!(utf16(resources[0]), "10.203.0.1");
    }

    #[test]
    fn websocket_rap_denied_gateway_side() {
        // captures/rdg_ws_rap_denied.pcap frames 15, 19, 21, 24, 26 (emulated
        // gateway → client): HANDSHAKE_RESPONSE split over a binary frame and
        // a continuation with a ping between; TUNNEL_RESPONSE's frame split
        // over two TLS records (19, 21); CHANNEL_RESPONSE RAP denied.
        let (msgs, control) = messages(&[
            "020502000000128903726467800d00000000000000010000000000",
            "821a05000000",
            "1a00000000000000000003000000010000003f000000",
            "821007000000100000000000000000000000",
            "82100900000010000000da59078000000000",
        ]);
        assert!(matches!(
            &control[..],
            [Event::Control {
                opcode: Opcode::PING,
                masked: false,
                ..
            }]
        ));
        assert!(matches!(
            one(&msgs[0]),
            Message::HandshakeResponse {
                error_code: GatewayStatus::S_OK,
                ver_major: 1,
                ..
            }
        ));
        assert!(matches!(
            one(&msgs[1]),
            Message::TunnelResponse {
                tunnel_id: Some(1),
                caps: Some(Capabilities(0x3f)),
                ..
            }
        ));
        assert!(matches!(
            one(&msgs[2]),
            Message::TunnelAuthResponse {
                error_code: GatewayStatus::S_OK,
                redir_flags: None,
                ..
            }
        ));
        assert!(matches!(
            one(&msgs[3]),
            Message::ChannelResponse {
                error_code: GatewayStatus::E_PROXY_RAP_ACCESSDENIED,
                channel_id: None,
                ..
            }
        ));
    }

    #[test]
    fn websocket_ok_data_keepalive_service_message() {
        // captures/rdg_ws_ok.pcap frame 27 (client DATA: the tunnelled X.224
        // Connection Request), 28 (gateway KEEPALIVE + SERVICE_MESSAGE, two TLS
        // records), 29 (client KEEPALIVE), 31 (gateway DATA: X.224 Confirm).
        let (c, _) = messages(&[
            "82b6dfe76c54d5e76c54e9e76c54f3e76f54dfcb4bb4dfe76c54dfa4033bb48e096eff8a1f20ac8f0d27b7da3035b38e0f31d2ed6d54d7e76d54dfe7",
            "8288c354b62ace54b62acb54b62a",
        ]);
        let Message::Data { data } = one(&c[0]) else {
            panic!()
        };
        assert_eq!(data.first(), Some(&3)); // TPKT version
        assert_eq!(one(&c[1]), Message::Keepalive);
        let (g, _) = messages(&[
            "82080d00000008000000",
            "82500b0000005000000046004c0061006200200067006100740065007700610079003a0020007400680069007300200069007300200061006e00200065006d0075006c006100740069006f006e002e000000",
            "821d0a0000001d0000001300030000130ed000000000000203080001000000",
        ]);
        assert_eq!(one(&g[0]), Message::Keepalive);
        let Message::ServiceMessage { message } = one(&g[1]) else {
            panic!()
        };
        assert_eq!(utf16(message), "Lab gateway: this is an emulation.");
        let Message::Data { data } = one(&g[2]) else {
            panic!()
        };
        assert_eq!(data.len(), 19);
    }

    #[test]
    fn hand_made_types_without_a_capture() {
        // hand-made (no client or emulation here sends them): REAUTH,
        // CLOSE_CHANNEL(+RESPONSE), EXTENDED_AUTH, unknown type, optional
        // fields of TUNNEL_AUTH_RESPONSE / CHANNEL_RESPONSE; layouts per
        // MS-TSGU 2.2.10.
        let reauth = [0x0C, 0, 0, 0, 16, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8];
        assert_eq!(
            one(&reauth),
            Message::Reauth {
                context: 0x0807_0605_0403_0201
            }
        );
        let close = [0x10, 0, 0, 0, 12, 0, 0, 0, 0xCA, 0x04, 0, 0];
        assert_eq!(
            one(&close),
            Message::CloseChannel {
                status_code: GatewayStatus::ERROR_GRACEFUL_DISCONNECT
            }
        );
        let close_rsp = [0x11, 0, 0, 0, 12, 0, 0, 0, 0, 0, 0, 0];
        assert_eq!(
            one(&close_rsp),
            Message::CloseChannelResponse {
                status_code: GatewayStatus::S_OK
            }
        );
        let ext = [0x03, 0, 0, 0, 12, 0, 0, 0, 2, 0, 0xAA, 0xBB];
        assert_eq!(
            one(&ext),
            Message::ExtendedAuth {
                blob: &[0xAA, 0xBB]
            }
        );
        let unknown = [0x42, 0, 0, 0, 9, 0, 0, 0, 7];
        assert_eq!(one(&unknown), Message::Unknown { body: &[7] });
        let tar = [
            7, 0, 0, 0, 26, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 1, 0, 0, 0, 30, 0, 0, 0, 0, 0,
        ];
        assert!(matches!(
            one(&tar),
            Message::TunnelAuthResponse {
                redir_flags: Some(1),
                idle_timeout_minutes: Some(30),
                ..
            }
        ));
        let cr = [
            9, 0, 0, 0, 24, 0, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0, 5, 0, 0, 0, 0x3d, 0x0d, 0, 0,
        ];
        let Message::ChannelResponse {
            channel_id,
            udp_port,
            authn_cookie,
            ..
        } = one(&cr)
        else {
            panic!()
        };
        assert_eq!(
            (channel_id, udp_port, authn_cookie),
            (Some(5), Some(3389), Some(&[][..]))
        );
        // a field announced but missing is malformed, not incomplete.
        let short = [7, 0, 0, 0, 16, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0];
        assert!(matches!(
            parse_message(&short),
            Err(ParseError::Invalid { .. })
        ));
        assert!(parse_message(&short[..10]).unwrap_err().is_incomplete());
    }
}
