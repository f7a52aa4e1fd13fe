//! NLA stage: CredSSP inside TLS (errorCode, Kerberos errors, version, the
//! NTLM exchange and clock), and a server that ends the connection in the
//! middle of CredSSP (credentials or Early User Authorization refused).

use super::conn::{Conn, Judged};
use super::registry::{
    RuleDef, NLA_CLOCK_SKEW, NLA_CREDENTIALS_REJECTED, NLA_CREDSSP_ERROR, NLA_CREDSSP_OLD_VERSION,
    NLA_EARLY_USER_AUTH_DENIED, NLA_KERBEROS_ERROR, NLA_NTLM_USED,
};
use super::{ev, make, set_inferred, table_fix};
use crate::codes;
use crate::session::facts::{AuthMechanism, NlaFacts};
use crate::verdict::{Evidence, Finding, Stage, StageMark};
use crate::wire::{Dir, FrameRef};
use rdpdiag_parsers::credssp::NtStatus;
use rdpdiag_parsers::rdp::AuthzResult;

pub(super) fn judge(cx: &Conn, judged: &mut Judged) {
    if !cx.shape.hybrid || cx.shape.handshake_done.is_none() {
        return;
    }
    let nla = &cx.rec.facts.nla;
    let out = &mut judged.findings;
    if let Some((frame, code)) = nla.error_code {
        out.push(error_code(cx, nla, frame, code));
    }
    if let Some((frame, code)) = nla.kerberos_error {
        out.push(make(
            &NLA_KERBEROS_ERROR,
            cx.inner_basis,
            Some(format!(
                "Kerberos inside CredSSP returned {code} ({})",
                code.0 as u32
            )),
            None,
            vec![ev(frame, format!("KRB-ERROR {code} (decrypted)"))],
        ));
    }
    old_version(cx, nla, out);
    let server_quit = server_quit(cx);
    // Seen decrypted: the server proved its key with pubKeyAuth after the
    // client's authentication, so the credentials were accepted.
    let nla_accepted = cx.shape.decrypted && nla.server_pub_key_auth.is_some();
    if !cx.shape.established
        && server_quit
        && !nla_accepted
        && cx.shape.client_data_records >= 1
        && nla.error_code.is_none()
        && cx.rec.facts.mcs.connect_initial.is_none()
    {
        out.push(server_refused(cx, nla));
    }
    ntlm_used(cx, nla, out);
    clock_skew(cx, nla, out);
    judged.stages.push(StageMark {
        stage: Stage::Nla,
        ok: cx.shape.established
            || cx.rec.facts.mcs.connect_initial.is_some()
            || nla_accepted
            || (cx.shape.client_data_records >= 4 && !server_quit),
        frame: nla.server_pub_key_auth.or(cx.shape.handshake_done),
    });
}

/// Statuses that mean "these credentials / this account may not log on".
fn credential_status(code: NtStatus) -> bool {
    matches!(
        code,
        NtStatus::WRONG_PASSWORD
            | NtStatus::LOGON_FAILURE
            | NtStatus::NO_SUCH_USER
            | NtStatus::ACCOUNT_RESTRICTION
            | NtStatus::INVALID_LOGON_HOURS
            | NtStatus::INVALID_WORKSTATION
            | NtStatus::PASSWORD_EXPIRED
            | NtStatus::ACCOUNT_DISABLED
            | NtStatus::ACCOUNT_EXPIRED
            | NtStatus::PASSWORD_MUST_CHANGE
            | NtStatus::ACCOUNT_LOCKED_OUT
            | NtStatus::LOGON_TYPE_NOT_GRANTED
    )
}

