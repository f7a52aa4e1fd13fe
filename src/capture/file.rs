//! pcap and pcapng files (plain or gzip-compressed) and stdin, through
//! pcap-parser's streaming reader.

use super::input::{Latched, ReadErrorLatch};
use super::{Frame, FrameSink, LinkType, Warning};
use crate::wire::Ts;
use pcap_parser::pcapng::{Block, EnhancedPacketBlock, SimplePacketBlock};
use pcap_parser::traits::PcapReaderIterator;
use pcap_parser::{PcapBlockOwned, PcapError};
use std::fmt;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Reader buffer: large enough for 256 KiB packets plus block overhead.
const READ_BUFFER: usize = 1 << 20;
/// The largest block the buffer grows to hold (a Decryption Secrets Block of
/// a key log with a few hundred thousand sessions); larger ones are skipped.
const MAX_BLOCK: usize = 64 << 20;

/// An input the user must fix: the analysis cannot start (exit code 2).
#[derive(Debug)]
pub enum InputError {
    /// The path cannot be opened.
    Open { path: PathBuf, source: io::Error },
    /// The file is not a pcap or pcapng capture; `looks_like` says what it seems to be.
    NotACapture { path: String, looks_like: String },
    /// The file is empty.
    Empty { path: String },
    /// Reading failed mid-way.
    Read { path: String, source: io::Error },
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InputError::Open { path, source } => write!(
                f,
                "cannot open {}: {source}. Check the path and that you may read it.",
                path.display()
            ),
            InputError::NotACapture { path, looks_like } => write!(
                f,
                "{path} is not a pcap or pcapng capture (it looks like {looks_like}). \
                 Save the capture from Wireshark as pcapng, or convert a pktmon trace with \
                 `pktmon etl2pcap FILE.etl -o FILE.pcapng`."
            ),
            InputError::Empty { path } => write!(
                f,
                "{path} is empty: nothing was captured. Capture again, starting before you click Connect (docs/capturing.md)."
            ),
            InputError::Read { path, source } => write!(
                f,
                "cannot read {path}: {source}. Check that the file is complete and readable, or copy it again."
            ),
        }
    }
}

impl std::error::Error for InputError {}

/// What reading a whole input produced.
#[derive(Debug, Clone, Default)]
pub struct ReadSummary {
    /// Frames delivered to the sink.
    pub frames: u64,
    /// Bytes of captured packet data.
    pub bytes: u64,
    /// Format: "pcap", "pcapng", with "+gzip" when compressed.
    pub format: String,
    /// True when the file ended in the middle of a block.
    pub truncated: bool,
    /// First and last frame timestamps.
    pub first_ts: Option<Ts>,
    pub last_ts: Option<Ts>,
}

/// Open a path (or `-` for stdin), transparently gunzipping, and return a
/// buffered reader plus whether it was compressed.
pub fn open_path(path: &str) -> Result<(Box<dyn BufRead + Send>, bool), InputError> {
    open_path_counted(path, None)
}

