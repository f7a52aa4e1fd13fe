//! `rdpdiag explain CODE [EXTENDED]`: parse what the user typed, find every
//! table the code could belong to, rank the candidates, and add a combined
//! reading and capture advice.

use std::fmt;

use serde::Serialize;

use super::{
    auth, errinfo, errinfo_to_extended, find, freerdp, mstsc, ntstatus, CodeInfo, Outcome, Table,
};

/// How a match relates to the query.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The first code of a pair, read as an mstsc `discReason`.
    DiscReason,
    /// The second code of a pair, read as an mstsc extended reason.
    ExtendedReason,
    /// One possible reading of an ambiguous code or name.
    Candidate,
    /// A reading in the other radix (e.g. "0x516" read as decimal 516),
    /// offered only when the literal reading matched nothing.
    AlternateReading,
}

/// One table entry that matches the query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Match {
    /// How this match relates to the query.
    pub role: Role,
    /// Which table.
    pub table: Table,
    /// The table's human title.
    pub table_title: &'static str,
    /// The code as queried (with any FreeRDP class prefix).
    pub code: u32,
    /// The code in hex, e.g. `0x904`.
    pub code_hex: String,
    /// Symbolic name.
    pub name: &'static str,
    /// Meaning.
    pub meaning: String,
    /// Success, benign end or failure.
    pub outcome: Outcome,
    /// Typical causes.
    pub causes: Vec<&'static str>,
    /// Windows-side remediation.
    pub fix: Vec<&'static str>,
    /// Equivalent or related codes in other tables.
    pub see_also: Vec<String>,
}

/// The answer to `rdpdiag explain`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Explanation {
    /// The code as typed.
    pub query: String,
    /// The extended code as typed, if any.
    pub extended_query: Option<String>,
    /// Matches, best first.
    pub matches: Vec<Match>,
    /// For a discReason + extended pair: what the two mean together.
    pub combined_reading: Option<String>,
    /// What to collect next to pin the cause down.
    pub what_to_capture: Vec<&'static str>,
    /// Parsing remarks, ambiguity warnings, range hints for unknown codes.
    pub notes: Vec<String>,
    /// Analyzer rules that can produce this code (filled in by the caller).
    pub related_rules: Vec<String>,
}

impl Explanation {
    /// True when no table matched.
    pub fn is_unknown(&self) -> bool {
        self.matches.is_empty()
    }
}

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

const SPECIAL_904_7: &str = "The server closed the connection early, before any session existed, and mstsc attributes it to the server denying the connection. Typical causes: an expired or corrupt self-signed RDP certificate, or a private key TermService cannot read (MachineKeys permissions; System log Schannel 36870); a security layer / NLA mismatch between client and server; less often a connection limit or a network device closing the connection. The certificate and key causes come from field reports, not documentation. A capture tells them apart: FIN/RST from the server right after the ClientHello points at the certificate or key; an RDP_NEG_FAILURE or a protocol fallback points at the security layer.";

/// Explain a code, or a discReason + extended reason pair.
///
/// `code` may be hex (`0x904`, `904h`), decimal (`2308`), negative decimal
/// (`-1073741715`, read as a 32-bit two's-complement value), an HRESULT
/// wrapping a Win32 or NT code, or a symbolic name from any table. With
/// `extended`, `code` is read as an mstsc discReason and `extended` as an
/// extended disconnect reason. A single string holding two codes
/// (`"0x904 0x7"`, `"0x904/0x7"`) is treated as a pair.
pub fn explain(code: &str, extended: Option<&str>) -> Explanation {
    let code = code.trim();
    match extended.map(str::trim).filter(|e| !e.is_empty()) {
        Some(ext) => explain_pair(code, ext),
        None => {
            let parts: Vec<&str> = code
                .split(|c: char| c.is_whitespace() || c == '/' || c == ',' || c == ';')
                .filter(|p| !p.is_empty())
                .collect();
            match parts.as_slice() {
                [d, e] if is_pair(d, e) => {
                    let mut x = explain_pair(d, e);
                    x.query = code.to_string();
                    x
                }
                _ => explain_single(code),
            }
        }
    }
}

/// Two tokens in one string form a discReason + extended pair when both are
/// numbers, or both are names from the two mstsc tables.
fn is_pair(d: &str, e: &str) -> bool {
    if parse_number(d).is_some() && parse_number(e).is_some() {
        return true;
    }
    let mut scratch = Vec::new();
    parse_number(d).is_none()
        && parse_number(e).is_none()
        && resolve_in(Table::MstscDisconnect, d, &mut scratch).is_some()
        && resolve_in(Table::MstscExtended, e, &mut scratch).is_some()
}