/// The TSRequest errorCode (an NTSTATUS) the server returned.
fn error_code(cx: &Conn, nla: &NlaFacts, frame: FrameRef, code: NtStatus) -> Finding {
    let info = codes::Table::NtStatus.lookup(code.0);
    let rule: &'static RuleDef = if credential_status(code) {
        &NLA_CREDENTIALS_REJECTED
    } else {
        &NLA_CREDSSP_ERROR
    };
    let mut finding = make(
        rule,
        cx.inner_basis,
        Some(format!(
            "CredSSP authentication failed: the server returned {code} ({:#010x}){}",
            code.0,
            nla.user
                .as_ref()
                .map(|u| format!(" for user {u}"))
                .unwrap_or_default()
        )),
        info.map(|i| i.meaning.to_string()),
        vec![ev(frame, format!("TSRequest errorCode {code} (decrypted)"))],
    );
    if let Some(ms) = codes::ntstatus_to_mstsc(code.0) {
        finding.mstsc_codes = vec![format!("{ms:#x}")];
    }
    table_fix(&mut finding, info);
    finding
}

fn old_version(cx: &Conn, nla: &NlaFacts, out: &mut Vec<Finding>) {
    let lowest = [nla.client_version, nla.server_version]
        .into_iter()
        .flatten()
        .min();
    let Some(version) = lowest.filter(|v| *v < 5) else {
        return;
    };
    out.push(make(
        &NLA_CREDSSP_OLD_VERSION,
        cx.inner_basis,
        Some(format!(
            "CredSSP version {version} in use (client {}, server {}): older than the CVE-2018-0886 fix (version 5+)",
            nla.client_version.map_or("?".into(), |v| v.to_string()),
            nla.server_version.map_or("?".into(), |v| v.to_string()),
        )),
        None,
        nla.ntlm_negotiate
            .or(nla.ntlm_challenge)
            .map(|f| vec![ev(f, "TSRequest version (decrypted)")])
            .unwrap_or_default(),
    ));
}

/// The server ended the connection after the handshake (it closed first, or
/// sent an alert while the client was still there).
fn server_quit(cx: &Conn) -> bool {
    // An alert the server sends after the client already closed is an
    // answer (close_notify), not the server quitting.
    let client_closed_at = cx.client_close.map(|(f, _)| f.number);
    cx.first_closer == Some(Dir::ServerToClient)
        || cx.rec.facts.tls.alerts.iter().any(|a| {
            a.dir == Dir::ServerToClient
                && cx.shape.handshake_done.is_some_and(|done| a.frame > done)
                && client_closed_at.is_none_or(|closed| a.frame.number < closed)
        })
}

/// The server quit in the middle of CredSSP without an errorCode: Early
/// User Authorization denied, or the credentials rejected.
fn server_refused(cx: &Conn, nla: &NlaFacts) -> Finding {
    let shape = &cx.shape;
    let eua_tiny = shape.hybrid_ex
        && shape
            .last_server_record
            .is_some_and(|(_, len)| len <= if shape.tls13 { 22 } else { 29 })
        && shape.client_data_records >= 3;
    let eua = cx
        .rec
        .facts
        .rdp
        .early_user_auth
        .as_ref()
        .filter(|e| e.1 == AuthzResult::ACCESS_DENIED);
    if let Some((frame, code)) = eua {
        make(
            &NLA_EARLY_USER_AUTH_DENIED,
            cx.inner_basis,
            None,
            None,
            vec![ev(*frame, code.to_string())],
        )
    } else if eua_tiny {
        let (frame, len) = shape.last_server_record.unwrap_or_default();
        let mut finding = make(
            &NLA_EARLY_USER_AUTH_DENIED,
            cx.inner_basis,
            None,
            None,
            vec![ev(
                frame,
                format!("{len}-byte record: a 4-byte Early User Authorization Result"),
            )],
        );
        set_inferred(&mut finding, true, cx.inner_basis);
        finding
    } else {
        credentials_rejected(cx, nla)
    }
}

