//! `rdpdiag probe HOST[:PORT]`: ask a server what it accepts, the active
//! complement of capture analysis.
//!
//! Reachability (every DNS address, TCP connect time, refused vs. timed out),
//! one X.224 negotiation per requestedProtocols set, TLS versions / suite /
//! certificate chain (rustls with the ring provider, plus a hand-built
//! ClientHello for TLS 1.0/1.1), NLA information from an NTLM CHALLENGE (no
//! credentials are ever sent) and an RDP-UDP SYN. Findings come from the same
//! rule registry as `analyze`. All traffic is recorded so `--write` saves it
//! as a pcapng (with the TLS secrets) that `analyze` reads like any capture.

pub mod nla;
pub mod record;
pub mod tls;

use crate::rules;
use crate::session::facts::CertInfo;
use crate::verdict::{Evidence, Finding, Severity};
use crate::wire::FrameRef;
use rdpdiag_parsers::nego::{self, FailureCode, NegResponse, Protocols};
use record::{Connect, RecStream, Recorder};
use serde::Serialize;
use std::io::{Read, Write};
use std::net::{SocketAddr, ToSocketAddrs};
use std::time::Duration;

const PROBE_EXAMPLES: &str = "\
Examples:
  rdpdiag probe rdp.example.com                 probe tcp/3389 (and udp/3389)
  rdpdiag probe 10.0.0.5:3390 --timeout 2       another port, shorter timeouts
  rdpdiag probe [fd00::5]:3389 --format json    IPv6, JSON for scripts
  rdpdiag probe host --write probe.pcapng       keep the probe's own traffic (with TLS keys)

The probe never sends credentials: NLA stops after the server's NTLM CHALLENGE.
Evidence frame numbers refer to the capture --write saves.
Exit codes: 0 no finding at or above --fail-on, 1 there is one, 2 usage or I/O error.";

/// Arguments of `rdpdiag probe`.
/// Output format of the probe's report.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
}

#[derive(clap::Args, Debug)]
#[command(after_help = PROBE_EXAMPLES)]
pub struct ProbeArgs {
    /// The server: HOST, HOST:PORT or [IPv6]:PORT (port 3389 by default).
    #[arg(value_name = "HOST[:PORT]")]
    pub target: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Seconds to wait for each connect and each answer.
    #[arg(long, value_name = "SECONDS", default_value_t = 5.0)]
    pub timeout: f64,
    /// Save the probe's own traffic (and its TLS secrets) as pcapng.
    #[arg(long, value_name = "FILE.pcapng")]
    pub write: Option<String>,
    /// Exit with 1 when a finding at or above this severity exists.
    #[arg(long, value_name = "SEVERITY", default_value = "error", value_parser = ["info", "warning", "error"])]
    pub fail_on: String,
    /// Skip the RDP-UDP SYN.
    #[arg(long)]
    pub no_udp: bool,
}

/// Version of the probe JSON document.
pub const SCHEMA: &str = "rdpdiag-probe/1";

/// Result of the name lookup.
#[derive(Debug, Clone, Serialize)]
pub struct DnsResult {
    pub name: String,
    pub addresses: Vec<String>,
    pub error: Option<String>,
}

/// One TCP connect.
#[derive(Debug, Clone, Serialize)]
pub struct TcpResult {
    pub address: String,
    /// connected, refused, timed_out or unreachable (no route, or another error)
    pub outcome: &'static str,
    pub seconds: f64,
    pub detail: Option<String>,
}

/// One row of the negotiation matrix.
#[derive(Debug, Clone, Serialize)]
pub struct NegRow {
    pub requested: String,
    pub requested_value: u32,
    /// selected, failure, legacy (Connection Confirm without negotiation
    /// data), rejected (another TPDU, e.g. a disconnect), no_answer, error
    pub result: &'static str,
    pub selected: Option<String>,
    pub selected_value: Option<u32>,
    pub failure_code: Option<String>,
    pub detail: Option<String>,
    #[serde(skip)]
    frame: u64,
}

/// One TLS version tried.
#[derive(Debug, Clone, Serialize)]
pub struct TlsVersionRow {
    pub version: String,
    /// None when it could not be tested.
    pub accepted: Option<bool>,
    /// how: rustls, or client_hello (hand-built, ServerHello only)
    pub method: &'static str,
    pub detail: String,
}

/// TLS over the negotiated channel.
#[derive(Debug, Clone, Default, Serialize)]
pub struct TlsReport {
    /// requestedProtocols of the channel used, and what the server selected.
    pub channel: String,
    pub negotiated_version: Option<String>,
    pub cipher_suite: Option<String>,
    pub error: Option<String>,
    pub versions: Vec<TlsVersionRow>,
    pub certificates: Vec<CertInfo>,
}

/// The RDP-UDP SYN.
#[derive(Debug, Clone, Serialize)]
pub struct UdpReport {
    /// syn_ack, no_answer, port_unreachable, other, error
    pub result: &'static str,
    pub detail: String,
}

/// Everything the probe learned.
#[derive(Debug, Clone, Serialize)]
pub struct ProbeReport {
    pub target: String,
    pub host: String,
    pub port: u16,
    pub started: String,
    pub dns: DnsResult,
    pub tcp: Vec<TcpResult>,
    /// The address the rest of the probe used.
    pub address: Option<String>,
    pub negotiation: Vec<NegRow>,
    /// What mstsc's default request (SSL|HYBRID|HYBRID_EX) gets.
    pub mstsc_default: Option<String>,
    pub nla_required: Option<bool>,
    pub tls: Option<TlsReport>,
    pub nla: Option<nla::NlaInfo>,
    pub nla_error: Option<String>,
    pub udp: Option<UdpReport>,
    pub findings: Vec<Finding>,
    /// The pcapng written with --write.
    pub capture: Option<String>,
}

