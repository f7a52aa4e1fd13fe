//! The analysis engine: capture → net → flow → session, shared by `analyze`,
//! `tui`, `live` and `test`. Batch is live without a clock.

use crate::capture::{self, Frame, FrameSink, InputError, ReadSummary, Warning};
use crate::flow::{FlowConfig, FlowStats, FlowTable};
use crate::net;
use crate::session::{SessionConfig, SessionStore};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Settings for one analysis.
#[derive(Debug, Clone, Default)]
pub struct EngineConfig {
    pub flow: FlowConfig,
    pub session: SessionConfig,
}

/// Feeds frames through the pipeline.
pub struct Engine {
    pub flows: FlowTable,
    pub sessions: SessionStore,
    pub warnings: Vec<Warning>,
    /// Warnings dropped after the cap.
    pub warnings_dropped: u64,
    pub comments: Vec<(Option<u64>, String)>,
    stop: Option<Arc<AtomicBool>>,
}

const MAX_WARNINGS: usize = 200;

impl Engine {
    pub fn new(cfg: EngineConfig) -> Self {
        Engine {
            flows: FlowTable::new(cfg.flow),
            sessions: SessionStore::new(cfg.session),
            warnings: Vec::new(),
            warnings_dropped: 0,
            comments: Vec::new(),
            stop: None,
        }
    }

    /// Stop reading when this flag becomes true.
    pub fn set_stop_flag(&mut self, flag: Arc<AtomicBool>) {
        self.stop = Some(flag);
    }

    /// Read a whole capture (path or `-`) through the engine.
    pub fn read_path(&mut self, path: &str) -> Result<ReadSummary, InputError> {
        self.read_path_counted(path, None)
    }

    /// [`Engine::read_path`], counting the bytes read from the file in `count`
    /// (for a progress bar).
    pub fn read_path_counted(
        &mut self,
        path: &str,
        count: Option<Arc<std::sync::atomic::AtomicU64>>,
    ) -> Result<ReadSummary, InputError> {
        let (reader, gz) = capture::open_path_counted(path, count)?;
        capture::read_capture(reader, path, gz, self)
    }

    /// Read a whole capture from any byte source (e.g. bytes in memory);
    /// `name` is what messages call it.
    pub fn read_from(
        &mut self,
        name: &str,
        raw: Box<dyn std::io::Read + Send>,
    ) -> Result<ReadSummary, InputError> {
        let (reader, gz) = capture::open_reader(raw, name)?;
        capture::read_capture(reader, name, gz, self)
    }

    /// End of input: flush every flow and return the flow statistics.
    pub fn finish(&mut self) -> FlowStats {
        self.flows.finish(&mut self.sessions);
        self.sessions.finish();
        self.flows.stats.clone()
    }
}

impl FrameSink for Engine {
    fn frame(&mut self, frame: &Frame<'_>) {
        match net::decode(frame) {
            Ok(p) => self.flows.process(&p, &mut self.sessions),
            Err(skip) => self.flows.count_skip(skip),
        }
    }
    fn tls_secrets(&mut self, keylog: &[u8]) {
        self.sessions.add_keylog_bytes(keylog);
    }
    fn comment(&mut self, frame: Option<u64>, text: &str) {
        if self.comments.len() < 100 {
            self.comments
                .push((frame, text.chars().take(500).collect()));
        }
    }
    fn warning(&mut self, w: Warning) {
        if self.warnings.len() < MAX_WARNINGS {
            self.warnings.push(w);
        } else {
            self.warnings_dropped += 1;
        }
    }
    fn stop(&self) -> bool {
        self.stop
            .as_ref()
            .is_some_and(|f| f.load(Ordering::Relaxed))
    }
}
