//! The small subcommands: `rules`, `config`, `completions`, `man`, and the
//! helpers the CLI shares (configuration loading, output errors). `cli.rs`
//! holds only the clap definitions and the dispatch.

use super::cli::{GlobalArgs, RulesFormat};
use crate::analysis::AnalysisConfig;
use std::io::Write;

pub const TEST_EXAMPLES: &str = "\
Examples:
  rdpdiag test captures/                        every capture NAME.pcap[ng] with NAME.expect.toml beside it
  rdpdiag test captures/ --junit rdpdiag.xml    also write JUnit XML for CI
  rdpdiag test --bless captures/new.pcapng      write new.expect.toml from today's verdict (review it!)

Sidecar format (captures/README.md):
  keylog = \"x.keys.txt\"   # optional; port = 3390 or [3390, 443] optional
  [[attempt]]               # one per expected attempt, in capture order
  outcome = \"failure\"     # success | failure | incomplete
  stage = \"tls\"           # optional: the failed stage
  rule = \"tls.fatal_alert\" # optional: the root cause's rule id (see `rdpdiag rules`)

Exit codes: 0 every verdict matches, 1 a verdict differs, 2 input error (missing or bad sidecar or capture).";

pub const RULES_EXAMPLES: &str = "\
Examples:
  rdpdiag rules                                 id, stage, severity and title of every rule
                                                (with the configuration file's overrides marked)
  rdpdiag rules --format json                   the same with explanations, fixes and mstsc codes
  rdpdiag rules --format markdown > docs/rules.md   regenerate the rule catalogue";

pub const CONFIG_EXAMPLES: &str = "\
Examples:
  rdpdiag config                                which file is read, and the settings in effect
  rdpdiag config --example > config.toml        a commented file with every key and its default
  rdpdiag --config ./strict.toml analyze c.pcapng";

pub const COMPLETIONS_EXAMPLES: &str = "\
Examples:
  rdpdiag completions bash > /etc/bash_completion.d/rdpdiag
  rdpdiag completions zsh > \"${fpath[1]}/_rdpdiag\"
  rdpdiag completions fish > ~/.config/fish/completions/rdpdiag.fish
  rdpdiag completions powershell >> $PROFILE";

pub const MAN_EXAMPLES: &str = "\
Examples:
  rdpdiag man > rdpdiag.1 && man ./rdpdiag.1
  rdpdiag man > /usr/local/share/man/man1/rdpdiag.1";

/// Load the configuration file; on error print it and return exit code 2.
pub(crate) fn load_config(g: &GlobalArgs) -> Result<crate::config::Loaded, i32> {
    crate::config::load(g.config.as_deref(), g.no_config).map_err(|e| {
        warn!("rdpdiag: error: {e}");
        2
    })
}

/// The analysis configuration of a command: the configuration file, extra
/// ports and the key log (`--keylog`, else `SSLKEYLOGFILE`). Problems are
/// printed; the error is the exit code.
pub(crate) fn analysis_setup(
    g: &GlobalArgs,
    ports: &[u16],
    keylog: Option<&str>,
) -> Result<AnalysisConfig, i32> {
    let mut cfg = load_config(g)?.file.analysis_config(ports);
    match crate::analysis::apply_keylog(&mut cfg, keylog) {
        Ok(warnings) => {
            for w in warnings {
                warn!("rdpdiag: warning: {w}");
            }
            Ok(cfg)
        }
        Err(e) => {
            warn!("rdpdiag: {e}");
            Err(2)
        }
    }
}

pub(crate) fn print_or_fail(s: std::io::Result<()>) -> i32 {
    match s {
        Ok(()) => 0,
        // A closed pipe (`| head`) is not an error worth a message.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => 0,
        Err(e) => {
            warn!("rdpdiag: error: cannot write the output: {e}.");
            2
        }
    }
}

pub fn rules(format: RulesFormat, g: &GlobalArgs) -> i32 {
    use crate::rules::catalog;
    let text = match format {
        RulesFormat::Text => match load_config(g) {
            Ok(c) => catalog::text_with(&c.file.analysis_config(&[]).diag),
            Err(code) => return code,
        },
        RulesFormat::Markdown => catalog::markdown(),
        RulesFormat::Json => match serde_json::to_string_pretty(&catalog::json_doc()) {
            Ok(s) => s + "\n",
            Err(e) => {
                warn!("rdpdiag: internal error serializing JSON: {e}");
                return 2;
            }
        },
    };
    print_or_fail(std::io::stdout().write_all(text.as_bytes()))
}

pub fn config(g: &GlobalArgs, example: bool) -> i32 {
    if example {
        return print_or_fail(std::io::stdout().write_all(crate::config::example().as_bytes()));
    }
    let loaded = match load_config(g) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let mut o = String::new();
    match (&loaded.path, crate::config::default_path()) {
        (Some(p), _) => o.push_str(&format!("# read from {}\n", p.display())),
        (None, Some(d)) if !g.no_config => o.push_str(&format!(
            "# no configuration file: built-in defaults (the default location is {})\n",
            d.display()
        )),
        _ => o.push_str("# no configuration file: built-in defaults\n"),
    }
    let cfg = loaded.file.analysis_config(&[]);
    let d = &cfg.diag;
    o.push_str(&format!(
        "ports = {:?}\n\n[thresholds]\nretrans_storm_count = {}\nretrans_storm_ratio = {}\nexpiring_soon_days = {}\nstall_seconds = {:.1}\nattempt_window_seconds = {:.1}\n\n[rules]\ndisabled = {:?}\n\n[rules.severity]\n",
        cfg.engine.flow.rdp_ports,
        d.retrans_storm_count,
        d.retrans_storm_ratio,
        d.expiring_soon_days,
        d.stall_s,
        d.group_window_s,
        d.disabled,
    ));
    for (id, sev) in &d.severity {
        o.push_str(&format!("\"{id}\" = \"{}\"\n", sev.name()));
    }
    o.push_str(&format!(
        "\n[limits]\nmax_open_flows = {}\nscan_fold_after = {}\n",
        cfg.engine.flow.max_open_flows, cfg.engine.session.scan_fold_after
    ));
    print_or_fail(std::io::stdout().write_all(o.as_bytes()))
}

pub fn completions(shell: clap_complete::Shell) -> i32 {
    let mut cmd = super::cli::command();
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut cmd, "rdpdiag", &mut buf);
    print_or_fail(std::io::stdout().write_all(&buf))
}

