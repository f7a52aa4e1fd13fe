//! The probe's JSON report. Outcomes are enums inside the probe and the
//! same snake_case strings in the document (schema rdpdiag-probe/1).

use super::nla::NlaInfo;
use crate::session::facts::CertInfo;
use crate::verdict::Finding;
use rdpdiag_parsers::nego::FailureCode;
use serde::{Serialize, Serializer};

/// Version of the probe JSON document.
pub const SCHEMA: &str = "rdpdiag-probe/1";

/// Result of the name lookup.
#[derive(Debug, Clone, Serialize)]
pub struct DnsResult {
    pub name: String,
    pub addresses: Vec<String>,
    pub error: Option<String>,
}

/// How one TCP connect ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TcpOutcome {
    Connected,
    Refused,
    TimedOut,
    /// No route, or another error.
    Unreachable,
}

impl TcpOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            TcpOutcome::Connected => "connected",
            TcpOutcome::Refused => "refused",
            TcpOutcome::TimedOut => "timed_out",
            TcpOutcome::Unreachable => "unreachable",
        }
    }
}

/// One TCP connect.
#[derive(Debug, Clone, Serialize)]
pub struct TcpResult {
    pub address: String,
    pub outcome: TcpOutcome,
    pub seconds: f64,
    pub detail: Option<String>,
}

/// What one X.224 Connection Request got.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NegResult {
    /// RDP_NEG_RSP.
    Selected,
    /// RDP_NEG_FAILURE.
    Failure,
    /// Connection Confirm without negotiation data.
    Legacy,
    /// Another TPDU, e.g. a disconnect.
    Rejected,
    NoAnswer,
    Error,
}

impl NegResult {
    pub fn as_str(self) -> &'static str {
        match self {
            NegResult::Selected => "selected",
            NegResult::Failure => "failure",
            NegResult::Legacy => "legacy",
            NegResult::Rejected => "rejected",
            NegResult::NoAnswer => "no_answer",
            NegResult::Error => "error",
        }
    }

    /// The server accepted the request (with or without negotiation data).
    pub fn accepted(self) -> bool {
        matches!(self, NegResult::Selected | NegResult::Legacy)
    }
}

fn failure_name<S: Serializer>(c: &Option<FailureCode>, s: S) -> Result<S::Ok, S::Error> {
    match c {
        Some(c) => s.collect_str(c),
        None => s.serialize_none(),
    }
}

/// One row of the negotiation matrix.
#[derive(Debug, Clone, Serialize)]
pub struct NegRow {
    pub requested: String,
    pub requested_value: u32,
    pub result: NegResult,
    pub selected: Option<String>,
    pub selected_value: Option<u32>,
    #[serde(serialize_with = "failure_name")]
    pub failure_code: Option<FailureCode>,
    pub detail: Option<String>,
    #[serde(skip)]
    pub(super) frame: u64,
}

impl NegRow {
    /// A row for `requested` with only a result and a detail.
    pub(super) fn bare(requested: u32, result: NegResult, detail: Option<String>) -> NegRow {
        NegRow {
            requested: super::negotiation::proto_name(requested),
            requested_value: requested,
            result,
            selected: None,
            selected_value: None,
            failure_code: None,
            detail,
            frame: 0,
        }
    }

    /// What the row's request got, in words.
    pub fn describe(&self) -> String {
        match self.result {
            NegResult::Selected | NegResult::Legacy => self.selected.clone().unwrap_or_default(),
            NegResult::Failure => format!("RDP_NEG_FAILURE {}", self.failure_name()),
            _ => self
                .detail
                .clone()
                .unwrap_or_else(|| self.result.as_str().to_string()),
        }
    }

    /// The failure code's name, "?" without one.
    pub fn failure_name(&self) -> String {
        self.failure_code
            .map_or_else(|| "?".to_string(), |c| c.to_string())
    }
}

/// A TLS version (or variant) the probe tries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum TlsVersion {
    #[serde(rename = "TLS 1.3")]
    Tls13,
    #[serde(rename = "TLS 1.2")]
    Tls12,
    /// TLS 1.2 with a hand-built ClientHello offering older suites.
    #[serde(rename = "TLS 1.2 (legacy suites)")]
    Tls12Legacy,
    #[serde(rename = "TLS 1.1")]
    Tls11,
    #[serde(rename = "TLS 1.0")]
    Tls10,
}

impl TlsVersion {
    pub fn label(self) -> &'static str {
        match self {
            TlsVersion::Tls13 => "TLS 1.3",
            TlsVersion::Tls12 => "TLS 1.2",
            TlsVersion::Tls12Legacy => "TLS 1.2 (legacy suites)",
            TlsVersion::Tls11 => "TLS 1.1",
            TlsVersion::Tls10 => "TLS 1.0",
        }
    }
}

/// How a TLS version was tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TlsMethod {
    Rustls,
    /// Hand-built ClientHello, judged by the ServerHello only.
    ClientHello,
}

