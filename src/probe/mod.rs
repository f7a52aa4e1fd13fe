//! `rdpdiag probe HOST[:PORT]`: ask a server what it accepts, the active
//! complement of capture analysis.
//!
//! Reachability (every DNS address, TCP connect time, refused vs. timed out),
//! one X.224 negotiation per requestedProtocols set, TLS versions / suite /
//! certificate chain (rustls with the ring provider, plus a hand-built
//! ClientHello for TLS 1.0/1.1), NLA information from an NTLM CHALLENGE (no
//! credentials are ever sent) and an RDP-UDP SYN. Findings come from the same
//! rule registry as `analyze`. All traffic is recorded so `--write` saves it
//! as a pcapng (with the TLS secrets) that `analyze` reads like any capture.

mod findings;
mod negotiation;
pub mod nla;
mod reach;
pub mod record;
pub mod report;
mod text;
pub mod tls;
mod tls_step;
mod udp;

pub use negotiation::{connection_request, negotiation_row, SETS};
pub use report::*;
pub use text::render_text;
pub use tls_step::hello_row;
pub use udp::rdpudp_syn;

use crate::verdict::Severity;
use negotiation::Prober;
use record::Recorder;
use std::io::Write;
use std::time::Duration;

const PROBE_EXAMPLES: &str = "\
Examples:
  rdpdiag probe rdp.example.com                 probe tcp/3389 (and udp/3389)
  rdpdiag probe 10.0.0.5:3390 --timeout 2       another port, shorter timeouts
  rdpdiag probe [fd00::5]:3389 --format json    IPv6, JSON for scripts
  rdpdiag probe host --write probe.pcapng       keep the probe's own traffic (with TLS keys)
  rdpdiag probe host --redact                   names and addresses replaced, to paste into a ticket

The probe never sends credentials: NLA stops after the server's NTLM CHALLENGE.
Evidence frame numbers refer to the capture --write saves.
Exit codes: 0 no finding at or above --fail-on, 1 there is one, 2 usage or I/O error.";

/// Arguments of `rdpdiag probe`.
/// Output format of the probe's report.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
}

#[derive(clap::Args, Debug)]
#[command(after_help = PROBE_EXAMPLES)]
pub struct ProbeArgs {
    /// The server: HOST, HOST:PORT or [IPv6]:PORT (port 3389 by default).
    #[arg(value_name = "HOST[:PORT]")]
    pub target: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Seconds to wait for each connect and each answer.
    #[arg(long, value_name = "SECONDS", default_value_t = 5.0)]
    pub timeout: f64,
    /// Seconds the whole probe may take (default: 12 x --timeout); each step
    /// (reachability, negotiation, TLS and NLA, UDP) may take 4 x --timeout.
    /// What was recorded until then is still reported and written.
    #[arg(long, value_name = "SECONDS")]
    pub deadline: Option<f64>,
    /// Save the probe's own traffic (and its TLS secrets) as pcapng.
    #[arg(long, value_name = "FILE.pcapng")]
    pub write: Option<String>,
    /// Exit with 1 when a finding at or above this severity exists.
    #[arg(long, value_name = "SEVERITY", default_value = "error", value_parser = ["info", "warning", "error"])]
    pub fail_on: String,
    /// Skip the RDP-UDP SYN.
    #[arg(long)]
    pub no_udp: bool,
    /// Replace host, domain and NTLM names, addresses and certificate
    /// subjects with placeholders (HOST-1, IP-2, …), as `analyze --redact`.
    /// The --write capture is not redacted.
    #[arg(long)]
    pub redact: bool,
}

/// Split HOST[:PORT] / [V6]:PORT / bare IPv6.
pub fn parse_target(t: &str) -> Result<(String, u16), String> {
    let t = t.trim();
    if t.is_empty() {
        return Err("empty target".into());
    }
    if let Some(rest) = t.strip_prefix('[') {
        let (h, after) = rest
            .split_once(']')
            .ok_or_else(|| format!("{t}: missing ']'"))?;
        let port = match after.strip_prefix(':') {
            Some(p) => p.parse().map_err(|_| format!("{t}: bad port {p:?}"))?,
            None if after.is_empty() => 3389,
            None => return Err(format!("{t}: unexpected {after:?} after ']'")),
        };
        return Ok((h.to_string(), port));
    }
    if t.parse::<std::net::Ipv6Addr>().is_ok() {
        return Ok((t.to_string(), 3389));
    }
    match t.rsplit_once(':') {
        Some((h, p)) => Ok((
            h.to_string(),
            p.parse().map_err(|_| format!("{t}: bad port {p:?}"))?,
        )),
        None => Ok((t.to_string(), 3389)),
    }
}