/// A reader that adds the bytes it hands out to a shared counter (progress).
struct Counted<R> {
    inner: R,
    count: Arc<AtomicU64>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// [`open_path`], adding the bytes read from the file (compressed bytes for a
/// gzip'd file) to `count` as reading goes, for a progress display.
pub fn open_path_counted(
    path: &str,
    count: Option<Arc<AtomicU64>>,
) -> Result<(Box<dyn BufRead + Send>, bool), InputError> {
    let raw: Box<dyn Read + Send> = if path == "-" {
        // A pipe hands out 64 KiB per read and stalls its writer while the
        // analysis runs: drain it on a thread.
        let stdin =
            super::prefetch::spawn(Box::new(io::stdin())).map_err(|source| InputError::Read {
                path: path.to_string(),
                source,
            })?;
        Box::new(stdin)
    } else {
        let p = Path::new(path);
        match std::fs::File::open(p) {
            Ok(f) => {
                if f.metadata().map(|m| m.is_dir()).unwrap_or(false) {
                    return Err(InputError::Open {
                        path: p.to_path_buf(),
                        source: io::Error::other("it is a directory"),
                    });
                }
                Box::new(f)
            }
            Err(source) => {
                return Err(InputError::Open {
                    path: p.to_path_buf(),
                    source,
                })
            }
        }
    };
    let raw: Box<dyn Read + Send> = match count {
        Some(count) => Box::new(Counted { inner: raw, count }),
        None => raw,
    };
    open_reader(raw, path)
}

/// Wrap any byte source (a file, stdin, bytes in memory), transparently
/// gunzipping, and return a buffered reader plus whether it was compressed.
pub fn open_reader(
    raw: Box<dyn Read + Send>,
    path: &str,
) -> Result<(Box<dyn BufRead + Send>, bool), InputError> {
    let mut buf = BufReader::with_capacity(256 * 1024, raw);
    let head = buf.fill_buf().map_err(|source| InputError::Read {
        path: path.to_string(),
        source,
    })?;
    if head.len() >= 2 && head[0] == 0x1f && head[1] == 0x8b {
        // Decompress on a thread, beside the analysis.
        let gz = flate2::bufread::MultiGzDecoder::new(buf);
        let ahead = super::prefetch::spawn(Box::new(gz)).map_err(|source| InputError::Read {
            path: path.to_string(),
            source,
        })?;
        Ok((Box::new(ahead), true))
    } else {
        Ok((Box::new(buf), false))
    }
}

/// Describe what a non-capture file looks like from its first bytes.
fn sniff(head: &[u8]) -> String {
    if head.starts_with(b"PK\x03\x04") {
        return "a ZIP archive (unzip it first)".into();
    }
    if head.starts_with(b"\x89PNG") || head.starts_with(b"\xff\xd8\xff") {
        return "an image".into();
    }
    if head.starts_with(b"%PDF") {
        return "a PDF document".into();
    }
    if head.starts_with(b"\xd4\xc3\xb2\xa1") || head.starts_with(b"\xa1\xb2\xc3\xd4") {
        return "a pcap file whose header is damaged".into();
    }
    if head.starts_with(b"\x0a\x0d\x0d\x0a") {
        return "a pcapng file whose first block is damaged".into();
    }
    if head.starts_with(b"\x42\x5a\x68") {
        return "a bzip2 archive (decompress it first)".into();
    }
    if head.starts_with(b"\xfd7zXZ") {
        return "an xz archive (decompress it first)".into();
    }
    let text = head
        .iter()
        .take(512)
        .all(|&b| b == b'\n' || b == b'\r' || b == b'\t' || (0x20..0x7f).contains(&b));
    if text && !head.is_empty() {
        let s = String::from_utf8_lossy(&head[..head.len().min(512)]);
        let l = s.to_ascii_lowercase();
        if l.contains("<html") || l.contains("<!doctype") {
            return "an HTML page".into();
        }
        if l.contains("client_random") || l.contains("traffic_secret") {
            return "a TLS key log (pass it with --keylog, next to the capture)".into();
        }
        return "a text file".into();
    }
    "binary data of an unknown format (a pktmon .etl trace must first be converted with `pktmon etl2pcap`)".into()
}

/// Per-interface facts from a pcapng Interface Description Block.
#[derive(Debug, Clone, Copy)]
struct Iface {
    link: LinkType,
    /// Units per second.
    resolution: u64,
    offset_secs: i64,
}

fn ts_from_units(high: u32, low: u32, iface: &Iface) -> Ts {
    let units = ((high as u64) << 32) | low as u64;
    let res = iface.resolution.max(1);
    let secs = (units / res) as i64;
    let frac = units % res;
    // frac * 1e9 / res without overflow for res up to 2^63.
    let nanos = ((frac as u128 * 1_000_000_000u128) / res as u128) as i64;
    Ts::from_parts(secs.saturating_add(iface.offset_secs), nanos)
}

/// Read a whole capture from `input` (already gunzipped), pushing frames into `sink`.
///
/// A damaged or truncated file yields a warning naming the last good frame and
/// keeps everything read before it; only a file that is not a capture at all
/// is an error.
pub fn read_capture(
    input: Box<dyn BufRead + Send>,
    name: &str,
    gzipped: bool,
    sink: &mut dyn FrameSink,
) -> Result<ReadSummary, InputError> {
    let latch = ReadErrorLatch::default();
    let mut reader = start_reader(input, name, latch.clone())?;
    let mut st = ReadState::new(latch);
    loop {
        if sink.stop() {
            break;
        }
        if let Some(len) = short_process_information_block(reader.data()) {
            // pcap-parser 0.17 computes `len - 12` for this block without a
            // check and panics (debug) or misreads (release); found by the
            // capture_reader fuzz target.
            st.summary.truncated = true;
            sink.warning(Warning {
                frame: Some(st.summary.frames),
                message: format!(
                    "the file is damaged after frame {} (a block claims {len} bytes, fewer than its header); everything before it was analyzed",
                    st.summary.frames
                ),
            });
            break;
        }
        match reader.next() {
            Ok((offset, block)) => {
                st.block(sink, block);
                // Not `consume`: it moves the unread half of the buffer to
                // its front whenever half is read, a memmove of the whole
                // file over a run (perf: ~8 %). `refill` moves only the
                // partial block left when the buffer runs out.
                reader.consume_noshift(offset);
            }
            Err(PcapError::Eof) => break,
            Err(PcapError::Incomplete(_)) => {
                if !refill(reader.as_mut(), &mut st, sink) {
                    break;
                }
            }
            Err(PcapError::BufferTooSmall) => {
                if !st.oversized_block(reader.as_mut(), sink) {
                    break;
                }
            }
            Err(PcapError::UnexpectedEof) if st.input_error.failed() => break,
            Err(e) => {
                warn_read_error(&e, &mut st.summary, sink);
                break;
            }
        }
    }
    if let Some(e) = st.input_error.take() {
        st.summary.truncated = true;
        let what = if gzipped { "compressed file" } else { "file" };
        sink.warning(Warning {
            frame: Some(st.summary.frames),
            message: format!(
                "the {what} is damaged after frame {} ({e}); everything before it was analyzed. Copy the file again if the failure came later",
                st.summary.frames
            ),
        });
    }
    let mut summary = st.summary;
    summary.format = if gzipped {
        format!("{}+gzip", st.format)
    } else {
        st.format.to_string()
    };
    Ok(summary)
}

/// Check that `input` has bytes and starts like a pcap or pcapng file.
fn start_reader(
    mut input: Box<dyn BufRead + Send>,
    name: &str,
    latch: ReadErrorLatch,
) -> Result<Box<dyn PcapReaderIterator + Send>, InputError> {
    let head = input.fill_buf().map_err(|source| InputError::Read {
        path: name.to_string(),
        source,
    })?;
    if head.is_empty() {
        return Err(InputError::Empty {
            path: name.to_string(),
        });
    }
    let looks_like = sniff(head);
    let input = Latched {
        inner: input,
        latch,
    };
    match pcap_parser::create_reader(READ_BUFFER, input) {
        Ok(r) => Ok(r),
        Err(PcapError::Eof) => Err(InputError::Empty {
            path: name.to_string(),
        }),
        Err(_) => Err(InputError::NotACapture {
            path: name.to_string(),
            looks_like,
        }),
    }
}

/// The reader needs more bytes: fetch them. False when the file ended (a
/// partial block left over is a truncation) or reading failed.
fn refill(
    reader: &mut (dyn PcapReaderIterator + Send),
    st: &mut ReadState,
    sink: &mut dyn FrameSink,
) -> bool {
    let summary = &mut st.summary;
    if reader.reader_exhausted() {
        // A read error (a damaged gzip stream) is reported after the loop.
        if !reader.data().is_empty() && !st.input_error.failed() {
            summary.truncated = true;
            sink.warning(Warning {
                frame: Some(summary.frames),
                message: format!(
                    "the file is truncated after frame {} (it ends in the middle of a packet); everything before it was analyzed. Stop the capture cleanly or copy the file again if the failure came later",
                    summary.frames
                ),
            });
        }
        return false;
    }
    if let Err(e) = reader.refill() {
        summary.truncated = true;
        sink.warning(Warning {
            frame: Some(summary.frames),
            message: format!(
                "read error after frame {} ({e:?}); everything before it was analyzed. Copy the file again or save it anew from the capture tool",
                summary.frames
            ),
        });
        return false;
    }
    true
}

/// The warning for a parse error that ends the read (everything before it is kept).
fn warn_read_error(e: &PcapError<&[u8]>, summary: &mut ReadSummary, sink: &mut dyn FrameSink) {
    match e {
        PcapError::UnexpectedEof => {
            summary.truncated = true;
            sink.warning(Warning {
                frame: Some(summary.frames),
                message: format!(
                    "the file is truncated after frame {}; everything before it was analyzed. Stop the capture cleanly or copy the file again if the failure came later",
                    summary.frames
                ),
            });
        }
        PcapError::BufferTooSmall => {
            sink.warning(Warning {
                frame: Some(summary.frames + 1),
                message: format!(
                    "a block after frame {} is larger than {} bytes; the rest of the file was not read",
                    summary.frames, READ_BUFFER
                ),
            });
        }
        e => {
            summary.truncated = true;
            sink.warning(Warning {
                frame: Some(summary.frames),
                message: format!(
                    "the file is damaged after frame {} ({}); everything before it was analyzed. Save the capture again (Wireshark: File > Save As pcapng)",
                    summary.frames,
                    describe_pcap_error(e)
                ),
            });
        }
    }
}

/// What the reader carries from one block to the next.
struct ReadState {
    summary: ReadSummary,
    format: &'static str,
    /// pcap: one link type, resolution and zone for the whole file.
    legacy_link: LinkType,
    legacy_nanos: bool,
    legacy_zone: i64,
    /// pcapng: interfaces of the current section.
    ifaces: Vec<Iface>,
    warned_unknown_link: Vec<(u32, u32)>,
    input_error: ReadErrorLatch,
    /// Byte order of the pcap file or the current pcapng section.
    big_endian: bool,
}

impl ReadState {
    fn new(input_error: ReadErrorLatch) -> Self {
        ReadState {
            input_error,
            summary: ReadSummary::default(),
            format: "pcap",
            legacy_link: LinkType::ETHERNET,
            legacy_nanos: false,
            legacy_zone: 0,
            ifaces: Vec::new(),
            warned_unknown_link: Vec::new(),
            big_endian: false,
        }
    }

