//! The command line, at the top of the crate: clap definitions ([`cli`]),
//! the dispatch below, and the subcommands that are only glue (`analyze`,
//! `explain`, `rules`, `config`, `completions`, `man`). Every arrow from here
//! points down: the analysis service ([`crate::analysis`]) and the front
//! ends (`regress`, `tui`, `live`, `probe`) know nothing of the CLI.

mod analyze;
pub mod batch;
pub mod cli;
mod commands;
mod streamed;

pub use cli::{command, VERSION};
use cli::{Cli, Command, ExplainFormat as Format};
use std::io::Write;

/// Entry point; returns the process exit code.
pub fn main() -> i32 {
    let cli = match <Cli as clap::Parser>::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return code;
        }
    };
    // The commands that read without end finish cleanly on SIGINT/SIGTERM;
    // the others keep the default action (Ctrl-C stops at once).
    let endless = match &cli.command {
        Command::Analyze(a) => a.files.iter().any(|f| f == "-"),
        Command::Live(_) | Command::Tui(_) => true,
        _ => false,
    };
    if endless {
        crate::interrupt::install();
    }
    let code = run(&cli);
    crate::interrupt::exit_code().unwrap_or(code)
}

fn run(cli: &Cli) -> i32 {
    let g = &cli.global;
    match &cli.command {
        Command::Analyze(a) => analyze::run(a, g),
        Command::Test(t) => match commands::load_config(g) {
            Ok(c) => crate::regress::main(t, &c.file.analysis_config(&[])),
            Err(code) => code,
        },
        Command::Rules { format } => commands::rules(*format, g),
        Command::Config { example } => commands::config(g, *example),
        Command::Completions { shell } => commands::completions(*shell),
        Command::Man => commands::man(),
        #[cfg(feature = "probe")]
        Command::Probe(a) => crate::probe::run(a),
        Command::Tui(t) => run_tui(t, g),
        Command::Live(l) => run_live(l, g),
        Command::Explain {
            code,
            extended,
            format,
        } => explain(code, extended.as_deref(), *format),
    }
}

fn run_tui(t: &cli::TuiArgs, g: &cli::GlobalArgs) -> i32 {
    match crate::tui::parse_speed(&t.speed) {
        Ok(speed) => match commands::analysis_setup(g, &t.ports, t.keylog.as_deref()) {
            Ok(cfg) => crate::tui::run_replay(&t.file, speed, &cfg),
            Err(code) => code,
        },
        Err(e) => {
            warn!("rdpdiag: {e}");
            2
        }
    }
}

fn run_live(l: &cli::LiveArgs, g: &cli::GlobalArgs) -> i32 {
    if l.list_interfaces {
        return list_interfaces();
    }
    let cfg = match commands::analysis_setup(g, &l.ports, l.keylog.as_deref()) {
        Ok(c) => c,
        Err(code) => return code,
    };
    crate::live::run(
        &crate::live::LiveOptions {
            interface: l.interface.clone(),
            filter: l.filter.clone(),
            write: l.write.clone(),
            no_tui: l.no_tui,
            jsonl: l.format == cli::LineFormat::Jsonl,
            keylog: l.keylog.clone().or_else(|| {
                std::env::var("SSLKEYLOGFILE")
                    .ok()
                    .filter(|s| !s.is_empty())
            }),
        },
        &cfg,
    )
}

/// `rdpdiag live -D`: returns the exit code.
#[cfg(feature = "live")]
fn list_interfaces() -> i32 {
    match crate::live_devices::list() {
        Ok(l) if l.is_empty() => {
            warn!(
                "rdpdiag: no capture interface found. {}",
                crate::live::NEEDS
            );
            2
        }
        Ok(l) => {
            let _ = write!(
                std::io::stdout(),
                "{}",
                crate::live_devices::format_list(&l)
            );
            0
        }
        Err(e) => {
            warn!("rdpdiag: {e}");
            2
        }
    }
}

/// Without the `live` feature: the same message as `rdpdiag live`.
#[cfg(not(feature = "live"))]
fn list_interfaces() -> i32 {
    crate::live::run(&Default::default(), &Default::default())
}

fn explain(code: &str, extended: Option<&str>, format: Format) -> i32 {
    if code.trim().eq_ignore_ascii_case("event") {
        return explain_event(extended.unwrap_or(""), format);
    }
    let e = crate::rules::explain_with_rules(code, extended);
    match format {
        Format::Json => match serde_json::to_string_pretty(&e) {
            Ok(s) => {
                let _ = writeln!(std::io::stdout(), "{s}");
            }
            Err(err) => {
                warn!("rdpdiag: internal error serializing JSON: {err}");
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
    // Like grep: "nothing known" is told apart from an answer by the exit code.
    i32::from(e.matches.is_empty())
}

/// `rdpdiag explain event ID`: a Windows event ID the fixes send people to.
/// Kept apart from the code tables, so a bare number is never read as one.
fn explain_event(id: &str, format: Format) -> i32 {
    let Some(ev) = crate::codes::events::explain_event(id) else {
        warn!(
            "rdpdiag: no Windows event {id:?} in rdpdiag's list (Schannel, RdpCoreTS, RemoteConnectionManager, LocalSessionManager, RDPClient, Security logon events)"
        );
        return 1;
    };
    let text = match format {
        Format::Json => match serde_json::to_string_pretty(ev) {
            Ok(s) => s + "\n",
            Err(err) => {
                warn!("rdpdiag: internal error serializing JSON: {err}");
                return 2;
            }
        },
        Format::Text => format!("{ev}"),
    };
    let _ = write!(std::io::stdout(), "{text}");
    0
}
