//! The analysis service: what every front end (analyze, test, tui, live,
//! probe) calls to turn a capture into a [`FileReport`]. It drives the
//! [`Engine`] (capture → net → flow → session) and then the rules
//! ([`crate::rules::diagnose`]); the configuration it takes gathers the
//! engine's and the diagnosis's settings and the TLS key log.

mod stream;

use crate::engine::{Engine, EngineConfig, FrameObserver};
use crate::report::FileReport;
pub use stream::{
    analyze_file_streaming, analyze_reader_streaming, AttemptSink, StreamConfig, Streamer,
    DEFAULT_MAX_HELD_RECORDS, DEFAULT_PART_RECORDS,
};

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

/// [`analyze_file`], telling `observer` about every frame as the engine
/// processes it (the replay view keeps its packet lists this way).
pub fn analyze_file_observed(
    path: &str,
    cfg: &AnalysisConfig,
    observer: &mut dyn FrameObserver,
) -> Result<FileReport, crate::capture::InputError> {
    let mut engine = Engine::new(cfg.engine_config());
    let capture = engine.read_path_observed(path, None, observer)?;
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
    engine: Engine,
    capture: crate::capture::ReadSummary,
    cfg: &AnalysisConfig,
) -> FileReport {
    report_from_part(path, engine, capture, cfg, Carry::default())
}

/// What a streaming analysis carries from the parts it handed over to the
/// last one (see [`stream`]).
#[derive(Debug, Default)]
struct Carry {
    /// Attempts handed over so far.
    streamed: u64,
    /// Of those, the ones judged before they were final (too many records
    /// held: `[limits] max_held_records`).
    judged_early: u64,
    /// The servers of the connections handed over (a gateway hint is only
    /// for a server no attempt covers).
    servers: std::collections::HashSet<std::net::SocketAddr>,
}

impl Carry {
    /// The id of the next attempt.
    fn next_id(&self) -> u32 {
        u32::try_from(self.streamed.saturating_add(1)).unwrap_or(u32::MAX)
    }
}

/// The report of what the engine still holds at the end of the input, after
/// the parts in `carry` were handed over.
fn report_from_part(
    path: &str,
    mut engine: Engine,
    capture: crate::capture::ReadSummary,
    cfg: &AnalysisConfig,
    carry: Carry,
) -> FileReport {
    let stats = engine.finish();
    let mut warnings = capture_warnings(&mut engine, &stats, cfg, &carry);
    let scan = Some(std::mem::take(&mut engine.sessions.scan)).filter(|s| s.folded > 0);
    let connections = std::mem::take(&mut engine.sessions.connections);
    warnings.extend(gateway_hints(&stats, &connections, &carry.servers));
    let udp_flows = std::mem::take(&mut engine.sessions.udp);
    let kdc = std::mem::take(&mut engine.sessions.kdc);
    let part = crate::rules::Part {
        first_id: carry.next_id(),
        dns_only: carry.streamed == 0,
    };
    let attempts = crate::rules::diagnose_part(&connections, &udp_flows, &kdc, &cfg.diag, part);
    FileReport {
        file: path.to_string(),
        capture,
        warnings,
        attempts,
        stats,
        connections,
        udp_flows,
        comments: std::mem::take(&mut engine.comments),
        error: None,
        scan,
        streamed: carry.streamed,
    }
}

