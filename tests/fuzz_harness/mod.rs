//! The pipeline fuzz harnesses (capture reader, flow engine, whole analyze,
//! whole and streamed),
//! shared by `fuzz/fuzz_targets/` and `tests/fuzz_regressions.rs`.
#![allow(dead_code)]

use rdpdiag::analysis::analyze_reader;
use rdpdiag::analysis::with_ports;
use rdpdiag::capture::{self, Frame, FrameSink, LinkType, Warning};
use rdpdiag::decrypt::{KeyLog, TlsDecryptor};
use rdpdiag::engine::{Engine, EngineConfig};
use rdpdiag::report;
use rdpdiag::wire::{Dir, Ts};

#[derive(Default)]
struct Count {
    frames: u64,
    bytes: u64,
    warnings: u64,
}

impl FrameSink for Count {
    fn frame(&mut self, f: &Frame<'_>) {
        self.frames += 1;
        self.bytes += f.data.len() as u64;
        let _ = f.ts.rfc3339();
        let _ = f.link.name();
    }
    fn tls_secrets(&mut self, k: &[u8]) {
        self.bytes += k.len() as u64;
    }
    fn warning(&mut self, w: Warning) {
        self.warnings += 1;
        let _ = w.to_string();
    }
}

/// The capture file reader (pcap / pcapng / gzip) on arbitrary bytes.
pub fn capture_reader(data: &[u8]) {
    let raw: Box<dyn std::io::Read + Send> = Box::new(std::io::Cursor::new(data.to_vec()));
    if let Ok((reader, gz)) = capture::open_reader(raw, "fuzz") {
        let mut sink = Count::default();
        if let Err(e) = capture::read_capture(reader, "fuzz", gz, &mut sink) {
            let _ = e.to_string();
        }
    }
}

const LINKS: [LinkType; 8] = [
    LinkType::ETHERNET,
    LinkType::RAW,
    LinkType::LINUX_SLL,
    LinkType::LINUX_SLL2,
    LinkType::NULL,
    LinkType::LOOP,
    LinkType::IPV4,
    LinkType::IPV6,
];

/// The packet decoder and TCP/UDP flow engine (reassembly, health, sessions)
/// fed frames directly, without a capture file around them.
///
/// Input format (what `fuzz/seeds.py` writes): one byte selecting the
/// link type, then frames as `[u16 le length][u16 le time step in ms][bytes]`.
pub fn flow_engine(data: &[u8]) {
    let Some((&sel, mut rest)) = data.split_first() else {
        return;
    };
    let link = LINKS[sel as usize % LINKS.len()];
    let mut engine = Engine::new(EngineConfig::default());
    let mut number = 0u64;
    let mut ms = 1_700_000_000_000i64;
    while rest.len() >= 4 {
        let len = u16::from_le_bytes([rest[0], rest[1]]) as usize;
        let step = u16::from_le_bytes([rest[2], rest[3]]) as i64;
        rest = &rest[4..];
        let take = len.min(rest.len());
        let (frame, tail) = rest.split_at(take);
        rest = tail;
        number += 1;
        ms += step;
        engine.frame(&Frame {
            number,
            ts: Ts::from_parts(ms / 1000, (ms % 1000) * 1_000_000),
            link,
            interface: 0,
            data: frame,
            orig_len: frame.len() as u32,
        });
    }
    let _ = engine.finish();
    let connections = std::mem::take(&mut engine.sessions.connections);
    let udp = std::mem::take(&mut engine.sessions.udp);
    let kdc = std::mem::take(&mut engine.sessions.kdc);
    let attempts = rdpdiag::rules::diagnose(&connections, &udp, &kdc, &Default::default());
    let _ = format!("{attempts:?}");
}

/// The whole analyze pipeline on an in-memory capture: bytes -> capture
/// reader -> flows -> sessions -> attempts/findings -> text and JSON reports.
pub fn analyze(data: &[u8]) {
    let cfg = with_ports(&[3390]);
    let _ = analyze_with(data, &cfg);
    analyze_streamed(data, &cfg);
}

