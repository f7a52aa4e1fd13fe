//! The probe's own traffic, kept as synthesized packets so `--write` can save
//! it as a pcapng that `rdpdiag analyze` (or Wireshark) reads like any capture.
//!
//! The probe talks through ordinary sockets; every byte it sends or receives
//! is turned back into IP/TCP (or UDP) packets with consistent sequence
//! numbers (`etherparse` builds the headers and checksums). TLS secrets from
//! rustls's key log go into a Decryption Secrets Block.

use crate::capture::write::PcapngWriter;
use crate::wire::FrameRef;
use crate::wire::Ts;
use etherparse::PacketBuilder;
use std::io::{Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream, UdpSocket};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use std::time::{SystemTime, UNIX_EPOCH};

/// Largest TCP payload per synthesized segment.
const MSS: usize = 1448;

/// Packets are kept up to this many (bounded memory; the probe makes a few
/// dozen exchanges).
const MAX_PACKETS: usize = 20_000;

/// Now as a capture timestamp.
pub fn now() -> Ts {
    let d = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    Ts::from_parts(
        i64::try_from(d.as_secs()).unwrap_or(i64::MAX / 2_000_000_000),
        i64::from(d.subsec_nanos()),
    )
}

#[derive(Default)]
struct Inner {
    packets: Vec<(Ts, Vec<u8>)>,
    keylog: String,
    dropped: u64,
    deadlines: Deadlines,
}

/// Time left below which a deadline counts as passed (a socket timeout set
/// to the time left may return a little early).
const SLACK: Duration = Duration::from_millis(10);

/// The probe's deadlines: each read, write and connect waits at most until
/// the nearer of the whole probe's and the current step's, so a server that
/// drips a byte before every read timeout cannot hold the probe.
#[derive(Default)]
struct Deadlines {
    probe: Option<(Instant, Duration)>,
    step: Option<(Instant, Duration, &'static str)>,
    /// What ran out first, for the report.
    hit: Option<String>,
}

/// Shared recorder: every connection of the probe writes into it.
#[derive(Clone, Default)]
pub struct Recorder(Arc<Mutex<Inner>>);

impl std::fmt::Debug for Recorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Recorder")
    }
}

impl Recorder {
    fn deadlines<R>(&self, f: impl FnOnce(&mut Deadlines) -> R) -> R {
        let mut g = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut g.deadlines)
    }

    /// The whole probe ends `budget` from now.
    pub fn set_probe_deadline(&self, budget: Duration) {
        self.deadlines(|d| d.probe = Some((Instant::now() + budget, budget)));
    }

    /// Step `name` starts now and may take `budget`.
    pub fn begin_step(&self, name: &'static str, budget: Duration) {
        self.deadlines(|d| d.step = Some((Instant::now() + budget, budget, name)));
    }

    /// What ran out: "negotiation (step deadline 8 s)".
    pub fn deadline_hit(&self) -> Option<String> {
        self.deadlines(|d| d.hit.clone())
    }

    /// The whole probe's deadline has passed.
    pub fn probe_expired(&self) -> bool {
        self.deadlines(|d| d.probe.is_some_and(|(at, _)| Instant::now() >= at))
    }

    /// `wait` shortened to the nearest deadline; a TimedOut error (and the
    /// step recorded as the one that ran out) once it has passed.
    pub fn bound(&self, wait: Option<Duration>) -> std::io::Result<Option<Duration>> {
        self.deadlines(|d| {
            let now = Instant::now();
            let mut out = wait;
            let mut passed = None;
            if let Some((at, budget, name)) = d.step {
                match at.checked_duration_since(now).filter(|l| *l >= SLACK) {
                    Some(left) => out = Some(out.map_or(left, |w| w.min(left))),
                    None => {
                        passed = Some(format!("{name} (step deadline {} s)", budget.as_secs_f64()))
                    }
                }
            }
            if let Some((at, budget)) = d.probe {
                match at.checked_duration_since(now).filter(|l| *l >= SLACK) {
                    Some(left) => out = Some(out.map_or(left, |w| w.min(left))),
                    None => {
                        let step = d.step.map_or("the probe", |s| s.2);
                        passed = Some(format!(
                            "{step} (whole-probe deadline {} s, --deadline)",
                            budget.as_secs_f64()
                        ));
                    }
                }
            }
            match passed {
                Some(what) => {
                    d.hit.get_or_insert(what);
                    Err(std::io::Error::new(
                        std::io::ErrorKind::TimedOut,
                        "the probe's deadline ran out",
                    ))
                }
                None => Ok(out),
            }
        })
    }

    fn push(&self, pkt: Vec<u8>) -> FrameRef {
        let ts = now();
        let mut g = match self.0.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        if g.packets.len() >= MAX_PACKETS {
            g.dropped += 1;
            return FrameRef { number: 0, ts };
        }
        g.packets.push((ts, pkt));
        FrameRef {
            number: g.packets.len() as u64,
            ts,
        }
    }

    /// Append one NSS key log line.
    pub fn key_log(&self, line: &str) {
        let mut g = match self.0.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        g.keylog.push_str(line);
        g.keylog.push('\n');
    }

    /// The next frame number (for citing evidence before it is recorded).
    pub fn frames(&self) -> u64 {
        match self.0.lock() {
            Ok(g) => g.packets.len() as u64,
            Err(p) => p.into_inner().packets.len() as u64,
        }
    }

    /// Serialize as pcapng (LINKTYPE_RAW, microsecond timestamps) with the key
    /// log as a Decryption Secrets Block before the packets.
    pub fn pcapng(&self) -> Vec<u8> {
        let g = match self.0.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        // Writing to memory cannot fail.
        let write = || -> std::io::Result<Vec<u8>> {
            // LINKTYPE_RAW (101), no snap limit.
            let mut w = PcapngWriter::new(Vec::new(), 101, 0)?;
            if !g.keylog.is_empty() {
                w.secrets(g.keylog.as_bytes())?;
            }
            for (ts, p) in &g.packets {
                let us = u64::try_from(ts.0 / 1000).unwrap_or(0);
                w.packet(us, p, p.len() as u32)?;
            }
            Ok(w.into_inner())
        };
        write().unwrap_or_default()
    }
}

