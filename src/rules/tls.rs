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
        evidence.push(ev(close, format!("{kind} from the server")));
        out.push(make(
            &TLS_SERVER_CLOSED_AFTER_CLIENT_HELLO,
            cx.cert_basis,
            None,
            None,
            evidence,
        ));
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
