//! Kerberos before NLA: the client's exchanges with its KDC (TCP/UDP 88).
//! A Windows client asks the KDC for a TERMSRV/<server> ticket before
//! CredSSP; when that fails it falls back to NTLM, so the NLA failure the
//! server reports later (e.g. STATUS_ACCOUNT_RESTRICTION for a Protected
//! Users member, who may not use NTLM) often has its real cause here.

use super::registry::KERBEROS_KDC_ERROR;
use super::{ev, make, table_fix};
use crate::attempt::TcpGroup;
use crate::codes::{self, ntstatus};
use crate::session::kdc::{KdcFlow, KdcMessage};
use crate::verdict::{Attempt, Basis, Finding, Outcome, Severity, Stage};
use crate::wire::Dir;
use rdpdiag_parsers::kerberos::{ErrorCode, MessageType};

/// KRB-ERROR codes that are steps of a normal exchange, never findings:
/// the KDC asks for pre-authentication, or for TCP instead of UDP.
fn routine(code: ErrorCode) -> bool {
    matches!(
        code.0 as u32,
        codes::kerberos::KDC_ERR_PREAUTH_REQUIRED | codes::kerberos::KRB_ERR_RESPONSE_TOO_BIG
    )
}

/// One failed KDC request: the error and what the client had asked for.
struct Refusal<'a> {
    error: &'a KdcMessage,
    code: ErrorCode,
    request: Option<&'a KdcMessage>,
}

impl Refusal<'_> {
    fn asked(&self) -> MessageType {
        self.request.map_or(MessageType::AS_REQ, |r| r.msg_type)
    }
    fn service(&self) -> String {
        let from_request = self.request.map(KdcMessage::service);
        from_request
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| self.error.service())
    }
    fn user(&self) -> Option<&str> {
        self.error
            .client_name
            .as_deref()
            .or(self.request.and_then(|r| r.client_name.as_deref()))
    }
}

/// The KRB-ERRORs of the attempt's KDC exchanges that no later reply of
/// the same kind made good (a retyped password, a retried request).
fn refusals<'a>(kdc: &[&'a KdcFlow]) -> Vec<Refusal<'a>> {
    let mut out: Vec<Refusal<'a>> = Vec::new();
    let replies: Vec<&KdcMessage> = kdc
        .iter()
        .flat_map(|k| k.messages.iter())
        .filter(|m| matches!(m.msg_type, MessageType::AS_REP | MessageType::TGS_REP))
        .collect();
    for flow in kdc {
        for (i, m) in flow.messages.iter().enumerate() {
            let Some(code) = m.error.filter(|c| !routine(*c)) else {
                continue;
            };
            if m.dir != Dir::ServerToClient {
                continue;
            }
            let request = flow.messages[..i]
                .iter()
                .rev()
                .find(|r| r.dir == Dir::ClientToServer);
            let r = Refusal {
                error: m,
                code,
                request,
            };
            let answered = match r.asked() {
                MessageType::TGS_REQ => MessageType::TGS_REP,
                _ => MessageType::AS_REP,
            };
            let made_good = replies
                .iter()
                .any(|rep| rep.msg_type == answered && rep.frame > m.frame);
            let seen = out
                .iter()
                .any(|o| o.code == code && o.service() == r.service());
            if !made_good && !seen {
                out.push(r);
            }
        }
    }
    out
}

/// The host part of `TERMSRV/host`, when the service is one.
fn termsrv_host(service: &str) -> Option<&str> {
    let (svc, host) = service.split_once('/')?;
    svc.eq_ignore_ascii_case("TERMSRV").then_some(host)
}

/// The fix for a missing SPN depends on what the client dialled.
fn spn_fix(service: &str) -> Vec<String> {
    let Some(host) = termsrv_host(service) else {
        return vec![format!("The KDC has no account holding {service}: register it on the right account (setspn -S {service} <account>) and look for duplicates (setspn -X).")];
    };
    if host.parse::<std::net::IpAddr>().is_ok() {
        vec![
            format!("The client dialled the IP address {host}, for which no TERMSRV/ SPN exists: connect by the server's DNS name (its FQDN) so Kerberos can be used."),
            format!("If connecting by IP must work: on the client set HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\Kerberos\\Parameters\\TryIPSPN = 1 (DWORD) and register the address on the server's account: setspn -S TERMSRV/{host} <server>."),
        ]
    } else if host.contains('.') {
        vec![format!("The client already asked for the name {host}: the server's computer account lacks TERMSRV/{host}. List its SPNs (setspn -L <server>); for a DNS alias (CNAME) or a load-balanced name add it with setspn -S TERMSRV/{host} <server>; remove duplicates found by setspn -X.")]
    } else {
        vec![format!("The client dialled the short name {host}: connect by the server's FQDN, or register TERMSRV/{host} on the server's account (setspn -S TERMSRV/{host} <server>).")]
    }
}

