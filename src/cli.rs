//! Command line (clap). Each subcommand's `--help` teaches by example.

use crate::engine::{Engine, EngineConfig};
use crate::report::{self, FileReport};
use clap::{Parser, Subcommand, ValueEnum};
use std::io::Write;

const ABOUT: &str = "Tells exactly why a Remote Desktop (RDP) connection failed, from packets.";

/// `--version`: the version and the optional features built in.
pub const VERSION: &str = match (cfg!(feature = "live"), cfg!(feature = "probe")) {
    (true, true) => concat!(env!("CARGO_PKG_VERSION"), " (features: live, probe)"),
    (true, false) => concat!(
        env!("CARGO_PKG_VERSION"),
        " (features: live; not built: probe)"
    ),
    (false, true) => concat!(
        env!("CARGO_PKG_VERSION"),
        " (features: probe; not built: live)"
    ),
    (false, false) => concat!(
        env!("CARGO_PKG_VERSION"),
        " (features: none; not built: live, probe)"
    ),
};

const MAIN_EXAMPLES: &str = "\
Examples:
  rdpdiag analyze client.pcapng                 why did the RDP connections in this capture fail?
  rdpdiag analyze --keylog keys.txt c.pcapng    also read inside TLS with an SSLKEYLOGFILE key log
  rdpdiag tui client.pcapng                     browse attempts, findings and packets interactively
  rdpdiag live -i eth0                          watch RDP connections live (feature `live`)
  rdpdiag probe rdp.example.com                 connect to a server and report what it offers
  rdpdiag explain 0x904 0x7                     what the mstsc error code means
  rdpdiag test captures/ --junit report.xml     regression-test a folder of captures with sidecars
  rdpdiag rules                                 the rule catalogue (ids, stages, severities)

Configuration: --config FILE, else the default file (`rdpdiag config` shows where).
Exit codes: 0 nothing at or above --fail-on, 1 there is, 2 usage or input error.";

const ANALYZE_EXAMPLES: &str = "\
Examples:
  rdpdiag analyze client.pcapng                 analyze a Wireshark/pktmon/tcpdump capture
  rdpdiag analyze capture.pcap.gz               gzip'd captures are read transparently
  tcpdump -w - port 3389 | rdpdiag analyze -    read from stdin
  rdpdiag analyze --port 3390 odd-port.pcap     RDP on a non-standard port
  rdpdiag analyze --format json cap.pcapng      stable JSON for scripts (schema in docs/json.md)
  rdpdiag analyze --keylog keys.txt cap.pcap    decrypt TLS with the client's key log (see docs/capturing.md)
  rdpdiag analyze --redact cap.pcapng           names and addresses replaced, to paste into a ticket

Exit codes: 0 no finding at or above --fail-on, 1 there is one, 2 usage or input error.";