/// The engine's warnings, and the capture-level ones its counters call for
/// (warnings dropped, IP fragments, flows finished early, attempts judged
/// early).
fn capture_warnings(
    engine: &mut Engine,
    stats: &crate::flow::FlowStats,
    cfg: &AnalysisConfig,
    carry: &Carry,
) -> Vec<crate::capture::Warning> {
    // (count, message for that count): a line only when the count is not 0.
    let counted: [(u64, String); 4] = [
        (
            engine.warnings_dropped,
            "more warnings were not shown (only the first ones are listed); the analysis used every frame".into(),
        ),
        (
            stats.ip_fragments,
            "IP fragment(s) were counted but not reassembled, so findings that depend on them may be missing; check the MTU of the path (VPN, tunnels) if RDP packets are fragmented".into(),
        ),
        (
            stats.flows_evicted_early,
            format!(
                "TCP connection(s) were finished early because more than {} were open at once (a scan or a very busy link): connections that are not RDP first, then RDP ones that carried no data, the longest idle first; an RDP connection with data among them that went on is reported as two, the second one seen mid-stream. Filter the capture to the RDP hosts, or raise [limits] max_open_flows in the configuration file",
                engine.flows.config().max_open_flows
            ),
        ),
        (
            carry.judged_early,
            format!(
                "attempt(s) were judged before they were final, because more than {} finished RDP connections were held at once (a client retrying without pause, as a password spray does); a retry of theirs that came later is reported as a new attempt. Raise [limits] max_held_records in the configuration file to hold more",
                cfg.stream.max_held_records
            ),
        ),
    ];
    let mut warnings = std::mem::take(&mut engine.warnings);
    warnings.extend(
        counted
            .into_iter()
            .filter(|(n, _)| *n > 0)
            .map(|(n, what)| crate::capture::Warning {
                frame: None,
                message: format!("{n} {what}"),
            }),
    );
    warnings
}

/// Everything one analysis needs.
#[derive(Debug, Clone, Default)]
pub struct AnalysisConfig {
    pub engine: EngineConfig,
    pub diag: crate::verdict::DiagConfig,
    /// TLS secrets for decryption (see [`load_keylog`]); DSB keys in the
    /// capture are merged with these.
    pub keylog: Option<std::sync::Arc<crate::decrypt::KeyLog>>,
    /// When [`analyze_file_streaming`] hands attempts over.
    pub stream: StreamConfig,
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

/// The default configuration with extra RDP ports (TCP and UDP).
pub fn with_ports(ports: &[u16]) -> AnalysisConfig {
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
/// `SSLKEYLOGFILE` environment variable. Returns the warnings to show (the
/// key log holds no secret, or some lines were unreadable). An explicit file
/// that cannot be read is an error (the command line's fault); an inherited
/// variable naming a file that does not exist (yet) is ignored.
pub fn apply_keylog(
    cfg: &mut AnalysisConfig,
    explicit: Option<&str>,
) -> Result<Vec<String>, String> {
    let env_keylog = std::env::var("SSLKEYLOGFILE")
        .ok()
        .filter(|s| !s.is_empty());
    let mut warnings = Vec::new();
    if let Some(path) = explicit.or(env_keylog.as_deref()) {
        match load_keylog(path) {
            Ok((k, bad)) => {
                if k.is_empty() {
                    warnings.push(format!("key log {path} holds no TLS secrets"));
                } else if bad > 0 {
                    warnings.push(format!("key log {path}: {bad} unreadable line(s) skipped"));
                }
                cfg.keylog = Some(k);
            }
            Err(e) if explicit.is_some() => return Err(e.to_string()),
            Err(_) => {}
        }
    }
    Ok(warnings)
}

/// Without keys, one line per probable RD Gateway (HTTPS to 443 beside
/// RDP-UDP to 3391 from the same client) that no attempt covers.
fn gateway_hints(
    stats: &crate::flow::FlowStats,
    connections: &[crate::session::ConnectionRecord],
    streamed_servers: &std::collections::HashSet<std::net::SocketAddr>,
) -> Vec<crate::capture::Warning> {
    stats
        .gateway_hints
        .probable_gateways()
        .into_iter()
        .filter(|g| {
            !streamed_servers.contains(&g.server) && !connections.iter().any(|c| c.server == g.server)
        })
        .map(|g| crate::capture::Warning {
            frame: Some(g.hello.frame.number),
            message: format!(
                "probable RD Gateway {}: TLS to {} from {} (frame {}) beside RDP-UDP to {} (frame {}); it is encrypted: give the client's key log (--keylog) to read it",
                g.hello.sni.as_deref().unwrap_or("(no SNI)"),
                g.server,
                g.hello.client,
                g.hello.frame.number,
                g.udp.0,
                g.udp.1.number
            ),
        })
        .collect()
}
