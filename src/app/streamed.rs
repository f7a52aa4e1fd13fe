//! `rdpdiag analyze`'s output, in every format: attempts written as the
//! streaming analysis hands them over (`analysis::analyze_file_streaming`),
//! so a capture of any size keeps in memory only what is open. JSON lines:
//! one line per attempt. JSON: the `rdpdiag/2` document in pieces
//! (`report::json::stream`): each file's attempts as they come, then its
//! tail (capture, warnings, stats…). HTML: the page in parts
//! (`report::html::file_part`), the file's header with its last part.
//! Text: a file whose attempts came in several parts starts with a line
//! saying so, then each part's attempt blocks, then the usual report of the
//! file (header, warnings, the last attempts) at the end; a file of one
//! part gives exactly the report `text::render` gives.
//!
//! Several inputs are analyzed in parallel and written in the order given:
//! the first unfinished input writes its output at once; the others hold
//! theirs (rendered lines, text or JSON, not the records behind them) until
//! their turn. With `--redact`, a part's values are collected when it is
//! made and added to the run's table when it is written, so placeholders
//! are numbered in output order and the output does not depend on thread
//! timing; an HTML part is then held as the part itself and rendered when
//! written (the page redacts values, not its markup).

use super::batch::{progress_kind, run_files, worker_count};
use super::cli::Format;
use crate::analysis::{analyze_file_streaming, AnalysisConfig, AttemptSink};
use crate::redact::Redactor;
use crate::report::json::{self, stream};
use crate::report::jsonl::{self, Line};
use crate::report::{html, text, FileReport, RecordIndex};
use crate::verdict::{Attempt, Outcome, Severity};
use std::io::{IsTerminal, Write};
use std::sync::Mutex;

/// How the streamed formats render.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Options {
    /// Any of `analyze`'s formats.
    pub format: Format,
    pub redact: bool,
    /// Text: `-v` and colour.
    pub verbose: bool,
    pub color: bool,
    /// JSON: indented (not `--compact`).
    pub pretty: bool,
}

/// Analyze `files` and write their attempts as they come; returns the exit
/// code of `analyze` (see `analyze::exit_code`).
pub(crate) fn run(files: &[String], cfg: &AnalysisConfig, opts: Options, fail_on: &str) -> i32 {
    let threshold = Severity::from_name(fail_on).unwrap_or(Severity::Error);
    let mut ordered = Ordered::new(files.len(), opts);
    ordered.begin(files);
    let out = Mutex::new(ordered);
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
                attempts: 0,
            };
            let error = match analyze_file_streaming(path, cfg, count, &mut sink) {
                Ok(report) => {
                    sink.last(report);
                    None
                }
                Err(e) => {
                    // The document lists an unreadable input with its error.
                    if matches!(opts.format, Format::Json | Format::Html) {
                        sink.last(FileReport::unreadable(path, &e));
                    }
                    Some(e.to_string())
                }
            };
            if let Ok(mut o) = out.lock() {
                o.finish(i, error);
            }
        },
    );
    let mut o = match out.into_inner() {
        Ok(o) => o,
        Err(p) => p.into_inner(),
    };
    o.end();
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
    /// Attempts handed over so far.
    attempts: usize,
}

impl AttemptSink for FileSink<'_> {
    fn part(&mut self, part: FileReport) {
        self.hand_over(part, false);
        self.parts += 1;
    }
}