fn finding(r: &Refusal<'_>, success: bool) -> Finding {
    let info = codes::Table::Kerberos.lookup(r.code.0 as u32);
    let name = r
        .code
        .name()
        .map(str::to_string)
        .or_else(|| info.map(|i| i.name.to_string()))
        .unwrap_or_else(|| format!("error {}", r.code.0));
    let asked = match r.asked() {
        MessageType::TGS_REQ => format!(
            "the client's service-ticket request (TGS-REQ) for {}",
            r.service()
        ),
        _ => match r.user() {
            Some(u) => format!("the client's logon request (AS-REQ) for user {u}"),
            None => "the client's logon request (AS-REQ)".to_string(),
        },
    };
    let mut evidence = Vec::new();
    if let Some(req) = r.request {
        evidence.push(ev(req.frame, format!("{} to the KDC", req.msg_type)));
    }
    evidence.push(ev(r.error.frame, format!("KRB-ERROR {name}")));
    let mut f = make(
        &KERBEROS_KDC_ERROR,
        Basis::Clear,
        Some(format!("the KDC refused {asked}: {name} ({})", r.code.0)),
        info.map(|i| i.meaning.to_string()),
        evidence,
    );
    table_fix(&mut f, info);
    if r.code.0 as u32 == codes::kerberos::KDC_ERR_S_PRINCIPAL_UNKNOWN {
        f.remediation = spn_fix(&r.service());
    }
    if success {
        f.severity = Severity::Info;
    }
    f.decisive = false;
    f
}

/// The NTSTATUS of the attempt's CredSSP errorCode and the NTLM user name.
fn nla_result<'a>(g: &TcpGroup<'a>) -> (Option<u32>, Option<&'a str>) {
    let status = g
        .conns
        .iter()
        .rev()
        .find_map(|c| c.facts.nla.error_code.as_ref().map(|(_, n)| n.0));
    let user = g.conns.iter().find_map(|c| c.facts.nla.user.as_deref());
    (status, user)
}

/// Does this KDC refusal explain the NLA failure better than the NLA
/// finding itself? Only when it concerns the same user (or no user is
/// known) and the NTLM result is the fallback failing, or less specific.
fn explains(r: &Refusal<'_>, status: Option<u32>, user: Option<&str>) -> bool {
    let same_user = match (r.user(), user) {
        (Some(k), Some(n)) => {
            let n = n.rsplit('\\').next().unwrap_or(n);
            let n = n.split('@').next().unwrap_or(n);
            k.eq_ignore_ascii_case(n)
        }
        _ => true,
    };
    if !same_user {
        return false;
    }
    let code = r.code.0 as u32;
    match status {
        // NTLM refused for this account or by policy: Kerberos was the
        // only way in, so why Kerberos failed is the cause.
        Some(ntstatus::STATUS_ACCOUNT_RESTRICTION | ntstatus::STATUS_NTLM_BLOCKED) => true,
        // A generic "logon failure": the KDC's account verdicts are sharper.
        Some(ntstatus::STATUS_LOGON_FAILURE) => matches!(
            code,
            6 /* C_PRINCIPAL_UNKNOWN */ | 12 /* POLICY */ | 18 /* CLIENT_REVOKED */ | 23 /* KEY_EXPIRED */
        ),
        _ => false,
    }
}

/// The client asked its KDC for TERMSRV/<a DNS name>: it already dialled
/// a name, so "connect by the FQDN" is no fix.
fn asked_by_dns_name(kdc: &[&KdcFlow]) -> bool {
    kdc.iter()
        .flat_map(|k| k.messages.iter())
        .filter(|m| m.msg_type == MessageType::TGS_REQ)
        .filter_map(|m| termsrv_host(&m.service()).map(str::to_string))
        .any(|h| h.contains('.') && h.parse::<std::net::IpAddr>().is_err())
}

fn drop_fqdn_advice(a: &mut Attempt) {
    let strip = |f: &mut Finding| f.remediation.retain(|r| r != ntstatus::KERBEROS_BY_FQDN);
    a.findings.iter_mut().for_each(strip);
    if let Some(root) = a.root_cause.as_mut() {
        strip(root);
    }
}