/// TCP flags of a synthesized segment.
#[derive(Clone, Copy, Default)]
struct Flags {
    syn: bool,
    ack: bool,
    fin: bool,
    rst: bool,
    psh: bool,
}

fn builder(
    src: SocketAddr,
    dst: SocketAddr,
) -> Option<etherparse::PacketBuilderStep<etherparse::IpHeaders>> {
    match (src.ip(), dst.ip()) {
        (IpAddr::V4(s), IpAddr::V4(d)) => Some(PacketBuilder::ipv4(s.octets(), d.octets(), 64)),
        (IpAddr::V6(s), IpAddr::V6(d)) => Some(PacketBuilder::ipv6(s.octets(), d.octets(), 64)),
        _ => None,
    }
}

fn tcp_packet(
    src: SocketAddr,
    dst: SocketAddr,
    seq: u32,
    ack: u32,
    f: Flags,
    payload: &[u8],
) -> Vec<u8> {
    let Some(b) = builder(src, dst) else {
        return Vec::new();
    };
    let mut t = b.tcp(src.port(), dst.port(), seq, 64_240);
    if f.syn {
        t = t.syn();
    }
    if f.ack {
        t = t.ack(ack);
    }
    if f.fin {
        t = t.fin();
    }
    if f.rst {
        t = t.rst();
    }
    if f.psh {
        t = t.psh();
    }
    let mut out = Vec::with_capacity(t.size(payload.len()));
    if t.write(&mut out, payload).is_err() {
        out.clear();
    }
    out
}

/// One TCP connection's synthesized segments.
pub struct TcpRec {
    rec: Recorder,
    client: SocketAddr,
    server: SocketAddr,
    seq: [u32; 2],
    closed: bool,
}

impl TcpRec {
    fn seg(&mut self, from_client: bool, f: Flags, payload: &[u8]) -> FrameRef {
        let (src, dst, i) = if from_client {
            (self.client, self.server, 0)
        } else {
            (self.server, self.client, 1)
        };
        let seq = self.seq[i];
        let ack = self.seq[1 - i];
        let p = tcp_packet(src, dst, seq, ack, f, payload);
        let adv = payload.len() as u32 + u32::from(f.syn) + u32::from(f.fin);
        self.seq[i] = self.seq[i].wrapping_add(adv);
        if p.is_empty() {
            return FrameRef {
                number: 0,
                ts: now(),
            };
        }
        self.rec.push(p)
    }

    fn data(&mut self, from_client: bool, mut payload: &[u8]) -> FrameRef {
        let mut first = None;
        while !payload.is_empty() {
            let n = payload.len().min(MSS);
            let f = Flags {
                ack: true,
                psh: n == payload.len(),
                ..Flags::default()
            };
            let fr = self.seg(from_client, f, &payload[..n]);
            first.get_or_insert(fr);
            payload = &payload[n..];
        }
        first.unwrap_or(FrameRef {
            number: 0,
            ts: now(),
        })
    }

