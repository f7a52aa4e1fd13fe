//! Views of the rule registry: `rdpdiag rules` (text, JSON, Markdown) and the
//! generated `docs/rules.md`.

use super::registry::{RuleDef, RULES};
use serde::Serialize;
use std::fmt::Write as _;

/// One rule as `rdpdiag rules --format json` prints it.
#[derive(Debug, Serialize)]
pub struct RuleView {
    pub id: &'static str,
    pub stage: &'static str,
    pub severity: &'static str,
    pub title: &'static str,
    pub explanation: &'static str,
    pub remediation: &'static [&'static str],
    pub mstsc_codes: &'static [&'static str],
}

impl From<&'static RuleDef> for RuleView {
    fn from(r: &'static RuleDef) -> Self {
        RuleView {
            id: r.id,
            stage: r.stage.name(),
            severity: r.severity.name(),
            title: r.title,
            explanation: r.explanation,
            remediation: r.remediation,
            mstsc_codes: r.mstsc_codes,
        }
    }
}

/// The JSON document: `{"schema": "rdpdiag-rules/1", "rules": [...]}`.
#[derive(Debug, Serialize)]
pub struct RulesDoc {
    pub schema: &'static str,
    pub rules: Vec<RuleView>,
}

pub fn json_doc() -> RulesDoc {
    RulesDoc {
        schema: "rdpdiag-rules/1",
        rules: RULES.iter().map(|r| RuleView::from(*r)).collect(),
    }
}

/// A table for the terminal: id, stage, severity, title.
pub fn text() -> String {
    text_with(&crate::verdict::DiagConfig::default())
}

/// The table with the configuration's overrides: a changed severity shows as
/// `warning>error`, a disabled rule as `off`.
pub fn text_with(cfg: &crate::verdict::DiagConfig) -> String {
    let w = RULES.iter().map(|r| r.id.len()).max().unwrap_or(10);
    let mut o = String::new();
    let _ = writeln!(
        o,
        "{:<w$}  {:<11}  {:<13}  title",
        "id", "stage", "severity"
    );
    for r in RULES {
        let sev = if cfg.disabled.iter().any(|d| d == r.id) {
            format!("{} off", r.severity.name())
        } else if let Some((_, s)) = cfg.severity.iter().find(|(id, _)| id == r.id) {
            format!("{}>{}", r.severity.name(), s.name())
        } else {
            r.severity.name().to_string()
        };
        let _ = writeln!(
            o,
            "{:<w$}  {:<11}  {:<13}  {}",
            r.id,
            r.stage.name(),
            sev,
            r.title
        );
    }
    if !cfg.disabled.is_empty() || !cfg.severity.is_empty() {
        let _ = writeln!(
            o,
            "\n`off` and `default>new` come from the configuration file (`rdpdiag config`)."
        );
    }
    let _ = writeln!(
        o,
        "\n{} rules. `rdpdiag rules --format markdown` prints each with its explanation and fix; \
         severities can be changed and rules turned off in the configuration file (`rdpdiag config --example`).",
        RULES.len()
    );
    o
}

/// The rules related to an explained code, one per line with stage and title.
pub fn related_text(ids: &[String]) -> String {
    let rules: Vec<&RuleDef> = ids.iter().filter_map(|id| super::rule(id)).collect();
    if rules.is_empty() {
        return String::new();
    }
    let w = rules.iter().map(|r| r.id.len()).max().unwrap_or(10);
    let mut o = String::from(
        "\nRelated analyzer rules (`rdpdiag analyze` names one of these as the root cause; `rdpdiag rules` lists all):\n",
    );
    for r in rules {
        let _ = writeln!(o, "   {:<w$}  {:<11}  {}", r.id, r.stage.name(), r.title);
    }
    o
}

fn cell(s: &str) -> String {
    s.replace('|', "\\|")
}

/// The Markdown catalogue; `docs/rules.md` is exactly this.
pub fn markdown() -> String {
    let mut o = String::new();
    o.push_str("# Rule catalogue\n\n");
    o.push_str(
        "<!-- Generated from src/rules/registry.rs by `rdpdiag rules --format markdown > docs/rules.md`. \
         Do not edit by hand: a test fails when this file is stale. -->\n\n",
    );
    o.push_str(
        "Every finding rdpdiag reports comes from one of these rules. The id is stable: scripts, \
         `.expect.toml` sidecars (`rule = \"...\"`) and the configuration file (`[rules] disabled`, \
         `[rules.severity]`) refer to it. The severity is the default: **error** findings explain why a \
         connection failed, **warning** ones are worth fixing, **info** ones are context. \"mstsc\" lists \
         the Remote Desktop client codes (disconnect reason / extended reason) the problem most likely \
         produced; `rdpdiag explain CODE` goes the other way.\n\n",
    );
    o.push_str("| id | stage | severity | title |\n|---|---|---|---|\n");
    for r in RULES {
        let _ = writeln!(
            o,
            "| [`{}`](#{}) | {} | {} | {} |",
            r.id,
            anchor(r.id),
            r.stage.name(),
            r.severity.name(),
            cell(r.title)
        );
    }
    for r in RULES {
        let _ = write!(
            o,
            "\n## {}\n\n**{}** — stage `{}`, severity **{}**",
            r.id,
            r.title,
            r.stage.name(),
            r.severity.name()
        );
        if !r.mstsc_codes.is_empty() {
            let _ = write!(o, ", mstsc {}", r.mstsc_codes.join(", "));
        }
        o.push_str("\n\n");
        if !r.explanation.is_empty() {
            let _ = writeln!(o, "{}\n", r.explanation);
        }
        if !r.remediation.is_empty() {
            o.push_str("Fix:\n\n");
            for (i, s) in r.remediation.iter().enumerate() {
                let _ = writeln!(o, "{}. {}", i + 1, s);
            }
        }
    }
    o
}

/// GitHub's heading anchor for a rule id (`tcp.rst_to_syn` → `tcprst_to_syn`).
fn anchor(id: &str) -> String {
    id.chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_well_formed() {
        let mut ids: Vec<&str> = RULES.iter().map(|r| r.id).collect();
        for id in &ids {
            assert!(
                id.contains('.')
                    && id.chars().all(|c| c.is_ascii_lowercase()
                        || c.is_ascii_digit()
                        || c == '.'
                        || c == '_'),
                "{id}"
            );
        }
        ids.sort();
        let n = ids.len();
        ids.dedup();
        assert_eq!(n, ids.len(), "duplicate rule id");
    }

    #[test]
    fn every_rule_is_listed() {
        let t = text();
        let m = markdown();
        for r in RULES {
            assert!(
                t.contains(r.id) && m.contains(&format!("## {}", r.id)),
                "{}",
                r.id
            );
        }
    }
}