/// Judge the attempt's KDC exchanges: a finding per refused request, and
/// the root cause when a refusal explains the NLA failure.
pub(super) fn judge_kdc(g: &TcpGroup<'_>, a: &mut Attempt) {
    if asked_by_dns_name(&g.kdc) {
        drop_fqdn_advice(a);
    }
    let refusals = refusals(&g.kdc);
    if refusals.is_empty() {
        return;
    }
    let success = a.outcome == Outcome::Success;
    let (status, user) = nla_result(g);
    let nla_failed = a.outcome == Outcome::Failure && a.failed_stage == Some(Stage::Nla);
    let mut promoted = false;
    for r in &refusals {
        let mut f = finding(r, success);
        if nla_failed && !promoted && explains(r, status, user) {
            f.severity = Severity::Error;
            f.decisive = true;
            if let Some(nla) = &a.root_cause {
                f.explanation = format!(
                    "{} This is why NLA failed: the client fell back to NTLM and the server then answered \"{}\".",
                    f.explanation, nla.title
                );
            }
            a.root_cause = Some(f.clone());
            promoted = true;
        }
        a.findings.push(f);
    }
}

#[cfg(test)]
mod tests {
    use super::super::registry::*;
    use super::super::testkit::{conn, frame, ConnBuilder};
    use crate::session::kdc::{KdcFlow, KdcMessage, KdcTransport};
    use crate::session::ConnectionRecord;
    use crate::verdict::{Attempt, DiagConfig, Severity};
    use crate::wire::Dir;
    use rdpdiag_parsers::credssp::NtStatus;
    use rdpdiag_parsers::kerberos::{ErrorCode, MessageType};

    const C: Dir = Dir::ClientToServer;
    const S: Dir = Dir::ServerToClient;

    fn msg(at: u64, dir: Dir, t: MessageType, error: Option<i32>, sname: &str) -> KdcMessage {
        KdcMessage {
            frame: frame(at),
            dir,
            msg_type: t,
            error: error.map(ErrorCode),
            sname: sname
                .split('/')
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect(),
            realm: Some("CORP.EXAMPLE".into()),
            client_name: Some("labuser".into()),
        }
    }

    /// One TCP connection to the KDC (10.0.0.9:88) from the RDP client.
    fn kdc(messages: Vec<KdcMessage>) -> KdcFlow {
        let mut f = KdcFlow::new(
            "10.0.0.2:50100".parse().expect("addr"),
            "10.0.0.9:88".parse().expect("addr"),
            KdcTransport::Tcp,
            messages[0].frame,
        );
        f.last = messages[messages.len() - 1].frame;
        f.messages = messages;
        f
    }

    /// The NTLM CredSSP of captures/nla_wrong_password.pcap (frames 1-17,
    /// as in the nla tests), answered with TSRequest errorCode `status`
    /// (frame 18) as a Windows server does; the client closes (19, 20).
    fn ntlm_refused(status: NtStatus) -> ConnBuilder {
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
            .credssp_versions(6, 6)
            .app_data(C, 14, 110)
            .ntlm_negotiate(14)
            .app_data(S, 15, 179)
            .ntlm_challenge(15, "VM")
            .app_data(C, 17, 452)
            .ntlm_authenticate(17, "CORP", "labuser")
            .app_data(S, 18, 60)
            .credssp_error(18, status)
            .fin(C, 20)
            .decrypted(10)
    }

    fn diagnose(rec: &ConnectionRecord, kdc: &[KdcFlow]) -> Attempt {
        let mut a =
            super::super::diagnose(std::slice::from_ref(rec), &[], kdc, &DiagConfig::default());
        a.remove(0)
    }

    fn spn_missing(host: &str) -> KdcFlow {
        let svc = format!("TERMSRV/{host}");
        kdc(vec![
            msg(2, C, MessageType::TGS_REQ, None, &svc),
            msg(3, S, MessageType::KRB_ERROR, Some(7), &svc),
        ])
    }

    #[test]
    fn kdc_error_fires_as_the_root_cause_of_an_ntlm_account_restriction() {
        // A Protected Users member dialled an IP: no TERMSRV/<ip> SPN, so
        // Kerberos failed, and NTLM (forbidden to the account) was refused.
        let rec = ntlm_refused(NtStatus::ACCOUNT_RESTRICTION).build();
        let a = diagnose(&rec, &[spn_missing("10.0.0.1")]);
        let root = a.root_cause.expect("root cause");
        assert_eq!(root.id, KERBEROS_KDC_ERROR.id);
        assert_eq!(
            root.title,
            "the KDC refused the client's service-ticket request (TGS-REQ) for TERMSRV/10.0.0.1: KDC_ERR_S_PRINCIPAL_UNKNOWN (7)"
        );
        assert!(root.explanation.contains("STATUS_ACCOUNT_RESTRICTION"));
        assert!(root.remediation[0].contains("dialled the IP address 10.0.0.1"));
        assert_eq!(root.severity, Severity::Error);
        assert!(a
            .findings
            .iter()
            .any(|f| f.id == NLA_CREDENTIALS_REJECTED.id));
    }