    /// Client FIN, server FIN, last ACK.
    pub fn close(&mut self) {
        if self.closed {
            return;
        }
        self.closed = true;
        let fin = Flags {
            fin: true,
            ack: true,
            ..Flags::default()
        };
        self.seg(true, fin, &[]);
        self.seg(false, fin, &[]);
        self.seg(
            true,
            Flags {
                ack: true,
                ..Flags::default()
            },
            &[],
        );
    }
}

/// How a TCP connect went.
pub enum Connect {
    Ok(RecStream, f64),
    Refused(FrameRef),
    TimedOut(FrameRef),
    Failed(String, FrameRef),
}

fn initial_seq(local: SocketAddr) -> u32 {
    let n = now().0 as u64;
    (n as u32) ^ u32::from(local.port()).rotate_left(16)
}

/// The local address the kernel would use towards `server`.
fn route_source(server: SocketAddr) -> SocketAddr {
    let unspecified = match server {
        SocketAddr::V4(_) => SocketAddr::new(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED), 0),
        SocketAddr::V6(_) => SocketAddr::new(IpAddr::V6(std::net::Ipv6Addr::UNSPECIFIED), 0),
    };
    UdpSocket::bind(unspecified)
        .and_then(|s| {
            s.connect(server)?;
            s.local_addr()
        })
        .unwrap_or(unspecified)
}

/// Connect to `server`, recording the handshake (or the refusal / silence).
pub fn connect(rec: &Recorder, server: SocketAddr, timeout: std::time::Duration) -> Connect {
    let t0 = std::time::Instant::now();
    // Past a deadline the connect is still tried, briefly, so the report
    // and the capture show every step; a zero timeout is an error.
    let timeout = rec
        .bound(Some(timeout))
        .ok()
        .flatten()
        .unwrap_or(Duration::ZERO)
        .max(Duration::from_millis(1));
    let r = TcpStream::connect_timeout(&server, timeout);
    let secs = t0.elapsed().as_secs_f64();
    // For failures the kernel's port is unknown; an ephemeral-looking one stands in.
    let placeholder = |rec: &Recorder| {
        let local = route_source(server);
        TcpRec {
            rec: rec.clone(),
            client: SocketAddr::new(local.ip(), 49152 + (rec.frames() % 16000) as u16),
            server,
            seq: [initial_seq(local), 0],
            closed: true,
        }
    };
    let syn = Flags {
        syn: true,
        ..Flags::default()
    };
    match r {
        Ok(s) => {
            let client = s.local_addr().unwrap_or(server);
            let mut t = TcpRec {
                rec: rec.clone(),
                client,
                server,
                seq: [initial_seq(client), initial_seq(server).rotate_left(7)],
                closed: false,
            };
            t.seg(true, syn, &[]);
            t.seg(
                false,
                Flags {
                    syn: true,
                    ack: true,
                    ..Flags::default()
                },
                &[],
            );
            t.seg(
                true,
                Flags {
                    ack: true,
                    ..Flags::default()
                },
                &[],
            );
            Connect::Ok(
                RecStream {
                    sock: s,
                    tcp: t,
                    io_timeout: None,
                },
                secs,
            )
        }
        Err(e) => {
            let mut t = placeholder(rec);
            let f = t.seg(true, syn, &[]);
            match e.kind() {
                std::io::ErrorKind::ConnectionRefused => {
                    t.seg(
                        false,
                        Flags {
                            rst: true,
                            ack: true,
                            ..Flags::default()
                        },
                        &[],
                    );
                    Connect::Refused(f)
                }
                std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock => {
                    Connect::TimedOut(f)
                }
                _ => Connect::Failed(e.to_string(), f),
            }
        }
    }
}

/// A TCP stream whose traffic is recorded.
pub struct RecStream {
    pub sock: TcpStream,
    tcp: TcpRec,
    /// The longest one read or write may wait (--timeout), before deadlines.
    io_timeout: Option<Duration>,
}

impl RecStream {
    /// A read or write failed: if a deadline shortened its wait and has
    /// passed, record it as what ran out.
    fn note_deadline(&self) {
        let _ = self.tcp.rec.bound(None);
    }

    /// Each read and write waits at most `t` (and never past a deadline).
    pub fn set_io_timeout(&mut self, t: Duration) {
        self.io_timeout = Some(t);
    }
    /// Frame number the next recorded packet will get.
    pub fn next_frame(&self) -> u64 {
        self.tcp.rec.frames() + 1
    }
    /// Close both ways (records the FIN exchange).
    pub fn close(mut self) {
        let _ = self.sock.shutdown(std::net::Shutdown::Both);
        self.tcp.close();
    }
}

impl Read for RecStream {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let t = self.tcp.rec.bound(self.io_timeout)?;
        self.sock.set_read_timeout(t)?;
        let n = self.sock.read(buf).inspect_err(|_| self.note_deadline())?;
        if n > 0 {
            self.tcp.data(false, &buf[..n]);
        }
        Ok(n)
    }
}