impl FileSink<'_> {
    /// The report of the input's end: the last part, with the file's header.
    fn last(&mut self, report: FileReport) {
        self.hand_over(report, true);
    }

    /// A part rendered in the run's format and passed on; the `last` one
    /// (the report of the input's end) carries the file's header.
    fn hand_over(&mut self, part: FileReport, last: bool) {
        let values = self.account(&part);
        match self.opts.format {
            Format::Text => {
                let (verbose, color) = (self.opts.verbose, self.opts.color);
                let t = match (last, self.parts) {
                    (true, _) => text::render(&part, verbose, color),
                    (false, 0) => {
                        text::streaming_intro(&part.file, color)
                            + &text::render_part(&part, verbose, color)
                    }
                    (false, _) => text::render_part(&part, verbose, color),
                };
                self.pass_on(values, std::iter::once(Chunk::Text(t)));
            }
            Format::Json => {
                let chunks = self.json(&part, last);
                self.pass_on(values, chunks);
            }
            Format::Html => {
                let chunk = self.html(part, last);
                self.pass_on(values, std::iter::once(chunk));
            }
            Format::Jsonl => self.pass_on(values, std::iter::once(Chunk::Lines(lines(&part)))),
        }
    }

    /// The HTML of a part (`html::file_part`), rendered now; with
    /// `--redact`, the part itself, rendered when it is written with the
    /// run's placeholders (the page redacts values, not its markup).
    fn html(&mut self, part: FileReport, last: bool) -> Chunk {
        let at = html::FilePart {
            first: self.parts == 0,
            last,
            earlier_attempts: self.attempts as u64,
        };
        self.attempts += part.attempts.len();
        if self.opts.redact {
            return Chunk::Html(Box::new(part), at);
        }
        let mut o = String::new();
        html::file_part(&mut o, &part, &html::Scrub::none(), at);
        Chunk::Text(o)
    }

    /// The JSON pieces of a part, one at a time: the file's opening with
    /// its first part, each attempt, its tail with the `last`. Each is
    /// serialized when it is handed over (on this input's thread) and
    /// written at once when this input is the first unfinished one, so a
    /// part of a thousand attempts never sits in memory as text.
    fn json<'p>(&mut self, part: &'p FileReport, last: bool) -> impl Iterator<Item = Chunk> + 'p {
        type WirePiece<'p> = stream::Piece<&'p str, json::Attempt<'p>, json::FileTail<'p>>;
        let piece = |open, attempt, close| WirePiece {
            open,
            attempts: Vec::from_iter(attempt),
            first_attempt: false,
            close,
        };
        let opening = (self.parts == 0)
            .then(|| piece(Some((part.file.as_str(), self.index == 0)), None, None));
        let first_attempt = self.attempts == 0;
        let had = self.attempts + part.attempts.len() > 0;
        self.attempts += part.attempts.len();
        let index = RecordIndex::new(part);
        let attempts = part
            .attempts
            .iter()
            .enumerate()
            .map(move |(i, a)| WirePiece {
                first_attempt: first_attempt && i == 0,
                ..piece(None, Some(json::Attempt::new(a, &index)), None)
            });
        let tail = last.then(|| piece(None, None, Some((json::FileTail::from(part), had))));
        let (redact, pretty) = (self.opts.redact, self.opts.pretty);
        opening
            .into_iter()
            .chain(attempts)
            .chain(tail)
            .map(move |p| json_chunk(&p, redact, pretty))
    }

    /// Counts a part's attempts for the exit code; with `--redact`, its
    /// values to redact.
    fn account(&mut self, part: &FileReport) -> Option<Redactor> {
        let failing = part.attempts.iter().any(|a| fails(a, self.threshold));
        if let Ok(mut o) = self.out.lock() {
            o.attempts += part.attempts.len() as u64;
            o.failing |= failing;
        }
        self.opts
            .redact
            .then(|| Redactor::from_reports(std::slice::from_ref(part)))
    }

    /// Hands a part's output over, chunk by chunk: the first carries the
    /// part's `values` to redact.
    fn pass_on(&mut self, mut values: Option<Redactor>, chunks: impl Iterator<Item = Chunk>) {
        for chunk in chunks {
            let held = Held {
                values: values.take(),
                chunk,
            };
            if let Ok(mut o) = self.out.lock() {
                o.push(self.index, held);
            }
        }
    }
}

/// A JSON piece serialized now, or with `--redact` kept as values to
/// redact when it is written.
fn json_chunk<F, A, T>(piece: &stream::Piece<F, A, T>, redact: bool, pretty: bool) -> Chunk
where
    F: serde::Serialize,
    A: serde::Serialize,
    T: serde::Serialize,
{
    let serialized = if redact {
        values(piece).map(Chunk::JsonValues)
    } else {
        let mut bytes = Vec::new();
        piece
            .write(&stream::Writer::new(pretty), &mut bytes)
            .map(|()| Chunk::Json(bytes))
    };
    serialized.unwrap_or_else(|e| Chunk::Failed(e.to_string()))
}

/// The JSON lines of a part's attempts, nothing scrubbed yet.
fn lines(part: &FileReport) -> Vec<Line> {
    let index = RecordIndex::new(part);
    part.attempts
        .iter()
        .map(|a| jsonl::line(a, &jsonl::Context::of(part, &index, a), None))
        .collect()
}

