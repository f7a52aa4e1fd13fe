//! Licensing and activation stages: licensing errors, and the server's Set
//! Error Info (a failure, or `session.error_info_normal_end` when the code
//! means a normal end).

use super::conn::{Conn, Judged};
use super::registry::{
    RuleDef, ACTIVATION_SERVER_ERROR_INFO, LICENSING_ERROR, SESSION_ERROR_INFO_NORMAL_END,
};
use super::{ev, make, table_fix};
use crate::codes;
use crate::verdict::{Finding, Stage, StageMark};
use crate::wire::FrameRef;
use rdpdiag_parsers::rdp::ErrorInfo;

pub(super) fn judge(cx: &Conn, judged: &mut Judged) {
    let rdp = &cx.rec.facts.rdp;
    for event in &rdp.license {
        if let (Some(code), false) = (event.error_code, event.success) {
            judged.findings.push(make(
                &LICENSING_ERROR,
                cx.inner_basis,
                Some(format!("licensing failed: {code} ({})", code.0)),
                codes::Table::License
                    .lookup(code.0)
                    .map(|i| i.meaning.to_string()),
                vec![ev(event.frame, code.to_string())],
            ));
        }
    }
    if !rdp.license.is_empty() {
        judged.stages.push(StageMark {
            stage: Stage::Licensing,
            ok: rdp
                .license
                .iter()
                .all(|l| l.error_code.is_none() || l.success),
            frame: rdp.license.last().map(|l| l.frame),
        });
    }
    for (frame, code) in rdp
        .set_error_info
        .iter()
        .filter(|(_, code)| *code != ErrorInfo::NONE)
    {
        judged.findings.push(error_info(cx, *frame, *code));
    }
    if rdp.demand_active.is_some() || rdp.confirm_active.is_some() {
        judged.stages.push(StageMark {
            stage: Stage::Activation,
            ok: rdp.confirm_active.is_some(),
            frame: rdp.confirm_active.or(rdp.demand_active),
        });
    }
}

/// One non-zero Set Error Info: a failure, or a normal end.
fn error_info(cx: &Conn, frame: FrameRef, code: ErrorInfo) -> Finding {
    let info = codes::Table::ErrInfo.lookup(code.0);
    let benign = info.is_some_and(|i| i.outcome != codes::Outcome::Failure);
    let rule: &'static RuleDef = if benign {
        &SESSION_ERROR_INFO_NORMAL_END
    } else {
        &ACTIVATION_SERVER_ERROR_INFO
    };
    let mut finding = make(
        rule,
        cx.inner_basis,
        Some(format!(
            "the server sent Set Error Info {code} ({:#x})",
            code.0
        )),
        info.map(|i| i.meaning.to_string()),
        vec![ev(frame, code.to_string())],
    );
    if !benign {
        if let Some(ext) = codes::errinfo_to_extended(code.0) {
            finding.mstsc_codes = vec![format!("0x904 / extended {ext:#x}")];
        }
        table_fix(&mut finding, info);
    }
    finding
}

#[cfg(test)]
mod tests {
    use super::super::registry::*;
    use super::super::testkit::{conn, fired, frames, judge, ConnBuilder};
    use crate::verdict::Stage;
    use crate::wire::Dir;
    use rdpdiag_parsers::mcs::McsResult;
    use rdpdiag_parsers::rdp::{ErrorInfo, LicenseErrorCode};

    /// captures/server_rst_midsession.pcap, frames 4-14 (decrypted): PROTOCOL_SSL,
    /// TLS 1.3, MCS Connect Initial (13) and Response rt-successful (14).
    fn ssl_up_to_licensing() -> ConnBuilder {
        conn()
            .handshake()
            .request(4, 0x1)
            .confirm(6, 0x1)
            .client_hello(8)
            .server_hello(9, 0x0304)
            .connect_initial(13)
            .connect_response(14, McsResult::RT_SUCCESSFUL)
            .decrypted(90)
    }