impl Write for RecStream {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let t = self.tcp.rec.bound(self.io_timeout)?;
        self.sock.set_write_timeout(t)?;
        let n = self.sock.write(buf).inspect_err(|_| self.note_deadline())?;
        if n > 0 {
            self.tcp.data(true, &buf[..n]);
        }
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.sock.flush()
    }
}

impl Drop for RecStream {
    fn drop(&mut self) {
        self.tcp.close();
    }
}

/// Record one UDP datagram.
pub fn udp_datagram(rec: &Recorder, src: SocketAddr, dst: SocketAddr, payload: &[u8]) -> FrameRef {
    let Some(b) = builder(src, dst) else {
        return FrameRef {
            number: 0,
            ts: now(),
        };
    };
    let u = b.udp(src.port(), dst.port());
    let mut out = Vec::with_capacity(u.size(payload.len()));
    if u.write(&mut out, payload).is_err() {
        return FrameRef {
            number: 0,
            ts: now(),
        };
    }
    rec.push(out)
}

/// A datagram received and its frame.
pub type Answer = (Vec<u8>, FrameRef);

/// Send `payload` to `server` over UDP and wait for one answer.
pub fn udp_exchange(
    rec: &Recorder,
    server: SocketAddr,
    payload: &[u8],
    timeout: std::time::Duration,
) -> std::io::Result<(FrameRef, Option<Answer>)> {
    let bind: SocketAddr = match server {
        SocketAddr::V4(_) => "0.0.0.0:0".parse().map_err(std::io::Error::other)?,
        SocketAddr::V6(_) => "[::]:0".parse().map_err(std::io::Error::other)?,
    };
    let s = UdpSocket::bind(bind)?;
    s.connect(server)?;
    let timeout = rec
        .bound(Some(timeout))?
        .unwrap_or(timeout)
        .max(Duration::from_millis(1));
    s.set_read_timeout(Some(timeout))?;
    let local = s.local_addr()?;
    s.send(payload)?;
    let sent = udp_datagram(rec, local, server, payload);
    let mut buf = vec![0u8; 2048];
    match s.recv(&mut buf) {
        Ok(n) => {
            let data = buf.get(..n).unwrap_or_default().to_vec();
            let f = udp_datagram(rec, server, local, &data);
            Ok((sent, Some((data, f))))
        }
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
            ) =>
        {
            Ok((sent, None))
        }
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::{Frame, FrameSink, Warning};

    #[derive(Default)]
    struct Sink {
        frames: Vec<(u64, u32, usize)>,
        secrets: Vec<u8>,
        warnings: Vec<Warning>,
    }

    impl FrameSink for Sink {
        fn frame(&mut self, f: &Frame<'_>) {
            self.frames.push((f.number, f.link.0, f.data.len()));
        }
        fn tls_secrets(&mut self, keylog: &[u8]) {
            self.secrets.extend_from_slice(keylog);
        }
        fn warning(&mut self, w: Warning) {
            self.warnings.push(w);
        }
    }

    /// The pcapng we write is read back by our own capture layer, with the
    /// key log as a Decryption Secrets Block our key-log parser accepts.
    #[test]
    fn pcapng_round_trip_with_dsb() {
        let rec = Recorder::default();
        let c: SocketAddr = "10.0.0.2:50000".parse().expect("addr");
        let s: SocketAddr = "10.0.0.1:3389".parse().expect("addr");
        let mut t = TcpRec {
            rec: rec.clone(),
            client: c,
            server: s,
            seq: [1000, 5000],
            closed: false,
        };
        t.seg(
            true,
            Flags {
                syn: true,
                ..Flags::default()
            },
            &[],
        );
        t.data(true, &[3, 0, 0, 11, 6, 0xe0, 0, 0, 0, 0, 0]);
        t.data(false, &vec![0x42u8; 3000]); // three segments
        t.close();
        let line = format!("CLIENT_RANDOM {} {}", "ab".repeat(32), "cd".repeat(48));
        rec.key_log(&line);
        let bytes = rec.pcapng();
        let mut sink = Sink::default();
        let input: Box<dyn std::io::BufRead + Send> = Box::new(std::io::Cursor::new(bytes));
        crate::capture::read_capture(input, "mem", false, &mut sink).expect("reads");
        assert!(sink.warnings.is_empty(), "{:?}", sink.warnings);
        assert_eq!(sink.frames.len(), 1 + 1 + 3 + 3);
        assert!(sink.frames.iter().all(|f| f.1 == 101));
        let (log, warnings) = crate::decrypt::KeyLog::parse_bytes(&sink.secrets);
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(log.len(), 1);
    }
}