/// One TLS version tried.
#[derive(Debug, Clone, Serialize)]
pub struct TlsVersionRow {
    pub version: TlsVersion,
    /// None when it could not be tested.
    pub accepted: Option<bool>,
    pub method: TlsMethod,
    pub detail: String,
    /// The cipher suite the server's ServerHello chose (hand-built hellos).
    #[serde(skip)]
    pub suite: Option<u16>,
}

/// Why the main TLS handshake did not happen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsFailure {
    /// The server sent a fatal alert.
    Alert,
    /// The server closed the connection.
    Closed,
    Other,
}

/// TLS over the negotiated channel.
#[derive(Debug, Clone, Default, Serialize)]
pub struct TlsReport {
    /// requestedProtocols of the channel used, and what the server selected.
    pub channel: String,
    pub negotiated_version: Option<String>,
    pub cipher_suite: Option<String>,
    pub error: Option<String>,
    /// The kind of `error`.
    #[serde(skip)]
    pub failure: Option<TlsFailure>,
    pub versions: Vec<TlsVersionRow>,
    pub certificates: Vec<CertInfo>,
}

impl TlsReport {
    /// Whether `v` was accepted (None: not tried or not testable).
    pub fn accepted(&self, v: TlsVersion) -> Option<bool> {
        self.row(v).and_then(|r| r.accepted)
    }

    pub fn row(&self, v: TlsVersion) -> Option<&TlsVersionRow> {
        self.versions.iter().find(|r| r.version == v)
    }
}

/// What the RDP-UDP SYN got.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UdpResult {
    SynAck,
    NoAnswer,
    PortUnreachable,
    Other,
    Error,
}

impl UdpResult {
    pub fn as_str(self) -> &'static str {
        match self {
            UdpResult::SynAck => "syn_ack",
            UdpResult::NoAnswer => "no_answer",
            UdpResult::PortUnreachable => "port_unreachable",
            UdpResult::Other => "other",
            UdpResult::Error => "error",
        }
    }
}

/// The RDP-UDP SYN.
#[derive(Debug, Clone, Serialize)]
pub struct UdpReport {
    pub result: UdpResult,
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
    pub nla: Option<NlaInfo>,
    pub nla_error: Option<String>,
    pub udp: Option<UdpReport>,
    pub findings: Vec<Finding>,
    /// The pcapng written with --write.
    pub capture: Option<String>,
    /// The deadline that cut the probe short, and the step it cut:
    /// "negotiation (step deadline 8 s)".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timed_out: Option<String>,
}

impl ProbeReport {
    /// An empty report for `host`:`port`.
    pub fn new(host: &str, port: u16, started: String) -> ProbeReport {
        ProbeReport {
            target: if host.contains(':') {
                format!("[{host}]:{port}")
            } else {
                format!("{host}:{port}")
            },
            host: host.to_string(),
            port,
            started,
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
            timed_out: None,
        }
    }

    /// The matrix row for requestedProtocols `v`.
    pub fn row(&self, v: u32) -> Option<&NegRow> {
        self.negotiation.iter().find(|r| r.requested_value == v)
    }
}

/// The probe JSON document.
#[derive(Debug, Serialize)]
pub struct Document<'a> {
    pub schema: &'static str,
    pub tool: crate::report::Tool,
    pub probe: &'a ProbeReport,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enums_serialize_to_their_strings() {
        for o in [
            TcpOutcome::Connected,
            TcpOutcome::Refused,
            TcpOutcome::TimedOut,
            TcpOutcome::Unreachable,
        ] {
            assert_eq!(
                serde_json::to_value(o).ok(),
                Some(serde_json::Value::from(o.as_str()))
            );
        }
        for r in [
            NegResult::Selected,
            NegResult::Failure,
            NegResult::Legacy,
            NegResult::Rejected,
            NegResult::NoAnswer,
            NegResult::Error,
        ] {
            assert_eq!(
                serde_json::to_value(r).ok(),
                Some(serde_json::Value::from(r.as_str()))
            );
        }
        for v in [
            TlsVersion::Tls13,
            TlsVersion::Tls12,
            TlsVersion::Tls12Legacy,
            TlsVersion::Tls11,
            TlsVersion::Tls10,
        ] {
            assert_eq!(
                serde_json::to_value(v).ok(),
                Some(serde_json::Value::from(v.label()))
            );
        }
        for u in [
            UdpResult::SynAck,
            UdpResult::NoAnswer,
            UdpResult::PortUnreachable,
            UdpResult::Other,
            UdpResult::Error,
        ] {
            assert_eq!(
                serde_json::to_value(u).ok(),
                Some(serde_json::Value::from(u.as_str()))
            );
        }
        assert_eq!(
            serde_json::to_value(TlsMethod::ClientHello).ok(),
            Some(serde_json::Value::from("client_hello"))
        );
        let mut row = NegRow::bare(0xB, NegResult::Failure, None);
        row.failure_code = Some(FailureCode::HYBRID_REQUIRED_BY_SERVER);
        let j = serde_json::to_value(&row).unwrap_or_default();
        assert_eq!(j["failure_code"], "HYBRID_REQUIRED_BY_SERVER");
        assert_eq!(j["result"], "failure");
        assert!(j.get("frame").is_none());
    }
}