/// The probe JSON document.
#[derive(Debug, Serialize)]
pub struct Document<'a> {
    pub schema: &'static str,
    pub tool: crate::report::Tool,
    pub probe: &'a ProbeReport,
}

/// Split HOST[:PORT] / [V6]:PORT / bare IPv6.
pub fn parse_target(t: &str) -> Result<(String, u16), String> {
    let t = t.trim();
    if t.is_empty() {
        return Err("empty target".into());
    }
    if let Some(rest) = t.strip_prefix('[') {
        let (h, after) = rest
            .split_once(']')
            .ok_or_else(|| format!("{t}: missing ']'"))?;
        let port = match after.strip_prefix(':') {
            Some(p) => p.parse().map_err(|_| format!("{t}: bad port {p:?}"))?,
            None if after.is_empty() => 3389,
            None => return Err(format!("{t}: unexpected {after:?} after ']'")),
        };
        return Ok((h.to_string(), port));
    }
    if t.parse::<std::net::Ipv6Addr>().is_ok() {
        return Ok((t.to_string(), 3389));
    }
    match t.rsplit_once(':') {
        Some((h, p)) => Ok((
            h.to_string(),
            p.parse().map_err(|_| format!("{t}: bad port {p:?}"))?,
        )),
        None => Ok((t.to_string(), 3389)),
    }
}

/// Name of a TLS alert, e.g. "handshake_failure (40)".
pub fn alert_name(n: u8) -> String {
    let name = crate::codes::Table::TlsAlert
        .lookup(u32::from(n))
        .map_or("unknown alert", |c| c.name);
    format!("{name} ({n})")
}

/// The requestedProtocols sets probed, mstsc's default among them.
pub const SETS: [u32; 6] = [0x0, 0x1, 0x3, 0xB, 0x4, 0x10];
const MSTSC_DEFAULT: u32 = 0xB;

fn proto_name(p: u32) -> String {
    Protocols(p).to_string()
}

/// X.224 Connection Request with a cookie and an RDP_NEG_REQ.
pub fn connection_request(protocols: u32) -> Vec<u8> {
    let mut x = vec![0u8, 0xE0, 0, 0, 0, 0, 0];
    x.extend_from_slice(b"Cookie: mstshash=rdpdiag\r\n");
    x.extend_from_slice(&[1, 0, 8, 0]);
    x.extend_from_slice(&protocols.to_le_bytes());
    x[0] = (x.len() - 1) as u8;
    let mut out = vec![3, 0];
    out.extend_from_slice(&((x.len() + 4) as u16).to_be_bytes());
    out.extend_from_slice(&x);
    out
}

/// What a Connection Request got.
enum NegOutcome {
    Selected(u32),
    Failure(u32),
    Legacy,
    /// No Connection Confirm; true when the wait timed out.
    NoAnswer(String, bool),
    /// Something other than a Connection Confirm (e.g. a disconnect).
    Rejected(String),
    Error(String),
}

fn read_tpkt(s: &mut RecStream) -> Result<Vec<u8>, NegOutcome> {
    let mut hdr = [0u8; 4];
    if let Err(e) = s.read_exact(&mut hdr) {
        return Err(match e.kind() {
            std::io::ErrorKind::UnexpectedEof => NegOutcome::NoAnswer(
                "the server closed the connection without a Connection Confirm".into(),
                false,
            ),
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut => {
                NegOutcome::NoAnswer("no Connection Confirm before the timeout".into(), true)
            }
            std::io::ErrorKind::ConnectionReset => NegOutcome::NoAnswer(
                "the server reset the connection instead of a Connection Confirm".into(),
                false,
            ),
            _ => NegOutcome::Error(e.to_string()),
        });
    }
    let len = usize::from(u16::from_be_bytes([hdr[2], hdr[3]]));
    if hdr[0] != 3 || !(7..=4096).contains(&len) {
        return Err(NegOutcome::Error(format!(
            "the answer is not a TPKT frame (first bytes {:02x?})",
            hdr
        )));
    }
    let mut frame = hdr.to_vec();
    frame.resize(len, 0);
    s.read_exact(&mut frame[4..])
        .map_err(|e| NegOutcome::Error(format!("truncated Connection Confirm: {e}")))?;
    Ok(frame)
}

fn negotiate(s: &mut RecStream, protocols: u32) -> NegOutcome {
    if let Err(e) = s.write_all(&connection_request(protocols)) {
        return NegOutcome::Error(format!("sending the Connection Request: {e}"));
    }
    let frame = match read_tpkt(s) {
        Ok(f) => f,
        Err(o) => return o,
    };
    match nego::parse_connection_confirm(&frame) {
        Ok((_, cc)) => match cc.neg {
            Some(NegResponse::Rsp(r)) => NegOutcome::Selected(r.selected_protocol.0),
            Some(NegResponse::Failure(f)) => NegOutcome::Failure(f.code.0),
            None => NegOutcome::Legacy,
        },
        Err(e) => match rdpdiag_parsers::x224::parse_x224_frame(&frame) {
            Ok((_, rdpdiag_parsers::x224::Tpdu::Data(d))) if d.user_data.first() == Some(&0x21) => {
                NegOutcome::Rejected(
                    "the server answered with an MCS Disconnect Provider Ultimatum instead of a Connection Confirm".into(),
                )
            }
            Ok((_, t)) => NegOutcome::Rejected(format!(
                "the server answered with an X.224 {:?} TPDU instead of a Connection Confirm",
                t.code()
            )),
            Err(_) => NegOutcome::Error(format!("malformed Connection Confirm: {e}")),
        },
    }
}