#[derive(Parser, Debug)]
#[command(name = "rdpdiag", version = VERSION, about = ABOUT, long_about = None, after_help = MAIN_EXAMPLES)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every subcommand takes.
#[derive(clap::Args, Debug, Default)]
pub struct GlobalArgs {
    /// Read settings (ports, thresholds, rule severities, disabled rules) from FILE
    /// instead of the default location.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<std::path::PathBuf>,
    /// Ignore every configuration file: built-in defaults only.
    #[arg(long, global = true, conflicts_with = "config")]
    pub no_config: bool,
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
    /// Run a folder of captures against their .expect.toml sidecars (regression test).
    #[command(after_help = crate::commands::TEST_EXAMPLES)]
    Test(crate::regress::TestArgs),
    /// List the diagnosis rules: id, stage, severity, title.
    #[command(after_help = crate::commands::RULES_EXAMPLES)]
    Rules {
        /// Output format.
        #[arg(long, value_enum, default_value_t = RulesFormat::Text)]
        format: RulesFormat,
    },
    /// Show the configuration in effect and where it is read from.
    #[command(after_help = crate::commands::CONFIG_EXAMPLES)]
    Config {
        /// Print a commented example file with every key and its default.
        #[arg(long)]
        example: bool,
    },
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    #[command(after_help = crate::commands::COMPLETIONS_EXAMPLES)]
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff) generated from this help.
    #[command(after_help = crate::commands::MAN_EXAMPLES)]
    Man,
    /// Ask a server what it accepts: reachability, security layers, TLS,
    /// certificate, NLA information and RDP-UDP (never sends credentials).
    #[cfg(feature = "probe")]
    Probe(crate::probe::ProbeArgs),
    /// Replay a capture through the interactive view: attempts, ladder, findings, packets.
    #[command(
        after_help = "Examples:\n  rdpdiag tui client.pcapng              as fast as possible\n  rdpdiag tui --speed 1x client.pcapng   in real time\n  rdpdiag tui cap.pcap | cat             one text line per attempt (stdout not a terminal)"
    )]
    Tui(TuiArgs),
    /// Capture live (libpcap) and watch RDP attempts as they happen.
    #[command(
        after_help = "Examples:\n  sudo rdpdiag live                      default interface, RDP ports + DNS\n  sudo rdpdiag live -i eth0 --write rdp.pcapng\n  sudo rdpdiag live -i lo --no-tui       one text line per finished attempt\n\nNeeds the `live` build feature (libpcap) and CAP_NET_RAW/root (Npcap on Windows)."
    )]
    Live(LiveArgs),
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum RulesFormat {
    Text,
    Json,
    Markdown,
}

#[derive(clap::Args, Debug)]
pub struct TuiArgs {
    /// Capture file (pcap, pcapng, optionally .gz).
    #[arg(value_name = "FILE")]
    pub file: String,
    /// Replay speed: `max` (as fast as possible) or a factor like `1x` (real time).
    #[arg(long, default_value = "max")]
    pub speed: String,
    /// Also treat this TCP/UDP port as RDP (repeatable).
    #[arg(long = "port", value_name = "N")]
    pub ports: Vec<u16>,
    /// TLS key log (NSS format) to decrypt with; default: $SSLKEYLOGFILE.
    #[arg(long, value_name = "FILE")]
    pub keylog: Option<String>,
}

#[derive(clap::Args, Debug)]
pub struct LiveArgs {
    /// Interface to capture on (default: the first one libpcap finds).
    #[arg(short = 'i', long = "interface", value_name = "IFACE")]
    pub interface: Option<String>,
    /// BPF capture filter (default: the RDP TCP/UDP ports plus DNS).
    #[arg(long, value_name = "BPF")]
    pub filter: Option<String>,
    /// Also save the captured packets as pcapng.
    #[arg(long, value_name = "FILE.pcapng")]
    pub write: Option<String>,
    /// Print one text line per finished attempt instead of the interactive view.
    #[arg(long)]
    pub no_tui: bool,
    /// Also treat this TCP/UDP port as RDP (repeatable).
    #[arg(long = "port", value_name = "N")]
    pub ports: Vec<u16>,
    /// TLS key log (NSS format) to decrypt with; default: $SSLKEYLOGFILE.
    #[arg(long, value_name = "FILE")]
    pub keylog: Option<String>,
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
    /// TLS key log (NSS format, as written by SSLKEYLOGFILE or FreeRDP
    /// /tls:secrets-file) to decrypt the sessions. Default: $SSLKEYLOGFILE.
    /// Keys embedded in a pcapng (Decryption Secrets Block) are always used.
    #[arg(long, value_name = "FILE")]
    pub keylog: Option<String>,
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
    /// Replace user, host and domain names, IP addresses and certificate subjects
    /// with stable placeholders (USER-1, HOST-1, IP-1 ...), to paste the report into a ticket.
    #[arg(long)]
    pub redact: bool,
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
    let mut engine = Engine::new(cfg.engine_config());
    let capture = engine.read_path_counted(path, count)?;
    Ok(report_from(path, engine, capture, cfg))
}

