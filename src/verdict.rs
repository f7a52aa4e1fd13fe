//! What a diagnosis says: stages, outcomes, severities, findings with their
//! evidence, per-connection and per-attempt verdicts, and the settings that
//! shape them. Rules produce these; reports, the TUI and `rdpdiag test` read
//! them. Nothing here judges: it is the vocabulary shared by both sides.

use crate::session::DnsLookup;
use crate::wire::FrameRef;
use serde::Serialize;

/// The stages of an RDP connection, in order.
// Serialize (here and on Severity, Evidence, Finding) only for the probe's
// own JSON report, which lists findings; the analysis document `rdpdiag/2`
// is written by `report::json`, never from these types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Dns,
    Tcp,
    Negotiation,
    Tls,
    Nla,
    Mcs,
    Licensing,
    Activation,
    Session,
    Udp,
    Gateway,
}

impl Stage {
    pub fn name(self) -> &'static str {
        match self {
            Stage::Dns => "dns",
            Stage::Tcp => "tcp",
            Stage::Negotiation => "negotiation",
            Stage::Tls => "tls",
            Stage::Nla => "nla",
            Stage::Mcs => "mcs",
            Stage::Licensing => "licensing",
            Stage::Activation => "activation",
            Stage::Session => "session",
            Stage::Udp => "udp",
            Stage::Gateway => "gateway",
        }
    }
    /// Parse a stage name.
    pub fn from_name(s: &str) -> Option<Stage> {
        ALL_STAGES.iter().copied().find(|st| st.name() == s)
    }
}

pub const ALL_STAGES: [Stage; 11] = [
    Stage::Dns,
    Stage::Tcp,
    Stage::Negotiation,
    Stage::Tls,
    Stage::Nla,
    Stage::Mcs,
    Stage::Licensing,
    Stage::Activation,
    Stage::Session,
    Stage::Udp,
    Stage::Gateway,
];

/// The verdict of an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Success,
    Failure,
    /// The capture ends before anything decisive.
    Incomplete,
}

impl Outcome {
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
            Outcome::Incomplete => "incomplete",
        }
    }
}

/// One stage reached (or failed) by a connection, for the ladder.
#[derive(Debug, Clone)]
pub struct StageMark {
    pub stage: Stage,
    pub ok: bool,
    pub frame: Option<FrameRef>,
}

/// The verdict of one connection.
#[derive(Debug, Clone)]
pub struct ConnVerdict {
    pub connection: u32,
    pub outcome: Outcome,
    pub failed_stage: Option<Stage>,
    pub stages: Vec<StageMark>,
}

/// One RDP connection attempt.
#[derive(Debug, Clone)]
pub struct Attempt {
    pub id: u32,
    pub client: String,
    pub server: String,
    pub start: FrameRef,
    pub end: FrameRef,
    pub duration_s: f64,
    pub outcome: Outcome,
    pub failed_stage: Option<Stage>,
    /// How the verdict was reached.
    pub evidence_basis: Basis,
    pub root_cause: Option<Finding>,
    pub findings: Vec<Finding>,
    pub stages: Vec<StageMark>,
    pub verdicts: Vec<ConnVerdict>,
    /// Connection ids (TCP) in this attempt.
    pub connection_ids: Vec<u32>,
    pub udp_flow_ids: Vec<u32>,
    pub dns: Vec<DnsLookup>,
}

impl Attempt {
    /// The attempt succeeded, yet an error finding remains (a reset or an
    /// outage later in the session): a headline must not say plain success.
    pub fn succeeded_with_errors(&self) -> bool {
        self.outcome == Outcome::Success
            && self.findings.iter().any(|f| f.severity == Severity::Error)
    }

    /// The findings besides the root cause (the root cause is also listed in
    /// `findings`; a finding is it when rule and connection match).
    pub fn other_findings(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(move |f| {
            self.root_cause
                .as_ref()
                .is_none_or(|rc| rc.id != f.id || rc.connection != f.connection)
        })
    }
}

/// Settings of the diagnosis.
#[derive(Debug, Clone)]
pub struct DiagConfig {
    /// Seconds after a connection that failed at a stage clients retry on
    /// their own (TCP, negotiation, TLS, NLA) within which the next
    /// connection of the same client and server is that automatic retry and
    /// joins the attempt. A session that came up, or a later-stage failure,
    /// always ends the attempt: what follows is the user's new try.
    pub group_window_s: f64,
    /// Days before expiry that make a certificate "expiring soon".
    pub expiring_soon_days: i64,
    /// Real retransmissions (per connection) that make a storm, and the share of packets.
    pub retrans_storm_count: u32,
    pub retrans_storm_ratio: f64,
    /// Seconds of silence inside an active session that count as a stall.
    pub stall_s: f64,
    /// Rule ids turned off.
    pub disabled: Vec<String>,
    /// Severity overrides (rule id, severity) from the configuration file.
    /// They change how a finding is reported and what `--fail-on` sees, not
    /// whether a connection failed.
    pub severity: Vec<(String, Severity)>,
}

impl Default for DiagConfig {
    fn default() -> Self {
        DiagConfig {
            group_window_s: 5.0,
            expiring_soon_days: 30,
            retrans_storm_count: 10,
            retrans_storm_ratio: 0.1,
            stall_s: 30.0,
            disabled: Vec::new(),
            severity: Vec::new(),
        }
    }
}

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn name(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
    pub fn from_name(s: &str) -> Option<Severity> {
        match s {
            "info" => Some(Severity::Info),
            "warning" | "warn" => Some(Severity::Warning),
            "error" => Some(Severity::Error),
            _ => None,
        }
    }
}

/// How a finding's facts (or an attempt's verdict) were obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Basis {
    /// Readable on the wire.
    Clear,
    /// Seen inside TLS with the key log.
    Decrypted,
    /// From the shape of encrypted traffic.
    Inferred,
}

impl Basis {
    pub fn name(self) -> &'static str {
        match self {
            Basis::Clear => "clear",
            Basis::Decrypted => "decrypted",
            Basis::Inferred => "inferred",
        }
    }
}

/// A frame that proves a finding.
#[derive(Debug, Clone, Serialize)]
pub struct Evidence {
    pub frame: u64,
    pub time: String,
    pub detail: String,
}

/// One finding.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub id: String,
    pub stage: Stage,
    pub severity: Severity,
    pub title: String,
    pub explanation: String,
    pub evidence: Vec<Evidence>,
    pub remediation: Vec<String>,
    pub mstsc_codes: Vec<String>,
    /// This finding explains why the connection failed.
    pub decisive: bool,
    /// What the client's automatic retry ran into after the attempt's root
    /// cause (on a later connection of the same attempt): a consequence of
    /// the root cause, not a cause of its own.
    pub consequence: bool,
    /// Inferred from the shape of encrypted traffic rather than seen.
    pub inferred: bool,
    /// How the finding's facts were obtained.
    pub basis: Basis,
    /// The connection it concerns.
    pub connection: Option<u32>,
}
