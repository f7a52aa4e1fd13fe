//! Command line (clap). Each subcommand's `--help` teaches by example.

use clap::{Parser, Subcommand, ValueEnum};

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
Exit codes (analyze): 0 no failed attempt and no finding at or above --fail-on, 1 there is one,
2 usage or input error, 3 no RDP traffic in any input. `explain`: 0 known, 1 no known code.";

const ANALYZE_EXAMPLES: &str = "\
Examples:
  rdpdiag analyze client.pcapng                 analyze a Wireshark/pktmon/tcpdump capture
  rdpdiag analyze capture.pcap.gz               gzip'd captures are read transparently
  tcpdump -w - port 3389 | rdpdiag analyze -    read from stdin
  rdpdiag analyze --port 3390 odd-port.pcap     RDP on a non-standard port
  rdpdiag analyze --format json cap.pcapng      stable JSON for scripts (schema in docs/json.md)
  rdpdiag analyze --format html cap.pcapng      one self-contained web page (redirect it to a .html file)
  rdpdiag analyze --format jsonl *.pcap         one JSON line per attempt, Zeek-style fields, for a SIEM
  rdpdiag analyze --keylog keys.txt cap.pcap    decrypt TLS with the client's key log (see docs/capturing.md)
  rdpdiag analyze --redact cap.pcapng           names and addresses replaced, to paste into a ticket

Exit codes:
  0  no attempt failed and no finding is at or above --fail-on
  1  an attempt failed, or a finding is at or above --fail-on (info < warning < error)
  2  usage error, or an input could not be read (it is listed in the JSON with its error)
  3  no RDP traffic in any input (nothing on the RDP ports, or only link types rdpdiag cannot decode)";

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
        after_help = "Examples:\n  rdpdiag explain 0x904 0x7\n  rdpdiag explain 516\n  rdpdiag explain STATUS_LOGON_FAILURE\n  rdpdiag explain handshake_failure\n  rdpdiag explain \"... error code: 0x904. Extended error code: 0x7.\"   (the mstsc dialog text)\n\nExit codes: 0 the code is known, 1 no table knows it, 2 usage error."
    )]
    Explain {
        /// The code: hex (0x904), decimal (2308) or a name (ERRINFO_SERVER_DENIED_CONNECTION).
        code: String,
        /// The extended disconnect reason, when mstsc showed one.
        extended: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = ExplainFormat::Text)]
        format: ExplainFormat,
    },
    /// Run a folder of captures against their .expect.toml sidecars (regression test).
    #[command(after_help = super::commands::TEST_EXAMPLES)]
    Test(crate::regress::TestArgs),
    /// List the diagnosis rules: id, stage, severity, title.
    #[command(after_help = super::commands::RULES_EXAMPLES)]
    Rules {
        /// Output format.
        #[arg(long, value_enum, default_value_t = RulesFormat::Text)]
        format: RulesFormat,
    },
    /// Show the configuration in effect and where it is read from.
    #[command(after_help = super::commands::CONFIG_EXAMPLES)]
    Config {
        /// Print a commented example file with every key and its default.
        #[arg(long)]
        example: bool,
    },
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    #[command(after_help = super::commands::COMPLETIONS_EXAMPLES)]
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff) generated from this help.
    #[command(after_help = super::commands::MAN_EXAMPLES)]
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
    /// Capture live (libpcap; Npcap on Windows) and watch RDP attempts as they happen.
    #[command(
        after_help = "Examples:\n  rdpdiag live -D                        list the interfaces (names, descriptions, addresses)\n  sudo rdpdiag live                      default interface, RDP ports + DNS\n  sudo rdpdiag live -i eth0 --write rdp.pcapng\n  sudo rdpdiag live -i lo --no-tui       one text line per attempt, once final\n  sudo rdpdiag live --no-tui --format jsonl   one JSON line per attempt (for Vector, Fluent Bit)\n\nNeeds the `live` build feature (libpcap) and CAP_NET_RAW/root; on Windows, Npcap\n(https://npcap.com) and, if Npcap is restricted to administrators, an elevated prompt."
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
    /// Interface to capture on: a name from `-D`, or an interface's exact
    /// description (default: the first one up, not loopback, with an address).
    #[arg(short = 'i', long = "interface", value_name = "IFACE")]
    pub interface: Option<String>,
    /// List the capture interfaces (names, descriptions, addresses, flags) and exit.
    #[arg(short = 'D', long = "list-interfaces")]
    pub list_interfaces: bool,
    /// BPF capture filter (default: the RDP TCP/UDP ports plus DNS).
    #[arg(long, value_name = "BPF")]
    pub filter: Option<String>,
    /// Also save the captured packets as pcapng.
    #[arg(long, value_name = "FILE.pcapng")]
    pub write: Option<String>,
    /// Print one line per attempt once it is final (seconds after its last
    /// packet) instead of the interactive view.
    #[arg(long)]
    pub no_tui: bool,
    /// The lines of `--no-tui` (or of a non-terminal stdout): `text`, or `jsonl`
    /// (one JSON object per attempt, as `analyze --format jsonl`).
    #[arg(long, value_enum, default_value_t = LineFormat::Text)]
    pub format: LineFormat,
    /// Also treat this TCP/UDP port as RDP (repeatable).
    #[arg(long = "port", value_name = "N")]
    pub ports: Vec<u16>,
    /// TLS key log (NSS format) to decrypt with; default: $SSLKEYLOGFILE.
    #[arg(long, value_name = "FILE")]
    pub keylog: Option<String>,
}

/// `explain`'s formats (HTML is a report of an analysis, not of a code).
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExplainFormat {
    Text,
    Json,
}

/// `analyze`'s formats.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
    /// One self-contained HTML page (inline CSS and SVG ladder diagrams).
    Html,
    /// One flat JSON object per attempt and line, Zeek-style fields (docs/json.md).
    Jsonl,
}

/// `live --no-tui`'s line formats.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LineFormat {
    /// One text line per attempt, once it is final.
    #[default]
    Text,
    /// One JSON object per attempt (as `analyze --format jsonl`), once it is final.
    Jsonl,
}

#[derive(clap::Args, Debug)]
pub struct AnalyzeArgs {
    /// Capture files (pcap, pcapng, optionally .gz); `-` reads stdin.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// With `--format json`: the document on one line, without indentation.
    #[arg(long)]
    pub compact: bool,
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
    /// Exit with 1 when a finding at or above this severity exists (a failed
    /// attempt exits with 1 at every threshold).
    #[arg(long, value_name = "SEVERITY", default_value = "error", value_parser = ["info", "warning", "error"])]
    pub fail_on: String,
    /// Colour: auto (when stdout is a terminal), always or never.
    #[arg(long, value_name = "WHEN", default_value = "auto", value_parser = ["auto", "always", "never"])]
    pub color: String,
    /// Replace user, host and domain names, IP addresses, certificate subjects
    /// and the capture's file name with stable placeholders (USER-1, HOST-1, IP-1, FILE-1 ...),
    /// to paste the report into a ticket.
    #[arg(long)]
    pub redact: bool,
}

/// The clap command tree (for completions, the man page and tests).
pub fn command() -> clap::Command {
    <Cli as clap::CommandFactory>::command()
}
