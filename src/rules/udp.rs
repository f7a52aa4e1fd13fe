//! RDP-UDP rules (MS-RDPEUDP): a UDP transport the server never answered.

use super::make;
use super::registry::UDP_SYN_UNANSWERED;
use crate::session::UdpRecord;
use crate::verdict::{Basis, Evidence, Finding, Severity};

/// RDP-UDP findings for a UDP flow; `tcp_present`: an RDP TCP connection belongs to the same attempt.
pub fn udp_findings(u: &UdpRecord, tcp_present: bool, out: &mut Vec<Finding>) {
    let Some(rdpudp) = &u.rdpudp else { return };
    if rdpudp.syn_frames.is_empty() || rdpudp.synack_frame.is_some() {
        return;
    }
    let mut finding = make(
        &UDP_SYN_UNANSWERED,
        Basis::Clear,
        Some(format!(
            "RDP-UDP SYN sent {} time(s) to {}, never answered",
            rdpudp.syn_frames.len(),
            u.flow.server
        )),
        None,
        rdpudp
            .syn_frames
            .iter()
            .take(6)
            .map(|n| Evidence {
                frame: *n,
                time: String::new(),
                detail: "RDP-UDP SYN".into(),
            })
            .collect(),
    );
    if tcp_present {
        finding.severity = Severity::Info;
        finding.decisive = false;
        finding.title.push_str(" (RDP fell back to TCP)");
    }
    out.push(finding);
}
