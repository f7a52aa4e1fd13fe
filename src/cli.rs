//! Command line (clap). Each subcommand's `--help` teaches by example.

use crate::engine::{Engine, EngineConfig};
use crate::report::{self, FileReport};
use clap::{Parser, Subcommand, ValueEnum};
use std::io::Write;

const ABOUT: &str = "Tells exactly why a Remote Desktop (RDP) connection failed, from packets.";

const ANALYZE_EXAMPLES: &str = "\
Examples:
  rdpdiag analyze client.pcapng                 analyze a Wireshark/pktmon/tcpdump capture
  rdpdiag analyze capture.pcap.gz               gzip'd captures are read transparently
  tcpdump -w - port 3389 | rdpdiag analyze -    read from stdin
  rdpdiag analyze --port 3390 odd-port.pcap     RDP on a non-standard port
  rdpdiag analyze --format json cap.pcapng      stable JSON for scripts (schema in docs/json.md)

Exit codes: 0 no finding at or above --fail-on, 1 there is one, 2 usage or input error.";

#[derive(Parser, Debug)]
#[command(name = "rdpdiag", version, about = ABOUT, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Analyze capture files and say why each RDP connection attempt failed or succeeded.
    #[command(after_help = ANALYZE_EXAMPLES)]
    Analyze(AnalyzeArgs),
    /// Explain an mstsc disconnect code (and extended code), ERRINFO, NTSTATUS,
    /// FreeRDP error, negotiation failure or TLS alert.
    #[command(
        after_help = "Examples:\n  rdpdiag explain 0x904 0x7\n  rdpdiag explain 516\n  rdpdiag explain STATUS_LOGON_FAILURE\n  rdpdiag explain handshake_failure"
    )]
    Explain {
        /// The code: hex (0x904), decimal (2308) or a name (ERRINFO_SERVER_DENIED_CONNECTION).
        code: String,
        /// The extended disconnect reason, when mstsc showed one.
        extended: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
}

#[derive(clap::Args, Debug)]
pub struct AnalyzeArgs {
    /// Capture files (pcap, pcapng, optionally .gz); `-` reads stdin.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Also treat this TCP/UDP port as RDP (repeatable; 3389 is always included).
    #[arg(long = "port", value_name = "N")]
    pub ports: Vec<u16>,
    /// List every finding and the packet ladder, not only the root cause.
    #[arg(short, long)]
    pub verbose: bool,
    /// Exit with 1 when a finding at or above this severity exists.
    #[arg(long, value_name = "SEVERITY", default_value = "error", value_parser = ["info", "warning", "error"])]
    pub fail_on: String,
    /// Colour: auto (when stdout is a terminal), always or never.
    #[arg(long, value_name = "WHEN", default_value = "auto", value_parser = ["auto", "always", "never"])]
    pub color: String,
}

/// Analyze one input into a report.
pub fn analyze_file(
    path: &str,
    cfg: &AnalysisConfig,
) -> Result<FileReport, crate::capture::InputError> {
    analyze_file_counted(path, cfg, None)
}

/// [`analyze_file`], adding the bytes read to `count` (progress; see `batch`).
pub fn analyze_file_counted(
    path: &str,
    cfg: &AnalysisConfig,
    count: Option<std::sync::Arc<std::sync::atomic::AtomicU64>>,
) -> Result<FileReport, crate::capture::InputError> {
    let mut engine = Engine::new(cfg.engine.clone());
    let capture = engine.read_path_counted(path, count)?;
    let stats = engine.finish();
    let mut warnings = std::mem::take(&mut engine.warnings);
    if engine.warnings_dropped > 0 {
        warnings.push(crate::capture::Warning {
            frame: None,
            message: format!("{} more warnings not shown", engine.warnings_dropped),
        });
    }
    if stats.ip_fragments > 0 {
        warnings.push(crate::capture::Warning {
            frame: None,
            message: format!(
                "{} IP fragment(s) were counted but not reassembled",
                stats.ip_fragments
            ),
        });
    }
    let connections = std::mem::take(&mut engine.sessions.connections);
    let udp_flows = std::mem::take(&mut engine.sessions.udp);
    let attempts = crate::attempt::diagnose(&connections, &udp_flows, &cfg.diag);
    Ok(FileReport {
        file: path.to_string(),
        capture,
        warnings,
        attempts,
        stats,
        connections,
        udp_flows,
    })
}

/// Everything one analysis needs.
#[derive(Debug, Clone, Default)]
pub struct AnalysisConfig {
    pub engine: EngineConfig,
    pub diag: crate::attempt::DiagConfig,
}

/// The configuration for extra RDP ports.
pub fn analysis_config(ports: &[u16]) -> AnalysisConfig {
    let mut cfg = AnalysisConfig::default();
    for p in ports {
        if !cfg.engine.flow.rdp_ports.contains(p) {
            cfg.engine.flow.rdp_ports.push(*p);
        }
        if !cfg.engine.flow.udp_ports.contains(p) {
            cfg.engine.flow.udp_ports.push(*p);
        }
    }
    cfg
}

fn run_analyze(a: &AnalyzeArgs) -> i32 {
    let cfg = analysis_config(&a.ports);
    let mut reports = Vec::new();
    let mut input_error = false;
    for r in crate::batch::analyze_files(&a.files, &cfg) {
        match r {
            Ok(r) => reports.push(r),
            Err(e) => {
                eprintln!("rdpdiag: {e}");
                input_error = true;
            }
        }
    }
    let stdout = std::io::stdout();
    let color = match a.color.as_str() {
        "always" => true,
        "never" => false,
        _ => std::io::IsTerminal::is_terminal(&stdout) && std::env::var_os("NO_COLOR").is_none(),
    };
    let mut out = stdout.lock();
    match a.format {
        Format::Json => {
            let doc = report::Document::new(&reports);
            match serde_json::to_string_pretty(&doc) {
                Ok(s) => {
                    let _ = writeln!(out, "{s}");
                }
                Err(e) => {
                    eprintln!("rdpdiag: internal error serializing JSON: {e}");
                    return 2;
                }
            }
        }
        Format::Text => {
            for r in &reports {
                let _ = write!(out, "{}", report::text::render(r, a.verbose, color));
            }
        }
    }
    if input_error {
        return 2;
    }
    let threshold =
        crate::rules::Severity::from_name(&a.fail_on).unwrap_or(crate::rules::Severity::Error);
    let failing = reports.iter().flat_map(|r| r.attempts.iter()).any(|at| {
        at.findings.iter().any(|f| f.severity >= threshold)
            || (threshold == crate::rules::Severity::Error
                && at.outcome == crate::attempt::Outcome::Failure)
    });
    i32::from(failing)
}

/// Entry point; returns the process exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return code;
        }
    };
    match &cli.command {
        Command::Analyze(a) => run_analyze(a),
        Command::Explain {
            code,
            extended,
            format,
        } => {
            let e = crate::codes::explain(code, extended.as_deref());
            match format {
                Format::Json => match serde_json::to_string_pretty(&e) {
                    Ok(s) => {
                        let _ = writeln!(std::io::stdout(), "{s}");
                    }
                    Err(err) => {
                        eprintln!("rdpdiag: internal error serializing JSON: {err}");
                        return 2;
                    }
                },
                Format::Text => {
                    let _ = write!(std::io::stdout(), "{e}");
                }
            }
            0
        }
    }
}