/// Analyze a capture held in memory (or any reader); `name` labels the report.
pub fn analyze_reader(
    name: &str,
    raw: Box<dyn std::io::Read + Send>,
    cfg: &AnalysisConfig,
) -> Result<FileReport, crate::capture::InputError> {
    let mut engine = Engine::new(cfg.engine_config());
    let capture = engine.read_from(name, raw)?;
    Ok(report_from(name, engine, capture, cfg))
}

fn report_from(
    path: &str,
    mut engine: Engine,
    capture: crate::capture::ReadSummary,
    cfg: &AnalysisConfig,
) -> FileReport {
    let stats = engine.finish();
    let mut warnings = std::mem::take(&mut engine.warnings);
    if engine.warnings_dropped > 0 {
        warnings.push(crate::capture::Warning {
            frame: None,
            message: format!(
                "{} more warnings were not shown (only the first ones are listed); the analysis used every frame",
                engine.warnings_dropped
            ),
        });
    }
    if stats.ip_fragments > 0 {
        warnings.push(crate::capture::Warning {
            frame: None,
            message: format!(
                "{} IP fragment(s) were counted but not reassembled, so findings that depend on them may be missing; check the MTU of the path (VPN, tunnels) if RDP packets are fragmented",
                stats.ip_fragments
            ),
        });
    }
    let connections = std::mem::take(&mut engine.sessions.connections);
    let udp_flows = std::mem::take(&mut engine.sessions.udp);
    let attempts = crate::attempt::diagnose(&connections, &udp_flows, &cfg.diag);
    FileReport {
        file: path.to_string(),
        capture,
        warnings,
        attempts,
        stats,
        connections,
        udp_flows,
    }
}

/// Everything one analysis needs.
#[derive(Debug, Clone, Default)]
pub struct AnalysisConfig {
    pub engine: EngineConfig,
    pub diag: crate::attempt::DiagConfig,
    /// TLS secrets for decryption (see [`load_keylog`]); DSB keys in the
    /// capture are merged with these.
    pub keylog: Option<std::sync::Arc<crate::decrypt::KeyLog>>,
}

impl AnalysisConfig {
    /// The engine settings with the key log in place (what every front end
    /// that builds its own `Engine` should use).
    pub fn engine_config(&self) -> EngineConfig {
        let mut e = self.engine.clone();
        if self.keylog.is_some() {
            e.session.keylog = self.keylog.clone();
        }
        e
    }
}