    /// The block at the start of the reader's data is larger than its
    /// buffer: grow the buffer to the declared size (up to [`MAX_BLOCK`]), or
    /// skip the block with a warning. False when reading must stop.
    fn oversized_block(
        &mut self,
        reader: &mut (dyn PcapReaderIterator + Send),
        sink: &mut dyn FrameSink,
    ) -> bool {
        let Some((len, is_frame)) = self.declared_block(reader.data()) else {
            warn_read_error(&PcapError::BufferTooSmall, &mut self.summary, sink);
            return false;
        };
        if len <= MAX_BLOCK {
            if reader.grow(len + READ_BUFFER) {
                return refill(reader, self, sink);
            }
            // The buffer already holds more than the declared block and the
            // parser still wants more: the block's contents contradict its
            // length. Growing again changes nothing, so this looped forever
            // (found by the pcapng_dsb fuzz target).
            self.summary.truncated = true;
            sink.warning(Warning {
                frame: Some(self.summary.frames),
                message: format!(
                    "the file is damaged after frame {} (a block's contents do not fit the {len} bytes it declares); everything before it was analyzed. Save the capture again (Wireshark: File > Save As pcapng)",
                    self.summary.frames
                ),
            });
            return false;
        }
        let after = self.summary.frames;
        if is_frame {
            self.summary.frames += 1;
        }
        let what = if is_frame {
            format!("frame {}", after + 1)
        } else {
            "a block".into()
        };
        sink.warning(Warning {
            frame: Some(after),
            message: format!(
                "{what} after frame {after} is {len} bytes, more than the {MAX_BLOCK} bytes rdpdiag reads at once; it was skipped and the rest of the file analyzed"
            ),
        });
        let mut left = len;
        loop {
            let n = reader.data().len().min(left);
            reader.consume(n);
            left -= n;
            if left == 0 {
                return true;
            }
            if !refill(reader, self, sink) {
                return false;
            }
        }
    }