fn credentials_rejected(cx: &Conn, nla: &NlaFacts) -> Finding {
    let mut evidence = Vec::new();
    let server_alert = cx
        .rec
        .facts
        .tls
        .alerts
        .iter()
        .find(|a| a.dir == Dir::ServerToClient);
    if let Some(alert) = server_alert {
        evidence.push(ev(
            alert.frame,
            match (&alert.description, alert.encrypted) {
                (_, true) => "encrypted TLS alert from the server".to_string(),
                (Some(d), false) => format!("TLS alert {d} from the server"),
                (None, false) => "TLS alert from the server".to_string(),
            },
        ));
    }
    if let Some((close, kind)) = cx.server_close {
        evidence.push(ev(close, format!("{kind} from the server")));
    }
    let title = if cx.shape.decrypted && nla.ts_requests[0] > 0 {
        if let Some(frame) = nla.ntlm_authenticate {
            evidence.insert(0, ev(frame, "NTLM AUTHENTICATE (decrypted)"));
        }
        format!(
            "the server rejected the NLA credentials{}: after the client's {} it closed the connection without pubKeyAuth and without a CredSSP errorCode (seen decrypted; a Windows server would add STATUS_LOGON_FAILURE)",
            nla.user
                .as_ref()
                .map(|u| match nla.domain.as_deref().filter(|d| !d.is_empty()) {
                    Some(d) => format!(" of {d}\\{u}"),
                    None => format!(" of user {u}"),
                })
                .unwrap_or_default(),
            if nla.ntlm_authenticate.is_some() {
                "NTLM AUTHENTICATE"
            } else {
                "CredSSP authentication"
            }
        )
    } else {
        format!(
            "the server ended the connection after {} CredSSP record(s) from the client: the NLA credentials were rejected",
            cx.shape.client_data_records
        )
    };
    let mut finding = make(
        &NLA_CREDENTIALS_REJECTED,
        cx.inner_basis,
        Some(title),
        None,
        evidence,
    );
    set_inferred(&mut finding, !cx.shape.decrypted, cx.inner_basis);
    finding
}

fn ntlm_used(cx: &Conn, nla: &NlaFacts, out: &mut Vec<Finding>) {
    if nla.mechanism != Some(AuthMechanism::Ntlm) {
        return;
    }
    let sni = cx
        .rec
        .facts
        .tls
        .client_hello
        .as_ref()
        .and_then(|hello| hello.sni.clone());
    let by_ip = sni
        .as_deref()
        .and_then(|n| n.parse::<std::net::IpAddr>().ok());
    let server = [
        nla.server_dns_computer.as_deref(),
        nla.server_netbios_computer.as_deref(),
    ]
    .into_iter()
    .flatten()
    .next()
    .map(|n| match &nla.server_os_version {
        Some(v) => format!("; server {n}, OS {v}"),
        None => format!("; server {n}"),
    })
    .unwrap_or_default();
    let mut evidence: Vec<Evidence> = nla
        .ntlm_negotiate
        .map(|f| vec![ev(f, "NTLM NEGOTIATE (decrypted)")])
        .unwrap_or_default();
    if let Some(frame) = nla.ntlm_challenge {
        evidence.push(ev(frame, format!("NTLM CHALLENGE{server}")));
    }
    out.push(make(
        &NLA_NTLM_USED,
        cx.inner_basis,
        Some(match by_ip {
            Some(ip) => format!("NLA used NTLM, not Kerberos: the client dialled the IP address {ip}, for which no Kerberos ticket exists"),
            None => "NLA used NTLM, not Kerberos".to_string(),
        }),
        None,
        evidence,
    ));
}

fn clock_skew(cx: &Conn, nla: &NlaFacts, out: &mut Vec<Finding>) {
    let Some(skew) = nla.clock_skew_s.filter(|skew| skew.abs() > 300.0) else {
        return;
    };
    out.push(make(
        &NLA_CLOCK_SKEW,
        cx.inner_basis,
        Some(format!(
            "the server's clock ({}) is {:.0} s {} the capturing machine's (seen decrypted in the NTLM CHALLENGE)",
            nla.server_time.as_deref().unwrap_or("?"),
            skew.abs(),
            if skew < 0.0 { "behind" } else { "ahead of" }
        )),
        None,
        nla.ntlm_challenge
            .map(|f| vec![ev(f, "NTLM CHALLENGE timestamp")])
            .unwrap_or_default(),
    ));
}
