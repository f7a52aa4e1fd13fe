//! The terminal rendering of an [`Explanation`].

use std::fmt;

use super::{Explanation, Role};
use crate::codes::Outcome;

fn outcome_word(o: Outcome) -> &'static str {
    match o {
        Outcome::Success => "SUCCESS",
        Outcome::NotAnError => "not an error",
        Outcome::Failure => "failure",
    }
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.extended_query {
            Some(x) => writeln!(f, "rdpdiag explain {} {}", self.query, x)?,
            None => writeln!(f, "rdpdiag explain {}", self.query)?,
        }
        if self.matches.is_empty() {
            writeln!(f, "\nNo known code matches.")?;
        }
        for (i, m) in self.matches.iter().enumerate() {
            let role = match m.role {
                Role::DiscReason => "disconnect reason",
                Role::ExtendedReason => "extended reason",
                Role::Candidate if self.matches.len() > 1 => "possible reading",
                Role::Candidate => "match",
                Role::AlternateReading => "alternate reading",
            };
            writeln!(f)?;
            writeln!(
                f,
                "{}. [{role}] {}: {} = {} ({}) [{}]",
                i + 1,
                m.table_title,
                m.name,
                m.code_hex,
                m.code,
                outcome_word(m.outcome)
            )?;
            writeln!(f, "   {}", m.meaning)?;
            if !m.causes.is_empty() {
                writeln!(f, "   Likely causes:")?;
                for c in &m.causes {
                    writeln!(f, "     - {c}")?;
                }
            }
            if !m.fix.is_empty() {
                writeln!(f, "   Fix (Windows side):")?;
                for c in &m.fix {
                    writeln!(f, "     - {c}")?;
                }
            }
            if !m.see_also.is_empty() {
                writeln!(f, "   See also: {}", m.see_also.join("; "))?;
            }
        }
        if let Some(c) = &self.combined_reading {
            writeln!(f, "\nCombined reading:\n   {c}")?;
        }
        if !self.notes.is_empty() {
            writeln!(f, "\nNotes:")?;
            for n in &self.notes {
                writeln!(f, "   - {n}")?;
            }
        }
        if !self.what_to_capture.is_empty() {
            writeln!(f, "\nWhat to capture next:")?;
            for w in &self.what_to_capture {
                writeln!(f, "   - {w}")?;
            }
        }
        if !self.related_rules.is_empty() {
            writeln!(
                f,
                "\nRelated analyzer rules: {}",
                self.related_rules.join(", ")
            )?;
        }
        Ok(())
    }
}
