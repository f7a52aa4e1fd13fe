//! The live/replay model on real captures: snapshots of open connections do
//! not disturb the analysis, a connection still in progress is never shown
//! as failed, and the final state agrees with `analyze`.

use rdpdiag::analysis::{analyze_file, AnalysisConfig};
use rdpdiag::capture::{Frame, FrameSink, Warning};
use rdpdiag::engine::{Engine, EngineConfig};
use rdpdiag::tui::model::{Shown, Tracker};

fn cap(name: &str) -> String {
    format!("{}/captures/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn captures() -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(format!("{}/captures", env!("CARGO_MANIFEST_DIR")))
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| e.path().to_string_lossy().into_owned())
                .filter(|p| p.ends_with(".pcap") || p.ends_with(".pcapng"))
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// An engine that takes a snapshot of the open connections after every frame.
struct Snooping {
    engine: Engine,
    snaps: Vec<(u64, Vec<rdpdiag::session::ConnectionRecord>)>,
}

impl FrameSink for Snooping {
    fn frame(&mut self, f: &Frame<'_>) {
        self.engine.frame(f);
        let s = self.engine.sessions.snapshot_open(&self.engine.flows);
        self.snaps.push((f.number, s));
    }
    fn warning(&mut self, w: Warning) {
        self.engine.warning(w);
    }
}

#[test]
fn snapshot_of_open_connections_leaves_the_analysis_unchanged() {
    // captures/tls_ok.pcap: one TLS session, frames 1-177.
    let path = cap("tls_ok.pcap");
    let mut s = Snooping {
        engine: Engine::new(EngineConfig::default()),
        snaps: Vec::new(),
    };
    let (r, gz) = rdpdiag::capture::open_path(&path).unwrap();
    rdpdiag::capture::read_capture(r, &path, gz, &mut s).unwrap();
    s.engine.finish();
    let plain = analyze_file(&path, &AnalysisConfig::default()).unwrap();
    // Compared as the JSON contract writes them (rdpdiag::report::json).
    let wire = |cs: &[rdpdiag::session::ConnectionRecord]| {
        let v: Vec<rdpdiag::report::json::Connection<'_>> = cs.iter().map(Into::into).collect();
        serde_json::to_value(v).unwrap()
    };
    assert_eq!(
        wire(&s.engine.sessions.connections),
        wire(&plain.connections),
        "snapshots changed the finished records"
    );
    // Frame 6 is the X.224 Connection Confirm: the snapshot right after it shows it.
    let (_, at6) = s.snaps.iter().find(|(n, _)| *n == 6).unwrap();
    assert_eq!(at6.len(), 1);
    let neg = &at6[0].facts.negotiation;
    assert_eq!(neg.request_frame.map(|f| f.number), Some(4));
    assert_eq!(neg.confirm_frame.map(|f| f.number), Some(6));
    // Before the first frame's connection exists nothing is open; it stays open to the end.
    assert!(s.snaps.iter().all(|(_, v)| v.len() <= 1));
}

#[test]
fn a_successful_session_is_never_shown_failed_while_it_runs() {
    for name in [
        "tls_ok.pcap",
        "rdp_sec_ok.pcap",
        "nla_ok.dsb.pcapng",
        "slow_link_ok.pcap",
        "tls12_cbc_ok.pcap",
        "tls_ok_any_sll2.pcap",
    ] {
        let path = cap(name);
        struct Watch {
            t: Tracker,
            bad: Vec<String>,
        }
        impl FrameSink for Watch {
            fn frame(&mut self, f: &Frame<'_>) {
                self.t.frame(f);
                let snap = self.t.snapshot();
                for v in &snap.attempts {
                    if v.shown_outcome() == Shown::Failure {
                        self.bad
                            .push(format!("frame {}: {}", f.number, v.text_line()));
                    }
                }
            }
            fn warning(&mut self, w: Warning) {
                self.t.warning(w);
            }
        }
        let cfg = AnalysisConfig::default();
        let mut w = Watch {
            t: Tracker::new(&cfg, false),
            bad: Vec::new(),
        };
        let (r, gz) = rdpdiag::capture::open_path(&path).unwrap();
        rdpdiag::capture::read_capture(r, &path, gz, &mut w).unwrap();
        assert!(
            w.bad.is_empty(),
            "{name}: {:?}",
            &w.bad[..w.bad.len().min(3)]
        );
    }
}

#[test]
fn an_open_connection_is_in_progress_until_it_is_decided() {
    // captures/port_closed.pcap: frame 1 SYN, frame 2 RST from the server.
    let path = cap("port_closed.pcap");
    let cfg = AnalysisConfig::default();
    let mut t = Tracker::new(&cfg, false);
    struct First<'a>(&'a mut Tracker, Vec<Shown>);
    impl FrameSink for First<'_> {
        fn frame(&mut self, f: &Frame<'_>) {
            self.0.frame(f);
            let s = self.0.snapshot();
            self.1.push(s.attempts[0].shown_outcome());
        }
        fn warning(&mut self, _w: Warning) {}
    }
    let mut f = First(&mut t, Vec::new());
    let (r, gz) = rdpdiag::capture::open_path(&path).unwrap();
    rdpdiag::capture::read_capture(r, &path, gz, &mut f).unwrap();
    assert_eq!(f.1[0], Shown::InProgress, "a lone SYN is not yet a failure");
    assert_eq!(f.1[1], Shown::Failure, "RST to SYN: refused, shown at once");
}

#[test]
fn final_replay_state_agrees_with_analyze() {
    let cfg = AnalysisConfig::default();
    for path in captures() {
        let snap = rdpdiag::tui::model::analyze_file(&path, &cfg).unwrap();
        let rep = analyze_file(&path, &cfg).unwrap();
        let a: Vec<_> = snap
            .attempts
            .iter()
            .map(|v| {
                assert!(!v.in_progress, "{path}: all finished at the end");
                (
                    v.attempt.outcome,
                    v.attempt.failed_stage,
                    v.attempt.root_cause.as_ref().map(|r| r.id.clone()),
                )
            })
            .collect();
        let b: Vec<_> = rep
            .attempts
            .iter()
            .map(|a| {
                (
                    a.outcome,
                    a.failed_stage,
                    a.root_cause.as_ref().map(|r| r.id.clone()),
                )
            })
            .collect();
        assert_eq!(a, b, "{path}");
    }
}