    /// Declared length of the block at the start of `data`, and whether it is
    /// a packet (which counts as a frame even when skipped).
    fn declared_block(&self, data: &[u8]) -> Option<(usize, bool)> {
        let word = |o: usize| -> Option<u32> {
            let b: [u8; 4] = data.get(o..o + 4)?.try_into().ok()?;
            Some(if self.big_endian {
                u32::from_be_bytes(b)
            } else {
                u32::from_le_bytes(b)
            })
        };
        if self.format == "pcap" {
            // Record header: ts_sec, ts_usec, incl_len, orig_len.
            let len = usize::try_from(word(8)?).ok()?.checked_add(16)?;
            return Some((len, true));
        }
        let len = usize::try_from(word(4)?).ok()?;
        (len >= 12 && len % 4 == 0).then_some((len, matches!(word(0)?, 2 | 3 | 6)))
    }

    fn deliver(&mut self, sink: &mut dyn FrameSink, frame: Frame<'_>) {
        deliver(
            sink,
            &mut self.summary,
            frame,
            &mut self.warned_unknown_link,
        );
    }

    fn block(&mut self, sink: &mut dyn FrameSink, block: PcapBlockOwned<'_>) {
        match block {
            PcapBlockOwned::LegacyHeader(h) => {
                self.legacy_link = LinkType(h.network.0 as u32);
                self.legacy_nanos = h.is_nanosecond_precision();
                self.legacy_zone = h.thiszone as i64;
                self.big_endian = h.is_bigendian();
            }
            PcapBlockOwned::Legacy(b) => {
                self.summary.frames += 1;
                let number = self.summary.frames;
                let nanos = if self.legacy_nanos {
                    b.ts_usec as i64
                } else {
                    b.ts_usec as i64 * 1000
                };
                let ts = Ts::from_parts(b.ts_sec as i64 + self.legacy_zone, nanos);
                let data = &b.data[..(b.caplen as usize).min(b.data.len())];
                let link = self.legacy_link;
                self.deliver(
                    sink,
                    Frame {
                        number,
                        ts,
                        link,
                        interface: 0,
                        data,
                        orig_len: b.origlen,
                    },
                );
            }
            PcapBlockOwned::NG(block) => {
                self.format = "pcapng";
                self.ng_block(sink, block);
            }
        }
    }