    #[test]
    fn kdc_error_fires_with_a_fix_that_fits_an_fqdn() {
        // The client already asked for the FQDN: the SPN is missing on the
        // account, connecting "by FQDN" would change nothing.
        let rec = ntlm_refused(NtStatus::ACCOUNT_RESTRICTION).build();
        let a = diagnose(&rec, &[spn_missing("rds1.corp.example")]);
        let root = a.root_cause.expect("root cause");
        assert_eq!(root.remediation.len(), 1);
        assert!(root.remediation[0]
            .starts_with("The client already asked for the name rds1.corp.example"));
        let fixes: Vec<&String> = a.findings.iter().flat_map(|f| &f.remediation).collect();
        assert!(
            !fixes
                .iter()
                .any(|r| r.contains("Connect by the server's FQDN")),
            "{fixes:#?}"
        );
    }

    #[test]
    fn kdc_error_fires_beside_a_logon_failure_it_only_confirms() {
        // captures/kerberos_kdc_errors_then_ntlm.pcap: KDC_ERR_PREAUTH_FAILED
        // (frames 64/66) for the user whose NTLM logon then fails with
        // STATUS_LOGON_FAILURE: the same verdict, the NLA finding stays root.
        let rec = ntlm_refused(NtStatus::LOGON_FAILURE).build();
        let k = kdc(vec![
            msg(2, C, MessageType::AS_REQ, None, "krbtgt/CORP.EXAMPLE"),
            msg(
                3,
                S,
                MessageType::KRB_ERROR,
                Some(24),
                "krbtgt/CORP.EXAMPLE",
            ),
        ]);
        let a = diagnose(&rec, &[k]);
        assert_eq!(a.root_cause.expect("root").id, NLA_CREDENTIALS_REJECTED.id);
        let f = a
            .findings
            .iter()
            .find(|f| f.id == KERBEROS_KDC_ERROR.id)
            .expect("fires");
        assert_eq!(
            f.title,
            "the KDC refused the client's logon request (AS-REQ) for user labuser: KDC_ERR_PREAUTH_FAILED (24)"
        );
        assert_eq!(f.severity, Severity::Warning);
    }

    #[test]
    fn kdc_error_silent_on_preauth_required_and_too_big() {
        // The normal first AS-REQ without pre-authentication, a UDP answer
        // too big (the client retries over TCP), then the AS-REP and the
        // service ticket.
        let rec = ntlm_refused(NtStatus::LOGON_FAILURE).build();
        let k = kdc(vec![
            msg(2, C, MessageType::AS_REQ, None, "krbtgt/CORP.EXAMPLE"),
            msg(
                3,
                S,
                MessageType::KRB_ERROR,
                Some(25),
                "krbtgt/CORP.EXAMPLE",
            ),
            msg(
                4,
                C,
                MessageType::TGS_REQ,
                None,
                "TERMSRV/rds1.corp.example",
            ),
            msg(5, S, MessageType::KRB_ERROR, Some(52), ""),
        ]);
        let a = diagnose(&rec, &[k]);
        assert!(!a.findings.iter().any(|f| f.id == KERBEROS_KDC_ERROR.id));
    }

    #[test]
    fn kdc_error_silent_when_a_retry_succeeded() {
        // A mistyped password, then the right one: the AS-REP makes good the
        // PREAUTH_FAILED.
        let rec = ntlm_refused(NtStatus::LOGON_FAILURE).build();
        let k = kdc(vec![
            msg(2, C, MessageType::AS_REQ, None, "krbtgt/CORP.EXAMPLE"),
            msg(
                3,
                S,
                MessageType::KRB_ERROR,
                Some(24),
                "krbtgt/CORP.EXAMPLE",
            ),
            msg(4, C, MessageType::AS_REQ, None, "krbtgt/CORP.EXAMPLE"),
            msg(5, S, MessageType::AS_REP, None, "krbtgt/CORP.EXAMPLE"),
        ]);
        let a = diagnose(&rec, &[k]);
        assert!(!a.findings.iter().any(|f| f.id == KERBEROS_KDC_ERROR.id));
    }
}