struct Prober {
    rec: Recorder,
    addr: SocketAddr,
    host: String,
    timeout: Duration,
}

impl Prober {
    fn connect(&self) -> Result<RecStream, String> {
        match record::connect(&self.rec, self.addr, self.timeout) {
            Connect::Ok(s, _) => {
                let _ = s.sock.set_read_timeout(Some(self.timeout));
                let _ = s.sock.set_write_timeout(Some(self.timeout));
                let _ = s.sock.set_nodelay(true);
                Ok(s)
            }
            Connect::Refused(_) => Err("connection refused".into()),
            Connect::TimedOut(_) => Err("connect timed out".into()),
            Connect::Failed(e, _) => Err(e),
        }
    }

    /// A new connection negotiated with `protocols`; the selected protocol.
    fn channel(&self, protocols: u32) -> Result<(RecStream, u32), String> {
        let mut s = self.connect()?;
        match negotiate(&mut s, protocols) {
            NegOutcome::Selected(p) if p != 0 => Ok((s, p)),
            NegOutcome::Selected(_) | NegOutcome::Legacy => {
                Err("the server selected Standard RDP Security".into())
            }
            NegOutcome::Failure(c) => Err(format!("RDP_NEG_FAILURE {}", FailureCode(c))),
            NegOutcome::NoAnswer(d, _) | NegOutcome::Rejected(d) | NegOutcome::Error(d) => Err(d),
        }
    }
}

fn evidence(frame: u64, ts: &str, detail: impl Into<String>) -> Vec<Evidence> {
    vec![Evidence {
        frame,
        time: ts.to_string(),
        detail: detail.into(),
    }]
}

