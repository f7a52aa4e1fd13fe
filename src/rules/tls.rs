//! TLS stage: fatal alerts in the handshake, a server that never answers or
//! closes after the ClientHello, and a client that quits right after the
//! handshake (it rejected the certificate).

use super::certificate::cert_names;
use super::conn::{Conn, Judged};
use super::registry::{
    TLS_CLIENT_REJECTED_CERTIFICATE, TLS_FATAL_ALERT, TLS_NO_SERVER_HELLO,
    TLS_SERVER_CLOSED_AFTER_CLIENT_HELLO,
};
use super::{ev, make, set_inferred, table_fix};
use crate::codes;
use crate::flow::CloseKind;
use crate::session::facts::{AlertInfo, CertSource, ClientHelloFacts};
use crate::verdict::{Basis, Finding, Stage, StageMark};
use crate::wire::{Dir, FrameRef};
use rdpdiag_parsers::tls::AlertLevel;
use rdpdiag_parsers::x509::Validity;

pub(super) fn judge(cx: &Conn, judged: &mut Judged) {
    let tls = &cx.rec.facts.tls;
    let Some(hello) = &tls.client_hello else {
        return;
    };
    let out = &mut judged.findings;
    let handshake_alert = tls.alerts.iter().find(|a| {
        !a.encrypted
            && a.level == Some(AlertLevel::FATAL)
            && cx.shape.handshake_done.is_none_or(|done| a.frame <= done)
    });
    if let Some(alert) = handshake_alert {
        out.push(fatal_alert(hello, alert));
    } else if tls.server_hello.is_none() {
        no_server_hello(cx, hello, out);
    } else if let Some(done) = cx.shape.handshake_done {
        let client_quit = cx.first_closer == Some(Dir::ClientToServer)
            || tls
                .alerts
                .iter()
                .any(|a| a.dir == Dir::ClientToServer && a.frame >= done);
        let no_app = cx.shape.client_data_records == 0
            && cx.rec.facts.mcs.connect_initial.is_none()
            && cx.rec.facts.nla.ts_requests[0] == 0;
        let client_alerted = tls.alerts.iter().any(|a| a.dir == Dir::ClientToServer);
        if client_quit && no_app && (cx.client_close.is_some() || client_alerted) {
            out.push(cert_rejected(cx, done));
        }
    }
    judged.stages.push(StageMark {
        stage: Stage::Tls,
        ok: cx.shape.handshake_done.is_some(),
        frame: cx
            .shape
            .handshake_done
            .or(tls.server_hello.as_ref().map(|h| h.frame))
            .or(Some(hello.frame)),
    });
}

fn fatal_alert(hello: &ClientHelloFacts, alert: &AlertInfo) -> Finding {
    // An alert without a readable description reads as "?" (value 0).
    let (value, name) = alert
        .description
        .map_or((0, "?".to_string()), |d| (u32::from(d.0), d.to_string()));
    let info = codes::Table::TlsAlert.lookup(value);
    let offered = if hello.supported_versions.is_empty() {
        hello.max_version.clone()
    } else {
        hello.supported_versions.join(", ")
    };
    let mut finding = make(
        &TLS_FATAL_ALERT,
        Basis::Clear,
        Some(format!(
            "the {} ended the TLS handshake with fatal alert {} ({}); the client offered {} with {} cipher suites",
            alert.dir.sender(),
            name,
            value,
            offered,
            hello.cipher_suites
        )),
        info.map(|i| i.meaning.to_string()),
        vec![
            ev(hello.frame, "ClientHello"),
            ev(alert.frame, format!("fatal alert {name}")),
        ],
    );
    table_fix(&mut finding, info);
    finding
}

/// "12 µs after it" / "3 ms after it": how fast the reset followed.
fn after_ms(from: FrameRef, to: FrameRef) -> String {
    let s = to.ts.since(from.ts);
    if s < 0.001 {
        format!("{:.0} µs after it", s * 1e6)
    } else {
        format!("{:.0} ms after it", s * 1e3)
    }
}

