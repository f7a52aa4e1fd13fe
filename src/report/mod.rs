//! Views of an analysis: the JSON contract and the terminal report.
//! Views never compute verdicts; they render what the layers below decided.

pub mod text;

use crate::attempt::Attempt;
use crate::capture::{ReadSummary, Warning};
use crate::flow::FlowStats;
use crate::session::{ConnectionRecord, UdpRecord};
use serde::Serialize;

/// Version of the JSON document; bumped on any incompatible change.
pub const SCHEMA: &str = "rdpdiag/1";

/// The analysis of one input file.
#[derive(Debug, Clone, Serialize)]
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

/// The whole JSON document.
#[derive(Debug, Clone, Serialize)]
pub struct Document<'a> {
    pub schema: &'static str,
    pub tool: Tool,
    pub files: &'a [FileReport],
}

#[derive(Debug, Clone, Serialize)]
pub struct Tool {
    pub name: &'static str,
    pub version: &'static str,
}

impl<'a> Document<'a> {
    pub fn new(files: &'a [FileReport]) -> Self {
        Document {
            schema: SCHEMA,
            tool: Tool {
                name: "rdpdiag",
                version: env!("CARGO_PKG_VERSION"),
            },
            files,
        }
    }
}