    fn ng_block(&mut self, sink: &mut dyn FrameSink, block: Block<'_>) {
        match block {
            Block::SectionHeader(shb) => {
                self.ifaces.clear();
                self.big_endian = shb.big_endian();
                for opt in &shb.options {
                    if opt.code == pcap_parser::pcapng::OptionCode::Comment {
                        if let Ok(s) = opt.as_str() {
                            sink.comment(None, s);
                        }
                    }
                }
            }
            Block::InterfaceDescription(idb) => {
                let resolution = idb.ts_resolution().unwrap_or(1_000_000);
                self.ifaces.push(Iface {
                    link: LinkType(idb.linktype.0 as u32),
                    resolution,
                    offset_secs: idb.ts_offset(),
                });
            }
            Block::EnhancedPacket(epb) => self.enhanced_packet(sink, &epb),
            Block::SimplePacket(spb) => self.simple_packet(sink, &spb),
            Block::DecryptionSecrets(dsb) => {
                if dsb.secrets_type.0 == 0x544c_534b {
                    sink.tls_secrets(dsb.data);
                } else {
                    sink.warning(Warning {
                        frame: None,
                        message: format!(
                            "Decryption Secrets Block of type {:#x} is not a TLS key log; ignored",
                            dsb.secrets_type.0
                        ),
                    });
                }
            }
            Block::Unknown(u) if u.block_type == 2 => {
                // Obsolete Packet Block (pcapng draft type 2).
                self.summary.frames += 1;
                if let Some(f) = parse_opb(u.data, &self.ifaces, self.summary.frames) {
                    self.deliver(sink, f);
                } else {
                    sink.warning(Warning {
                        frame: Some(self.summary.frames),
                        message: "malformed obsolete packet block; skipped".into(),
                    });
                }
            }
            _ => {}
        }
    }

    fn enhanced_packet(&mut self, sink: &mut dyn FrameSink, epb: &EnhancedPacketBlock<'_>) {
        self.summary.frames += 1;
        let Some(iface) = self.ifaces.get(epb.if_id as usize).copied() else {
            sink.warning(Warning {
                frame: Some(self.summary.frames),
                message: format!(
                    "packet names interface {} which the file never described; skipped (the file may be damaged: save it again from the capture tool)",
                    epb.if_id
                ),
            });
            return;
        };
        let number = self.summary.frames;
        let ts = ts_from_units(epb.ts_high, epb.ts_low, &iface);
        let data = &epb.data[..(epb.caplen as usize).min(epb.data.len())];
        for opt in &epb.options {
            if opt.code == pcap_parser::pcapng::OptionCode::Comment {
                if let Ok(s) = opt.as_str() {
                    sink.comment(Some(self.summary.frames), s);
                }
            }
        }
        self.deliver(
            sink,
            Frame {
                number,
                ts,
                link: iface.link,
                interface: epb.if_id,
                data,
                orig_len: epb.origlen,
            },
        );
    }

