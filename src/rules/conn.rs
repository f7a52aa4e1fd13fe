//! One connection judged: the context every stage reads, the stages run in
//! order, then the outcome and the ladder.

use super::registry::ACTIVATION_SERVER_ERROR_INFO;
use super::shape::{close_of, shape, Shape};
use super::{activation, certificate, decrypt, gateway, mcs, negotiation, nla, session, tcp, tls};
use crate::flow::CloseKind;
use crate::session::facts::CertSource;
use crate::session::ConnectionRecord;
use crate::verdict::{
    Basis, ConnVerdict, DiagConfig, Finding, Outcome, Severity, Stage, StageMark,
};
use crate::wire::{Dir, FrameRef, Ts};

/// What every stage of one connection reads.
pub(super) struct Conn<'a> {
    pub(super) rec: &'a ConnectionRecord,
    pub(super) cfg: &'a DiagConfig,
    pub(super) shape: Shape,
    /// The client's first FIN or RST.
    pub(super) client_close: Option<(FrameRef, CloseKind)>,
    /// The server's first FIN or RST.
    pub(super) server_close: Option<(FrameRef, CloseKind)>,
    /// Who closed the connection first.
    pub(super) first_closer: Option<Dir>,
    /// The TCP handshake completed (or the capture starts mid-stream).
    pub(super) tcp_good: bool,
    /// Basis of facts read inside TLS from NLA on: decrypted with the key
    /// log, or (without keys, or when Standard RDP Security runs in clear) clear.
    pub(super) inner_basis: Basis,
    /// Basis of TLS and certificate facts: decrypted when the certificate
    /// itself came out of decrypted TLS 1.3.
    pub(super) cert_basis: Basis,
}

impl<'a> Conn<'a> {
    fn new(rec: &'a ConnectionRecord, cfg: &'a DiagConfig) -> Self {
        let shape = shape(rec);
        let cert_decrypted = rec
            .facts
            .tls
            .certificates
            .iter()
            .any(|cert| cert.source == CertSource::Tls13Decrypted);
        Conn {
            rec,
            cfg,
            client_close: close_of(rec, Dir::ClientToServer),
            server_close: close_of(rec, Dir::ServerToClient),
            first_closer: rec.tcp.closed_by,
            tcp_good: tcp::tcp_ok(rec),
            inner_basis: if shape.decrypted {
                Basis::Decrypted
            } else {
                Basis::Clear
            },
            cert_basis: if cert_decrypted {
                Basis::Decrypted
            } else {
                Basis::Clear
            },
            shape,
        }
    }

    /// The server's close, if the server closed first.
    pub(super) fn server_closed_first(&self) -> Option<(FrameRef, CloseKind)> {
        self.server_close
            .filter(|_| self.first_closer == Some(Dir::ServerToClient))
    }
}

/// What the stages produce, in the order they produce it.
#[derive(Default)]
pub(super) struct Judged {
    pub(super) findings: Vec<Finding>,
    pub(super) stages: Vec<StageMark>,
}

impl Judged {
    /// A finding already says why the connection failed.
    pub(super) fn any_decisive(&self) -> bool {
        self.findings.iter().any(|f| f.decisive)
    }
}

/// Judge one connection: its stages, outcome and findings.
pub fn judge_connection(rec: &ConnectionRecord, cfg: &DiagConfig) -> (ConnVerdict, Vec<Finding>) {
    let cx = Conn::new(rec, cfg);
    let mut judged = Judged::default();
    tcp::judge(&cx, &mut judged);
    negotiation::judge(&cx, &mut judged);
    tls::judge(&cx, &mut judged);
    certificate::judge(&cx, &mut judged);
    tcp::clock_suspect(&cx, &mut judged);
    decrypt::judge(&cx, &mut judged);
    gateway::judge(&cx, &mut judged);
    nla::judge(&cx, &mut judged);
    mcs::judge(&cx, &mut judged);
    activation::judge(&cx, &mut judged);
    session::judge(&cx, &mut judged);
    // Last: the tunnelled RDP adds only the stages the gateway connection lacks.
    gateway::judge_tunnel(&cx, &mut judged);
    let Judged {
        mut findings,
        mut stages,
    } = judged;
    let dropped = cx.shape.established && findings.iter().any(ends_session);
    let failed = rank(&cx, dropped, &mut findings);
    let outcome = if cx.shape.established && !dropped {
        Outcome::Success
    } else if failed.is_some() {
        Outcome::Failure
    } else {
        Outcome::Incomplete
    };
    // A session that came up and then dropped failed at the session stage,
    // whatever stage its cause concerns (a forged RST is a tcp finding).
    let failed = if dropped {
        Some(Stage::Session)
    } else {
        failed
    };
    mark_failed_stage(rec, failed, &findings, &mut stages);
    (
        ConnVerdict {
            connection: rec.id,
            outcome,
            failed_stage: if outcome == Outcome::Failure {
                failed
            } else {
                None
            },
            stages,
        },
        findings,
    )
}

/// An error that ends a running session without an RDP-level goodbye (a
/// reset, a peer that stopped answering) or with the server's own reason
/// (Set Error Info that names a failure).
fn ends_session(f: &Finding) -> bool {
    f.severity == Severity::Error
        && (f.stage == Stage::Session || f.id == ACTIVATION_SERVER_ERROR_INFO.id)
}

/// Only errors stay decisive; once the session was established, only those
/// that ended it (`dropped`) and the TCP findings about how it ended. Other
/// errors of a session that came up and ended normally did not stop the user:
/// they are reported as warnings. Decisive findings first, then by stage.
/// Returns the stage of the first decisive finding.
fn rank(cx: &Conn, dropped: bool, findings: &mut [Finding]) -> Option<Stage> {
    let up_at = cx.shape.established_frame.map_or(0, |f| f.number);
    for f in findings.iter_mut() {
        f.connection = Some(cx.rec.id);
        if f.severity != Severity::Error {
            f.decisive = false;
        } else if cx.shape.established {
            let after_up = f.evidence.iter().all(|e| e.frame >= up_at);
            f.decisive = dropped && (ends_session(f) || (f.stage == Stage::Tcp && after_up));
            if !f.decisive && !dropped {
                f.severity = Severity::Warning;
            }
        }
    }
    findings.sort_by_key(|f| (!f.decisive, f.stage, f.severity == Severity::Info));
    findings.iter().find(|f| f.decisive).map(|f| f.stage)
}

/// Mark the failed stage in the ladder (adding it when no stage reached it),
/// at the frame of the decisive finding's evidence so that the ladder and the
/// root cause cite the same frame; then put the ladder in stage order.
fn mark_failed_stage(
    rec: &ConnectionRecord,
    failed: Option<Stage>,
    findings: &[Finding],
    stages: &mut Vec<StageMark>,
) {
    if let Some(stage) = failed {
        let at = findings
            .iter()
            .find(|f| f.decisive)
            .and_then(|f| f.evidence.last())
            .map(|e| FrameRef {
                number: e.frame,
                ts: Ts::parse_rfc3339(&e.time).unwrap_or(rec.last.ts),
            });
        if let Some(mark) = stages.iter_mut().find(|m| m.stage == stage) {
            mark.ok = false;
            mark.frame = at.or(mark.frame);
        } else {
            stages.push(StageMark {
                stage,
                ok: false,
                frame: at,
            });
        }
    }
    stages.sort_by_key(|m| m.stage);
}