/// Renders every part the streaming analysis hands over, as `analyze` does.
struct RenderParts;

impl rdpdiag::analysis::AttemptSink for RenderParts {
    fn part(&mut self, part: report::FileReport) {
        let _ = report::text::render_part(&part, true, false);
        let index = report::RecordIndex::new(&part);
        for a in &part.attempts {
            let _ = report::jsonl::to_line(a, &report::jsonl::Context::of(&part, &index, a), None);
        }
    }
}

/// The streaming analysis (text report, JSON lines) with parts as small as
/// they get: a closed connection's record made 0.2 s after its close, and a
/// look for final attempts after every frame from the first record on.
pub fn analyze_streamed(data: &[u8], cfg: &rdpdiag::analysis::AnalysisConfig) {
    let mut eager = cfg.clone();
    eager.engine.flow.closed_linger_s = 0.2;
    eager.stream.part_records = 1;
    eager.stream.check_every_frames = 1;
    eager.stream.check_every_s = 0.0;
    eager.stream.max_held_records = 8;
    let raw: Box<dyn std::io::Read + Send> = Box::new(std::io::Cursor::new(data.to_vec()));
    match rdpdiag::analysis::analyze_reader_streaming("fuzz.pcap", raw, &eager, &mut RenderParts) {
        Ok(r) => {
            let _ = report::text::render(&r, true, false);
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
}

/// The lab key logs (`captures/*.keys.txt`): the dictionary of real TLS
/// secrets the key-aware targets pick from (a test checks every key log of
/// `captures/` is listed).
pub const KEY_LOGS: &[(&str, &str)] = &[
    (
        "cert_expired_ignored.keys.txt",
        include_str!("../../captures/cert_expired_ignored.keys.txt"),
    ),
    (
        "cert_expired_strict.keys.txt",
        include_str!("../../captures/cert_expired_strict.keys.txt"),
    ),
    (
        "cert_name_mismatch_strict.keys.txt",
        include_str!("../../captures/cert_name_mismatch_strict.keys.txt"),
    ),
    (
        "kdcproxy_503.keys.txt",
        include_str!("../../captures/kdcproxy_503.keys.txt"),
    ),
    (
        "kdcproxy_no_kdc.keys.txt",
        include_str!("../../captures/kdcproxy_no_kdc.keys.txt"),
    ),
    (
        "kdcproxy_ok.keys.txt",
        include_str!("../../captures/kdcproxy_ok.keys.txt"),
    ),
    (
        "kerberos_kdc_errors_then_ntlm.keys.txt",
        include_str!("../../captures/kerberos_kdc_errors_then_ntlm.keys.txt"),
    ),
    (
        "licensing_no_license_server.keys.txt",
        include_str!("../../captures/licensing_no_license_server.keys.txt"),
    ),
    (
        "mcs_connect_response_failure.keys.txt",
        include_str!("../../captures/mcs_connect_response_failure.keys.txt"),
    ),
    (
        "middlebox_rst_midsession.keys.txt",
        include_str!("../../captures/middlebox_rst_midsession.keys.txt"),
    ),
    (
        "nla_early_user_auth_denied.keys.txt",
        include_str!("../../captures/nla_early_user_auth_denied.keys.txt"),
    ),
    (
        "nla_errorcode_account_restriction.keys.txt",
        include_str!("../../captures/nla_errorcode_account_restriction.keys.txt"),
    ),
    (
        "nla_errorcode_logon_failure.keys.txt",
        include_str!("../../captures/nla_errorcode_logon_failure.keys.txt"),
    ),
    (
        "nla_errorcode_unsupported_function.keys.txt",
        include_str!("../../captures/nla_errorcode_unsupported_function.keys.txt"),
    ),
    (
        "nla_ok_impacket.keys.txt",
        include_str!("../../captures/nla_ok_impacket.keys.txt"),
    ),
    (
        "nla_refused_then_user_retry.keys.txt",
        include_str!("../../captures/nla_refused_then_user_retry.keys.txt"),
    ),
    (
        "nla_unknown_user.keys.txt",
        include_str!("../../captures/nla_unknown_user.keys.txt"),
    ),
    (
        "nla_wrong_password.keys.txt",
        include_str!("../../captures/nla_wrong_password.keys.txt"),
    ),
    (
        "rdg_auth_rejected.keys.txt",
        include_str!("../../captures/rdg_auth_rejected.keys.txt"),
    ),
    (
        "rdg_cap_denied.keys.txt",
        include_str!("../../captures/rdg_cap_denied.keys.txt"),
    ),
    (
        "rdg_forbidden.keys.txt",
        include_str!("../../captures/rdg_forbidden.keys.txt"),
    ),
    (
        "rdg_ok.keys.txt",
        include_str!("../../captures/rdg_ok.keys.txt"),
    ),
    (
        "rdg_rap_denied.keys.txt",
        include_str!("../../captures/rdg_rap_denied.keys.txt"),
    ),
    (
        "rdg_target_unreachable.keys.txt",
        include_str!("../../captures/rdg_target_unreachable.keys.txt"),
    ),
    (
        "rdg_unavailable.keys.txt",
        include_str!("../../captures/rdg_unavailable.keys.txt"),
    ),
    (
        "rdg_ws_auth_rejected.keys.txt",
        include_str!("../../captures/rdg_ws_auth_rejected.keys.txt"),
    ),
    (
        "rdg_ws_nla_rejected.keys.txt",
        include_str!("../../captures/rdg_ws_nla_rejected.keys.txt"),
    ),
    (
        "rdg_ws_ok.keys.txt",
        include_str!("../../captures/rdg_ws_ok.keys.txt"),
    ),
    (
        "rdg_ws_rap_denied.keys.txt",
        include_str!("../../captures/rdg_ws_rap_denied.keys.txt"),
    ),
    (
        "server_rst_midsession.keys.txt",
        include_str!("../../captures/server_rst_midsession.keys.txt"),
    ),
    (
        "set_error_info_server_denied.keys.txt",
        include_str!("../../captures/set_error_info_server_denied.keys.txt"),
    ),
    (
        "stall_network_outage.keys.txt",
        include_str!("../../captures/stall_network_outage.keys.txt"),
    ),
    (
        "tls12_cbc_ok.keys.txt",
        include_str!("../../captures/tls12_cbc_ok.keys.txt"),
    ),
    (
        "tls_ok.keys.txt",
        include_str!("../../captures/tls_ok.keys.txt"),
    ),
    (
        "zero_window_client_stopped.keys.txt",
        include_str!("../../captures/zero_window_client_stopped.keys.txt"),
    ),
];

/// A small real capture (TLS, CredSSP, NTLM; its key log is in
/// [`KEY_LOGS`]) the config and pcapng targets analyze.
pub const LAB_CAPTURE: &[u8] = include_bytes!("../../captures/nla_wrong_password.pcap");

fn key_log(sel: u8) -> &'static str {
    KEY_LOGS[usize::from(sel) % KEY_LOGS.len()].1
}

/// Every key log of the dictionary merged into one.
fn all_keys() -> std::sync::Arc<KeyLog> {
    static ALL: std::sync::OnceLock<std::sync::Arc<KeyLog>> = std::sync::OnceLock::new();
    ALL.get_or_init(|| {
        let mut all = KeyLog::new();
        for (_, text) in KEY_LOGS {
            all.merge(&KeyLog::parse(text).0);
        }
        std::sync::Arc::new(all)
    })
    .clone()
}

/// The whole analyze pipeline on `data` with `cfg`, then every report
/// format (text, JSON), as `rdpdiag analyze` would.
fn analyze_with(
    data: &[u8],
    cfg: &rdpdiag::analysis::AnalysisConfig,
) -> Option<report::FileReport> {
    let raw: Box<dyn std::io::Read + Send> = Box::new(std::io::Cursor::new(data.to_vec()));
    match analyze_reader("fuzz.pcap", raw, cfg) {
        Ok(r) => {
            let _ = report::text::render(&r, true, false);
            let files = [r];
            let doc = report::Document::new(&files);
            let _ = serde_json::to_string(&doc).map(|s| s.len());
            let [r] = files;
            Some(r)
        }
        Err(e) => {
            let _ = e.to_string();
            None
        }
    }
}

/// TLS decryption with real secrets loaded: the records of one connection
/// fed to a [`TlsDecryptor`].
///
/// Input format (what `fuzz/seeds.py` writes from the lab captures with key
/// logs): one byte selecting the key log (`KEY_LOGS`, one past the end is
/// all of them merged), then records as `[direction byte (bit 0: server to
/// client)][TLS record header: type, version, u16 be length][fragment]`.
pub fn tls_decrypt(data: &[u8]) {
    let Some((&sel, mut rest)) = data.split_first() else {
        return;
    };
    let keys = match usize::from(sel) % (KEY_LOGS.len() + 1) {
        i if i == KEY_LOGS.len() => all_keys(),
        i => std::sync::Arc::new(KeyLog::parse(KEY_LOGS[i].1).0),
    };
    let mut dec = TlsDecryptor::new(keys);
    while rest.len() >= 6 {
        let dir = if rest[0] & 1 == 0 {
            Dir::ClientToServer
        } else {
            Dir::ServerToClient
        };
        let ct = rest[1];
        let version = u16::from_be_bytes([rest[2], rest[3]]);
        let len = usize::from(u16::from_be_bytes([rest[4], rest[5]]));
        rest = &rest[6..];
        let (frag, tail) = rest.split_at(len.min(rest.len()));
        rest = tail;
        let outcome = dec.on_record(dir, ct, version, frag);
        let _ = format!("{outcome:?}");
    }
    let _ = format!("{:?} {:?}", dec.status(), dec.client_random().is_some());
}

/// The key-log parser (NSS key log format, as a file or a pcapng Decryption
/// Secrets Block), merging into the lab secrets, and the capture's DSB keys
/// added block by block to a session store that already holds user keys.
/// Input: key-log bytes; a NUL byte separates DSB-sized blocks.
pub fn keylog(data: &[u8]) {
    let (k, warnings) = KeyLog::parse_bytes(data);
    let _ = (k.len(), k.secret_count(), warnings.len());
    for w in &warnings {
        let _ = w.len();
    }
    if let Some((d, _)) = KeyLog::from_dsb(rdpdiag::decrypt::DSB_TLS_KEY_LOG, data) {
        let _ = d.len();
    }
    let mut merged = (*all_keys()).clone();
    merged.merge(&k);
    let mut preferring = k.clone();
    preferring.merge_preferring(&all_keys(), Some(&k));
    let _ = (merged.len(), preferring.secret_count());
    let mut cfg = EngineConfig::default();
    cfg.session.keylog = Some(all_keys());
    let mut engine = Engine::new(cfg);
    for block in data.split(|&b| b == 0) {
        engine.sessions.add_keylog_bytes(block);
    }
    let _ = engine.sessions.key_copies();
    // The lab capture analyzed with these keys (the capture's own key log
    // is the user's): wrong or partial secrets must not derail it.
    if k.len() < 64 {
        let mut acfg = with_ports(&[3390]);
        acfg.keylog = Some(std::sync::Arc::new(k));
        let _ = analyze_with(LAB_CAPTURE, &acfg);
    }
}

/// The configuration file parser (`--config`), then the lab capture
/// analyzed with every setting the file made.
pub fn config(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match rdpdiag::config::parse(text) {
        Ok(file) => {
            let cfg = file.analysis_config(&[3390]);
            let _ = analyze_with(LAB_CAPTURE, &cfg);
        }
        Err(e) => {
            let _ = e.len();
        }
    }
}

/// `--redact` on a report built from the input (a capture, analyzed with
/// the lab secrets so that decrypted names reach the report): the redaction
/// table from the report, then the text and JSON reports scrubbed.
pub fn redact(data: &[u8]) {
    let mut cfg = with_ports(&[3390]);
    cfg.keylog = Some(all_keys());
    let Some(r) = analyze_with(data, &cfg) else {
        return;
    };
    let files = [r];
    let red = rdpdiag::redact::Redactor::from_reports(&files);
    let text = report::text::render(&files[0], true, false);
    let _ = red.text(&text).len();
    if let Ok(mut v) = report::json::to_value(&files) {
        red.json(&mut v);
        let _ = serde_json::to_string(&v).map(|s| s.len());
    }
    // Arbitrary text through the table too (free text, odd UTF-8).
    let _ = red.text(&String::from_utf8_lossy(data.get(..4096).unwrap_or(data)));
}

/// A server that answers with the given bytes: what the probe writes is
/// dropped, reads take `chunk` bytes at a time, then end of stream.
struct Replay<'a> {
    data: &'a [u8],
    chunk: usize,
}