    fn simple_packet(&mut self, sink: &mut dyn FrameSink, spb: &SimplePacketBlock<'_>) {
        self.summary.frames += 1;
        // SPBs carry no timestamp; they belong to interface 0.
        let iface = self.ifaces.first().copied().unwrap_or(Iface {
            link: LinkType::ETHERNET,
            resolution: 1_000_000,
            offset_secs: 0,
        });
        let data = &spb.data[..(spb.origlen as usize).min(spb.data.len())];
        let number = self.summary.frames;
        let ts = self.summary.last_ts.unwrap_or_default();
        self.deliver(
            sink,
            Frame {
                number,
                ts,
                link: iface.link,
                interface: 0,
                data,
                orig_len: spb.origlen,
            },
        );
    }
}

/// The length of a pcapng Process Information Block at the start of `buf`
/// when it is shorter than a block header (12 bytes), in either byte order.
fn short_process_information_block(buf: &[u8]) -> Option<u32> {
    let head: [u8; 8] = buf.get(..8)?.try_into().ok()?;
    let le = (u32::from_le_bytes([head[0], head[1], head[2], head[3]]) == 0x8000_0001)
        .then(|| u32::from_le_bytes([head[4], head[5], head[6], head[7]]));
    let be = (u32::from_be_bytes([head[0], head[1], head[2], head[3]]) == 0x8000_0001)
        .then(|| u32::from_be_bytes([head[4], head[5], head[6], head[7]]));
    le.or(be).filter(|&len| len < 12)
}

fn describe_pcap_error(e: &PcapError<&[u8]>) -> String {
    match e {
        PcapError::HeaderNotRecognized => "header not recognized".into(),
        PcapError::ReadError => "read error".into(),
        PcapError::NomError(_, k) | PcapError::OwnedNomError(_, k) => {
            format!("malformed block ({k:?})")
        }
        other => format!("{other:?}").chars().take(80).collect(),
    }
}

fn parse_opb<'a>(body: &'a [u8], ifaces: &[Iface], number: u64) -> Option<Frame<'a>> {
    // interface_id u16, drops u16, ts_high u32, ts_low u32, caplen u32, len u32, data
    let u16le = |o: usize| -> Option<u16> {
        Some(u16::from_le_bytes(body.get(o..o + 2)?.try_into().ok()?))
    };
    let u32le = |o: usize| -> Option<u32> {
        Some(u32::from_le_bytes(body.get(o..o + 4)?.try_into().ok()?))
    };
    let if_id = u16le(0)? as u32;
    let iface = *ifaces.get(if_id as usize)?;
    let ts = ts_from_units(u32le(4)?, u32le(8)?, &iface);
    let caplen = u32le(12)? as usize;
    let orig_len = u32le(16)?;
    let data = body.get(20..20usize.checked_add(caplen)?)?;
    Some(Frame {
        number,
        ts,
        link: iface.link,
        interface: if_id,
        data,
        orig_len,
    })
}

fn deliver(
    sink: &mut dyn FrameSink,
    summary: &mut ReadSummary,
    frame: Frame<'_>,
    warned: &mut Vec<(u32, u32)>,
) {
    summary.bytes += frame.data.len() as u64;
    if summary.first_ts.is_none() {
        summary.first_ts = Some(frame.ts);
    }
    summary.last_ts = Some(frame.ts);
    if !super::link_supported(frame.link) {
        let key = (frame.interface, frame.link.0);
        if !warned.contains(&key) && warned.len() < 64 {
            warned.push(key);
            sink.warning(Warning {
                frame: Some(frame.number),
                message: format!(
                    "interface {} uses {}, which rdpdiag cannot decode; its packets are skipped (other interfaces are still analyzed)",
                    frame.interface,
                    frame.link.name()
                ),
            });
        }
        return;
    }
    sink.frame(&frame);
}