/// No ServerHello: the server closed, or the client gave up waiting.
fn no_server_hello(cx: &Conn, hello: &ClientHelloFacts, out: &mut Vec<Finding>) {
    let rec = cx.rec;
    // A RST forged on the path is not the server's doing: tcp.middlebox_rst
    // is the cause then.
    let forged = rec.tcp.server.rst.is_some_and(|r| r.suspicious_origin)
        && cx
            .server_close
            .is_some_and(|(_, kind)| kind == CloseKind::Rst);
    if forged {
        return;
    }
    if let Some((close, kind)) = cx.server_closed_first() {
        let ultimatum = rec
            .facts
            .mcs
            .disconnect_ultimatum
            .as_ref()
            .filter(|d| d.1 == Dir::ServerToClient);
        let mut evidence = vec![ev(hello.frame, "ClientHello")];
        if let Some((frame, _, reason)) = ultimatum {
            evidence.push(ev(
                *frame,
                format!("plaintext MCS Disconnect Provider Ultimatum ({reason})"),
            ));
        }
        if super::shape::filter_reject(rec) {
            evidence.push(ev(
                close,
                "bare RST (no ACK flag; the ClientHello was never acknowledged)",
            ));
            let mut f = make(
                &TLS_SERVER_CLOSED_AFTER_CLIENT_HELLO,
                cx.cert_basis,
                Some(format!("a packet filter rejected the ClientHello with a bare RST {}: a firewall or IPS on the server or the path, not the server's TLS stack", after_ms(hello.frame, close))),
                Some("The reset has no ACK flag and the ClientHello was never acknowledged: that is how a packet filter's REJECT answers a data segment (iptables --reject-with tcp-reset, a host firewall, an IPS blocking TLS to this port). A server whose TLS stack gives up first acknowledges the ClientHello, then sends RST|ACK or FIN.".to_string()),
                evidence,
            );
            f.remediation = vec![
                "Find the filter that rejects TLS to this port: on the server `Get-NetFirewallRule -Enabled True -Direction Inbound -Action Block` and any third-party firewall/EDR; on the path the firewall's or IPS's log for the client's address at the capture time (TLS/SSL inspection or application-control rules).".to_string(),
                super::registry::FIREWALL_3389.to_string(),
            ];
            out.push(f);
            return;
        }
        evidence.push(ev(close, format!("{kind} from the server")));
        let event = match kind {
            CloseKind::Rst => rec.tcp.server.rst,
            CloseKind::Fin => rec.tcp.server.fin,
        };
        let acked = event.is_some_and(|e| e.peer_data_acked == Some(true));
        out.push(make(
            &TLS_SERVER_CLOSED_AFTER_CLIENT_HELLO,
            cx.cert_basis,
            Some(format!(
                "the server's TLS stack gave up after the ClientHello ({}{}) without a ServerHello: it cannot use its certificate's private key (MachineKeys) or shares no cipher suite with the client",
                match kind {
                    CloseKind::Rst => "RST|ACK",
                    CloseKind::Fin => "FIN",
                },
                if acked { " after acknowledging it" } else { "" }
            )),
            None,
            evidence,
        ));
    } else if let Some(f) = answer_lost(cx, hello) {
        out.push(f);
    } else if rec.tcp.client.retransmissions > 0 || cx.first_closer == Some(Dir::ClientToServer) {
        let mut evidence = vec![ev(hello.frame, "ClientHello")];
        if let Some((close, kind)) = cx.client_close {
            evidence.push(ev(close, format!("{kind} from the client (gave up)")));
        }
        out.push(make(
            &TLS_NO_SERVER_HELLO,
            cx.cert_basis,
            Some(format!(
                "the server never answered the ClientHello ({} client retransmissions, {} server retransmissions seen)",
                rec.tcp.client.retransmissions, rec.tcp.server.retransmissions
            )),
            None,
            evidence,
        ));
    }
}