impl std::io::Read for Replay<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = buf.len().min(self.chunk).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

impl std::io::Write for Replay<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The probe's parsing of what a server sent: the Connection Confirm (or
/// whatever came instead), the answer to a hand-built ClientHello, and the
/// CredSSP/NTLM CHALLENGE, each judged into the report's rows.
///
/// Input format: `[step][parameter][read chunk size]`, then the server's
/// bytes. Step 0: X.224 negotiation, parameter selects the requested
/// protocols; step 1: ClientHello for TLS 1.0/1.1/1.2 (parameter); step 2:
/// TSRequest carrying the CHALLENGE.
pub fn probe_replies(data: &[u8]) {
    let [step, param, chunk, reply @ ..] = data else {
        return;
    };
    let mut s = Replay {
        data: reply,
        chunk: usize::from(*chunk).max(1) * 16,
    };
    match step % 3 {
        0 => {
            let set = rdpdiag::probe::SETS[usize::from(*param) % rdpdiag::probe::SETS.len()];
            let row = rdpdiag::probe::negotiation_row(&mut s, set);
            let _ = serde_json::to_string(&row).map(|j| j.len());
        }
        1 => {
            let v = [0x0301, 0x0302, 0x0303][usize::from(*param) % 3];
            let (accepted, detail, chain) = rdpdiag::probe::hello_row(&mut s, v, "fuzz.example");
            let _ = (accepted, detail.len(), chain.len());
        }
        _ => match rdpdiag::probe::nla::challenge(&mut s, 1_700_000_000) {
            Ok(info) => {
                let _ = serde_json::to_string(&info).map(|j| j.len());
            }
            Err(e) => {
                let _ = e.len();
            }
        },
    }
}