    #[test]
    fn licensing_error_fires_on_an_error_alert() {
        // No capture here has one: ERR_NO_LICENSE_SERVER (6) in the same
        // ERROR_ALERT that says STATUS_VALID_CLIENT at server_rst_midsession frame 43.
        let rec = ssl_up_to_licensing()
            .license_error_alert(43, LicenseErrorCode::ERR_NO_LICENSE_SERVER, false)
            .fin(Dir::ServerToClient, 44)
            .build();
        let (verdict, _) = judge(&rec);
        let finding = fired(&rec, &LICENSING_ERROR).expect("fires");
        assert_eq!(finding.title, "licensing failed: ERR_NO_LICENSE_SERVER (6)");
        assert_eq!(frames(&finding), [43]);
        assert_eq!(verdict.failed_stage, Some(Stage::Licensing));
    }

    #[test]
    fn licensing_error_silent_on_status_valid_client() {
        // server_rst_midsession.pcap frame 43: ERROR_ALERT STATUS_VALID_CLIENT
        // (7) with ST_NO_TRANSITION: licensing done.
        let rec = ssl_up_to_licensing()
            .license_error_alert(43, LicenseErrorCode::STATUS_VALID_CLIENT, true)
            .demand_active(45)
            .confirm_active(47)
            .screen_output(61)
            .build();
        let (verdict, _) = judge(&rec);
        assert!(fired(&rec, &LICENSING_ERROR).is_none());
        assert!(verdict
            .stages
            .iter()
            .any(|m| m.stage == Stage::Licensing && m.ok));
    }

    #[test]
    fn server_error_info_fires_on_a_failure_code() {
        // No capture here has one: ERRINFO_SERVER_INSUFFICIENT_PRIVILEGES (9)
        // after licensing (frame 43), before the Demand Active.
        let rec = ssl_up_to_licensing()
            .license_error_alert(43, LicenseErrorCode::STATUS_VALID_CLIENT, true)
            .set_error_info(44, ErrorInfo::SERVER_INSUFFICIENT_PRIVILEGES)
            .fin(Dir::ServerToClient, 46)
            .build();
        let (verdict, _) = judge(&rec);
        let finding = fired(&rec, &ACTIVATION_SERVER_ERROR_INFO).expect("fires");
        assert_eq!(
            finding.title,
            "the server sent Set Error Info ERRINFO_SERVER_INSUFFICIENT_PRIVILEGES (0x9)"
        );
        assert_eq!(frames(&finding), [44]);
        assert_eq!(finding.mstsc_codes.len(), 1);
        assert!(fired(&rec, &SESSION_ERROR_INFO_NORMAL_END).is_none());
        assert_eq!(verdict.failed_stage, Some(Stage::Activation));
    }

    #[test]
    fn server_error_info_silent_on_a_normal_end() {
        // ERRINFO_LOGOFF_BY_USER (0xC) after a running session is a normal end.
        let rec = ssl_up_to_licensing()
            .license_error_alert(43, LicenseErrorCode::STATUS_VALID_CLIENT, true)
            .demand_active(45)
            .confirm_active(47)
            .screen_output(61)
            .set_error_info(170, ErrorInfo::LOGOFF_BY_USER)
            .build();
        assert!(fired(&rec, &ACTIVATION_SERVER_ERROR_INFO).is_none());
    }

    #[test]
    fn error_info_normal_end_fires_on_a_benign_code() {
        let rec = ssl_up_to_licensing()
            .license_error_alert(43, LicenseErrorCode::STATUS_VALID_CLIENT, true)
            .demand_active(45)
            .confirm_active(47)
            .screen_output(61)
            .set_error_info(170, ErrorInfo::LOGOFF_BY_USER)
            .build();
        let finding = fired(&rec, &SESSION_ERROR_INFO_NORMAL_END).expect("fires");
        assert_eq!(frames(&finding), [170]);
        assert!(!finding.decisive);
    }

    #[test]
    fn error_info_normal_end_silent_on_errinfo_none() {
        // A Set Error Info of 0 (ERRINFO_NONE) says nothing.
        let rec = ssl_up_to_licensing()
            .license_error_alert(43, LicenseErrorCode::STATUS_VALID_CLIENT, true)
            .demand_active(45)
            .confirm_active(47)
            .screen_output(61)
            .set_error_info(170, ErrorInfo::NONE)
            .build();
        assert!(fired(&rec, &SESSION_ERROR_INFO_NORMAL_END).is_none());
        assert!(fired(&rec, &ACTIVATION_SERVER_ERROR_INFO).is_none());
    }
}