/// Name of a TLS alert, e.g. "handshake_failure (40)".
pub fn alert_name(n: u8) -> String {
    let name = crate::codes::Table::TlsAlert
        .lookup(u32::from(n))
        .map_or("unknown alert", |c| c.name);
    format!("{name} ({n})")
}

/// Run the whole probe, within the default deadlines (see [`probe_within`]).
pub fn probe(host: &str, port: u16, timeout: Duration, udp: bool) -> (ProbeReport, Recorder) {
    probe_within(host, port, timeout, timeout * 12, udp)
}

/// Run the whole probe: each read waits at most `timeout`, each step
/// 4 x `timeout`, everything `deadline`.
pub fn probe_within(
    host: &str,
    port: u16,
    timeout: Duration,
    deadline: Duration,
    udp: bool,
) -> (ProbeReport, Recorder) {
    let rec = Recorder::default();
    rec.set_probe_deadline(deadline);
    let step = (timeout * 4).min(deadline);
    rec.begin_step("reachability", step);
    let (mut rep, rec) = steps(host, port, timeout, udp, rec, step);
    rep.timed_out = rec.deadline_hit();
    (rep, rec)
}

fn steps(
    host: &str,
    port: u16,
    timeout: Duration,
    udp: bool,
    rec: Recorder,
    step: Duration,
) -> (ProbeReport, Recorder) {
    let mut rep = ProbeReport::new(host, port, record::now().rfc3339());
    let addrs = reach::resolve(&mut rep, host, port);
    if addrs.is_empty() {
        findings::dns(&mut rep, host);
        return (rep, rec);
    }
    let reach = reach::connect_all(&mut rep, &rec, &addrs, timeout);
    let Some((addr, first_stream)) = reach.first else {
        findings::tcp(&reach, timeout, &mut rep.findings);
        return (rep, rec);
    };
    rep.address = Some(addr.to_string());
    rec.begin_step("negotiation", step);
    let p = Prober {
        rec: rec.clone(),
        addr,
        host: host.to_string(),
        timeout,
    };
    rep.negotiation = negotiation::matrix(&p, first_stream);
    rep.mstsc_default = rep.row(negotiation::MSTSC_DEFAULT).map(NegRow::describe);
    rep.nla_required = negotiation::nla_required(&rep.negotiation).0;
    let mut found = Vec::new();
    findings::negotiation(&rep, &mut found);
    rep.findings.append(&mut found);
    if rec.probe_expired() {
        return (rep, rec);
    }
    if let Some(req) = negotiation::tls_channel(&rep.negotiation) {
        rec.begin_step("TLS and NLA", step);
        let step = tls_step::probe_tls(&p, req);
        rep.nla = step.nla;
        rep.nla_error = step.nla_error;
        findings::tls(&step.tls, host, &mut rep.findings);
        rep.tls = Some(step.tls);
        if let Some(n) = &rep.nla {
            findings::clock_skew(n, &mut rep.findings);
        }
    }
    if udp && !rec.probe_expired() {
        rec.begin_step("UDP", step);
        rep.udp = Some(udp::probe_udp(&rec, addr, timeout));
    }
    (rep, rec)
}