/// Seen from the client: the server acknowledged the ClientHello and its
/// answer started to arrive, but a hole stays in it (the client's SACKs ask
/// for the missing bytes in vain) while smaller packets get through: the
/// full-size segments of the certificate flight are dropped on the path.
fn answer_lost(cx: &Conn, hello: &ClientHelloFacts) -> Option<Finding> {
    let tcp = &cx.rec.tcp;
    let server_sent_after = tcp.server.last_payload.is_some_and(|f| f > hello.frame);
    let hello_acked = tcp.client.highest_ack_rel > 0
        && tcp.client.highest_ack_rel
            >= tcp
                .client
                .payload_bytes
                .saturating_sub(tcp.client.retransmitted_bytes);
    let missing = tcp.server.capture_gap_bytes;
    if !(server_sent_after && hello_acked && missing > 0) || cx.shape.handshake_done.is_some() {
        return None;
    }
    let mut evidence = vec![ev(hello.frame, "ClientHello (acknowledged by the server)")];
    if let Some(last) = tcp.server.last_payload {
        evidence.push(ev(
            last,
            format!(
                "the end of the server's answer arrived; {missing} byte(s) before it never did"
            ),
        ));
    }
    if let Some((close, kind)) = cx.client_close {
        evidence.push(ev(close, format!("{kind} from the client (gave up)")));
    }
    let mut f = make(
        &TLS_NO_SERVER_HELLO,
        cx.cert_basis,
        Some(format!(
            "MTU black hole: the server acknowledged the ClientHello, but {missing} byte(s) of its answer (the full-size segments of the ServerHello and certificate flight) never arrived, while smaller packets did"
        )),
        Some("Small packets get through (the server's ACKs, the tail of its answer) but its full-size segments do not: a link on the path has a smaller MTU and the ICMP 'fragmentation needed' messages that would make the server send smaller segments are blocked. RDP hangs in the TLS handshake because the certificate flight is the first large data the server sends.".to_string()),
        evidence,
    );
    f.remediation = super::registry::TCP_MTU_BLACKHOLE
        .remediation
        .iter()
        .map(|r| r.to_string())
        .collect();
    Some(f)
}

/// The client closed right after the TLS handshake: it rejected the server certificate.
fn cert_rejected(cx: &Conn, done: FrameRef) -> Finding {
    let tls = &cx.rec.facts.tls;
    let mut evidence = vec![ev(done, "TLS handshake complete")];
    // With keys, the client's alert names its reason (bad_certificate,
    // certificate_expired, unknown_ca...).
    if let Some(alert) = tls.alerts.iter().find(|a| {
        a.dir == Dir::ClientToServer
            && !a.encrypted
            && a.frame >= done
            && a.level == Some(AlertLevel::FATAL)
    }) {
        if let Some(desc) = alert.description {
            evidence.push(ev(
                alert.frame,
                format!("fatal alert {desc} from the client"),
            ));
        }
    }
    if let Some((close, kind)) = cx.client_close {
        evidence.push(ev(
            close,
            format!("{kind} from the client before any RDP data"),
        ));
    }
    let leaf = tls
        .certificates
        .iter()
        .find(|x| x.index == 0 && x.source != CertSource::RdpStandardSecurity);
    let sni = tls.client_hello.as_ref().and_then(|h| h.sni.clone());
    let title = match leaf {
        Some(l) if l.validity_at_capture == Validity::Expired => format!(
            "the client rejected the server certificate: it expired on {} (before the capture)",
            l.not_after
        ),
        Some(l) if l.validity_at_capture == Validity::NotYetValid => format!(
            "the client rejected the server certificate: not valid before {}",
            l.not_before
        ),
        Some(l) if l.self_signed => format!(
            "the client rejected the server certificate: self-signed ({}), not trusted",
            l.subject
        ),
        Some(l) if sni.as_deref().is_some_and(|n| !cert_names(l, n)) => format!(
            "the client rejected the server certificate: it names {}, not {}, the name the client dialled",
            l.common_names
                .iter()
                .chain(l.san_dns.iter())
                .fold(Vec::<&str>::new(), |mut v, n| {
                    if !v.contains(&n.as_str()) {
                        v.push(n);
                    }
                    v
                })
                .join(", "),
            sni.as_deref().unwrap_or("?")
        ),
        _ => if cx.shape.tls13 && leaf.is_none() {
            "the client closed right after the TLS handshake, before any RDP data: it rejected the server certificate (TLS 1.3 hides the certificate; give --keylog to see why)"
        } else {
            "the client closed right after the TLS handshake, before any RDP data: it rejected the server certificate or aborted"
        }
        .to_string(),
    };
    let mut finding = make(
        &TLS_CLIENT_REJECTED_CERTIFICATE,
        Basis::Clear,
        Some(title),
        None,
        evidence,
    );
    set_inferred(&mut finding, !cx.shape.decrypted, cx.cert_basis);
    if let Some(l) = leaf {
        finding.evidence.push(ev(
            l.frame,
            format!(
                "certificate {} valid {} .. {}",
                l.subject, l.not_before, l.not_after
            ),
        ));
    }
    finding
}

