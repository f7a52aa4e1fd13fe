//! Several inputs at once: `analyze a.pcap b.pcap …` analyzes the files in
//! parallel, one per core, and returns the reports in the order given, with
//! a progress bar per large file on stderr when it is a terminal.
//!
//! One file is read by one thread: the pipeline is a single pass whose cost
//! is dominated by reading and decoding, so splitting a single file by flow
//! hash would need a reader thread feeding workers and did not pay on the
//! measured machine (see docs/performance.md).

use crate::analysis::{analyze_file_counted, AnalysisConfig};
use crate::capture::InputError;
use crate::report::FileReport;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Files smaller than this get no progress bar.
pub const PROGRESS_MIN_BYTES: u64 = 4 << 20;

/// What progress display an input gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgressKind {
    /// Nothing drawn.
    Hidden,
    /// A bar over the file's size in bytes (compressed size for .gz).
    Bar(u64),
    /// A spinner with bytes read (stdin: size unknown).
    Spinner,
}

/// Decide the progress display for `path`: only when stderr is a terminal,
/// and only for stdin or files of at least [`PROGRESS_MIN_BYTES`].
pub fn progress_kind(path: &str, stderr_is_tty: bool) -> ProgressKind {
    if !stderr_is_tty {
        return ProgressKind::Hidden;
    }
    if path == "-" {
        return ProgressKind::Spinner;
    }
    match std::fs::metadata(path) {
        Ok(m) if m.is_file() && m.len() >= PROGRESS_MIN_BYTES => ProgressKind::Bar(m.len()),
        _ => ProgressKind::Hidden,
    }
}

/// Worker threads for `n` inputs: one per core, never more than inputs.
pub fn worker_count(n: usize) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
    cores.min(n).max(1)
}

/// Analyze every input, in parallel, and return the results in input order.
pub fn analyze_files(
    files: &[String],
    cfg: &AnalysisConfig,
) -> Vec<Result<FileReport, InputError>> {
    let tty = std::io::stderr().is_terminal();
    let kinds: Vec<ProgressKind> = files.iter().map(|f| progress_kind(f, tty)).collect();
    analyze_files_with(files, cfg, &kinds, worker_count(files.len()))
}

/// [`analyze_files`] with explicit progress kinds (one per file) and thread count.
pub fn analyze_files_with(
    files: &[String],
    cfg: &AnalysisConfig,
    kinds: &[ProgressKind],
    threads: usize,
) -> Vec<Result<FileReport, InputError>> {
    run_files(files, kinds, threads, |_, path, count| {
        analyze_file_counted(path, cfg, count)
    })
    .into_iter()
    .zip(files)
    .map(|(r, path)| {
        r.unwrap_or_else(|| {
            // Only reachable if a worker panicked, which the pipeline must not do.
            Err(InputError::Read {
                path: path.clone(),
                source: std::io::Error::other("internal error while analyzing this file"),
            })
        })
    })
    .collect()
}

/// Run `work(index, path, progress counter)` over every input on `threads`
/// workers, with the progress display of `kinds`, and return the results in
/// input order (None only if a worker panicked).
pub fn run_files<T: Send>(
    files: &[String],
    kinds: &[ProgressKind],
    threads: usize,
    work: impl Fn(usize, &str, Option<Arc<AtomicU64>>) -> T + Sync,
) -> Vec<Option<T>> {
    let counters: Vec<Arc<AtomicU64>> = files.iter().map(|_| Arc::default()).collect();
    let results: Vec<Mutex<Option<T>>> = files.iter().map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    let done = AtomicBool::new(false);
    let any_progress = kinds.iter().any(|k| *k != ProgressKind::Hidden);
    std::thread::scope(|s| {
        if any_progress {
            s.spawn(|| draw_progress(files, kinds, &counters, &done));
        }
        let workers: Vec<_> = (0..threads.max(1))
            .map(|_| {
                s.spawn(|| loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(path) = files.get(i) else { break };
                    let count =
                        (kinds.get(i) != Some(&ProgressKind::Hidden)).then(|| counters[i].clone());
                    let r = work(i, path, count);
                    if let Ok(mut slot) = results[i].lock() {
                        *slot = Some(r);
                    }
                })
            })
            .collect();
        for w in workers {
            let _ = w.join();
        }
        done.store(true, Ordering::Relaxed);
    });
    results
        .into_iter()
        .map(|m| m.into_inner().ok().flatten())
        .collect()
}

/// Draw one bar (or spinner) per file with progress, on stderr, until `done`.
fn draw_progress(
    files: &[String],
    kinds: &[ProgressKind],
    counters: &[Arc<AtomicU64>],
    done: &AtomicBool,
) {
    let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr_with_hz(10));
    let bar_style = ProgressStyle::with_template(
        "{prefix:.bold} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
    )
    .unwrap_or_else(|_| ProgressStyle::default_bar())
    .progress_chars("=> ");
    let spin_style =
        ProgressStyle::with_template("{prefix:.bold} {spinner} {bytes} {bytes_per_sec}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner());
    let bars: Vec<Option<ProgressBar>> = files
        .iter()
        .zip(kinds)
        .map(|(f, k)| {
            let pb = match k {
                ProgressKind::Hidden => return None,
                ProgressKind::Bar(len) => ProgressBar::new(*len).with_style(bar_style.clone()),
                ProgressKind::Spinner => ProgressBar::new_spinner().with_style(spin_style.clone()),
            };
            let name = if f == "-" { "stdin" } else { f.as_str() };
            Some(multi.add(pb.with_prefix(name.to_string())))
        })
        .collect();
    loop {
        let finished = done.load(Ordering::Relaxed);
        for (pb, c) in bars.iter().zip(counters) {
            if let Some(pb) = pb {
                pb.set_position(c.load(Ordering::Relaxed));
                if pb.is_hidden() {
                    continue;
                }
                pb.tick();
            }
        }
        if finished {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    for pb in bars.into_iter().flatten() {
        pb.finish_and_clear();
    }
    let _ = multi.clear();
}