/// Run the whole probe.
pub fn probe(host: &str, port: u16, timeout: Duration, udp: bool) -> (ProbeReport, Recorder) {
    let rec = Recorder::default();
    let started = record::now().rfc3339();
    let mut rep = ProbeReport {
        target: if host.contains(':') {
            format!("[{host}]:{port}")
        } else {
            format!("{host}:{port}")
        },
        host: host.to_string(),
        port,
        started: started.clone(),
        dns: DnsResult {
            name: host.to_string(),
            addresses: Vec::new(),
            error: None,
        },
        tcp: Vec::new(),
        address: None,
        negotiation: Vec::new(),
        mstsc_default: None,
        nla_required: None,
        tls: None,
        nla: None,
        nla_error: None,
        udp: None,
        findings: Vec::new(),
        capture: None,
    };
    // ---------------------------------------------------------------- DNS
    let addrs: Vec<SocketAddr> = match (host, port).to_socket_addrs() {
        Ok(a) => {
            let mut v: Vec<SocketAddr> = Vec::new();
            for x in a {
                if !v.contains(&x) {
                    v.push(x);
                }
            }
            v
        }
        Err(e) => {
            rep.dns.error = Some(e.to_string());
            Vec::new()
        }
    };
    rep.dns.addresses = addrs.iter().map(|a| a.ip().to_string()).collect();
    if addrs.is_empty() {
        rep.findings.push(rules::finding(
            &rules::DNS_NXDOMAIN,
            Some(format!("{host} does not resolve")),
            Some(format!(
                "The name lookup failed: {}",
                rep.dns.error.as_deref().unwrap_or("no address")
            )),
            Vec::new(),
        ));
        return (rep, rec);
    }
    // ---------------------------------------------------------------- TCP
    let mut first: Option<(SocketAddr, RecStream)> = None;
    let mut refused = Vec::new();
    let mut silent = Vec::new();
    let mut unreachable = Vec::new();
    for a in &addrs {
        let (outcome, secs, detail) = match record::connect(&rec, *a, timeout) {
            Connect::Ok(s, secs) => {
                if first.is_none() {
                    let _ = s.sock.set_read_timeout(Some(timeout));
                    let _ = s.sock.set_write_timeout(Some(timeout));
                    first = Some((*a, s));
                } else {
                    s.close();
                }
                ("connected", secs, None)
            }
            Connect::Refused(f) => {
                refused.push((*a, f));
                (
                    "refused",
                    0.0,
                    Some("RST: nothing listens on this port".to_string()),
                )
            }
            Connect::TimedOut(f) => {
                silent.push((*a, f));
                (
                    "timed_out",
                    timeout.as_secs_f64(),
                    Some("no SYN-ACK and no RST: dropped on the way".to_string()),
                )
            }
            Connect::Failed(e, f) => {
                unreachable.push((*a, f, e.clone()));
                ("unreachable", 0.0, Some(e))
            }
        };
        rep.tcp.push(TcpResult {
            address: a.to_string(),
            outcome,
            seconds: (secs * 1e4).round() / 1e4,
            detail,
        });
    }
    let Some((addr, first_stream)) = first else {
        if let Some((a, f)) = refused.first() {
            rep.findings.push(rules::finding(
                &rules::TCP_RST_TO_SYN,
                Some(format!("{a} refused the connection (RST to SYN)")),
                None,
                evidence(f.number, &f.ts.rfc3339(), "SYN answered by RST"),
            ));
        }
        if let Some((a, f)) = silent.first() {
            rep.findings.push(rules::finding(
                &rules::TCP_SYN_UNANSWERED,
                Some(format!(
                    "{a} did not answer the TCP SYN within {:.1} s",
                    timeout.as_secs_f64()
                )),
                None,
                evidence(f.number, &f.ts.rfc3339(), "SYN, no answer"),
            ));
        }
        if let Some((a, f, e)) = unreachable.first() {
            rep.findings.push(rules::finding(
                &rules::TCP_SYN_UNANSWERED,
                Some(format!("could not connect to {a}: {e}")),
                Some("This machine has no route to the server (or a router answered that it has none): check the address, VPN and routing before the firewall.".into()),
                evidence(f.number, &f.ts.rfc3339(), "SYN, not delivered"),
            ));
        }
        return (rep, rec);
    };
    rep.address = Some(addr.to_string());
    let p = Prober {
        rec: rec.clone(),
        addr,
        host: host.to_string(),
        timeout,
    };
    // ---------------------------------------------------------------- X.224 matrix
    let mut first_stream = Some(first_stream);
    let mut silent_server = false;
    for &set in &SETS {
        if silent_server {
            rep.negotiation.push(NegRow {
                requested: proto_name(set),
                requested_value: set,
                result: "no_answer",
                selected: None,
                selected_value: None,
                failure_code: None,
                detail: Some("skipped: the server did not answer an earlier request".into()),
                frame: 0,
            });
            continue;
        }
        let mut s = match first_stream.take() {
            Some(s) => s,
            None => match p.connect() {
                Ok(s) => s,
                Err(e) => {
                    rep.negotiation.push(NegRow {
                        requested: proto_name(set),
                        requested_value: set,
                        result: "error",
                        selected: None,
                        selected_value: None,
                        failure_code: None,
                        detail: Some(e),
                        frame: 0,
                    });
                    continue;
                }
            },
        };
        let frame = s.next_frame();
        let o = negotiate(&mut s, set);
        s.close();
        let mut row = NegRow {
            requested: proto_name(set),
            requested_value: set,
            result: "error",
            selected: None,
            selected_value: None,
            failure_code: None,
            detail: None,
            frame,
        };
        match o {
            NegOutcome::Selected(sel) => {
                row.result = "selected";
                row.selected = Some(proto_name(sel));
                row.selected_value = Some(sel);
                if sel != 0 && sel & set == 0 {
                    row.detail = Some("the server selected a protocol that was not offered".into());
                } else if sel == 0 && set != 0 {
                    row.detail = Some(format!(
                        "Standard RDP Security although {} was offered",
                        proto_name(set)
                    ));
                }
            }
            NegOutcome::Failure(c) => {
                row.result = "failure";
                row.failure_code = Some(FailureCode(c).to_string());
            }
            NegOutcome::Legacy => {
                row.result = "legacy";
                row.selected = Some(proto_name(0));
                row.selected_value = Some(0);
                row.detail = Some("Connection Confirm without negotiation data".into());
            }
            NegOutcome::NoAnswer(d, timed_out) => {
                // Waiting out the timeout once is enough.
                silent_server = timed_out;
                row.result = "no_answer";
                row.detail = Some(d);
            }
            NegOutcome::Rejected(d) => {
                row.result = "rejected";
                row.detail = Some(d);
            }
            NegOutcome::Error(d) => row.detail = Some(d),
        }
        rep.negotiation.push(row);
    }
    let row = |v: u32| {
        rep.negotiation
            .iter()
            .find(|r| r.requested_value == v)
            .cloned()
    };
    let default = row(MSTSC_DEFAULT);
    rep.mstsc_default = default.as_ref().map(describe_row);
    // A request without CredSSP that the server accepts proves NLA is not
    // required; HYBRID_REQUIRED (or SSL_WITH_USER_AUTH_REQUIRED) to a TLS
    // request proves it is.
    let no_nla_proof = [0x1, 0x0]
        .into_iter()
        .find_map(|v| row(v).filter(|r| matches!(r.result, "selected" | "legacy")));
    rep.nla_required = if no_nla_proof.is_some() {
        Some(false)
    } else if row(0x1).is_some_and(|r| {
        matches!(
            r.failure_code.as_deref(),
            Some("HYBRID_REQUIRED_BY_SERVER" | "SSL_WITH_USER_AUTH_REQUIRED_BY_SERVER")
        )
    }) {
        Some(true)
    } else {
        None
    };
    if let Some(d) = &default {
        let ts = record::now().rfc3339();
        let rdp_ok = row(0x0).is_some_and(|r| matches!(r.result, "selected" | "legacy"));
        match d.result {
            // mstsc reconnects with Standard RDP Security after this code
            // (the fallback seen in zeek/rdp-proprietary-encryption.pcap).
            "failure"
                if rdp_ok && d.failure_code.as_deref() == Some("SSL_NOT_ALLOWED_BY_SERVER") =>
            {
                rep.findings.push(rules::finding(
                    &rules::NEGOTIATION_DOWNGRADED_TO_STANDARD_SECURITY,
                    Some(format!(
                        "the server allows only Standard RDP Security: a default mstsc request ({}) gets RDP_NEG_FAILURE SSL_NOT_ALLOWED_BY_SERVER and mstsc falls back to it",
                        d.requested
                    )),
                    None,
                    evidence(d.frame, &ts, "X.224 Connection Request"),
                ))
            }
            "failure" => rep.findings.push(rules::finding(
                &rules::NEGOTIATION_FAILURE,
                Some(format!(
                    "a default mstsc request ({}) gets RDP_NEG_FAILURE {}",
                    d.requested,
                    d.failure_code.as_deref().unwrap_or("?")
                )),
                None,
                evidence(d.frame, &ts, "X.224 Connection Request"),
            )),
            "no_answer" | "rejected" => rep.findings.push(rules::finding(
                &rules::NEGOTIATION_SERVER_CLOSED_AFTER_REQUEST,
                Some(format!(
                    "a default mstsc request ({}) gets no Connection Confirm: {}",
                    d.requested,
                    d.detail.as_deref().unwrap_or("?")
                )),
                None,
                evidence(d.frame, &ts, "X.224 Connection Request"),
            )),
            "legacy" => rep.findings.push(rules::finding(
                &rules::NEGOTIATION_LEGACY_SERVER,
                None,
                None,
                evidence(d.frame, &ts, "X.224 Connection Request"),
            )),
            "selected" if d.selected_value == Some(0) => rep.findings.push(rules::finding(
                &rules::NEGOTIATION_DOWNGRADED_TO_STANDARD_SECURITY,
                Some(format!(
                    "the server answers a default mstsc request ({}) with Standard RDP Security",
                    d.requested
                )),
                None,
                evidence(d.frame, &ts, "X.224 Connection Request"),
            )),
            _ => {}
        }
    }
    if let Some(r) = &no_nla_proof {
        rep.findings.push(rules::finding(
            &rules::NEGOTIATION_NLA_NOT_REQUIRED,
            None,
            None,
            evidence(
                r.frame,
                &record::now().rfc3339(),
                format!(
                    "X.224 Connection Request for {} accepted ({})",
                    r.requested,
                    describe_row(r)
                ),
            ),
        ));
    }
    // ---------------------------------------------------------------- TLS + NLA
    let channel = [MSTSC_DEFAULT, 0x3, 0x1].into_iter().find(|v| {
        row(*v).is_some_and(|r| r.result == "selected" && r.selected_value.is_some_and(|s| s != 0))
    });
    if let Some(req) = channel {
        let (t, nla_info, nla_err) = probe_tls(&p, req);
        rep.nla = nla_info;
        rep.nla_error = nla_err;
        tls_findings(&t, host, &mut rep.findings);
        rep.tls = Some(t);
        if let Some(n) = &rep.nla {
            if let Some(skew) = n.clock_skew_s {
                if skew.abs() > 300 {
                    rep.findings.push(rules::finding(
                        &rules::NLA_CLOCK_SKEW,
                        Some(format!(
                            "the server clock differs from this machine's by {skew} s"
                        )),
                        None,
                        evidence(
                            n.frame,
                            &record::now().rfc3339(),
                            format!(
                                "NTLM CHALLENGE timestamp {}",
                                n.server_time.clone().unwrap_or_default()
                            ),
                        ),
                    ));
                }
            }
        }
    }
    // ---------------------------------------------------------------- RDP-UDP
    if udp {
        rep.udp = Some(probe_udp(&rec, addr, timeout));
    }
    (rep, rec)
}