/// pcapng building blocks for [`pcapng_dsb`].
mod pcapng {
    pub fn block(out: &mut Vec<u8>, kind: u32, body: &[u8]) {
        let pad = (4 - body.len() % 4) % 4;
        let total = (12 + body.len() + pad) as u32;
        out.extend_from_slice(&kind.to_le_bytes());
        out.extend_from_slice(&total.to_le_bytes());
        out.extend_from_slice(body);
        out.extend(std::iter::repeat_n(0u8, pad));
        out.extend_from_slice(&total.to_le_bytes());
    }

    pub fn header(out: &mut Vec<u8>) {
        let mut shb = Vec::new();
        shb.extend_from_slice(&0x1A2B_3C4Du32.to_le_bytes());
        shb.extend_from_slice(&1u16.to_le_bytes());
        shb.extend_from_slice(&0u16.to_le_bytes());
        shb.extend_from_slice(&(-1i64).to_le_bytes());
        block(out, 0x0A0D_0D0A, &shb);
        let mut idb = Vec::new();
        idb.extend_from_slice(&1u16.to_le_bytes()); // Ethernet, as LAB_CAPTURE
        idb.extend_from_slice(&0u16.to_le_bytes());
        idb.extend_from_slice(&0u32.to_le_bytes());
        block(out, 1, &idb);
    }

