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