#[cfg(test)]
mod tests {
    use super::super::registry::*;
    use super::super::testkit::{conn, fired, frames, judge, ConnBuilder};
    use crate::session::facts::DecryptStatus;
    use crate::verdict::{Basis, Outcome, Stage};
    use crate::wire::Dir;
    use rdpdiag_parsers::mcs::DisconnectReason;
    use rdpdiag_parsers::tls::{AlertDescription, AlertLevel};

    const PROTOCOL_SSL: u32 = 0x1;
    const TLS12: u16 = 0x0303;
    const TLS13: u16 = 0x0304;

    /// The lab captures' opening (captures/tls_cipher_mismatch.pcap and
    /// most others): X.224 Request for PROTOCOL_SSL at frame 4, Confirm
    /// selecting it at frame 6, ClientHello at frame 8.
    fn up_to_client_hello() -> ConnBuilder {
        conn()
            .handshake()
            .request(4, PROTOCOL_SSL)
            .confirm(6, PROTOCOL_SSL)
            .client_hello(8)
    }

    /// captures/tls12_cbc_ok.pcap (a healthy session): ServerHello at frame
    /// 9, the client's CCS at 10 and the server's at 11, MCS Connect Initial
    /// at 12, screen output from frame 60; it ends with the FIN at 175.
    fn healthy_tls12_session() -> ConnBuilder {
        up_to_client_hello()
            .hello_suites(28)
            .server_hello(9, TLS12)
            .ccs(Dir::ClientToServer, 10)
            .ccs(Dir::ServerToClient, 11)
            .connect_initial(12)
            .screen_output(60)
    }

    #[test]
    fn fatal_alert_fires_on_a_server_alert_before_the_server_hello() {
        // captures/tls_cipher_mismatch.pcap: the ClientHello at frame 8
        // offers TLS 1.3 to 1.0 with 5 suites; the server answers with a
        // fatal handshake_failure (40) at frame 9; the client's FIN at 12.
        let rec = up_to_client_hello()
            .hello_versions(&["TLS 1.3", "TLS 1.2", "TLS 1.1", "TLS 1.0"])
            .hello_suites(5)
            .alert(
                Dir::ServerToClient,
                9,
                AlertLevel::FATAL,
                AlertDescription::HANDSHAKE_FAILURE,
            )
            .fin(Dir::ClientToServer, 12)
            .build();
        let (verdict, findings) = judge(&rec);
        let finding = &findings[0];
        assert_eq!(finding.id, "tls.fatal_alert");
        assert_eq!(
            finding.title,
            "the server ended the TLS handshake with fatal alert handshake_failure (40); the client offered TLS 1.3, TLS 1.2, TLS 1.1, TLS 1.0 with 5 cipher suites"
        );
        assert_eq!(frames(finding), [8, 9]);
        assert_eq!(finding.evidence[1].detail, "fatal alert handshake_failure");
        // The alert table's meaning and fix replace the rule's generic ones.
        assert!(finding
            .explanation
            .starts_with("No acceptable set of security parameters"));
        assert_eq!(finding.remediation.len(), 3);
        assert!(finding.decisive);
        assert_eq!(verdict.outcome, Outcome::Failure);
        assert_eq!(verdict.failed_stage, Some(Stage::Tls));
    }

