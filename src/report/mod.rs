//! Views of an analysis: the JSON contract and the terminal report.
//! Views never compute verdicts; they render what the layers below decided.

pub mod text;

use crate::capture::{ReadSummary, Warning};
use crate::flow::FlowStats;
use crate::session::{ConnectionRecord, UdpRecord};
use crate::verdict::Attempt;
use serde::Serialize;

/// Version of the JSON document; bumped on any incompatible change.
pub const SCHEMA: &str = "rdpdiag/1";

/// The analysis of one input file. Serialized by hand (below) so that each
/// attempt also carries its own `connections`.
#[derive(Debug, Clone)]
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

impl Serialize for FileReport {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let attempts: Vec<AttemptView<'_>> = self
            .attempts
            .iter()
            .map(|a| AttemptView {
                attempt: a,
                connections: a
                    .connection_ids
                    .iter()
                    .filter_map(|id| self.connections.iter().find(|c| c.id == *id))
                    .map(ConnView::Tcp)
                    .chain(
                        a.udp_flow_ids
                            .iter()
                            .filter_map(|id| self.udp_flows.iter().find(|u| u.flow.id == *id))
                            .map(|u| {
                                ConnView::Udp(UdpView {
                                    transport: "udp",
                                    record: u,
                                })
                            }),
                    )
                    .collect(),
            })
            .collect();
        let mut st = s.serialize_struct("FileReport", 7)?;
        st.serialize_field("file", &self.file)?;
        st.serialize_field("capture", &self.capture)?;
        st.serialize_field("warnings", &self.warnings)?;
        st.serialize_field("attempts", &attempts)?;
        st.serialize_field("stats", &self.stats)?;
        st.serialize_field("connections", &self.connections)?;
        st.serialize_field("udp_flows", &self.udp_flows)?;
        st.end()
    }
}

/// An attempt with the records of its own connections (`connections`).
#[derive(Serialize)]
struct AttemptView<'a> {
    #[serde(flatten)]
    attempt: &'a Attempt,
    connections: Vec<ConnView<'a>>,
}

#[derive(Serialize)]
#[serde(untagged)]
enum ConnView<'a> {
    Tcp(&'a ConnectionRecord),
    Udp(UdpView<'a>),
}

#[derive(Serialize)]
struct UdpView<'a> {
    transport: &'static str,
    #[serde(flatten)]
    record: &'a UdpRecord,
}