    pub fn dsb(out: &mut Vec<u8>, secrets: &[u8]) {
        let mut body = Vec::with_capacity(secrets.len() + 8);
        body.extend_from_slice(&rdpdiag::decrypt::DSB_TLS_KEY_LOG.to_le_bytes());
        body.extend_from_slice(&(secrets.len() as u32).to_le_bytes());
        body.extend_from_slice(secrets);
        block(out, 0x0A, &body);
    }

    pub fn epb(out: &mut Vec<u8>, ts_us: u64, frame: &[u8]) {
        let mut body = Vec::with_capacity(frame.len() + 20);
        body.extend_from_slice(&0u32.to_le_bytes());
        body.extend_from_slice(&((ts_us >> 32) as u32).to_le_bytes());
        body.extend_from_slice(&(ts_us as u32).to_le_bytes());
        body.extend_from_slice(&(frame.len() as u32).to_le_bytes());
        body.extend_from_slice(&(frame.len() as u32).to_le_bytes());
        body.extend_from_slice(frame);
        block(out, 6, &body);
    }

    /// The frames of a classic little-endian pcap, as (µs timestamp, bytes).
    pub fn pcap_frames(raw: &[u8]) -> Vec<(u64, &[u8])> {
        let mut out = Vec::new();
        let mut off = 24;
        let u32_at = |o: usize| {
            raw.get(o..o + 4)
                .map_or(0, |b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        };
        while off + 16 <= raw.len() {
            let ts = u64::from(u32_at(off)) * 1_000_000 + u64::from(u32_at(off + 4));
            let incl = u32_at(off + 8) as usize;
            let Some(frame) = raw.get(off + 16..off + 16 + incl) else {
                break;
            };
            out.push((ts, frame));
            off += 16 + incl;
        }
        out
    }
}

/// Takes `n` bytes off the front of `rest` (fewer at its end).
fn take<'a>(rest: &mut &'a [u8], n: usize) -> &'a [u8] {
    let (head, tail) = rest.split_at(n.min(rest.len()));
    *rest = tail;
    head
}

