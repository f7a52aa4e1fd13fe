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

#[cfg(test)]
mod tests {
    use super::super::testkit::{frames, udp};
    use super::udp_findings;
    use crate::verdict::Severity;

    #[test]
    fn syn_unanswered_fires_on_unanswered_rdpudp_syns() {
        // captures/public/zeek/rdpeudp-handshake-fail.pcap: RDP-UDP SYNs at
        // frames 1-3, no SYN+ACK.
        let mut out = Vec::new();
        udp_findings(&udp(&[1, 2, 3], None), false, &mut out);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].id, "udp.syn_unanswered");
        assert_eq!(
            out[0].title,
            "RDP-UDP SYN sent 3 time(s) to 10.0.0.1:3389, never answered"
        );
        assert_eq!(frames(&out[0]), [1, 2, 3]);
        assert_eq!(out[0].severity, Severity::Error);
        assert!(out[0].decisive);
    }

    #[test]
    fn syn_unanswered_is_information_when_tcp_carries_rdp() {
        let mut out = Vec::new();
        udp_findings(&udp(&[1, 2, 3], None), true, &mut out);
        assert_eq!(out[0].severity, Severity::Info);
        assert!(!out[0].decisive);
        assert!(out[0].title.ends_with("(RDP fell back to TCP)"));
    }

    #[test]
    fn syn_unanswered_silent_when_the_server_answers() {
        let mut out = Vec::new();
        udp_findings(&udp(&[1], Some(2)), false, &mut out);
        assert!(out.is_empty());
    }
}
