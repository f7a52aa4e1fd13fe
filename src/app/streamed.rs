//! `analyze --format jsonl` and `--format text`: attempts written as the
//! streaming analysis hands them over (`analysis::analyze_file_streaming`),
//! so a capture of any size keeps in memory only what is open. JSON lines:
//! one line per attempt. Text: a file whose attempts came in several parts
//! starts with a line saying so, then each part's attempt blocks, then the
//! usual report of the file (header, warnings, the last attempts) at the
//! end; a file of one part gives exactly the report `text::render` gives.
//!
//! Several inputs are analyzed in parallel and written in the order given:
//! the first unfinished input writes its output at once; the others hold
//! theirs (rendered lines or text, not the records behind them) until their
//! turn. With `--redact`, a part's values are collected when it is made and
//! added to the run's table when it is written, so placeholders are
//! numbered in output order and the output does not depend on thread timing.

use super::analyze::EXIT_NO_RDP;
use super::batch::{progress_kind, run_files, worker_count};
use super::cli::Format;
use crate::analysis::{analyze_file_streaming, AnalysisConfig, AttemptSink};
use crate::redact::Redactor;
use crate::report::jsonl::{self, Line};
use crate::report::{text, FileReport, RecordIndex};
use crate::verdict::{Attempt, Outcome, Severity};
use std::io::{IsTerminal, Write};
use std::sync::Mutex;

/// How the streamed formats render.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Options {
    /// `Format::Jsonl` or `Format::Text`.
    pub format: Format,
    pub redact: bool,
    /// Text: `-v` and colour.
    pub verbose: bool,
    pub color: bool,
}

/// Analyze `files` and write their attempts as they come; returns the exit
/// code of `analyze` (see `analyze::exit_code`).
pub(crate) fn run(files: &[String], cfg: &AnalysisConfig, opts: Options, fail_on: &str) -> i32 {
    let threshold = Severity::from_name(fail_on).unwrap_or(Severity::Error);
    let out = Mutex::new(Ordered::new(files.len(), opts.redact));
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
                opts,
                parts: 0,
            };
            let r = analyze_file_streaming(path, cfg, count, &mut sink);
            if let Ok(report) = &r {
                sink.last(report);
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

/// The sink of one input: renders each part and passes it on.
struct FileSink<'a> {
    index: usize,
    out: &'a Mutex<Ordered>,
    threshold: Severity,
    opts: Options,
    /// Parts handed over so far.
    parts: usize,
}

impl AttemptSink for FileSink<'_> {
    fn part(&mut self, part: &FileReport) {
        let chunk = match self.opts.format {
            Format::Text => {
                let mut t = String::new();
                if self.parts == 0 {
                    t.push_str(&text::streaming_intro(&part.file, self.opts.color));
                }
                t.push_str(&text::render_part(part, self.opts.verbose, self.opts.color));
                Chunk::Text(t)
            }
            _ => Chunk::Lines(lines(part)),
        };
        self.parts += 1;
        self.pass_on(part, chunk);
    }
}

impl FileSink<'_> {
    /// The report of the input's end: the last part, with the file's header.
    fn last(&mut self, report: &FileReport) {
        let chunk = match self.opts.format {
            Format::Text => Chunk::Text(text::render(report, self.opts.verbose, self.opts.color)),
            _ => Chunk::Lines(lines(report)),
        };
        self.pass_on(report, chunk);
    }

    fn pass_on(&mut self, part: &FileReport, chunk: Chunk) {
        let failing = part.attempts.iter().any(|a| fails(a, self.threshold));
        let held = Held {
            values: self
                .opts
                .redact
                .then(|| Redactor::from_reports(std::slice::from_ref(part))),
            chunk,
        };
        if let Ok(mut o) = self.out.lock() {
            o.attempts += part.attempts.len() as u64;
            o.failing |= failing;
            o.push(self.index, held);
        }
    }
}

/// The JSON lines of a part's attempts, nothing scrubbed yet.
fn lines(part: &FileReport) -> Vec<Line> {
    let index = RecordIndex::new(part);
    part.attempts
        .iter()
        .map(|a| jsonl::line(a, &jsonl::Context::of(part, &index, a), None))
        .collect()
}

/// Whether an attempt makes `analyze` exit 1 at this `--fail-on` threshold.
pub(crate) fn fails(a: &Attempt, threshold: Severity) -> bool {
    a.outcome == Outcome::Failure || a.findings.iter().any(|f| f.severity >= threshold)
}

/// A part's output, waiting for its turn, and its values to redact.
struct Held {
    values: Option<Redactor>,
    chunk: Chunk,
}

/// Rendered output of a part.
enum Chunk {
    Lines(Vec<Line>),
    Text(String),
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
        let written = match h.chunk {
            Chunk::Lines(lines) => self.write_lines(&mut out, lines),
            Chunk::Text(t) => {
                let t = match &self.redactor {
                    Some(r) => r.text(&t),
                    None => t,
                };
                write!(out, "{t}")
            }
        };
        // A closed pipe (`| head`) ends the output, not the run. The part
        // goes out now, not when a buffer fills.
        self.closed |= written.and_then(|()| out.flush()).is_err();
    }

    fn write_lines(&mut self, out: &mut impl Write, lines: Vec<Line>) -> std::io::Result<()> {
        for l in lines {
            let l = match &self.redactor {
                Some(r) => l.scrubbed(&|s: &str| r.text(s)),
                None => l,
            };
            match serde_json::to_string(&l) {
                Ok(text) => writeln!(out, "{text}")?,
                Err(e) => {
                    warn!("rdpdiag: internal error serializing JSON: {e}");
                    self.internal_error = true;
                    return Ok(());
                }
            }
        }
        Ok(())
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