fn take_u16(rest: &mut &[u8]) -> usize {
    match take(rest, 2) {
        [a, b] => usize::from(u16::from_le_bytes([*a, *b])),
        [a] => usize::from(*a),
        _ => 0,
    }
}

/// pcapng files with many and oversized Decryption Secrets Blocks around
/// the lab capture's frames, through the reader and the whole analysis.
///
/// Input: a program of one-byte operations (each with its arguments):
/// 0 `k n`: one DSB holding lab key log `k` repeated `n`+1 times;
/// 1 `len bytes`: a DSB holding these bytes; 2 `k m`: an oversized DSB,
/// (`m` % 48 + 1) × 64 KiB of key log `k` (over the 1 MiB read buffer);
/// 3: the lab capture's frames; 4 `len bytes`: one frame of these bytes;
/// 5 `len bytes`: raw bytes as they are (lying block lengths);
/// 6 `k n`: (`n`+1) × 16 one-line DSBs of key log `k`.
pub fn pcapng_dsb(data: &[u8]) {
    let out = pcapng_dsb_file(data);
    capture_reader(&out);
    let _ = analyze_with(&out, &with_ports(&[3390]));
}

/// The pcapng file a [`pcapng_dsb`] input describes.
fn pcapng_dsb_file(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    pcapng::header(&mut out);
    let mut rest = data;
    let mut ts = 1_700_000_000_000_000u64;
    let byte = |rest: &mut &[u8]| take(rest, 1).first().copied().unwrap_or(0);
    while let Some(op) = take(&mut rest, 1).first().copied() {
        match op % 7 {
            0 => {
                let (k, n) = (key_log(byte(&mut rest)), byte(&mut rest));
                pcapng::dsb(&mut out, k.repeat(usize::from(n) + 1).as_bytes());
            }
            1 => {
                let len = take_u16(&mut rest);
                pcapng::dsb(&mut out, take(&mut rest, len));
            }
            2 => {
                let (k, m) = (key_log(byte(&mut rest)), byte(&mut rest));
                let size = (usize::from(m) % 48 + 1) << 16;
                let secrets: Vec<u8> = k.bytes().cycle().take(size).collect();
                pcapng::dsb(&mut out, &secrets);
            }
            3 => {
                for (t, frame) in pcapng::pcap_frames(LAB_CAPTURE) {
                    pcapng::epb(&mut out, t, frame);
                }
            }
            4 => {
                let len = take_u16(&mut rest);
                ts += 1000;
                pcapng::epb(&mut out, ts, take(&mut rest, len));
            }
            5 => {
                let len = take_u16(&mut rest);
                out.extend_from_slice(take(&mut rest, len));
            }
            _ => {
                let (k, n) = (key_log(byte(&mut rest)), byte(&mut rest));
                let lines: Vec<&str> = k.lines().filter(|l| !l.is_empty()).collect();
                for i in 0..(usize::from(n) + 1) * 16 {
                    if let Some(l) = lines.get(i % lines.len().max(1)) {
                        pcapng::dsb(&mut out, l.as_bytes());
                    }
                }
            }
        }
        if out.len() > 8 << 20 {
            break;
        }
    }
    out
}

