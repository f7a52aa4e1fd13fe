//! Views of an analysis: the JSON contract ([`json`]) and the terminal report.
//! Views never compute verdicts; they render what the layers below decided.

pub mod json;
pub mod text;

use crate::capture::{ReadSummary, Warning};
use crate::flow::FlowStats;
use crate::session::{ConnectionRecord, UdpRecord};
use crate::verdict::Attempt;

pub use json::{Document, Tool, SCHEMA};

/// The analysis of one input file. Written as JSON through [`json::File`].
#[derive(Debug, Clone, Default)]
pub struct FileReport {
    pub file: String,
    pub capture: ReadSummary,
    pub warnings: Vec<Warning>,
    /// One verdict per RDP connection attempt.
    pub attempts: Vec<Attempt>,
    pub stats: FlowStats,
    pub connections: Vec<ConnectionRecord>,
    pub udp_flows: Vec<UdpRecord>,
}