// ---------------------------------------------------------------------------
// Parsing

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Radix {
    Hex,
    Decimal,
    Negative,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Num {
    value: u32,
    radix: Radix,
    /// The same digits read in the other radix.
    alt: Option<u32>,
}

fn parse_u32(digits: &str, radix: u32) -> Option<u32> {
    if digits.is_empty() || digits.len() > 20 {
        return None;
    }
    u64::from_str_radix(digits, radix)
        .ok()
        .and_then(|v| u32::try_from(v).ok())
}

fn parse_number(s: &str) -> Option<Num> {
    let s = s.trim().replace('_', "");
    let s = s.as_str();
    if let Some(rest) = s.strip_prefix('-') {
        let n = parse_number(rest)?;
        if n.radix == Radix::Negative || n.value > 0x8000_0000 || n.value == 0 {
            return None;
        }
        return Some(Num {
            value: 0u32.wrapping_sub(n.value),
            radix: Radix::Negative,
            alt: None,
        });
    }
    if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        let value = parse_u32(h, 16)?;
        let alt = if h.chars().all(|c| c.is_ascii_digit()) {
            parse_u32(h, 10).filter(|&a| a != value)
        } else {
            None
        };
        return Some(Num {
            value,
            radix: Radix::Hex,
            alt,
        });
    }
    if let Some(h) = s.strip_suffix('h').or_else(|| s.strip_suffix('H')) {
        if !h.is_empty() && h.chars().all(|c| c.is_ascii_hexdigit()) {
            return Some(Num {
                value: parse_u32(h, 16)?,
                radix: Radix::Hex,
                alt: None,
            });
        }
    }
    if !s.is_empty() && s.chars().all(|c| c.is_ascii_digit()) {
        let value = parse_u32(s, 10)?;
        let alt = if s.len() <= 8 {
            parse_u32(s, 16).filter(|&a| a != value)
        } else {
            None
        };
        return Some(Num {
            value,
            radix: Radix::Decimal,
            alt,
        });
    }
    // Bare hex such as "c000006d": needs a digit and a hex letter.
    if s.len() <= 8
        && s.chars().all(|c| c.is_ascii_hexdigit())
        && s.chars().any(|c| c.is_ascii_digit())
    {
        return Some(Num {
            value: parse_u32(s, 16)?,
            radix: Radix::Hex,
            alt: None,
        });
    }
    None
}