    #[test]
    fn fatal_alert_names_the_single_version_offered() {
        // captures/tls_version_mismatch.pcap: a TLS 1.2-only ClientHello (no
        // supported_versions, 28 suites) at frame 8, fatal protocol_version
        // (70) from the server at frame 9.
        let rec = up_to_client_hello()
            .hello_suites(28)
            .alert(
                Dir::ServerToClient,
                9,
                AlertLevel::FATAL,
                AlertDescription::PROTOCOL_VERSION,
            )
            .fin(Dir::ClientToServer, 12)
            .build();
        let finding = fired(&rec, &TLS_FATAL_ALERT).expect("fires");
        assert_eq!(
            finding.title,
            "the server ended the TLS handshake with fatal alert protocol_version (70); the client offered TLS 1.2 with 28 cipher suites"
        );
        assert_eq!(
            finding.explanation,
            "The peer does not support the offered TLS version."
        );
    }

    #[test]
    fn fatal_alert_silent_on_a_completed_handshake_with_close_notify() {
        // captures/tls12_cbc_ok.pcap with its key log: after the session,
        // close_notify (a warning, 0) from the client at frame 171 and from
        // the server at 174.
        let rec = healthy_tls12_session()
            .alert(
                Dir::ClientToServer,
                171,
                AlertLevel::WARNING,
                AlertDescription::CLOSE_NOTIFY,
            )
            .alert(
                Dir::ServerToClient,
                174,
                AlertLevel::WARNING,
                AlertDescription::CLOSE_NOTIFY,
            )
            .fin(Dir::ClientToServer, 175)
            .build();
        let (verdict, _) = judge(&rec);
        assert!(fired(&rec, &TLS_FATAL_ALERT).is_none());
        assert_eq!(verdict.outcome, Outcome::Success);
    }

    #[test]
    fn fatal_alert_silent_on_encrypted_alerts() {
        // captures/tls12_cbc_ok.pcap without keys: the same close_notify
        // alerts at frames 171 and 174 are encrypted, their level unknown.
        let rec = healthy_tls12_session()
            .encrypted_alert(Dir::ClientToServer, 171)
            .encrypted_alert(Dir::ServerToClient, 174)
            .fin(Dir::ClientToServer, 175)
            .build();
        assert!(fired(&rec, &TLS_FATAL_ALERT).is_none());
    }

    #[test]
    fn server_closed_after_client_hello_fires_as_a_filter_on_a_bare_rst() {
        // A host firewall's REJECT: a RST without ACK 1 ms after the
        // ClientHello, which nobody acknowledged.
        let rec = up_to_client_hello()
            .rst(Dir::ServerToClient, 9, 128, false)
            .with(|r| {
                if let Some(rst) = r.tcp.server.rst.as_mut() {
                    rst.ack_flag = false;
                    rst.peer_data_acked = Some(false);
                }
            })
            .build();
        let finding = fired(&rec, &TLS_SERVER_CLOSED_AFTER_CLIENT_HELLO).expect("fires");
        assert_eq!(
            finding.title,
            "a packet filter rejected the ClientHello with a bare RST 1 ms after it: a firewall or IPS on the server or the path, not the server's TLS stack"
        );
        assert!(!finding
            .remediation
            .iter()
            .any(|r| r.contains("MachineKeys")));
        // The same RST with ACK, after the server acknowledged the
        // ClientHello: the server's TLS stack.
        let rec = up_to_client_hello()
            .rst(Dir::ServerToClient, 9, 128, false)
            .with(|r| {
                if let Some(rst) = r.tcp.server.rst.as_mut() {
                    rst.peer_data_acked = Some(true);
                }
            })
            .build();
        let finding = fired(&rec, &TLS_SERVER_CLOSED_AFTER_CLIENT_HELLO).expect("fires");
        assert!(finding.title.starts_with(
            "the server's TLS stack gave up after the ClientHello (RST|ACK after acknowledging it)"
        ));
        assert!(finding
            .remediation
            .iter()
            .any(|r| r.contains("MachineKeys")));
    }

