//! `analyze --format jsonl`: one line per attempt, written as the streaming
//! analysis hands attempts over (`analysis::analyze_file_streaming`), so a
//! capture of any size keeps in memory only what is open.
//!
//! Several inputs are analyzed in parallel and written in the order given:
//! the first unfinished input writes its lines at once; the others hold
//! theirs (a line, not the records behind it) until their turn. With
//! `--redact`, a part's values are collected when it is made and added to the
//! run's table when it is written, so placeholders are numbered in output
//! order and the output does not depend on thread timing.

use super::analyze::EXIT_NO_RDP;
use super::batch::{progress_kind, run_files, worker_count};
use crate::analysis::{analyze_file_streaming, AnalysisConfig, AttemptSink};
use crate::redact::Redactor;
use crate::report::jsonl::{self, Line};
use crate::report::{FileReport, RecordIndex};
use crate::verdict::{Attempt, Outcome, Severity};
use std::io::{IsTerminal, Write};
use std::sync::Mutex;

/// Analyze `files` and write their attempts as JSON lines; returns the exit
/// code of `analyze` (see `analyze::exit_code`).
pub(crate) fn run(files: &[String], cfg: &AnalysisConfig, redact: bool, fail_on: &str) -> i32 {
    let threshold = Severity::from_name(fail_on).unwrap_or(Severity::Error);
    let out = Mutex::new(Ordered::new(files.len(), redact));
    let tty = std::io::stderr().is_terminal();
    let kinds: Vec<_> = files.iter().map(|f| progress_kind(f, tty)).collect();
    run_files(
        files,
        &kinds,
        worker_count(files.len()),
        |i, path, count| {
            let mut sink = FileSink {
                index: i,
                out: &out,
                threshold,
                redact,
            };
            let r = analyze_file_streaming(path, cfg, count, &mut sink);
            if let Ok(report) = &r {
                sink.part(report);
            }
            let error = r.err().map(|e| e.to_string());
            if let Ok(mut o) = out.lock() {
                o.finish(i, error);
            }
        },
    );
    let o = match out.into_inner() {
        Ok(o) => o,
        Err(p) => p.into_inner(),
    };
    o.exit_code()
}

/// The sink of one input: renders each part's lines and passes them on.
struct FileSink<'a> {
    index: usize,
    out: &'a Mutex<Ordered>,
    threshold: Severity,
    redact: bool,
}

impl AttemptSink for FileSink<'_> {
    fn part(&mut self, part: &FileReport) {
        let index = RecordIndex::new(part);
        let lines: Vec<Line> = part
            .attempts
            .iter()
            .map(|a| jsonl::line(a, &jsonl::Context::of(part, &index, a), None))
            .collect();
        let failing = part.attempts.iter().any(|a| fails(a, self.threshold));
        let held = Held {
            values: self
                .redact
                .then(|| Redactor::from_reports(std::slice::from_ref(part))),
            lines,
        };
        if let Ok(mut o) = self.out.lock() {
            o.attempts += part.attempts.len() as u64;
            o.failing |= failing;
            o.push(self.index, held);
        }
    }
}

/// Whether an attempt makes `analyze` exit 1 at this `--fail-on` threshold.
pub(crate) fn fails(a: &Attempt, threshold: Severity) -> bool {
    a.outcome == Outcome::Failure || a.findings.iter().any(|f| f.severity >= threshold)
}

/// A part's lines, waiting for their turn, and its values to redact.
struct Held {
    values: Option<Redactor>,
    lines: Vec<Line>,
}

/// Output in input order, and what the exit code needs.
struct Ordered {
    /// The first input not finished yet: its lines are written at once.
    head: usize,
    held: Vec<Vec<Held>>,
    /// Finished inputs, with their read error if any.
    done: Vec<Option<Option<String>>>,
    redactor: Option<Redactor>,
    /// stdout was closed (`| head`): nothing more is written.
    closed: bool,
    attempts: u64,
    failing: bool,
    input_error: bool,
    internal_error: bool,
}

impl Ordered {
    fn new(n: usize, redact: bool) -> Ordered {
        Ordered {
            head: 0,
            held: (0..n).map(|_| Vec::new()).collect(),
            done: vec![None; n],
            redactor: redact.then(Redactor::default),
            closed: false,
            attempts: 0,
            failing: false,
            input_error: false,
            internal_error: false,
        }
    }

    fn push(&mut self, i: usize, h: Held) {
        if i == self.head {
            self.write(h);
        } else if let Some(v) = self.held.get_mut(i) {
            v.push(h);
        }
    }

    /// Input `i` is finished: write what the inputs after it held, in order.
    fn finish(&mut self, i: usize, error: Option<String>) {
        if let Some(d) = self.done.get_mut(i) {
            *d = Some(error);
        }
        while let Some(Some(error)) = self.done.get(self.head).cloned() {
            if let Some(e) = error {
                warn!("rdpdiag: error: {e}");
                self.input_error = true;
            }
            self.head += 1;
            let held = self.held.get_mut(self.head).map(std::mem::take);
            for h in held.unwrap_or_default() {
                self.write(h);
            }
        }
    }

    fn write(&mut self, h: Held) {
        if let (Some(r), Some(v)) = (self.redactor.as_mut(), h.values.as_ref()) {
            r.absorb(v);
        }
        if self.closed {
            return;
        }
        let stdout = std::io::stdout();
        let mut out = stdout.lock();
        for l in h.lines {
            let l = match &self.redactor {
                Some(r) => l.scrubbed(&|s: &str| r.text(s)),
                None => l,
            };
            let written = match serde_json::to_string(&l) {
                Ok(text) => writeln!(out, "{text}"),
                Err(e) => {
                    warn!("rdpdiag: internal error serializing JSON: {e}");
                    self.internal_error = true;
                    return;
                }
            };
            // A closed pipe (`| head`) ends the output, not the run.
            if written.is_err() {
                self.closed = true;
                return;
            }
        }
        // The part's lines go out now, not when a buffer fills.
        self.closed |= out.flush().is_err();
    }

    /// 2 on an input or internal error, else as `analyze::exit_code`.
    fn exit_code(&self) -> i32 {
        if self.input_error || self.internal_error {
            2
        } else if self.attempts == 0 {
            EXIT_NO_RDP
        } else {
            i32::from(self.failing)
        }
    }
}
