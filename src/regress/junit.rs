//! The JUnit XML report (`--junit FILE`).

use super::run::{CaseResult, Status};
use super::summary::counts;
use std::fmt::Write as _;

/// Escape text for XML attributes and content; drop characters XML 1.0 forbids.
pub fn xml_escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&apos;"),
            '\t' | '\n' | '\r' => o.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => o.push('\u{FFFD}'),
            c => o.push(c),
        }
    }
    o
}

/// JUnit XML: one `testsuite`, one `testcase` per capture; input errors
/// without a capture become error test cases named after the problem.
pub fn junit(results: &[CaseResult], errors: &[String], suite: &str) -> String {
    let c = counts(results);
    let total_time: f64 = results.iter().map(|r| r.seconds).sum();
    let mut o = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let n = results.len() + errors.len();
    let errs = c.error + errors.len();
    let _ = writeln!(
        o,
        "<testsuites name=\"rdpdiag\" tests=\"{n}\" failures=\"{}\" errors=\"{errs}\" time=\"{total_time:.3}\">",
        c.fail
    );
    let _ = writeln!(
        o,
        "  <testsuite name=\"{}\" tests=\"{n}\" failures=\"{}\" errors=\"{errs}\" skipped=\"0\" time=\"{total_time:.3}\">",
        xml_escape(suite),
        c.fail
    );
    for (i, e) in errors.iter().enumerate() {
        let _ = writeln!(
            o,
            "    <testcase classname=\"rdpdiag.input\" name=\"input error {}\" time=\"0\">\n      <error message=\"{}\" type=\"input\"/>\n    </testcase>",
            i + 1,
            xml_escape(e)
        );
    }
    for r in results {
        let path = r.capture.to_string_lossy();
        let name = r
            .capture
            .file_name()
            .map_or_else(|| path.to_string(), |n| n.to_string_lossy().into_owned());
        let class = r
            .capture
            .parent()
            .map(|p| p.to_string_lossy().replace(['/', '\\'], "."))
            .filter(|p| !p.is_empty())
            .unwrap_or_else(|| ".".into());
        let _ = write!(
            o,
            "    <testcase classname=\"rdpdiag.{}\" name=\"{}\" file=\"{}\" time=\"{:.3}\"",
            xml_escape(class.trim_matches('.')),
            xml_escape(&name),
            xml_escape(&path),
            r.seconds
        );
        match &r.status {
            Status::Pass | Status::Blessed(_) => {
                let _ = writeln!(o, "/>");
            }
            Status::Fail(m) => {
                let _ = writeln!(
                    o,
                    ">\n      <failure message=\"{}\" type=\"verdict\">{}</failure>\n    </testcase>",
                    xml_escape(m.first().map_or("", |s| s.as_str())),
                    xml_escape(&m.join("\n"))
                );
            }
            Status::Error(e) => {
                let _ = writeln!(
                    o,
                    ">\n      <error message=\"{}\" type=\"input\"/>\n    </testcase>",
                    xml_escape(e)
                );
            }
        }
    }
    o.push_str("  </testsuite>\n</testsuites>\n");
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_is_escaped() {
        assert_eq!(
            xml_escape("a<b>&\"'\u{1}"),
            "a&lt;b&gt;&amp;&quot;&apos;\u{FFFD}"
        );
    }
}