    #[test]
    fn server_closed_after_client_hello_fires_on_a_server_reset() {
        // captures/server_key_unusable.pcap: after the ClientHello at frame
        // 8, the server (xrdp, certificate and key do not match) sends a
        // plaintext MCS Disconnect Provider Ultimatum (rn-user-requested, 3)
        // at frame 9 and a RST at frame 10.
        let rec = up_to_client_hello()
            .disconnect_ultimatum(Dir::ServerToClient, 9, DisconnectReason::RN_USER_REQUESTED)
            .rst(Dir::ServerToClient, 10, 64, false)
            .build();
        let (verdict, findings) = judge(&rec);
        let finding = &findings[0];
        assert_eq!(finding.id, "tls.server_closed_after_client_hello");
        assert_eq!(frames(finding), [8, 9, 10]);
        assert_eq!(
            finding.evidence[1].detail,
            "plaintext MCS Disconnect Provider Ultimatum (rn-user-requested)"
        );
        assert_eq!(finding.evidence[2].detail, "RST from the server");
        assert_eq!(finding.basis, Basis::Clear);
        assert_eq!(verdict.failed_stage, Some(Stage::Tls));
    }

    #[test]
    fn server_closed_after_client_hello_silent_when_the_server_answers() {
        // captures/tls_ok.pcap: the ServerHello (TLS 1.3) at frame 9 answers
        // the ClientHello at frame 8; the session runs, the client closes.
        let rec = up_to_client_hello()
            .server_hello(9, TLS13)
            .app_data(Dir::ClientToServer, 10, 69)
            .screen_output(20)
            .fin(Dir::ClientToServer, 176)
            .fin(Dir::ServerToClient, 177)
            .build();
        assert!(fired(&rec, &TLS_SERVER_CLOSED_AFTER_CLIENT_HELLO).is_none());
        assert!(fired(&rec, &TLS_NO_SERVER_HELLO).is_none());
    }

    #[test]
    fn server_closed_after_client_hello_silent_on_a_forged_reset() {
        // captures/middlebox_rst_clienthello.pcap: the RST "from the server"
        // at frame 9 has TTL 64, unlike the server's other packets: a
        // middlebox sent it, the server did not close.
        let rec = conn()
            .handshake()
            .request(4, PROTOCOL_SSL)
            .confirm(6, PROTOCOL_SSL)
            .client_hello(8)
            .rst(Dir::ServerToClient, 9, 64, true)
            .build();
        assert!(fired(&rec, &TLS_SERVER_CLOSED_AFTER_CLIENT_HELLO).is_none());
        assert!(fired(&rec, &TCP_MIDDLEBOX_RST).is_some());
    }

    #[test]
    fn no_server_hello_fires_as_an_mtu_black_hole() {
        // captures/mtu_blackhole.pcap (client side): the ClientHello (frame
        // 8, 316 bytes) is acknowledged, only the tail of the server's
        // answer arrives (frame 9, after 1448 missing bytes), the client
        // gives up at frame 29.
        let rec = up_to_client_hello()
            .fin(Dir::ClientToServer, 29)
            .with(|r| {
                r.tcp.client.payload_bytes = 361;
                r.tcp.client.highest_ack_rel = 361;
                r.tcp.server.last_payload = Some(super::super::testkit::frame(9));
                r.tcp.server.capture_gap_bytes = 1448;
            })
            .build();
        let (verdict, _) = judge(&rec);
        let finding = fired(&rec, &TLS_NO_SERVER_HELLO).expect("fires");
        assert!(finding.title.starts_with(
            "MTU black hole: the server acknowledged the ClientHello, but 1448 byte(s)"
        ));
        assert_eq!(frames(&finding), [8, 9, 29]);
        assert_eq!(verdict.failed_stage, Some(Stage::Tls));
    }

    #[test]
    fn no_server_hello_fires_when_the_client_gives_up() {
        // captures/mtu_blackhole.pcap: the server's TLS flight never arrives
        // (full-size frames dropped); the client's FIN at frame 29.
        let rec = up_to_client_hello().fin(Dir::ClientToServer, 29).build();
        let (verdict, findings) = judge(&rec);
        let finding = &findings[0];
        assert_eq!(finding.id, "tls.no_server_hello");
        assert_eq!(
            finding.title,
            "the server never answered the ClientHello (0 client retransmissions, 0 server retransmissions seen)"
        );
        assert_eq!(frames(finding), [8, 29]);
        assert_eq!(finding.evidence[1].detail, "FIN from the client (gave up)");
        assert_eq!(verdict.failed_stage, Some(Stage::Tls));
    }

