//! What to capture next, and what the number ranges mean for a code no table defines.

use super::lookup::hex;
use super::Match;
use crate::codes::{mstsc, Table};

const CAPTURE_BASE: &str = "Capture on the client while reproducing: Wireshark/dumpcap with capture filter \"tcp port 3389 or udp port 3389\", or the built-in pktmon (pktmon filter add RDP -p 3389; pktmon start --capture --pkt-size 0; reproduce; pktmon stop; pktmon etl2pcap PktMon.etl), then run `rdpdiag analyze <capture>`.";
const CAPTURE_FROM_START: &str = "Start the capture before clicking Connect so the TCP handshake, the X.224 negotiation (cleartext) and the TLS ClientHello/ServerHello and any alert are recorded.";
const CAPTURE_CREDSSP: &str = "CredSSP (NLA) results travel inside TLS: to see the errorCode, reproduce with FreeRDP (/tls:secrets-file:<file>) or IronRDP (SSLKEYLOGFILE) and give rdpdiag the key log; otherwise read Security event 4625 (Status / Sub Status) on the server or DC.";
const CAPTURE_SCHANNEL: &str = "Collect the server's System log entries from source Schannel (36870, 36874, 36888) for the time of the attempt.";
const CAPTURE_LICENSING: &str = "Licensing runs inside TLS; on the session host run RD Licensing Diagnoser (lsdiag.msc) and export TerminalServices-Licensing / RemoteConnectionManager events.";
const CAPTURE_PROTOCOL: &str = "Export the server's RemoteDesktopServices-RdpCoreTS/Operational log for the time of the disconnect; with a key log (FreeRDP /tls:secrets-file:) rdpdiag can decode the Set Error Info PDU.";
const CAPTURE_NETWORK: &str = "Include DNS in the capture (udp port 53) and check whether SYNs get a SYN-ACK, an RST, or nothing; capture on the server side too to see whether packets arrive.";
const CAPTURE_SESSION: &str = "Read TerminalServices-LocalSessionManager/Operational on the server: it records who or what ended the session.";
const CAPTURE_UNKNOWN: &str =
    "On Windows, `certutil -error <code>` decodes most Win32, HRESULT and NTSTATUS values.";

const RANGES_OVERVIEW: &str = "What the number ranges mean: mstsc discReason classes by low byte [inference] 0x04 network/socket, 0x06 security layer, 0x07 credentials (SSL_ERR_*), 0x08 licensing/internal; mstsc extended reasons 0–12 session/server decisions, 256–267 licensing, 768 invalid credentials, 4096–32767 internal protocol error (check the server's event log); ERRINFO 0x1–0x18 session, 0x100–0x10A licensing, 0x400–0x412 connection broker, 0x10C9–0x1195 protocol errors; FreeRDP 0x0001xxxx (ERRINFO) and 0x0002xxxx (ERRCONNECT); NTSTATUS 0xC000xxxx; TLS alerts 0–120; RDP_NEG_FAILURE 1–6; licensing dwErrorCode 0x1–0xC.";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Family {
    Network,
    Tls,
    Credentials,
    Negotiation,
    Licensing,
    Protocol,
    Session,
    Other,
}

fn family(table: Table, code: u32) -> Family {
    match table {
        Table::NtStatus | Table::Rdstls | Table::EarlyUserAuth => Family::Credentials,
        Table::Sspi | Table::Kerberos => Family::Credentials,
        Table::Gateway => Family::Other,
        Table::McsResult | Table::McsReason => Family::Protocol,
        Table::NegoFailure => Family::Negotiation,
        Table::License => Family::Licensing,
        Table::TlsAlert if code == 80 => Family::Credentials,
        Table::TlsAlert => Family::Tls,
        Table::MstscDisconnect => match (code, code & 0xFF) {
            (0x904 | 0x1B07 | 0x2104, _) => Family::Tls,
            (0x708, _) | (0..=3, _) => Family::Session,
            (0x808 | 0x908, _) => Family::Licensing,
            (0x1104 | 0xD06, _) => Family::Protocol,
            (_, 0x04) => Family::Network,
            (_, 0x06) => Family::Tls,
            (_, 0x07) | (_, 0x09) => Family::Credentials,
            _ => Family::Other,
        },
        Table::MstscExtended => match code {
            7 | 8 => Family::Tls,
            9 | 10 | 768 => Family::Credentials,
            256..=267 => Family::Licensing,
            4096..=32767 => Family::Protocol,
            _ => Family::Session,
        },
        Table::ErrInfo | Table::FreerdpErrInfo => match code & 0xFFFF {
            7 => Family::Tls,
            9 | 0xA => Family::Credentials,
            0x100..=0x1FF => Family::Licensing,
            0x1000..=0x1FFF => Family::Protocol,
            _ => Family::Session,
        },
        Table::FreerdpConnect => match code & 0xFFFF {
            0x04..=0x06 => Family::Network,
            0x08 | 0x0D => Family::Tls,
            0x0C | 0x1E => Family::Negotiation,
            0x09..=0x0A | 0x0E..=0x1B => Family::Credentials,
            _ => Family::Other,
        },
    }
}