/// The reader's warnings on the file a [`pcapng_dsb`] input describes.
pub fn pcapng_dsb_warnings(data: &[u8]) -> Vec<String> {
    #[derive(Default)]
    struct Warnings(Vec<String>);
    impl FrameSink for Warnings {
        fn frame(&mut self, _: &Frame<'_>) {}
        fn warning(&mut self, w: Warning) {
            self.0.push(w.to_string());
        }
    }
    let out = pcapng_dsb_file(data);
    let raw: Box<dyn std::io::Read + Send> = Box::new(std::io::Cursor::new(out));
    let mut sink = Warnings::default();
    if let Ok((reader, gz)) = capture::open_reader(raw, "fuzz") {
        if let Err(e) = capture::read_capture(reader, "fuzz", gz, &mut sink) {
            sink.0.push(e.to_string());
        }
    }
    sink.0
}

/// A damaged gzip capture: the input's capture gzipped, then cut, flipped,
/// extended or followed by a second (damaged) member, through the reader
/// and the whole analysis.
///
/// Input format: `[mode][u32 le position]`, then the capture (seeds: every
/// real capture, whole). Modes: 0 truncate at the position, 1 flip the
/// byte there, 2 append that many bytes of garbage, 3 damage the CRC/size
/// trailer, 4 a second member cut at the position, 5 undamaged.
pub fn gzip_damaged(data: &[u8]) {
    use std::io::Write;
    let [mode, a, b, c, d, cap @ ..] = data else {
        return;
    };
    let pos = u32::from_le_bytes([*a, *b, *c, *d]) as usize;
    let gz = |bytes: &[u8]| {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        let _ = e.write_all(bytes);
        e.finish().unwrap_or_default()
    };
    let mut z = gz(cap);
    let n = z.len();
    match mode % 6 {
        0 => z.truncate(pos % n.max(1)),
        1 => {
            if let Some(x) = z.get_mut(pos % n.max(1)) {
                *x ^= *a | 1;
            }
        }
        2 => z.extend(cap.iter().copied().cycle().take(pos % 4096 + 1)),
        3 => {
            for x in z.iter_mut().rev().take(8).filter(|_| *b & 1 == 1) {
                *x ^= 0x5a;
            }
            if let Some(x) = z.iter_mut().rev().nth(pos % 8) {
                *x = x.wrapping_add(1);
            }
        }
        4 => {
            let mut second = gz(cap);
            second.truncate(pos % second.len().max(1));
            z.extend_from_slice(&second);
        }
        _ => {}
    }
    capture_reader(&z);
    let _ = analyze_with(&z, &with_ports(&[3390]));
}