fn describe_row(r: &NegRow) -> String {
    match r.result {
        "selected" | "legacy" => r.selected.clone().unwrap_or_default(),
        "failure" => format!(
            "RDP_NEG_FAILURE {}",
            r.failure_code.as_deref().unwrap_or("?")
        ),
        _ => r.detail.clone().unwrap_or_else(|| r.result.to_string()),
    }
}

fn probe_tls(p: &Prober, req: u32) -> (TlsReport, Option<nla::NlaInfo>, Option<String>) {
    let mut t = TlsReport::default();
    let mut nla_info = None;
    let mut nla_err = None;
    // 1. The main handshake: TLS 1.2 and 1.3 offered, like a current client.
    let main = match p.channel(req) {
        Ok((mut s, sel)) => {
            t.channel = format!(
                "requested {} -> selected {}",
                proto_name(req),
                proto_name(sel)
            );
            let r = tls::handshake(&p.rec, &mut s, &p.host, tls::Offer::Both);
            match r {
                Ok(mut h) => {
                    let frame = p.rec.frames();
                    t.negotiated_version = Some(h.version.clone());
                    t.cipher_suite = Some(h.suite.clone());
                    let fr = FrameRef {
                        number: frame,
                        ts: record::now(),
                    };
                    t.certificates = h
                        .chain
                        .iter()
                        .enumerate()
                        .filter_map(|(i, der)| crate::session::conn::cert_info(der, fr, i, "probe"))
                        .collect();
                    if sel & (0x2 | 0x8) != 0 {
                        let mut st = rustls::Stream::new(&mut h.conn, &mut s);
                        match nla::challenge(&mut st, record::now().secs()) {
                            Ok(mut n) => {
                                n.frame = p.rec.frames();
                                nla_info = Some(n);
                            }
                            Err(e) => nla_err = Some(e),
                        }
                    }
                    h.conn.send_close_notify();
                    let _ = h.conn.write_tls(&mut s);
                    s.close();
                    Some(h.version)
                }
                Err(f) => {
                    t.error = Some(f.detail);
                    s.close();
                    None
                }
            }
        }
        Err(e) => {
            t.channel = format!("requested {}", proto_name(req));
            t.error = Some(e);
            None
        }
    };
    // 2. The other modern version, with rustls limited to it.
    let try_rustls = |offer: tls::Offer, label: &str| -> TlsVersionRow {
        let (accepted, detail) = match p.channel(req) {
            Ok((mut s, _)) => {
                let r = tls::handshake(&p.rec, &mut s, &p.host, offer);
                let out = match r {
                    Ok(mut h) => {
                        h.conn.send_close_notify();
                        let _ = h.conn.write_tls(&mut s);
                        (Some(true), format!("handshake completed: {}", h.suite))
                    }
                    Err(f) => (Some(false), f.detail),
                };
                s.close();
                out
            }
            Err(e) => (None, format!("no channel: {e}")),
        };
        TlsVersionRow {
            version: label.to_string(),
            accepted,
            method: "rustls",
            detail,
        }
    };
    match main.as_deref() {
        Some("TLS 1.3") => {
            t.versions.push(TlsVersionRow {
                version: "TLS 1.3".into(),
                accepted: Some(true),
                method: "rustls",
                detail: format!(
                    "handshake completed: {}",
                    t.cipher_suite.clone().unwrap_or_default()
                ),
            });
            t.versions.push(try_rustls(tls::Offer::Only12, "TLS 1.2"));
        }
        Some("TLS 1.2") => {
            t.versions.push(TlsVersionRow {
                version: "TLS 1.3".into(),
                accepted: Some(false),
                method: "rustls",
                detail: "offered TLS 1.3 and 1.2; the server chose TLS 1.2".into(),
            });
            t.versions.push(TlsVersionRow {
                version: "TLS 1.2".into(),
                accepted: Some(true),
                method: "rustls",
                detail: format!(
                    "handshake completed: {}",
                    t.cipher_suite.clone().unwrap_or_default()
                ),
            });
        }
        _ => {
            t.versions.push(try_rustls(tls::Offer::Only13, "TLS 1.3"));
            t.versions.push(try_rustls(tls::Offer::Only12, "TLS 1.2"));
        }
    }
    // TLS 1.2 refused by rustls: does a ClientHello with older suites pass?
    let v12_refused = t
        .versions
        .iter()
        .any(|v| v.version == "TLS 1.2" && v.accepted == Some(false));
    let mut raw: Vec<(u16, &str)> = Vec::new();
    if v12_refused {
        raw.push((0x0303, "TLS 1.2 (legacy suites)"));
    }
    raw.push((0x0302, "TLS 1.1"));
    raw.push((0x0301, "TLS 1.0"));
    let mut raw_chain: Vec<Vec<u8>> = Vec::new();
    for (v, label) in raw {
        let (accepted, detail) = match p.channel(req) {
            Ok((mut s, _)) => {
                let a = tls::raw_hello(&mut s, v, &p.host);
                s.close();
                match a {
                    tls::RawAnswer::ServerHello {
                        version,
                        suite,
                        chain,
                    } if version == v => (
                        {
                            if raw_chain.is_empty() {
                                raw_chain = chain;
                            }
                            Some(true)
                        },
                        format!(
                            "ServerHello {}: {}",
                            tls::version_label(version),
                            rdpdiag_parsers::tls::cipher_suite_name(suite)
                                .map_or_else(|| format!("{suite:#06x}"), str::to_string)
                        ),
                    ),
                    tls::RawAnswer::ServerHello { version, .. } => (
                        Some(false),
                        format!("ServerHello with {} instead", tls::version_label(version)),
                    ),
                    tls::RawAnswer::Alert(a) => {
                        (Some(false), format!("server sent fatal alert {a}"))
                    }
                    tls::RawAnswer::Closed => (
                        Some(false),
                        "server closed the connection without a ServerHello".into(),
                    ),
                    tls::RawAnswer::TimedOut => (None, "no answer (timed out)".into()),
                    tls::RawAnswer::Garbage(e) => (None, e),
                }
            }
            Err(e) => (None, format!("no channel: {e}")),
        };
        t.versions.push(TlsVersionRow {
            version: label.to_string(),
            accepted,
            method: "client_hello",
            detail,
        });
    }
    if t.certificates.is_empty() && !raw_chain.is_empty() {
        // rustls could not finish a handshake; the chain came in clear after
        // a hand-built ClientHello's ServerHello.
        let fr = FrameRef {
            number: p.rec.frames(),
            ts: record::now(),
        };
        t.certificates = raw_chain
            .iter()
            .enumerate()
            .filter_map(|(i, der)| {
                crate::session::conn::cert_info(der, fr, i, "probe_client_hello")
            })
            .collect();
    }
    (t, nla_info, nla_err)
}

