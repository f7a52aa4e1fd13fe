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
    // pubKeyAuth comes before the Early User Authorization Result
    // (MS-RDPBCGR 5.4.2.3), so a denied result overrides it.
    let eua_denied = cx
        .rec
        .facts
        .rdp
        .early_user_auth
        .filter(|e| e.1 == AuthzResult::ACCESS_DENIED);
    // Seen decrypted: the server proved its key with pubKeyAuth after the
    // client's authentication, so the credentials were accepted.
    let nla_accepted =
        cx.shape.decrypted && nla.server_pub_key_auth.is_some() && eua_denied.is_none();
    let undecided = !cx.shape.established
        && nla.error_code.is_none()
        && cx.rec.facts.mcs.connect_initial.is_none();
    if undecided {
        if let Some((frame, code)) = eua_denied {
            out.push(make(
                &NLA_EARLY_USER_AUTH_DENIED,
                cx.inner_basis,
                None,
                None,
                vec![ev(frame, code.to_string())],
            ));
        } else if server_quit && !nla_accepted && cx.shape.client_data_records >= 1 {
            out.push(server_refused(cx, nla));
        } else if !cx.shape.decrypted {
            out.extend(super::nla_shape::server_waited(cx));
        }
    }
    ntlm_used(cx, nla, out);
    clock_skew(cx, nla, out);
    judged.stages.push(StageMark {
        stage: Stage::Nla,
        ok: cx.shape.established
            || cx.rec.facts.mcs.connect_initial.is_some()
            || nla_accepted
            || (cx.shape.client_data_records >= 4 && !server_quit && eua_denied.is_none()),
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

/// The name and table entry of a TSRequest errorCode: an NTSTATUS, or an
/// SSPI HRESULT (SEC_E_*, facility 9) as Windows CredSSP also sends.
pub(super) fn error_code_info(code: NtStatus) -> (String, Option<&'static codes::CodeInfo>) {
    let info = codes::Table::NtStatus
        .lookup(code.0)
        .or_else(|| codes::Table::Sspi.lookup(code.0));
    let name = code
        .name()
        .map(str::to_string)
        .or_else(|| info.map(|i| i.name.to_string()))
        .unwrap_or_else(|| format!("{:#010x}", code.0));
    (name, info)
}

/// The TSRequest errorCode (an NTSTATUS or SSPI status) the server returned.
fn error_code(cx: &Conn, nla: &NlaFacts, frame: FrameRef, code: NtStatus) -> Finding {
    let (name, info) = error_code_info(code);
    let rule: &'static RuleDef = if credential_status(code) {
        &NLA_CREDENTIALS_REJECTED
    } else {
        &NLA_CREDSSP_ERROR
    };
    let mut finding = make(
        rule,
        cx.inner_basis,
        Some(format!(
            "CredSSP authentication failed: the server returned {name} ({:#010x}){}",
            code.0,
            nla.user
                .as_ref()
                .map(|u| format!(" for user {u}"))
                .unwrap_or_default()
        )),
        info.map(|i| i.meaning.to_string()),
        vec![ev(frame, format!("TSRequest errorCode {name} (decrypted)"))],
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

#[cfg(test)]
mod tests {
    use super::super::registry::*;
    use super::super::testkit::{conn, fired, frames, judge, ConnBuilder};
    use crate::verdict::{Basis, Stage};
    use crate::wire::Dir;
    use rdpdiag_parsers::credssp::NtStatus;
    use rdpdiag_parsers::kerberos::ErrorCode as KrbErrorCode;
    use rdpdiag_parsers::rdp::AuthzResult;
    use rdpdiag_parsers::tls::{AlertDescription, AlertLevel};

    const C: Dir = Dir::ClientToServer;
    const S: Dir = Dir::ServerToClient;

    /// captures/nla_wrong_password.pcap, connection 1, frames 1-17: PROTOCOL_SSL|HYBRID
    /// requested (4), HYBRID selected (6), TLS 1.3 (ClientHello 8, ServerHello
    /// 10, the client's Finished 11), CredSSP v6 NTLM: NEGOTIATE 14, CHALLENGE
    /// from VM 15, AUTHENTICATE for labuser (empty domain) 17. Record lengths
    /// are the outer TLS lengths on the wire.
    fn ntlm_up_to_authenticate() -> ConnBuilder {
        conn()
            .handshake()
            .request(4, 0x3)
            .confirm(6, 0x2)
            .client_hello(8)
            .server_hello(10, 0x0304)
            .app_data(S, 10, 23)
            .app_data(S, 10, 720)
            .app_data(S, 10, 281)
            .app_data(S, 10, 69)
            .app_data(C, 11, 69)
            .app_data(S, 12, 250)
            .app_data(S, 13, 250)
            .credssp_versions(6, 6)
            .app_data(C, 14, 110)
            .ntlm_negotiate(14)
            .app_data(S, 15, 179)
            .ntlm_challenge(15, "VM")
            .app_data(C, 17, 452)
            .ntlm_authenticate(17, "", "labuser")
    }

    /// nla_wrong_password.pcap, frames 18-23: the server's close_notify (18),
    /// its FIN (20), the client's close_notify (22); 12 records decrypted.
    fn server_hangs_up(rec: ConnBuilder) -> ConnBuilder {
        rec.app_data(S, 18, 19)
            .alert(S, 18, AlertLevel::WARNING, AlertDescription::CLOSE_NOTIFY)
            .fin(S, 20)
            .app_data(C, 22, 19)
    }

    /// captures/nla_ok_impacket.pcap, frames 19-22: the server's pubKeyAuth
    /// (19), the client's authInfo (20), its FIN (21), the server's close_notify (22).
    fn server_accepts(rec: ConnBuilder) -> ConnBuilder {
        rec.app_data(S, 19, 356)
            .server_pub_key_auth(19)
            .app_data(C, 20, 101)
            .fin(C, 21)
            .app_data(S, 22, 19)
            .alert(S, 22, AlertLevel::WARNING, AlertDescription::CLOSE_NOTIFY)
    }

    #[test]
    fn credentials_rejected_fires_on_the_wrong_password() {
        let rec = server_hangs_up(ntlm_up_to_authenticate())
            .decrypted(12)
            .build();
        let (verdict, findings) = judge(&rec);
        let finding = &findings[0];
        assert_eq!(finding.id, NLA_CREDENTIALS_REJECTED.id);
        assert!(finding
            .title
            .starts_with("the server rejected the NLA credentials of user labuser: after the client's NTLM AUTHENTICATE"));
        assert_eq!(frames(finding), [17, 18, 20]);
        assert_eq!(
            finding.evidence[1].detail,
            "TLS alert close_notify from the server"
        );
        assert_eq!(finding.basis, Basis::Decrypted);
        assert!(!finding.inferred);
        assert_eq!(verdict.failed_stage, Some(Stage::Nla));
    }

    #[test]
    fn credentials_rejected_inferred_without_keys() {
        // The same wire without the key log: only the shape says it (the
        // client's Finished and its 19-byte close_notify are not data).
        let rec = server_hangs_up(ntlm_up_to_authenticate()).build();
        let finding = fired(&rec, &NLA_CREDENTIALS_REJECTED).expect("fires");
        assert_eq!(
            finding.title,
            "the server ended the connection after 2 CredSSP record(s) from the client: the NLA credentials were rejected"
        );
        assert!(finding.inferred);
        assert_eq!(finding.basis, Basis::Inferred);
    }

    #[test]
    fn credentials_rejected_fires_on_a_credential_error_code() {
        // A Windows server's answer to the same AUTHENTICATE: TSRequest
        // errorCode STATUS_LOGON_FAILURE (no capture here has one).
        let rec = ntlm_up_to_authenticate()
            .app_data(S, 18, 60)
            .credssp_error(18, NtStatus::LOGON_FAILURE)
            .fin(S, 20)
            .decrypted(12)
            .build();
        let finding = fired(&rec, &NLA_CREDENTIALS_REJECTED).expect("fires");
        assert!(finding
            .title
            .contains("the server returned STATUS_LOGON_FAILURE (0xc000006d) for user labuser"));
        assert_eq!(frames(&finding), [18]);
        assert_eq!(finding.mstsc_codes, ["0x807"]);
        assert!(fired(&rec, &NLA_CREDSSP_ERROR).is_none());
    }

    #[test]
    fn credentials_rejected_fires_on_an_error_code_record_without_keys() {
        // The shape of captures/nla_errorcode_logon_failure.pcap (frames
        // 15-17) in TLS 1.3: one 32-byte record (a 15-byte TSRequest
        // errorCode + 17) after the AUTHENTICATE, the server waits, the
        // client sends close_notify and FIN.
        let rec = ntlm_up_to_authenticate()
            .app_data(S, 18, 32)
            .app_data(C, 19, 19)
            .fin(C, 20)
            .build();
        let finding = fired(&rec, &NLA_CREDENTIALS_REJECTED).expect("fires");
        assert!(finding.title.starts_with(
            "the server rejected the NLA credentials: it answered the client's authentication"
        ));
        assert_eq!(frames(&finding), [18, 20]);
        assert!(finding.inferred);
        // A record the size of a Kerberos/NTLM token is no errorCode.
        let rec = ntlm_up_to_authenticate()
            .app_data(S, 18, 300)
            .fin(C, 20)
            .build();
        assert!(fired(&rec, &NLA_CREDENTIALS_REJECTED).is_none());
    }

    #[test]
    fn credssp_error_fires_on_an_error_code_record_at_the_first_message() {
        // captures/nla_errorcode_unsupported_function.pcap: the errorCode
        // answers the NTLM NEGOTIATE (frame 13 there), before credentials.
        let rec = ntlm_up_to_authenticate()
            .with(|r| r.facts.tls.records.retain(|x| x.frame.number < 15))
            .app_data(S, 15, 32)
            .fin(C, 16)
            .build();
        let finding = fired(&rec, &NLA_CREDSSP_ERROR).expect("fires");
        assert_eq!(frames(&finding), [15, 16]);
        assert!(finding.inferred);
        assert!(fired(&rec, &NLA_CREDENTIALS_REJECTED).is_none());
    }

    #[test]
    fn credentials_rejected_silent_on_a_successful_nla() {
        let rec = server_accepts(ntlm_up_to_authenticate())
            .decrypted(13)
            .build();
        let (verdict, _) = judge(&rec);
        assert!(fired(&rec, &NLA_CREDENTIALS_REJECTED).is_none());
        assert!(verdict.stages.iter().any(|m| m.stage == Stage::Nla && m.ok));
    }

    #[test]
    fn credssp_error_fires_on_a_non_credential_status() {
        // STATUS_NO_LOGON_SERVERS: the server found no DC to check the
        // account with; not a verdict on the credentials.
        let rec = ntlm_up_to_authenticate()
            .app_data(S, 18, 60)
            .credssp_error(18, NtStatus::NO_LOGON_SERVERS)
            .fin(S, 20)
            .decrypted(12)
            .build();
        let (verdict, _) = judge(&rec);
        let finding = fired(&rec, &NLA_CREDSSP_ERROR).expect("fires");
        assert!(finding
            .title
            .starts_with("CredSSP authentication failed: the server returned STATUS_NO_LOGON_SERVERS (0xc000005e)"));
        assert_eq!(frames(&finding), [18]);
        assert_eq!(finding.mstsc_codes, ["0x1807"]);
        assert!(fired(&rec, &NLA_CREDENTIALS_REJECTED).is_none());
        assert_eq!(verdict.failed_stage, Some(Stage::Nla));
    }

    #[test]
    fn credssp_error_silent_on_a_successful_nla() {
        let rec = server_accepts(ntlm_up_to_authenticate())
            .decrypted(13)
            .build();
        assert!(fired(&rec, &NLA_CREDSSP_ERROR).is_none());
    }

    #[test]
    fn kerberos_error_fires_on_a_krb_error() {
        // No capture here has Kerberos: KRB_AP_ERR_MODIFIED (41) is the
        // server failing to decrypt the ticket (duplicate SPN, wrong host).
        let rec = conn()
            .handshake()
            .request(4, 0x3)
            .confirm(6, 0x2)
            .client_hello(8)
            .server_hello(10, 0x0304)
            .app_data(C, 11, 69)
            .app_data(C, 14, 1500)
            .kerberos_token(C)
            .app_data(S, 15, 150)
            .kerberos_error(15, KrbErrorCode::KRB_AP_ERR_MODIFIED)
            .fin(S, 17)
            .decrypted(8)
            .build();
        let finding = fired(&rec, &NLA_KERBEROS_ERROR).expect("fires");
        assert_eq!(
            finding.title,
            "Kerberos inside CredSSP returned KRB_AP_ERR_MODIFIED (41)"
        );
        assert_eq!(frames(&finding), [15]);
        assert_eq!(finding.basis, Basis::Decrypted);
    }

    #[test]
    fn kerberos_error_silent_on_a_kerberos_logon() {
        let rec = conn()
            .handshake()
            .request(4, 0x3)
            .confirm(6, 0x2)
            .client_hello(8)
            .server_hello(10, 0x0304)
            .app_data(C, 11, 69)
            .app_data(C, 14, 1500)
            .kerberos_token(C)
            .app_data(S, 15, 300)
            .kerberos_token(S)
            .server_pub_key_auth(15)
            .decrypted(8)
            .build();
        assert!(fired(&rec, &NLA_KERBEROS_ERROR).is_none());
        assert!(fired(&rec, &NLA_NTLM_USED).is_none());
    }

    #[test]
    fn credssp_old_version_fires_on_version_2() {
        // captures/nla_ok_impacket.pcap: impacket's TSRequests are version 2
        // (NEGOTIATE at frame 16), the server's version 6.
        let rec = server_accepts(
            ntlm_up_to_authenticate()
                .credssp_versions(2, 6)
                .ntlm_negotiate(16),
        )
        .decrypted(13)
        .build();
        let finding = fired(&rec, &NLA_CREDSSP_OLD_VERSION).expect("fires");
        assert!(finding
            .title
            .starts_with("CredSSP version 2 in use (client 2, server 6)"));
        assert!(!finding.decisive);
    }

    #[test]
    fn credssp_old_version_silent_on_version_6() {
        // nla_wrong_password.pcap: both sides speak CredSSP version 6.
        let rec = server_accepts(ntlm_up_to_authenticate())
            .decrypted(13)
            .build();
        assert!(fired(&rec, &NLA_CREDSSP_OLD_VERSION).is_none());
    }

    /// HYBRID_EX selected, TLS 1.3 (frames as in nla_wrong_password.pcap),
    /// CredSSP through to the client's authInfo (frame 20).
    fn hybrid_ex_credssp_done() -> ConnBuilder {
        conn()
            .handshake()
            .request(4, 0xB)
            .confirm(6, 0x8)
            .client_hello(8)
            .server_hello(10, 0x0304)
            .app_data(C, 11, 69)
            .app_data(C, 14, 110)
            .ntlm_negotiate(14)
            .app_data(S, 15, 179)
            .ntlm_challenge(15, "VM")
            .app_data(C, 17, 452)
            .ntlm_authenticate(17, "", "labuser")
    }

    #[test]
    fn early_user_auth_denied_fires_on_access_denied() {
        // MS-RDPBCGR 2.2.10.2: Early User Authorization Result ACCESS_DENIED
        // (5). No pubKeyAuth in these facts: with it nothing fires (the
        // ignored test below).
        let rec = hybrid_ex_credssp_done()
            .app_data(S, 21, 21)
            .early_user_auth(21, AuthzResult::ACCESS_DENIED)
            .fin(S, 22)
            .decrypted(10)
            .build();
        let finding = fired(&rec, &NLA_EARLY_USER_AUTH_DENIED).expect("fires");
        assert_eq!(frames(&finding), [21]);
        assert_eq!(finding.evidence[0].detail, "AUTHZ_ACCESS_DENIED");
        assert!(fired(&rec, &NLA_CREDENTIALS_REJECTED).is_none());
    }

    #[test]
    fn early_user_auth_denied_fires_after_pub_key_auth() {
        // The real order of MS-CSSP + MS-RDPBCGR 5.4.2.3: pubKeyAuth (19),
        // the client's authInfo (20), then the 4-byte result (21).
        let rec = hybrid_ex_credssp_done()
            .app_data(S, 19, 356)
            .server_pub_key_auth(19)
            .app_data(C, 20, 101)
            .app_data(S, 21, 21)
            .early_user_auth(21, AuthzResult::ACCESS_DENIED)
            .fin(S, 22)
            .decrypted(10)
            .build();
        assert!(fired(&rec, &NLA_EARLY_USER_AUTH_DENIED).is_some());
    }

    #[test]
    fn early_user_auth_denied_inferred_from_a_tiny_last_record() {
        // Without keys: the server's last record before it quits is 21 bytes
        // in TLS 1.3 (4-byte result + type + tag), after 3 client data records.
        let rec = hybrid_ex_credssp_done()
            .app_data(C, 20, 101)
            .app_data(S, 21, 21)
            .fin(S, 22)
            .build();
        let finding = fired(&rec, &NLA_EARLY_USER_AUTH_DENIED).expect("fires");
        assert_eq!(frames(&finding), [21]);
        assert!(finding.inferred);
    }

    #[test]
    fn early_user_auth_denied_fires_without_keys_when_the_client_closes() {
        // captures/nla_early_user_auth_denied.pcap: the server sends the
        // 4-byte result (frame 17, 21 bytes in TLS 1.3 here) and waits; the
        // client closes (19).
        let rec = hybrid_ex_credssp_done()
            .app_data(C, 20, 101)
            .app_data(S, 21, 21)
            .fin(C, 23)
            .build();
        let finding = fired(&rec, &NLA_EARLY_USER_AUTH_DENIED).expect("fires");
        assert_eq!(frames(&finding), [21, 23]);
        assert!(finding.inferred);
    }

    #[test]
    fn early_user_auth_denied_silent_when_the_client_goes_on() {
        // The same 4-byte result, then the client's MCS Connect Initial: SUCCESS.
        let rec = hybrid_ex_credssp_done()
            .app_data(C, 20, 101)
            .app_data(S, 21, 21)
            .app_data(C, 22, 450)
            .fin(C, 30)
            .build();
        assert!(fired(&rec, &NLA_EARLY_USER_AUTH_DENIED).is_none());
    }

    #[test]
    fn early_user_auth_denied_silent_on_success() {
        // Result SUCCESS (0), then the connection goes on to MCS.
        let rec = hybrid_ex_credssp_done()
            .app_data(S, 19, 356)
            .server_pub_key_auth(19)
            .app_data(C, 20, 101)
            .app_data(S, 21, 21)
            .early_user_auth(21, AuthzResult::SUCCESS)
            .connect_initial(23)
            .decrypted(10)
            .build();
        assert!(fired(&rec, &NLA_EARLY_USER_AUTH_DENIED).is_none());
    }

    #[test]
    fn ntlm_used_fires_on_an_ntlm_exchange() {
        // nla_wrong_password.pcap: NEGOTIATE 14, CHALLENGE from VM 15.
        let rec = server_hangs_up(ntlm_up_to_authenticate())
            .decrypted(12)
            .build();
        let finding = fired(&rec, &NLA_NTLM_USED).expect("fires");
        assert_eq!(finding.title, "NLA used NTLM, not Kerberos");
        assert_eq!(frames(&finding), [14, 15]);
        assert_eq!(finding.evidence[1].detail, "NTLM CHALLENGE; server VM");
        assert!(!finding.decisive);
    }

    #[test]
    fn ntlm_used_silent_on_kerberos() {
        let rec = conn()
            .handshake()
            .request(4, 0x3)
            .confirm(6, 0x2)
            .client_hello(8)
            .server_hello(10, 0x0304)
            .app_data(C, 11, 69)
            .app_data(C, 14, 1500)
            .kerberos_token(C)
            .app_data(S, 15, 300)
            .kerberos_token(S)
            .server_pub_key_auth(15)
            .decrypted(8)
            .build();
        assert!(fired(&rec, &NLA_NTLM_USED).is_none());
    }

    #[test]
    fn clock_skew_fires_beyond_five_minutes() {
        // The CHALLENGE of frame 15 stamped 10 minutes behind the capture.
        let rec = server_accepts(ntlm_up_to_authenticate())
            .ntlm_clock("2026-11-21T13:16:12Z", -600.0)
            .decrypted(13)
            .build();
        let finding = fired(&rec, &NLA_CLOCK_SKEW).expect("fires");
        assert!(finding.title.starts_with(
            "the server's clock (2026-11-21T13:16:12Z) is 600 s behind the capturing machine's"
        ));
        assert_eq!(frames(&finding), [15]);
    }

    #[test]
    fn clock_skew_silent_within_five_minutes() {
        // nla_wrong_password.pcap: the CHALLENGE says 2026-11-21T13:26:12Z,
        // 0 s off; a 4-minute skew is still tolerated too.
        for skew in [0.0, 240.0] {
            let rec = server_accepts(ntlm_up_to_authenticate())
                .ntlm_clock("2026-11-21T13:26:12Z", skew)
                .decrypted(13)
                .build();
            assert!(fired(&rec, &NLA_CLOCK_SKEW).is_none(), "skew {skew}");
        }
    }
}