/// `after_help` text as a roff section that keeps its lines (no refilling).
fn roff_verbatim(title: &str, text: &str) -> String {
    let mut o = format!(".SH \"{title}\"\n.nf\n");
    for line in text.lines() {
        let l = line.replace('\\', "\\e").replace('-', "\\-");
        if l.starts_with('.') || l.starts_with('\'') {
            o.push_str("\\&");
        }
        o.push_str(&l);
        o.push('\n');
    }
    o.push_str(".fi\n");
    o
}

pub fn man() -> i32 {
    let mut buf: Vec<u8> = Vec::new();
    let cmd = super::cli::command();
    let man = clap_mangen::Man::new(cmd.clone());
    let mut parts = || -> std::io::Result<()> {
        man.render_title(&mut buf)?;
        man.render_name_section(&mut buf)?;
        man.render_synopsis_section(&mut buf)?;
        man.render_description_section(&mut buf)?;
        man.render_options_section(&mut buf)?;
        man.render_subcommands_section(&mut buf)?;
        if let Some(h) = cmd.get_after_help() {
            buf.extend_from_slice(roff_verbatim("EXAMPLES", &h.to_string()).as_bytes());
        }
        // One section per subcommand, so `man rdpdiag` shows every option and example.
        for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
            let name = sub.get_name().to_string();
            let sub = sub.clone().bin_name(format!("rdpdiag {name}"));
            buf.extend_from_slice(format!(".SH \"RDPDIAG {}\"\n", name.to_uppercase()).as_bytes());
            let m = clap_mangen::Man::new(sub.clone());
            m.render_description_section(&mut buf)?;
            m.render_synopsis_section(&mut buf)?;
            m.render_options_section(&mut buf)?;
            if let Some(h) = sub.get_after_help() {
                let title = format!("RDPDIAG {} EXAMPLES", name.to_uppercase());
                buf.extend_from_slice(roff_verbatim(&title, &h.to_string()).as_bytes());
            }
        }
        man.render_version_section(&mut buf)?;
        Ok(())
    };
    if let Err(e) = parts() {
        warn!("rdpdiag: internal error rendering the man page: {e}");
        return 2;
    }
    print_or_fail(std::io::stdout().write_all(&buf))
}