fn tls_findings(t: &TlsReport, host: &str, out: &mut Vec<Finding>) {
    let any_accepted = t.versions.iter().any(|v| v.accepted == Some(true));
    if !any_accepted {
        let why = t.error.clone().unwrap_or_default();
        let id = if why.contains("fatal alert") {
            &rules::TLS_FATAL_ALERT
        } else if why.contains("closed") {
            &rules::TLS_SERVER_CLOSED_AFTER_CLIENT_HELLO
        } else {
            &rules::TLS_NO_SERVER_HELLO
        };
        out.push(rules::finding(
            id,
            Some(format!("no TLS handshake succeeded: {why}")),
            None,
            Vec::new(),
        ));
    }
    let legacy: Vec<&str> = t
        .versions
        .iter()
        .filter(|v| (v.version == "TLS 1.0" || v.version == "TLS 1.1") && v.accepted == Some(true))
        .map(|v| v.version.as_str())
        .collect();
    if !legacy.is_empty() {
        out.push(rules::finding(
            &rules::TLS_LEGACY_VERSION_ACCEPTED,
            Some(format!("the server accepts {}", legacy.join(" and "))),
            None,
            Vec::new(),
        ));
    }
    let v = |label: &str| {
        t.versions
            .iter()
            .find(|v| v.version == label)
            .and_then(|v| v.accepted)
    };
    if v("TLS 1.2") == Some(false) && v("TLS 1.2 (legacy suites)") == Some(true) {
        let detail = t
            .versions
            .iter()
            .find(|v| v.version == "TLS 1.2 (legacy suites)")
            .map(|v| v.detail.clone())
            .unwrap_or_default();
        out.push(rules::finding(
            &rules::TLS_MODERN_SUITES_REFUSED,
            Some(format!(
                "TLS 1.2 works only with legacy cipher suites ({detail})"
            )),
            None,
            Vec::new(),
        ));
    }
    let cfg = crate::verdict::DiagConfig::default();
    let mut certs = Vec::new();
    rules::certificate_findings(&t.certificates, Some(host), &cfg, &mut certs);
    for f in &mut certs {
        // In a probe the certificate is judged against the current time.
        f.title = f.title.replace("before the capture", "before now");
        f.title = f.title.replace("after the capture time", "after now");
        f.title = f
            .title
            .replace("the client asked for", "the probe connected to");
        f.title = f.title.replace("after the capture)", "from now)");
    }
    out.extend(certs);
}