fn normalize(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Prefixes dropped for the looser name comparison (normalized, longest first).
const NAME_PREFIXES: &[&str] = &[
    "disconnectreason",
    "exdiscreason",
    "errconnect",
    "errinfocb",
    "errinfo",
    "sslerr",
    "status",
    "error",
    "authz",
    "err",
];

fn strip_prefix(n: &str) -> &str {
    for p in NAME_PREFIXES {
        if let Some(rest) = n.strip_prefix(p) {
            if !rest.is_empty() {
                return rest;
            }
        }
    }
    n
}

fn all_entries() -> impl Iterator<Item = (Table, &'static CodeInfo)> {
    Table::ALL
        .into_iter()
        .flat_map(|t| t.entries().iter().map(move |e| (t, e)))
        .chain(std::iter::once((
            Table::MstscExtended,
            &mstsc::EXT_PROTOCOL_RANGE,
        )))
}

/// Name lookup: exact (normalized) names first, then names equal after
/// dropping a family prefix, then substrings.
fn lookup_name(query: &str) -> Vec<(Table, &'static CodeInfo, u32)> {
    let mut q = normalize(query);
    let mut freerdp_errinfo = false;
    if let Some(rest) = q.strip_prefix("freerdperrorconnect") {
        q = format!("errconnect{rest}");
    } else if let Some(rest) = q.strip_prefix("freerdperror") {
        q = format!("errinfo{rest}");
        freerdp_errinfo = true;
    }
    if q.is_empty() {
        return Vec::new();
    }
    let with_code = |(t, e): (Table, &'static CodeInfo)| {
        if freerdp_errinfo && t == Table::ErrInfo {
            (
                Table::FreerdpErrInfo,
                e,
                (freerdp::CLASS_ERRINFO << 16) | e.code,
            )
        } else {
            (t, e, e.code)
        }
    };
    let exact: Vec<_> = all_entries()
        .filter(|(_, e)| normalize(e.name) == q)
        .map(with_code)
        .collect();
    if !exact.is_empty() {
        return exact;
    }
    let qs = strip_prefix(&q).to_string();
    let loose: Vec<_> = all_entries()
        .filter(|(_, e)| strip_prefix(&normalize(e.name)) == qs)
        .map(with_code)
        .collect();
    if !loose.is_empty() || qs.len() < 4 {
        return loose;
    }
    all_entries()
        .filter(|(_, e)| normalize(e.name).contains(&qs))
        .take(12)
        .map(with_code)
        .collect()
}

/// Every table a number could belong to, in ranking order.
fn lookup_number(v: u32) -> Vec<(Table, &'static CodeInfo, u32)> {
    let mut out: Vec<(Table, &'static CodeInfo, u32)> = Table::ALL
        .into_iter()
        .filter_map(|t| t.lookup(v).map(|e| (t, e, v)))
        .collect();
    // HRESULT_FROM_WIN32: 0x8007xxxx wraps a Win32 error (RDSTLS results).
    if v & 0xFFFF_0000 == 0x8007_0000 {
        if let Some(e) = find(auth::RDSTLS_RESULTS, v & 0xFFFF) {
            out.push((Table::Rdstls, e, v & 0xFFFF));
        }
    }
    // HRESULT_FROM_NT: NTSTATUS | 0x10000000.
    if v & 0xF000_0000 == 0xD000_0000 {
        let nt = v & !0x1000_0000;
        if let Some(e) = find(ntstatus::NTSTATUS, nt) {
            out.push((Table::NtStatus, e, nt));
        }
    }
    out
}

// ---------------------------------------------------------------------------
// Building matches

fn hex(v: u32) -> String {
    format!("0x{v:X}")
}

fn make_match(role: Role, table: Table, info: &'static CodeInfo, code: u32) -> Match {
    let mut meaning = info.meaning.to_string();
    if table == Table::MstscExtended && std::ptr::eq(info, &mstsc::EXT_PROTOCOL_RANGE) {
        match find(errinfo::ERRINFO, code) {
            Some(e) => meaning.push_str(&format!(
                " This value is the server's {} ({}): {}",
                e.name,
                hex(code),
                e.meaning
            )),
            None => meaning.push_str(" No ERRINFO code with this number is defined."),
        }
    }
    Match {
        role,
        table,
        table_title: table.title(),
        code,
        code_hex: hex(code),
        name: info.name,
        meaning,
        outcome: info.outcome,
        causes: info.likely_causes.to_vec(),
        fix: info.fix.to_vec(),
        see_also: see_also(table, code),
    }
}

fn see_also(table: Table, code: u32) -> Vec<String> {
    let mut out = Vec::new();
    match table {
        Table::NtStatus => {
            for m in ntstatus::NTSTATUS_TO_MSTSC.iter().filter(|m| m.ntstatus == code) {
                if let Some(d) = find(mstsc::DISC_REASONS, m.mstsc) {
                    out.push(format!(
                        "mstsc discReason {} {}{}",
                        hex(d.code),
                        d.name,
                        if m.inference { " [inference]" } else { "" }
                    ));
                }
            }
            let fr = ntstatus::NTSTATUS_TO_FREERDP
                .iter()
                .find(|(nt, _)| *nt == code)
                .map(|(_, f)| *f)
                .unwrap_or(ntstatus::FREERDP_AUTHENTICATION_FAILED);
            if let Some(f) = find(freerdp::ERRCONNECT, fr) {
                out.push(format!("FreeRDP {:#010X} {}", f.code, f.name));
            }
            out.push(format!(
                "Security event 4625 Status/Sub Status {:#010X}",
                code
            ));
        }
        Table::MstscDisconnect => {
            for m in ntstatus::NTSTATUS_TO_MSTSC.iter().filter(|m| m.mstsc == code) {
                if let Some(n) = find(ntstatus::NTSTATUS, m.ntstatus) {
                    out.push(format!(
                        "CredSSP errorCode {:#010X} {}{}",
                        n.code,
                        n.name,
                        if m.inference { " [inference]" } else { "" }
                    ));
                }
            }
            if let Some(class) = mstsc::disc_class(code) {
                out.push(format!("class: {class} [inference from the table]"));
            }
        }
        Table::ErrInfo | Table::FreerdpErrInfo => {
            let e = code & 0xFFFF;
            if let Some(x) = errinfo_to_extended(e).and_then(|x| mstsc::extended(x).map(|i| (x, i)))
            {
                out.push(format!("mstsc extended reason {} ({}) {}", x.0, hex(x.0), x.1.name));
            }
            if table == Table::ErrInfo {
                out.push(format!(
                    "FreeRDP {:#010X} (class 1)",
                    (freerdp::CLASS_ERRINFO << 16) | e
                ));
            } else if let Some(i) = find(errinfo::ERRINFO, e) {
                out.push(format!("Set Error Info errorInfo {} {}", hex(e), i.name));
            }
        }
        Table::MstscExtended if errinfo_to_extended(code) == Some(code) => {
            if let Some(e) = find(errinfo::ERRINFO, code) {
                out.push(format!(
                    "server Set Error Info {} {} (same number)",
                    hex(code),
                    e.name
                ));
            }
        }
        Table::Rdstls => {
            for (w, nt) in auth::RDSTLS_TO_NTSTATUS.iter().filter(|(w, _)| *w == code) {
                if let Some(n) = find(ntstatus::NTSTATUS, *nt) {
                    out.push(format!("NTSTATUS {:#010X} {} (Win32 {})", n.code, n.name, hex(*w)));
                }
            }
            out.push(format!("HRESULT_FROM_WIN32: {:#010X}", 0x8007_0000 | code));
        }
        Table::EarlyUserAuth if code == 5 => {
            out.push("FreeRDP 0x00020016 ERRCONNECT_ACCESS_DENIED".to_string());
        }
        Table::NegoFailure => match code {
            3 => out.push("FreeRDP 0x00020008 ERRCONNECT_TLS_CONNECT_FAILED".to_string()),
            5 => out.push(
                "FreeRDP 0x0002001E ERRCONNECT_HYBRID_REQUIRED_BY_SERVER (when NLA is disabled on the client)"
                    .to_string(),
            ),
            _ => {}
        },
        Table::License if code == crate::codes::license::STATUS_VALID_CLIENT => {
            out.push(
                "Not ERRINFO 0x7 / extended 0x7 (server denied): in a licensing ERROR_ALERT, 0x7 means success"
                    .to_string(),
            );
        }
        Table::TlsAlert if code == 40 => {
            out.push("Schannel events 36874 and 36888 (alert code 40) on a Windows server".to_string());
        }
        _ => {}
    }
    out
}

// ---------------------------------------------------------------------------
// Capture advice

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

fn what_to_capture(matches: &[Match]) -> Vec<&'static str> {
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

// ---------------------------------------------------------------------------
// Single code

fn radix_word(r: Radix) -> &'static str {
    match r {
        Radix::Hex => "hex",
        Radix::Decimal => "decimal",
        Radix::Negative => "negative decimal (32-bit two's complement)",
    }
}

fn explain_single(code: &str) -> Explanation {
    let mut notes = Vec::new();
    let mut matches = Vec::new();
    if code.is_empty() {
        notes.push(
            "Empty code: pass a number (0x904, 2308) or a name (SSL_ERR_LOGON_FAILURE)."
                .to_string(),
        );
    } else if let Some(n) = parse_number(code) {
        notes.push(match n.radix {
            Radix::Decimal => format!(
                "Read \"{code}\" as decimal: {} = {}.",
                n.value,
                hex(n.value)
            ),
            r => format!(
                "Read \"{code}\" as {}: {} = {}.",
                radix_word(r),
                hex(n.value),
                n.value
            ),
        });
        matches = lookup_number(n.value)
            .into_iter()
            .map(|(t, e, c)| make_match(Role::Candidate, t, e, c))
            .collect();
        if matches.is_empty() {
            if let Some(alt) = n.alt {
                // Only exact entries: the wide extended protocol range would
                // make almost any re-read number "match".
                let alt_matches: Vec<Match> = lookup_number(alt)
                    .into_iter()
                    .filter(|(_, e, _)| !std::ptr::eq(*e, &mstsc::EXT_PROTOCOL_RANGE))
                    .map(|(t, e, c)| make_match(Role::AlternateReading, t, e, c))
                    .collect();
                if !alt_matches.is_empty() {
                    notes.push(format!(
                        "Nothing matches {}; read in the other radix it is {} = {}, which does match. Codes are often quoted with the wrong prefix (\"0x516\" for decimal 516 = 0x204).",
                        hex(n.value),
                        hex(alt),
                        alt
                    ));
                    matches = alt_matches;
                }
            }
        }
        if matches.is_empty() {
            notes.extend(range_notes(n.value));
        } else {
            if distinct_tables(&matches) > 1 {
                notes.push("A bare number is ambiguous: it is listed under every table that defines it, most likely reading first. If mstsc showed two codes, pass both (`rdpdiag explain 0x904 0x7`) so the first is read as the disconnect reason and the second as the extended reason.".to_string());
            }
            if !matches.iter().any(|m| m.table == Table::MstscDisconnect) {
                if let Some(class) = mstsc::disc_class(n.value) {
                    notes.push(format!(
                        "As an mstsc discReason, {} is undocumented; its low byte puts it in the {class} class [inference].",
                        hex(n.value)
                    ));
                }
            }
        }
    } else {
        matches = lookup_name(code)
            .into_iter()
            .map(|(t, e, c)| make_match(Role::Candidate, t, e, c))
            .collect();
        if matches.is_empty() {
            notes.push(format!(
                "\"{code}\" is neither a number nor a name in any table."
            ));
        }
    }
    if matches.is_empty() {
        notes.push(format!("No table defines \"{code}\"."));
    }
    let what = what_to_capture(&matches);
    Explanation {
        query: code.to_string(),
        extended_query: None,
        matches,
        combined_reading: None,
        what_to_capture: what,
        notes,
        related_rules: Vec::new(),
    }
}

fn distinct_tables(matches: &[Match]) -> usize {
    let mut t: Vec<Table> = matches.iter().map(|m| m.table).collect();
    t.sort();
    t.dedup();
    t.len()
}

fn range_notes(v: u32) -> Vec<String> {
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

// ---------------------------------------------------------------------------
// Pair: discReason + extended reason

/// Resolve one side of a pair within `table`: a number (trying the other
/// radix if the literal reading is not in the table) or a name.
fn resolve_in(table: Table, s: &str, notes: &mut Vec<String>) -> Option<u32> {
    if let Some(n) = parse_number(s) {
        if table.lookup(n.value).is_some() {
            return Some(n.value);
        }
        if let Some(alt) = n.alt.filter(|&a| table.lookup(a).is_some()) {
            notes.push(format!(
                "\"{s}\" is not a known {}; read in the other radix it is {} = {alt}, which is.",
                table.title(),
                hex(alt)
            ));
            return Some(alt);
        }
        return Some(n.value);
    }
    let q = strip_prefix(&normalize(s)).to_string();
    let found = table
        .entries()
        .iter()
        .chain(if table == Table::MstscExtended {
            std::slice::from_ref(&mstsc::EXT_PROTOCOL_RANGE)
        } else {
            &[]
        })
        .find(|e| normalize(e.name) == normalize(s) || strip_prefix(&normalize(e.name)) == q)
        .map(|e| e.code);
    if found.is_none() {
        notes.push(format!(
            "\"{s}\" is not a number or a name in the {}.",
            table.title()
        ));
    }
    found
}

fn explain_pair(disc: &str, ext: &str) -> Explanation {
    let mut notes = Vec::new();
    let mut matches = Vec::new();
    let d = resolve_in(Table::MstscDisconnect, disc, &mut notes);
    let e = resolve_in(Table::MstscExtended, ext, &mut notes);

    let dm = d.and_then(|d| find(mstsc::DISC_REASONS, d));
    match (d, dm) {
        (Some(d), Some(info)) => matches.push(make_match(
            Role::DiscReason,
            Table::MstscDisconnect,
            info,
            d,
        )),
        (Some(d), None) => {
            notes.push(format!("{} is not a documented mstsc discReason.", hex(d)));
            if let Some(class) = mstsc::disc_class(d) {
                notes.push(format!(
                    "Its low byte puts it in the {class} class [inference]."
                ));
            }
            matches.extend(
                lookup_number(d)
                    .into_iter()
                    .map(|(t, i, c)| make_match(Role::Candidate, t, i, c)),
            );
        }
        (None, _) => {}
    }

    let em = e.and_then(mstsc::extended);
    match (e, em) {
        (Some(e), Some(info)) => matches.push(make_match(
            Role::ExtendedReason,
            Table::MstscExtended,
            info,
            e,
        )),
        (Some(e), None) => {
            notes.push(format!(
                "{} is not a documented extended reason (defined: 0–12, 25, 26, 256–267, 768, 4096–32767).",
                hex(e)
            ));
            if let Some(info) = find(errinfo::ERRINFO, e) {
                notes.push(
                    "It is, however, a Set Error Info code; shown as a candidate.".to_string(),
                );
                matches.push(make_match(Role::Candidate, Table::ErrInfo, info, e));
            }
        }
        (None, _) => {}
    }

    let combined = match (d, dm, e, em) {
        (Some(d), Some(di), Some(e), Some(ei)) => Some(combine(d, di, e, ei)),
        _ => None,
    };
    if matches.is_empty() {
        notes.extend(d.map(range_notes).unwrap_or_default());
        if let Some(e) = e {
            if d.map(range_notes) != Some(range_notes(e)) {
                notes.extend(range_notes(e));
            }
        }
    }
    let what = what_to_capture(&matches);
    Explanation {
        query: disc.to_string(),
        extended_query: Some(ext.to_string()),
        matches,
        combined_reading: combined,
        what_to_capture: what,
        notes,
        related_rules: Vec::new(),
    }
}

fn combine(d: u32, di: &CodeInfo, e: u32, ei: &CodeInfo) -> String {
    let head = format!(
        "{} ({}) with extended reason {} ({}):",
        di.name,
        hex(d),
        hex(e),
        ei.name
    );
    let body: String = match (d, e) {
        (0x904, 7) => SPECIAL_904_7.to_string(),
        (_, 7) => format!(
            "mstsc saw \"{}\" and the server reported that it denied the connection (the same number as ERRINFO_SERVER_DENIED_CONNECTION). The server refused before a session was set up: check the RDP certificate and its private key (Schannel 36870), the security layer / NLA settings, and the connection policies.",
            trim_period(di.meaning)
        ),
        (_, 0) => {
            let below = match d & 0xFF {
                0x04 => "the transport failed (DNS, TCP, or the connection was closed or reset)",
                0x06 => "the security layer failed (TLS or Standard RDP Security)",
                0x07 => "authentication failed inside CredSSP (NLA), before any RDP session existed",
                0x08 => "licensing or an internal client step failed",
                _ => "the failure happened below RDP or the server closed without explaining",
            };
            format!(
                "\"{}\", and the server sent no reason of its own (no Set Error Info PDU): {below}. The capture shows where the connection stopped.",
                trim_period(di.meaning)
            )
        }
        (_, 256..=267) => format!(
            "The server ended the connection during licensing: {} Check the session host's licensing configuration (lsdiag.msc) and the client's licence cache.",
            ei.meaning
        ),
        (_, 768) => "The server rejected the credentials at the RDP encryption layer: wrong or stale saved password. Check Security event 4625 on the server.".to_string(),
        (_, 4096..=32767) => {
            let which = find(errinfo::ERRINFO, e)
                .map(|x| format!("{} ({})", x.name, x.meaning))
                .unwrap_or_else(|| "an undefined protocol error".to_string());
            format!(
                "An RDP protocol error ended the connection: {which}. Check the server's RemoteDesktopServices-RdpCoreTS/Operational log and update client and server."
            )
        }
        (_, 3 | 4) => format!(
            "The session ended because of a server time limit: {} This is policy, not a fault.",
            ei.meaning
        ),
        (_, 9) => "The user authenticated but is not allowed to log on remotely: add them to Remote Desktop Users or grant \"Allow log on through Remote Desktop Services\".".to_string(),
        (_, 10) => "The server refuses saved credentials; the user must type the password (\"Always prompt for password upon connection\").".to_string(),
        (_, 1 | 2 | 5 | 11 | 12 | 25 | 26) => format!(
            "An intended end of the session, not a connection failure: {}",
            ei.meaning
        ),
        _ => format!("{} Server-side reason: {}", di.meaning, ei.meaning),
    };
    format!("{head} {body}")
}

fn trim_period(s: &str) -> &str {
    s.strip_suffix('.').unwrap_or(s)
}

// ---------------------------------------------------------------------------
// Display

fn outcome_word(o: Outcome) -> &'static str {
    match o {
        Outcome::Success => "SUCCESS",
        Outcome::NotAnError => "not an error",
        Outcome::Failure => "failure",
    }
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.extended_query {
            Some(x) => writeln!(f, "rdpdiag explain {} {}", self.query, x)?,
            None => writeln!(f, "rdpdiag explain {}", self.query)?,
        }
        if self.matches.is_empty() {
            writeln!(f, "\nNo known code matches.")?;
        }
        for (i, m) in self.matches.iter().enumerate() {
            let role = match m.role {
                Role::DiscReason => "disconnect reason",
                Role::ExtendedReason => "extended reason",
                Role::Candidate if self.matches.len() > 1 => "possible reading",
                Role::Candidate => "match",
                Role::AlternateReading => "alternate reading",
            };
            writeln!(f)?;
            writeln!(
                f,
                "{}. [{role}] {}: {} = {} ({}) [{}]",
                i + 1,
                m.table_title,
                m.name,
                m.code_hex,
                m.code,
                outcome_word(m.outcome)
            )?;
            writeln!(f, "   {}", m.meaning)?;
            if !m.causes.is_empty() {
                writeln!(f, "   Likely causes:")?;
                for c in &m.causes {
                    writeln!(f, "     - {c}")?;
                }
            }
            if !m.fix.is_empty() {
                writeln!(f, "   Fix (Windows side):")?;
                for c in &m.fix {
                    writeln!(f, "     - {c}")?;
                }
            }
            if !m.see_also.is_empty() {
                writeln!(f, "   See also: {}", m.see_also.join("; "))?;
            }
        }
        if let Some(c) = &self.combined_reading {
            writeln!(f, "\nCombined reading:\n   {c}")?;
        }
        if !self.notes.is_empty() {
            writeln!(f, "\nNotes:")?;
            for n in &self.notes {
                writeln!(f, "   - {n}")?;
            }
        }
        if !self.what_to_capture.is_empty() {
            writeln!(f, "\nWhat to capture next:")?;
            for w in &self.what_to_capture {
                writeln!(f, "   - {w}")?;
            }
        }
        if !self.related_rules.is_empty() {
            writeln!(
                f,
                "\nRelated analyzer rules: {}",
                self.related_rules.join(", ")
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tables(x: &Explanation) -> Vec<Table> {
        x.matches.iter().map(|m| m.table).collect()
    }

    #[test]
    fn pair_904_7_combined_reading() {
        let x = explain("0x904", Some("0x7"));
        assert_eq!(x.matches.len(), 2);
        assert_eq!(x.matches[0].role, Role::DiscReason);
        assert_eq!(x.matches[0].name, "disconnectReasonAtClientWinsockFDCLOSE");
        assert!(x.matches[0].meaning.contains("Socket closed"));
        assert_eq!(x.matches[1].role, Role::ExtendedReason);
        assert_eq!(x.matches[1].name, "exDiscReasonServerDeniedConnection");
        assert!(x.matches[1].meaning.contains("denied the connection"));
        let c = x.combined_reading.as_deref().unwrap_or_default();
        assert!(c.contains("closed the connection early"), "{c}");
        assert!(c.contains("36870"));
        assert!(c.contains("MachineKeys"));
        assert!(c.contains("NLA"));
        assert!(x
            .what_to_capture
            .iter()
            .any(|w| w.contains("rdpdiag analyze")));
        assert!(x.related_rules.is_empty());
        // Same answer from one string and from names.
        let y = explain("0x904 0x7", None);
        assert_eq!(y.combined_reading, x.combined_reading);
        let z = explain(
            "disconnectReasonAtClientWinsockFDCLOSE",
            Some("exDiscReasonServerDeniedConnection"),
        );
        assert_eq!(z.combined_reading, x.combined_reading);
        let w = explain("2308", Some("7"));
        assert_eq!(w.combined_reading, x.combined_reading);
    }

    #[test]
    fn decimal_516_equals_hex_204() {
        let a = explain("516", None);
        let b = explain("0x204", None);
        assert_eq!(a.matches, b.matches);
        assert_eq!(a.matches[0].name, "disconnectReasonSocketConnectFailed");
        // "0x516" has no meaning; the decimal reading is offered.
        let c = explain("0x516", None);
        assert_eq!(
            c.matches.first().map(|m| m.role),
            Some(Role::AlternateReading)
        );
        assert_eq!(c.matches.first().map(|m| m.code), Some(0x204));
    }

    #[test]
    fn names_resolve() {
        let cases: &[(&str, Table, u32)] = &[
            ("ERRINFO_SERVER_DENIED_CONNECTION", Table::ErrInfo, 7),
            ("STATUS_LOGON_FAILURE", Table::NtStatus, 0xC000_006D),
            ("SSL_NOT_ALLOWED_BY_SERVER", Table::NegoFailure, 2),
            ("handshake_failure", Table::TlsAlert, 40),
            ("Handshake Failure", Table::TlsAlert, 40),
            ("SSL_ERR_PASSWORD_EXPIRED", Table::MstscDisconnect, 0xF07),
            (
                "exDiscReasonServerDeniedConnection",
                Table::MstscExtended,
                7,
            ),
            (
                "ERRCONNECT_CONNECT_TRANSPORT_FAILED",
                Table::FreerdpConnect,
                0x2000D,
            ),
            (
                "FREERDP_ERROR_CONNECT_LOGON_FAILURE",
                Table::FreerdpConnect,
                0x20014,
            ),
            (
                "FREERDP_ERROR_SERVER_DENIED_CONNECTION",
                Table::FreerdpErrInfo,
                0x10007,
            ),
            ("STATUS_VALID_CLIENT", Table::License, 7),
            ("AUTHZ_ACCESS_DENIED", Table::EarlyUserAuth, 5),
        ];
        for (name, table, code) in cases {
            let x = explain(name, None);
            let m = x.matches.first();
            assert_eq!(
                m.map(|m| (m.table, m.code)),
                Some((*table, *code)),
                "{name}"
            );
        }
        // Without prefix, every family with that name shows up.
        let x = explain("LOGON_FAILURE", None);
        let t = tables(&x);
        assert!(t.contains(&Table::NtStatus));
        assert!(t.contains(&Table::MstscDisconnect));
        assert!(t.contains(&Table::FreerdpConnect));
        let y = explain("SERVER_DENIED_CONNECTION", None);
        assert!(tables(&y).contains(&Table::ErrInfo));
        assert!(tables(&y).contains(&Table::MstscExtended));
    }

    #[test]
    fn bare_seven_is_ambiguous_and_ranked() {
        let x = explain("0x7", None);
        let t = tables(&x);
        assert_eq!(t.first(), Some(&Table::MstscExtended));
        assert!(t.contains(&Table::ErrInfo));
        assert!(t.contains(&Table::License));
        assert!(!t.contains(&Table::NegoFailure));
        let lic = x.matches.iter().find(|m| m.table == Table::License);
        assert_eq!(lic.map(|m| m.outcome), Some(Outcome::Success));
        assert!(x.notes.iter().any(|n| n.contains("ambiguous")));
        // ERRINFO 7 ↔ extended 7 cross-reference.
        let e = x.matches.iter().find(|m| m.table == Table::ErrInfo);
        assert!(e.is_some_and(|m| m
            .see_also
            .iter()
            .any(|s| s.contains("exDiscReasonServerDeniedConnection"))));
    }

    #[test]
    fn ntstatus_forms() {
        for q in [
            "0xC000006D",
            "c000006d",
            "-1073741715",
            "3221225581",
            "0xD000006D",
        ] {
            let x = explain(q, None);
            let m = x.matches.iter().find(|m| m.table == Table::NtStatus);
            assert_eq!(m.map(|m| m.name), Some("STATUS_LOGON_FAILURE"), "{q}");
            assert!(
                m.is_some_and(|m| m.see_also.iter().any(|s| s.contains("0x807"))),
                "{q}"
            );
        }
        let x = explain("0x80070775", None);
        assert_eq!(
            x.matches.first().map(|m| m.name),
            Some("ERROR_ACCOUNT_LOCKED_OUT")
        );
    }

    #[test]
    fn extended_protocol_range() {
        let x = explain("0x1104", Some("0x10D3"));
        let ext = x.matches.iter().find(|m| m.role == Role::ExtendedReason);
        assert!(ext.is_some_and(|m| m.meaning.contains("ERRINFO_CONNECT_FAILED")));
        assert!(x
            .combined_reading
            .is_some_and(|c| c.contains("protocol error")));
        let y = explain("0x3", Some("20000"));
        assert!(y
            .matches
            .iter()
            .any(|m| m.name == "exDiscReasonProtocolRange"));
    }

    #[test]
    fn unknown_code_is_helpful() {
        let x = explain("0x12345", None);
        assert!(x.is_unknown());
        assert!(x
            .notes
            .iter()
            .any(|n| n.contains("4096–32767 internal protocol error")));
        assert!(x.notes.iter().any(|n| n.contains("low byte")));
        // Undefined numbers in the extended protocol range still get the range reading.
        let r = explain("0x7777", None);
        assert_eq!(
            r.matches.first().map(|m| m.name),
            Some("exDiscReasonProtocolRange")
        );
        assert!(r
            .matches
            .first()
            .is_some_and(|m| m.meaning.contains("No ERRINFO code")));
        // A two-word name is not a pair.
        assert_eq!(explain("handshake failure", None).matches.len(), 1);
        assert!(x.what_to_capture.iter().any(|w| w.contains("certutil")));
        let y = explain("frobnicate", None);
        assert!(y.is_unknown());
        let z = explain("", None);
        assert!(z.is_unknown());
        let text = x.to_string();
        assert!(text.contains("No known code matches"));
    }

    #[test]
    fn parse_edge_cases_do_not_panic() {
        for q in [
            "-",
            "0x",
            "-0x",
            "0xFFFFFFFFFFFFFFFFFFFF",
            "99999999999999999999999",
            "-2147483648",
            "-2147483649",
            "h",
            "0h",
            "ffh",
            "0x_7",
            "💥",
            "0x904 0x7 0x1",
            "--5",
            "  0x904  ",
        ] {
            let x = explain(q, None);
            let _ = x.to_string();
            let _ = serde_json::to_string(&x);
            let y = explain(q, Some(q));
            let _ = y.to_string();
        }
        assert_eq!(
            parse_number("-2147483648").map(|n| n.value),
            Some(0x8000_0000)
        );
        assert_eq!(parse_number("-2147483649"), None);
        assert_eq!(parse_number("904h").map(|n| n.value), Some(0x904));
    }

    #[test]
    fn display_and_json() {
        let x = explain("0x904", Some("0x7"));
        let text = x.to_string();
        assert!(text.contains("Combined reading"));
        assert!(text.contains("Fix (Windows side)"));
        let json = serde_json::to_value(&x).unwrap_or_default();
        assert_eq!(json["matches"][0]["table"], "mstsc_disconnect");
        assert_eq!(json["matches"][1]["code"], 7);
        assert!(json["combined_reading"].is_string());
        assert!(json["related_rules"]
            .as_array()
            .is_some_and(|a| a.is_empty()));
    }
}