pub(super) fn what_to_capture(matches: &[Match]) -> Vec<&'static str> {
    let mut out = vec![CAPTURE_BASE];
    let mut push = |s: &'static str| {
        if !out.contains(&s) {
            out.push(s);
        }
    };
    for m in matches {
        match family(m.table, m.code) {
            Family::Network => push(CAPTURE_NETWORK),
            Family::Tls => {
                push(CAPTURE_FROM_START);
                push(CAPTURE_SCHANNEL);
            }
            Family::Credentials => push(CAPTURE_CREDSSP),
            Family::Negotiation => push(CAPTURE_FROM_START),
            Family::Licensing => push(CAPTURE_LICENSING),
            Family::Protocol => push(CAPTURE_PROTOCOL),
            Family::Session => push(CAPTURE_SESSION),
            Family::Other => {}
        }
    }
    if matches.is_empty() {
        push(CAPTURE_UNKNOWN);
    }
    out
}

pub(super) fn range_notes(v: u32) -> Vec<String> {
    let mut out = Vec::new();
    out.push(RANGES_OVERVIEW.to_string());
    if let Some(class) = mstsc::disc_class(v) {
        out.push(format!(
            "Read as a discReason, {} falls in the {class} class.",
            hex(v)
        ));
    }
    if (mstsc::EXT_PROTOCOL_RANGE_START..=mstsc::EXT_PROTOCOL_RANGE_END).contains(&v) {
        out.push("Read as an extended reason, 4096–32767 is the internal protocol-error range: check the server's RemoteDesktopServices-RdpCoreTS/Operational log.".to_string());
    }
    if (0x100..=0x1FF).contains(&v) {
        out.push(
            "ERRINFO 0x100–0x10A are licensing errors; this value is outside the defined ones."
                .to_string(),
        );
    }
    if (0x400..=0x4FF).contains(&v) {
        out.push("ERRINFO 0x400–0x412 are connection-broker errors; this value is outside the defined ones.".to_string());
    }
    if (0x10C9..=0x1195).contains(&v) {
        out.push(
            "Inside the ERRINFO protocol-error range 0x10C9–0x1195, but not a defined code."
                .to_string(),
        );
    }
    match v >> 16 {
        1 => out.push(
            "FreeRDP class 1 (ERRINFO) prefix, but the type is not a known ERRINFO code."
                .to_string(),
        ),
        2 => out.push(
            "FreeRDP class 2 (ERRCONNECT) prefix, but the type is not a known ERRCONNECT code."
                .to_string(),
        ),
        0x0300 => out.push(
            "0x03xxxxxx values are RD Gateway disconnect codes in mstsc [undocumented]."
                .to_string(),
        ),
        _ => {}
    }
    if v & 0xC000_0000 == 0xC000_0000 {
        out.push(
            "Severity bits 0xC... mark an NTSTATUS error; `certutil -error` on Windows names it."
                .to_string(),
        );
    } else if v & 0x8000_0000 != 0 {
        out.push("High bit set: an HRESULT / SECURITY_STATUS (0x8009xxxx are SSPI/Schannel errors such as SEC_E_INTERNAL_ERROR 0x80090304); `certutil -error` on Windows names it.".to_string());
    }
    out
}