/// RDPUDP SYN (MS-RDPEUDP 3.1.5.1.1): FEC header with snSourceAck -1 and
/// RDPUDP_FLAG_SYN, SYNDATA (random ISN, MTUs 1232), padded to 1232 bytes.
pub fn rdpudp_syn() -> Vec<u8> {
    let mut d = Vec::with_capacity(1232);
    d.extend_from_slice(&u32::MAX.to_be_bytes());
    d.extend_from_slice(&64u16.to_be_bytes());
    d.extend_from_slice(&0x0001u16.to_be_bytes());
    let isn = (record::now().0 as u32) & 0x7fff_ffff;
    d.extend_from_slice(&isn.to_be_bytes());
    d.extend_from_slice(&1232u16.to_be_bytes());
    d.extend_from_slice(&1232u16.to_be_bytes());
    d.resize(1232, 0);
    d
}

fn probe_udp(rec: &Recorder, addr: SocketAddr, timeout: Duration) -> UdpReport {
    match record::udp_exchange(rec, addr, &rdpudp_syn(), timeout) {
        Ok((_, None)) => UdpReport {
            result: "no_answer",
            detail: format!(
                "no answer to the RDP-UDP SYN within {:.1} s (UDP transport off, blocked, or not offered to an unauthenticated client)",
                timeout.as_secs_f64()
            ),
        },
        Ok((_, Some((data, _)))) => match rdpdiag_parsers::rdpeudp::parse_syn(&data) {
            Ok((_, s)) if s.is_syn_ack() => UdpReport {
                result: "syn_ack",
                detail: format!(
                    "SYN+ACK: MTU up {} / down {}, RDP-UDP version {}",
                    s.upstream_mtu,
                    s.downstream_mtu,
                    s.udp_version().0
                ),
            },
            _ => UdpReport {
                result: "other",
                detail: format!("an answer that is not an RDP-UDP SYN+ACK ({} bytes)", data.len()),
            },
        },
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => UdpReport {
            result: "port_unreachable",
            detail: "ICMP port unreachable: nothing listens on this UDP port".into(),
        },
        Err(e) => UdpReport {
            result: "error",
            detail: e.to_string(),
        },
    }
}