    #[test]
    fn no_server_hello_silent_when_the_capture_just_ends() {
        // The capture stops right after the ClientHello: nobody gave up,
        // nothing was retransmitted; the attempt is incomplete, not failed.
        let rec = up_to_client_hello().build();
        let (verdict, findings) = judge(&rec);
        assert!(findings.iter().all(|f| f.id != TLS_NO_SERVER_HELLO.id));
        assert_eq!(verdict.outcome, Outcome::Incomplete);
    }

    #[test]
    fn no_server_hello_silent_when_the_server_hello_comes() {
        // captures/tls_ok.pcap: ServerHello at frame 9.
        let rec = up_to_client_hello()
            .server_hello(9, TLS13)
            .fin(Dir::ClientToServer, 29)
            .build();
        assert!(fired(&rec, &TLS_NO_SERVER_HELLO).is_none());
    }

    /// captures/cert_expired_strict.pcap with its key log: TLS 1.3, the
    /// ServerHello at frame 9, the CA-signed certificate for 10.203.0.1 at
    /// frame 10 (decrypted), the client's Finished at frame 12 ends the
    /// handshake; 8 records decrypted.
    fn tls13_handshake_with_keys() -> ConnBuilder {
        up_to_client_hello()
            .hello_versions(&["TLS 1.3", "TLS 1.2", "TLS 1.1", "TLS 1.0"])
            .hello_suites(31)
            .sni("10.203.0.1")
            .server_hello(9, TLS13)
            .certificate(10, 0, "O=RDP Lab, CN=10.203.0.1")
            .cert_decrypted()
            .cert_san_dns(&["rdp-srv.lab"])
            .cert_san_ip(&["10.203.0.1"])
            .cert_eku(true)
            .app_data(Dir::ClientToServer, 12, 69)
            .keylog(DecryptStatus::Decrypted)
            .decrypt_session("TLS 1.3", "TLS_AES_256_GCM_SHA384")
            .records_decrypted(8)
    }

    #[test]
    fn client_rejected_certificate_fires_when_the_client_quits_after_the_handshake() {
        // captures/cert_expired_strict.pcap: the certificate expired on
        // 2026-10-22T13:24:52Z; the client sends close_notify at frame 15
        // (a 19-byte record), its FIN at 16 and a RST at 17.
        let rec = tls13_handshake_with_keys()
            .cert_validity("2025-10-17T13:24:52Z", "2026-10-22T13:24:52Z")
            .app_data(Dir::ClientToServer, 15, 19)
            .alert(
                Dir::ClientToServer,
                15,
                AlertLevel::WARNING,
                AlertDescription::CLOSE_NOTIFY,
            )
            .fin(Dir::ClientToServer, 16)
            .rst(Dir::ClientToServer, 17, 64, false)
            .build();
        let (verdict, findings) = judge(&rec);
        let finding = fired(&rec, &TLS_CLIENT_REJECTED_CERTIFICATE).expect("fires");
        assert_eq!(
            finding.title,
            "the client rejected the server certificate: it expired on 2026-10-22T13:24:52Z (before the capture)"
        );
        assert_eq!(frames(&finding), [12, 16, 10]);
        assert_eq!(finding.evidence[0].detail, "TLS handshake complete");
        assert_eq!(
            finding.evidence[1].detail,
            "FIN from the client before any RDP data"
        );
        // Seen through the key log, not guessed from the shape.
        assert!(!finding.inferred);
        assert_eq!(finding.basis, Basis::Decrypted);
        assert_eq!(findings[0].id, "tls.client_rejected_certificate");
        assert_eq!(verdict.failed_stage, Some(Stage::Tls));
    }