/// The names and addresses of a probe report, for `--redact`: the target,
/// every address tried, the certificates and the NTLM CHALLENGE's names.
fn redactor(rep: &ProbeReport) -> crate::redact::Redactor {
    use crate::redact::Kind;
    let mut r = crate::redact::Redactor::default();
    r.add_host_or_ip(&rep.host);
    for a in rep.dns.addresses.iter().chain(rep.address.iter()) {
        r.add_host_or_ip(a);
    }
    for t in &rep.tcp {
        r.add_host_or_ip(&t.address);
    }
    if let Some(t) = &rep.tls {
        for c in &t.certificates {
            r.add_cert(c);
        }
    }
    if let Some(n) = &rep.nla {
        for h in [&n.target_name, &n.netbios_computer, &n.dns_computer]
            .into_iter()
            .flatten()
        {
            r.add(Kind::Host, h);
        }
        for d in [&n.netbios_domain, &n.dns_domain, &n.dns_tree]
            .into_iter()
            .flatten()
        {
            r.add(Kind::Domain, d);
        }
    }
    if let Ok(v) = serde_json::to_value(rep) {
        r.add_ipv4_in(&v);
    }
    r.seal();
    r
}

/// `rdpdiag probe` entry point; returns the exit code.
pub fn run(a: &ProbeArgs) -> i32 {
    let (host, port) = match parse_target(&a.target) {
        Ok(t) => t,
        Err(e) => {
            warn!("rdpdiag: {e}");
            return 2;
        }
    };
    if !(a.timeout.is_finite() && a.timeout > 0.0 && a.timeout <= 600.0) {
        warn!("rdpdiag: --timeout must be between 0 and 600 seconds");
        return 2;
    }
    let timeout = Duration::from_secs_f64(a.timeout);
    let deadline = match a.deadline {
        None => timeout * 12,
        Some(d) if d.is_finite() && d > 0.0 && d <= 7200.0 => Duration::from_secs_f64(d),
        Some(_) => {
            warn!("rdpdiag: --deadline must be between 0 and 7200 seconds");
            return 2;
        }
    };
    let (mut rep, rec) = probe_within(&host, port, timeout, deadline, !a.no_udp);
    let mut io_error = false;
    if let Some(path) = &a.write {
        match crate::capture::write::write_private(std::path::Path::new(path), &rec.pcapng()) {
            Ok(()) => rep.capture = Some(path.clone()),
            Err(e) => {
                warn!("rdpdiag: writing {path}: {e}");
                io_error = true;
            }
        }
    }
    let redactor = a.redact.then(|| redactor(&rep));
    let text = match a.format {
        Format::Json => {
            let doc = Document {
                schema: SCHEMA,
                tool: crate::report::Tool {
                    name: "rdpdiag",
                    version: env!("CARGO_PKG_VERSION"),
                },
                probe: &rep,
            };
            let json = serde_json::to_value(&doc).and_then(|mut v| {
                if let Some(r) = &redactor {
                    r.json(&mut v);
                }
                serde_json::to_string_pretty(&v)
            });
            match json {
                Ok(s) => s + "\n",
                Err(e) => {
                    warn!("rdpdiag: internal error serializing JSON: {e}");
                    return 2;
                }
            }
        }
        Format::Text => {
            let t = render_text(&rep);
            redactor.as_ref().map_or(t.clone(), |r| r.text(&t))
        }
    };
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
    if io_error {
        return 2;
    }
    let threshold = Severity::from_name(&a.fail_on).unwrap_or(Severity::Error);
    i32::from(rep.findings.iter().any(|f| f.severity >= threshold))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rdpdiag_parsers::nego;

    #[test]
    fn targets() {
        assert_eq!(parse_target("h").unwrap(), ("h".into(), 3389));
        assert_eq!(parse_target("h:3390").unwrap(), ("h".into(), 3390));
        assert_eq!(parse_target("[::1]:5").unwrap(), ("::1".into(), 5));
        assert_eq!(parse_target("fd00::1").unwrap(), ("fd00::1".into(), 3389));
        assert!(parse_target("h:x").is_err());
        assert!(parse_target("").is_err());
    }

    #[test]
    fn our_requests_parse_with_our_parsers() {
        for set in SETS {
            let cr = connection_request(set);
            let (rest, c) = nego::parse_connection_request(&cr).expect("CR parses");
            assert!(rest.is_empty());
            assert_eq!(c.requested_protocols().0, set);
        }
        let syn = rdpudp_syn();
        let (_, s) = rdpdiag_parsers::rdpeudp::parse_syn(&syn).expect("SYN parses");
        assert!(!s.is_syn_ack());
        assert!(s.mtus_in_spec_range());
    }
}
