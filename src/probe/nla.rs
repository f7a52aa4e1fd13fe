//! NLA information without credentials: a CredSSP TSRequest carrying an NTLM
//! NEGOTIATE message; the server's CHALLENGE names the machine and domain,
//! its Windows version and its clock. The probe stops there: no
//! AUTHENTICATE, no credentials.

use crate::session::ntlm_challenge::challenge_facts;
use rdpdiag_parsers::{credssp, ntlm, spnego};
use serde::Serialize;
use std::io::{Read, Write};

/// NEGOTIATE flags: 56/128-bit, KEY_EXCH, VERSION, TARGET_INFO, extended
/// session security, ALWAYS_SIGN, NTLM, SEAL, SIGN, REQUEST_TARGET, UNICODE
/// (the set FreeRDP and Windows clients send, MS-NLMP 2.2.2.5).
const NEGOTIATE_FLAGS: u32 = 0xE288_8235;

/// NTLM NEGOTIATE_MESSAGE (MS-NLMP 2.2.1.1), no domain/workstation.
pub fn ntlm_negotiate() -> Vec<u8> {
    let mut m = Vec::with_capacity(40);
    m.extend_from_slice(ntlm::SIGNATURE);
    m.extend_from_slice(&1u32.to_le_bytes());
    m.extend_from_slice(&NEGOTIATE_FLAGS.to_le_bytes());
    m.extend_from_slice(&[0u8; 8]); // DomainNameFields
    m.extend_from_slice(&[0u8; 8]); // WorkstationFields
                                    // VERSION: 10.0 build 20348, NTLMSSP_REVISION_W2K3
    m.extend_from_slice(&[10, 0]);
    m.extend_from_slice(&20348u16.to_le_bytes());
    m.extend_from_slice(&[0, 0, 0, 0x0F]);
    m
}

/// DER TLV with definite length (the only encoding CredSSP uses).
fn tlv(tag: u8, value: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let n = value.len();
    if n < 0x80 {
        out.push(n as u8);
    } else if n < 0x100 {
        out.extend_from_slice(&[0x81, n as u8]);
    } else {
        out.push(0x82);
        out.extend_from_slice(&(n.min(0xFFFF) as u16).to_be_bytes());
    }
    out.extend_from_slice(value);
    out
}

/// TSRequest { version [0] INTEGER, negoTokens [1] SEQUENCE OF SEQUENCE {
/// negoToken [0] OCTET STRING } } (MS-CSSP 2.2.1).
pub fn ts_request(version: u8, token: &[u8]) -> Vec<u8> {
    let ver = tlv(0xA0, &tlv(0x02, &[version]));
    let item = tlv(0x30, &tlv(0xA0, &tlv(0x04, token)));
    let nego = tlv(0xA1, &tlv(0x30, &item));
    let mut body = ver;
    body.extend_from_slice(&nego);
    tlv(0x30, &body)
}

/// What the CHALLENGE told.
#[derive(Debug, Clone, Default, Serialize)]
pub struct NlaInfo {
    /// TSRequest version the server answered with.
    pub credssp_version: Option<u32>,
    pub target_name: Option<String>,
    pub netbios_computer: Option<String>,
    pub netbios_domain: Option<String>,
    pub dns_computer: Option<String>,
    pub dns_domain: Option<String>,
    pub dns_tree: Option<String>,
    /// Windows version from the CHALLENGE VERSION field, e.g. "10.0 build 20348".
    pub os_version: Option<String>,
    /// Server time (MsvAvTimestamp), RFC 3339.
    pub server_time: Option<String>,
    /// Server clock minus ours, seconds.
    pub clock_skew_s: Option<i64>,
    /// NTSTATUS the server put in TSRequest.errorCode instead of a challenge.
    pub error_code: Option<String>,
    /// Frame of the CHALLENGE in the probe's capture.
    #[serde(skip)]
    pub frame: u64,
}

/// Exchange NEGOTIATE/CHALLENGE over an established TLS stream `s`.
pub fn challenge<S: Read + Write>(s: &mut S, now_unix: i64) -> Result<NlaInfo, String> {
    s.write_all(&ts_request(6, &ntlm_negotiate()))
        .map_err(|e| format!("sending the TSRequest: {e}"))?;
    s.flush().map_err(|e| e.to_string())?;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        match credssp::parse_ts_request(&buf) {
            Ok((_, ts)) => return Ok(decode(&ts, now_unix)),
            Err(e) if e.is_incomplete() => {}
            Err(e) => return Err(format!("the server's answer is not a TSRequest: {e}")),
        }
        match s.read(&mut chunk) {
            Ok(0) => {
                return Err(if buf.is_empty() {
                    "the server closed the connection instead of answering the NTLM NEGOTIATE"
                        .to_string()
                } else {
                    "the server closed the connection mid-TSRequest".to_string()
                })
            }
            Ok(n) => {
                buf.extend_from_slice(chunk.get(..n).unwrap_or_default());
                if buf.len() > 1 << 16 {
                    return Err("TSRequest too long".into());
                }
            }
            Err(e) => return Err(format!("no CHALLENGE: {e}")),
        }
    }
}

fn decode(ts: &credssp::TsRequest<'_>, now_unix: i64) -> NlaInfo {
    let mut info = NlaInfo {
        credssp_version: Some(ts.version),
        error_code: ts.error_code.map(|c| c.to_string()),
        ..NlaInfo::default()
    };
    for tok in &ts.nego_tokens {
        let raw = match spnego::unwrap_mech_token(tok) {
            spnego::MechToken::Ntlm(b) => b,
            _ => continue,
        };
        if let Ok((_, ntlm::NtlmMessage::Challenge(c))) = ntlm::parse_ntlm(raw) {
            let cf = challenge_facts(&c, now_unix);
            info.target_name = cf.target_name;
            info.netbios_computer = cf.netbios_computer;
            info.netbios_domain = cf.netbios_domain;
            info.dns_computer = cf.dns_computer;
            info.dns_domain = cf.dns_domain;
            info.dns_tree = cf.dns_tree;
            info.os_version = cf.os_version;
            // Earlier values stay when this CHALLENGE has no timestamp.
            if let (Some(t), Some(skew)) = (cf.server_time, cf.clock_skew_s) {
                info.server_time = Some(t);
                info.clock_skew_s = Some(skew);
            }
        }
    }
    info
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tsrequest_round_trips_through_the_parsers() {
        let req = ts_request(6, &ntlm_negotiate());
        let (rest, ts) = credssp::parse_ts_request(&req).expect("our own TSRequest parses");
        assert!(rest.is_empty());
        assert_eq!(ts.version, 6);
        assert_eq!(ts.nego_tokens.len(), 1);
        match ntlm::parse_ntlm(ts.nego_tokens[0]) {
            Ok((_, ntlm::NtlmMessage::Negotiate(n))) => {
                assert_eq!(n.flags.0, NEGOTIATE_FLAGS);
                assert_eq!(n.version.map(|v| v.build), Some(20348));
            }
            other => panic!("not a NEGOTIATE: {other:?}"),
        }
    }
}