    #[test]
    fn client_rejected_certificate_names_the_name_the_client_dialled() {
        // captures/cert_name_mismatch_strict.pcap: a valid certificate for
        // wrong-host.lab at frame 11; the client's Finished at 13,
        // close_notify at 16, FIN at 17.
        let rec = up_to_client_hello()
            .sni("10.203.0.1")
            .server_hello(10, TLS13)
            .certificate(11, 0, "O=RDP Lab, CN=wrong-host.lab")
            .cert_decrypted()
            .cert_validity("2026-11-20T14:56:41Z", "2027-11-20T14:56:41Z")
            .cert_san_dns(&["wrong-host.lab"])
            .app_data(Dir::ClientToServer, 13, 69)
            .app_data(Dir::ClientToServer, 16, 19)
            .alert(
                Dir::ClientToServer,
                16,
                AlertLevel::WARNING,
                AlertDescription::CLOSE_NOTIFY,
            )
            .fin(Dir::ClientToServer, 17)
            .keylog(DecryptStatus::Decrypted)
            .records_decrypted(8)
            .build();
        let finding = fired(&rec, &TLS_CLIENT_REJECTED_CERTIFICATE).expect("fires");
        assert_eq!(
            finding.title,
            "the client rejected the server certificate: it names wrong-host.lab, not 10.203.0.1, the name the client dialled"
        );
        assert_eq!(frames(&finding), [13, 17, 11]);
    }

    #[test]
    fn client_rejected_certificate_is_inferred_without_keys() {
        // zeek/rdp-no-cookie-mstshash.pcap (../shared/captures/public): TLS
        // 1.2, a self-signed certificate at frame 13 (valid when captured,
        // 2025-02-18), CCS from the client at 15 and the server at 17, then
        // the client's RST at 19 before any CredSSP.
        let rec = conn()
            .handshake()
            .request(7, 0xB)
            .confirm(9, 0x8)
            .client_hello(11)
            .hello_suites(21)
            .server_hello(13, TLS12)
            .certificate(13, 0, "CN=CLK-456040-D.one.phoenix.gov")
            .cert_seen_at("2025-02-18T15:50:44.600064Z")
            .cert_validity("2024-11-02T23:19:19Z", "2025-05-04T23:19:19Z")
            .cert_self_signed()
            .cert_eku(true)
            .ccs(Dir::ClientToServer, 15)
            .ccs(Dir::ServerToClient, 17)
            .rst(Dir::ClientToServer, 19, 128, false)
            .build();
        let finding = fired(&rec, &TLS_CLIENT_REJECTED_CERTIFICATE).expect("fires");
        assert_eq!(
            finding.title,
            "the client rejected the server certificate: self-signed (CN=CLK-456040-D.one.phoenix.gov), not trusted"
        );
        assert_eq!(frames(&finding), [17, 19, 13]);
        assert!(finding.inferred);
        assert_eq!(finding.basis, Basis::Inferred);
    }

    #[test]
    fn client_rejected_certificate_without_keys_in_tls13_says_the_certificate_is_hidden() {
        // captures/cert_expired_strict.pcap without its key log: the
        // certificate is encrypted, so the title can only point at --keylog.
        let rec = up_to_client_hello()
            .server_hello(9, TLS13)
            .app_data(Dir::ClientToServer, 12, 69)
            .app_data(Dir::ClientToServer, 15, 19)
            .fin(Dir::ClientToServer, 16)
            .build();
        let finding = fired(&rec, &TLS_CLIENT_REJECTED_CERTIFICATE).expect("fires");
        assert!(finding.title.ends_with(
            "it rejected the server certificate (TLS 1.3 hides the certificate; give --keylog to see why)"
        ));
        assert!(finding.inferred);
    }

    #[test]
    fn client_rejected_certificate_silent_when_rdp_follows_the_handshake() {
        // captures/tls12_cbc_ok.pcap: the same handshake, then the client's
        // MCS Connect Initial at frame 12; the client closes at the end.
        let rec = healthy_tls12_session()
            .certificate(9, 0, "CN=rdp-srv")
            .cert_self_signed()
            .fin(Dir::ClientToServer, 175)
            .build();
        assert!(fired(&rec, &TLS_CLIENT_REJECTED_CERTIFICATE).is_none());
    }

    #[test]
    fn client_rejected_certificate_silent_when_the_server_closes_first() {
        // The handshake of captures/cert_expired_strict.pcap, but the server
        // is the one that closes (at frame 13): not the client's rejection.
        let rec = tls13_handshake_with_keys()
            .fin(Dir::ServerToClient, 13)
            .fin(Dir::ClientToServer, 16)
            .build();
        assert!(fired(&rec, &TLS_CLIENT_REJECTED_CERTIFICATE).is_none());
    }
}