/// Text rendering.
pub fn render_text(r: &ProbeReport) -> String {
    use std::fmt::Write as _;
    let mut o = String::new();
    let _ = writeln!(o, "rdpdiag probe {} (started {})", r.target, r.started);
    match &r.dns.error {
        Some(e) => {
            let _ = writeln!(o, "  DNS        {}: {e}", r.dns.name);
        }
        None => {
            let _ = writeln!(
                o,
                "  DNS        {} -> {}",
                r.dns.name,
                r.dns.addresses.join(", ")
            );
        }
    }
    for t in &r.tcp {
        let _ = writeln!(
            o,
            "  TCP        {:<24} {:<10} {:.1} ms{}",
            t.address,
            t.outcome,
            t.seconds * 1000.0,
            t.detail
                .as_deref()
                .map(|d| format!("  ({d})"))
                .unwrap_or_default()
        );
    }
    if !r.negotiation.is_empty() {
        let _ = writeln!(o, "  Security layers (X.224 negotiation):");
        for n in &r.negotiation {
            let _ = writeln!(
                o,
                "    {:<55} -> {}{}",
                n.requested,
                describe_row(n),
                match (&n.detail, n.result) {
                    (Some(d), "selected" | "legacy") => format!("  ({d})"),
                    _ => String::new(),
                }
            );
        }
        if let Some(d) = &r.mstsc_default {
            let _ = writeln!(o, "    default mstsc request gets: {d}");
        }
        let _ = writeln!(
            o,
            "    NLA required: {}",
            match r.nla_required {
                Some(true) => "yes",
                Some(false) => "no",
                None => "unknown",
            }
        );
    }
    if let Some(t) = &r.tls {
        let _ = writeln!(o, "  TLS        {}", t.channel);
        if let (Some(v), Some(s)) = (&t.negotiated_version, &t.cipher_suite) {
            let _ = writeln!(o, "    negotiated {v}, {s}");
        }
        if let Some(e) = &t.error {
            let _ = writeln!(o, "    handshake failed: {e}");
        }
        for v in &t.versions {
            let _ = writeln!(
                o,
                "    {:<24} {:<9} {}",
                v.version,
                match v.accepted {
                    Some(true) => "accepted",
                    Some(false) => "refused",
                    None => "unknown",
                },
                v.detail
            );
        }
        for c in &t.certificates {
            let _ = writeln!(
                o,
                "    certificate #{} {} (issuer {}), {} .. {}, {} {} bits, {}{}",
                c.index,
                c.subject,
                c.issuer,
                c.not_before,
                c.not_after,
                c.key_type,
                c.key_bits,
                c.signature_algorithm,
                if c.validity_at_capture == "valid" {
                    String::new()
                } else {
                    format!(", {}", c.validity_at_capture.replace('_', " "))
                }
            );
        }
    }
    if let Some(n) = &r.nla {
        let _ = writeln!(
            o,
            "  NLA        NTLM CHALLENGE (CredSSP v{}): computer {} / {}, domain {} / {}, OS {}",
            n.credssp_version.unwrap_or(0),
            n.netbios_computer.as_deref().unwrap_or("-"),
            n.dns_computer.as_deref().unwrap_or("-"),
            n.netbios_domain.as_deref().unwrap_or("-"),
            n.dns_domain.as_deref().unwrap_or("-"),
            n.os_version.as_deref().unwrap_or("-"),
        );
        if let (Some(t), Some(s)) = (&n.server_time, n.clock_skew_s) {
            let _ = writeln!(o, "    server time {t} (clock skew {s:+} s)");
        }
        if let Some(e) = &n.error_code {
            let _ = writeln!(o, "    TSRequest errorCode {e}");
        }
    }
    if let Some(e) = &r.nla_error {
        let _ = writeln!(o, "  NLA        {e}");
    }
    if let Some(u) = &r.udp {
        let _ = writeln!(o, "  RDP-UDP    {}: {}", u.result, u.detail);
    }
    if r.findings.is_empty() {
        let _ = writeln!(o, "  No findings.");
    } else {
        let _ = writeln!(o, "  Findings:");
        for f in &r.findings {
            let _ = writeln!(o, "    [{}] {} ({})", f.severity.name(), f.title, f.id);
            for rem in f.remediation.iter().take(1) {
                let _ = writeln!(o, "        fix: {rem}");
            }
        }
    }
    if let Some(c) = &r.capture {
        let _ = writeln!(o, "  Traffic written to {c} (rdpdiag analyze {c})");
    }
    o
}

/// `rdpdiag probe` entry point; returns the exit code.
pub fn run(a: &ProbeArgs) -> i32 {
    let (host, port) = match parse_target(&a.target) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("rdpdiag: {e}");
            return 2;
        }
    };
    if !(a.timeout.is_finite() && a.timeout > 0.0 && a.timeout <= 600.0) {
        eprintln!("rdpdiag: --timeout must be between 0 and 600 seconds");
        return 2;
    }
    let timeout = Duration::from_secs_f64(a.timeout);
    let (mut rep, rec) = probe(&host, port, timeout, !a.no_udp);
    let mut io_error = false;
    if let Some(path) = &a.write {
        match std::fs::write(path, rec.pcapng()) {
            Ok(()) => rep.capture = Some(path.clone()),
            Err(e) => {
                eprintln!("rdpdiag: writing {path}: {e}");
                io_error = true;
            }
        }
    }
    let mut out = std::io::stdout().lock();
    match a.format {
        Format::Json => {
            let doc = Document {
                schema: SCHEMA,
                tool: crate::report::Tool {
                    name: "rdpdiag",
                    version: env!("CARGO_PKG_VERSION"),
                },
                probe: &rep,
            };
            match serde_json::to_string_pretty(&doc) {
                Ok(s) => {
                    let _ = writeln!(out, "{s}");
                }
                Err(e) => {
                    eprintln!("rdpdiag: internal error serializing JSON: {e}");
                    return 2;
                }
            }
        }
        Format::Text => {
            let _ = write!(out, "{}", render_text(&rep));
        }
    }
    if io_error {
        return 2;
    }
    let threshold = Severity::from_name(&a.fail_on).unwrap_or(Severity::Error);
    i32::from(rep.findings.iter().any(|f| f.severity >= threshold))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets() {
        assert_eq!(parse_target("h").unwrap(), ("h".into(), 3389));
        assert_eq!(parse_target("h:3390").unwrap(), ("h".into(), 3390));
        assert_eq!(parse_target("[::1]:5").unwrap(), ("::1".into(), 5));
        assert_eq!(parse_target("fd00::1").unwrap(), ("fd00::1".into(), 3389));
        assert!(parse_target("h:x").is_err());
        assert!(parse_target("").is_err());
    }

    #[test]
    fn our_requests_parse_with_our_parsers() {
        for set in SETS {
            let cr = connection_request(set);
            let (rest, c) = nego::parse_connection_request(&cr).expect("CR parses");
            assert!(rest.is_empty());
            assert_eq!(c.requested_protocols().0, set);
        }
        let syn = rdpudp_syn();
        let (_, s) = rdpdiag_parsers::rdpeudp::parse_syn(&syn).expect("SYN parses");
        assert!(!s.is_syn_ack());
        assert!(s.mtus_in_spec_range());
    }
}