/// The pieces as JSON values (for redaction).
fn values<F, A, T>(p: &stream::Piece<F, A, T>) -> serde_json::Result<ValuePiece>
where
    F: serde::Serialize,
    A: serde::Serialize,
    T: serde::Serialize,
{
    use serde_json::to_value;
    Ok(stream::Piece {
        open: match &p.open {
            Some((f, first)) => Some((to_value(f)?, *first)),
            None => None,
        },
        attempts: p.attempts.iter().map(to_value).collect::<Result<_, _>>()?,
        first_attempt: p.first_attempt,
        close: match &p.close {
            Some((t, had)) => Some((to_value(t)?, *had)),
            None => None,
        },
    })
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

/// JSON pieces as values, to redact before they are written.
type ValuePiece = stream::Piece<serde_json::Value, serde_json::Value, serde_json::Value>;

/// Rendered output of a part.
enum Chunk {
    Lines(Vec<Line>),
    Text(String),
    /// Serialized JSON pieces.
    Json(Vec<u8>),
    /// JSON pieces to redact and serialize when written.
    JsonValues(ValuePiece),
    /// A part to render as HTML with the run's placeholders when written
    /// (`--redact`).
    Html(Box<FileReport>, html::FilePart),
    /// Serializing failed (an internal error).
    Failed(String),
}

/// Output in input order, and what the exit code needs.
struct Ordered {
    /// The first input not finished yet: its lines are written at once.
    head: usize,
    opts: Options,
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
    fn new(n: usize, opts: Options) -> Ordered {
        Ordered {
            head: 0,
            opts,
            held: (0..n).map(|_| Vec::new()).collect(),
            done: vec![None; n],
            redactor: opts.redact.then(Redactor::default),
            closed: false,
            attempts: 0,
            failing: false,
            input_error: false,
            internal_error: false,
        }
    }

    /// JSON and HTML: the document's opening, before any input's output.
    fn begin(&mut self, files: &[String]) {
        let bytes = match self.opts.format {
            Format::Json => {
                let mut bytes = Vec::new();
                self.json_result(self.writer().begin(&mut bytes));
                bytes
            }
            Format::Html => self.page_start(files).into_bytes(),
            Format::Text | Format::Jsonl => return,
        };
        self.write_bytes(&bytes);
    }

    /// The HTML page's opening, titled after the one input (by its
    /// placeholder with `--redact`: added first, as its first part would).
    fn page_start(&mut self, files: &[String]) -> String {
        let names: Vec<&str> = files.iter().map(String::as_str).collect();
        if let (Some(r), [one]) = (self.redactor.as_mut(), names.as_slice()) {
            let stub = FileReport {
                file: one.to_string(),
                ..FileReport::default()
            };
            r.absorb(&Redactor::from_reports(std::slice::from_ref(&stub)));
        }
        let mut o = String::new();
        match &self.redactor {
            Some(r) => {
                let f = |s: &str| r.text(s);
                html::page_start(&mut o, &names, &html::Scrub::with(&f));
            }
            None => html::page_start(&mut o, &names, &html::Scrub::none()),
        }
        o
    }

    /// JSON and HTML: the document's closing, after every input's output.
    fn end(&mut self) {
        let mut bytes = Vec::new();
        match self.opts.format {
            Format::Json => self.writer().end(&mut bytes, !self.done.is_empty()),
            Format::Html => {
                let mut o = String::new();
                html::page_end(&mut o);
                bytes = o.into_bytes();
            }
            Format::Text | Format::Jsonl => return,
        }
        self.write_bytes(&bytes);
    }

    fn writer(&self) -> stream::Writer {
        stream::Writer::new(self.opts.pretty)
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
            Chunk::Json(bytes) => out.write_all(&bytes),
            Chunk::JsonValues(piece) => {
                let bytes = self.redacted_json(piece);
                out.write_all(&bytes)
            }
            Chunk::Html(part, at) => out.write_all(self.redacted_html(&part, at).as_bytes()),
            Chunk::Failed(e) => {
                self.json_result(Err(e));
                Ok(())
            }
        };
        // A closed pipe (`| head`) ends the output, not the run. The part
        // goes out now, not when a buffer fills.
        self.closed |= written.and_then(|()| out.flush()).is_err();
    }

    /// Bytes of the document's frame, unless stdout was closed.
    fn write_bytes(&mut self, bytes: &[u8]) {
        if !self.closed {
            let mut out = std::io::stdout().lock();
            self.closed |= out.write_all(bytes).and_then(|()| out.flush()).is_err();
        }
    }

    /// A part's JSON values, redacted with the run's table and serialized.
    fn redacted_json(&mut self, mut piece: ValuePiece) -> Vec<u8> {
        if let Some(r) = &self.redactor {
            let values = piece.open.iter_mut().map(|(f, _)| f);
            let values = values.chain(piece.attempts.iter_mut());
            for v in values.chain(piece.close.iter_mut().map(|(t, _)| t)) {
                r.json(v);
            }
        }
        let mut bytes = Vec::new();
        let w = self.writer();
        self.json_result(piece.write(&w, &mut bytes).map_err(|e| e.to_string()));
        bytes
    }

    /// A part's HTML with the run's placeholders.
    fn redacted_html(&self, part: &FileReport, at: html::FilePart) -> String {
        let mut o = String::new();
        match &self.redactor {
            Some(r) => {
                let f = |s: &str| r.text(s);
                html::file_part(&mut o, part, &html::Scrub::with(&f), at);
            }
            None => html::file_part(&mut o, part, &html::Scrub::none(), at),
        }
        o
    }

    /// An error serializing JSON is an internal error (exit code 2).
    fn json_result<E: std::fmt::Display>(&mut self, r: Result<(), E>) {
        if let Err(e) = r {
            warn!("rdpdiag: internal error serializing JSON: {e}");
            self.internal_error = true;
        }
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
        } else {
            super::analyze::exit_code(self.attempts > 0, self.failing)
        }
    }
}