/// Read a TLS key log file for [`AnalysisConfig::keylog`]. Malformed lines are
/// skipped (their count is returned, never their content: they may hold secrets).
pub fn load_keylog(
    path: &str,
) -> Result<(std::sync::Arc<crate::decrypt::KeyLog>, usize), crate::decrypt::KeyLogError> {
    let (k, warnings) = crate::decrypt::KeyLog::from_file(path)?;
    Ok((std::sync::Arc::new(k), warnings.len()))
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

/// Load the key log into `cfg`: `--keylog FILE` (`explicit`), else the
/// `SSLKEYLOGFILE` environment variable. An explicit file that cannot be read
/// is a usage error (exit code 2); an inherited variable naming a file that
/// does not exist (yet) is ignored.
pub fn apply_keylog(cfg: &mut AnalysisConfig, explicit: Option<&str>) -> Result<(), i32> {
    let env_keylog = std::env::var("SSLKEYLOGFILE")
        .ok()
        .filter(|s| !s.is_empty());
    if let Some(path) = explicit.or(env_keylog.as_deref()) {
        match load_keylog(path) {
            Ok((k, bad)) => {
                if k.is_empty() {
                    eprintln!("rdpdiag: warning: key log {path} holds no TLS secrets");
                } else if bad > 0 {
                    eprintln!("rdpdiag: warning: key log {path}: {bad} unreadable line(s) skipped");
                }
                cfg.keylog = Some(k);
            }
            // An explicit --keylog that cannot be read is a usage error; an
            // inherited SSLKEYLOGFILE that does not exist (yet) is not.
            Err(e) if explicit.is_some() => {
                eprintln!("rdpdiag: {e}");
                return Err(2);
            }
            Err(_) => {}
        }
    }
    Ok(())
}

fn run_analyze(a: &AnalyzeArgs, g: &GlobalArgs) -> i32 {
    let mut cfg = match crate::commands::load_config(g) {
        Ok(c) => c.file.analysis_config(&a.ports),
        Err(code) => return code,
    };
    if let Err(code) = apply_keylog(&mut cfg, a.keylog.as_deref()) {
        return code;
    }
    let mut reports = Vec::new();
    let mut input_error = false;
    for r in crate::batch::analyze_files(&a.files, &cfg) {
        match r {
            Ok(r) => reports.push(r),
            Err(e) => {
                eprintln!("rdpdiag: error: {e}");
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
    let redactor = a
        .redact
        .then(|| crate::redact::Redactor::from_reports(&reports));
    match a.format {
        Format::Json => {
            let doc = report::Document::new(&reports);
            // Redaction works on JSON values (whose keys come out sorted);
            // without it the struct is written directly, in field order.
            let json = match &redactor {
                Some(r) => serde_json::to_value(&doc).and_then(|mut v| {
                    r.json(&mut v);
                    serde_json::to_string_pretty(&v)
                }),
                None => serde_json::to_string_pretty(&doc),
            };
            match json {
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
                let text = report::text::render(r, a.verbose, color);
                let text = match &redactor {
                    Some(red) => red.text(&text),
                    None => text,
                };
                let _ = write!(out, "{text}");
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

/// The clap command tree (for completions, the man page and tests).
pub fn command() -> clap::Command {
    <Cli as clap::CommandFactory>::command()
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
        Command::Analyze(a) => run_analyze(a, &cli.global),
        Command::Test(t) => match crate::commands::load_config(&cli.global) {
            Ok(c) => crate::regress::main(t, &c.file.analysis_config(&[])),
            Err(code) => code,
        },
        Command::Rules { format } => crate::commands::rules(*format, &cli.global),
        Command::Config { example } => crate::commands::config(&cli.global, *example),
        Command::Completions { shell } => crate::commands::completions(*shell),
        Command::Man => crate::commands::man(),
        #[cfg(feature = "probe")]
        Command::Probe(a) => crate::probe::run(a),
        Command::Tui(t) => match crate::tui::parse_speed(&t.speed) {
            Ok(speed) => {
                let cfg = match crate::commands::load_config(&cli.global) {
                    Ok(c) => c.file.analysis_config(&t.ports),
                    Err(code) => return code,
                };
                let mut cfg = cfg;
                if let Err(code) = apply_keylog(&mut cfg, t.keylog.as_deref()) {
                    return code;
                }
                crate::tui::run_replay(&t.file, speed, &cfg)
            }
            Err(e) => {
                eprintln!("rdpdiag: {e}");
                2
            }
        },
        Command::Live(l) => {
            let cfg = match crate::commands::load_config(&cli.global) {
                Ok(c) => c.file.analysis_config(&l.ports),
                Err(code) => return code,
            };
            let mut cfg = cfg;
            if let Err(code) = apply_keylog(&mut cfg, l.keylog.as_deref()) {
                return code;
            }
            crate::live::run(
                &crate::live::LiveOptions {
                    interface: l.interface.clone(),
                    filter: l.filter.clone(),
                    write: l.write.clone(),
                    no_tui: l.no_tui,
                    keylog: l.keylog.clone().or_else(|| {
                        std::env::var("SSLKEYLOGFILE")
                            .ok()
                            .filter(|s| !s.is_empty())
                    }),
                },
                &cfg,
            )
        }
        Command::Explain {
            code,
            extended,
            format,
        } => {
            let e = crate::rules::explain_with_rules(code, extended.as_deref());
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
                    // The rules are listed here with their titles (the code
                    // tables' own rendering knows only their ids).
                    let mut plain = e.clone();
                    plain.related_rules.clear();
                    let mut text = plain.to_string();
                    text.push_str(&crate::rules::catalog::related_text(&e.related_rules));
                    let _ = write!(std::io::stdout(), "{text}");
                }
            }
            0
        }
    }
}
