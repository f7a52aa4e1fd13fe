//! The analysis engine: capture → net → flow → session, shared by `analyze`,
//! `tui`, `live` and `test`. Batch is live without a clock.

use crate::capture::{self, Frame, FrameSink, InputError, ReadSummary, Warning};
use crate::flow::{FlowConfig, FlowStats, FlowTable, TcpConn};
use crate::net::{self, Transport};
use crate::session::{SessionConfig, SessionStore};
use crate::wire::Dir;
use std::net::SocketAddr;
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

/// What the engine tells a [`FrameObserver`] about one frame, once the frame
/// went through the pipeline (so its connection already counts it).
pub struct FrameEvent<'a, 'f> {
    /// The frame: number, time, captured bytes and original length.
    pub frame: &'a Frame<'f>,
    /// Its decoded packet; None for a frame that is not TCP/UDP over IP.
    pub packet: Option<&'a net::Packet<'f>>,
    flows: &'a FlowTable,
}

impl<'a> FrameEvent<'a, '_> {
    /// The TCP connection the frame belongs to and its direction (None for
    /// UDP and skipped frames). Looked up on demand: most observers of most
    /// frames never ask.
    pub fn tcp_conn(&self) -> Option<(&'a TcpConn, Dir, &'a net::TcpInfo)> {
        let p = self.packet?;
        let Transport::Tcp(t, _) = &p.transport else {
            return None;
        };
        let a = SocketAddr::new(p.src, t.src_port);
        let b = SocketAddr::new(p.dst, t.dst_port);
        let c = self.flows.tcp_conn(a, b)?;
        let dir = if a == c.client {
            Dir::ClientToServer
        } else {
            Dir::ServerToClient
        };
        Some((c, dir, t))
    }
}

/// Sees every frame the engine processes (the live and replay views keep
/// their packet lists and counters this way).
pub trait FrameObserver {
    fn frame(&mut self, ev: &FrameEvent<'_, '_>);
}

/// No observer.
impl FrameObserver for () {
    fn frame(&mut self, _ev: &FrameEvent<'_, '_>) {}
}

/// An engine and its observer as one [`FrameSink`], to read a capture with.
pub struct Observed<'a, O: FrameObserver + ?Sized> {
    pub engine: &'a mut Engine,
    pub observer: &'a mut O,
}

impl<O: FrameObserver + ?Sized> FrameSink for Observed<'_, O> {
    fn frame(&mut self, frame: &Frame<'_>) {
        self.engine.frame_observed(frame, self.observer);
    }
    fn tls_secrets(&mut self, keylog: &[u8]) {
        self.engine.tls_secrets(keylog);
    }
    fn comment(&mut self, frame: Option<u64>, text: &str) {
        self.engine.comment(frame, text);
    }
    fn warning(&mut self, w: Warning) {
        self.engine.warning(w);
    }
    fn stop(&self) -> bool {
        self.engine.stop()
    }
}

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

    /// [`Engine::read_path_counted`], telling `observer` about every frame.
    pub fn read_path_observed(
        &mut self,
        path: &str,
        count: Option<Arc<std::sync::atomic::AtomicU64>>,
        observer: &mut dyn FrameObserver,
    ) -> Result<ReadSummary, InputError> {
        let (reader, gz) = capture::open_path_counted(path, count)?;
        let mut sink = Observed {
            engine: self,
            observer,
        };
        capture::read_capture(reader, path, gz, &mut sink)
    }

    /// Feed one frame through the pipeline, then tell `observer` about it.
    pub fn frame_observed<O: FrameObserver + ?Sized>(
        &mut self,
        frame: &Frame<'_>,
        observer: &mut O,
    ) {
        let packet = match net::decode(frame) {
            Ok(p) => {
                self.flows.process(&p, &mut self.sessions);
                Some(p)
            }
            Err(skip) => {
                self.flows.count_skip(skip);
                None
            }
        };
        observer.frame(&FrameEvent {
            frame,
            packet: packet.as_ref(),
            flows: &self.flows,
        });
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
        self.frame_observed(frame, &mut ());
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
