//! The one pcapng writer: `live --write`, the probe's `--write` and the key
//! embedding after a live capture all write through it. One section, one
//! interface, Enhanced Packet Blocks with microsecond timestamps (the pcapng
//! default resolution) and Decryption Secrets Blocks for TLS key logs.

use std::io::Write;

/// Block type of a Decryption Secrets Block.
const DSB: u32 = 0x0000_000A;
/// DSB secrets type "TLSK": an NSS TLS key log.
const TLS_KEY_LOG: u32 = 0x544C_534B;

/// Writes pcapng to `out`.
pub struct PcapngWriter<W: Write> {
    out: W,
}

impl<W: Write> PcapngWriter<W> {
    /// Write the section header and the interface description.
    pub fn new(mut out: W, linktype: u16, snaplen: u32) -> std::io::Result<Self> {
        // Section Header Block: byte-order magic, version 1.0, unknown section length.
        let mut shb = Vec::with_capacity(16);
        shb.extend_from_slice(&0x1A2B_3C4Du32.to_le_bytes());
        shb.extend_from_slice(&1u16.to_le_bytes());
        shb.extend_from_slice(&0u16.to_le_bytes());
        shb.extend_from_slice(&(-1i64).to_le_bytes());
        write_block(&mut out, 0x0A0D_0D0A, &shb)?;
        // Interface Description Block.
        let mut idb = Vec::with_capacity(8);
        idb.extend_from_slice(&linktype.to_le_bytes());
        idb.extend_from_slice(&0u16.to_le_bytes());
        idb.extend_from_slice(&snaplen.to_le_bytes());
        write_block(&mut out, 1, &idb)?;
        Ok(PcapngWriter { out })
    }

    /// A Decryption Secrets Block holding NSS key-log text; it applies to the
    /// packets written after it.
    pub fn secrets(&mut self, keylog: &[u8]) -> std::io::Result<()> {
        write_dsb(&mut self.out, keylog)
    }

    /// One Enhanced Packet Block.
    pub fn packet(&mut self, ts_micros: u64, data: &[u8], orig_len: u32) -> std::io::Result<()> {
        let mut epb = Vec::with_capacity(20 + data.len() + 3);
        epb.extend_from_slice(&0u32.to_le_bytes());
        epb.extend_from_slice(&((ts_micros >> 32) as u32).to_le_bytes());
        epb.extend_from_slice(&(ts_micros as u32).to_le_bytes());
        epb.extend_from_slice(&(data.len() as u32).to_le_bytes());
        epb.extend_from_slice(&orig_len.to_le_bytes());
        epb.extend_from_slice(data);
        pad4(&mut epb);
        write_block(&mut self.out, 6, &epb)
    }

    pub fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }

    /// The underlying writer.
    pub fn into_inner(self) -> W {
        self.out
    }
}

/// Write a Decryption Secrets Block (TLS key log) to any writer.
pub fn write_dsb<W: Write>(out: &mut W, keylog: &[u8]) -> std::io::Result<()> {
    let mut dsb = Vec::with_capacity(8 + keylog.len() + 3);
    dsb.extend_from_slice(&TLS_KEY_LOG.to_le_bytes());
    dsb.extend_from_slice(&(keylog.len() as u32).to_le_bytes());
    dsb.extend_from_slice(keylog);
    pad4(&mut dsb);
    write_block(out, DSB, &dsb)
}

fn pad4(b: &mut Vec<u8>) {
    while b.len() % 4 != 0 {
        b.push(0);
    }
}

fn write_block<W: Write>(out: &mut W, kind: u32, body: &[u8]) -> std::io::Result<()> {
    let total = (12 + body.len()) as u32;
    out.write_all(&kind.to_le_bytes())?;
    out.write_all(&total.to_le_bytes())?;
    out.write_all(body)?;
    out.write_all(&total.to_le_bytes())
}

/// A file that may hold TLS secrets, written privately: created with mode
/// 0600 under an unpredictable name in the destination's directory with
/// `create_new` (O_EXCL: a link planted at that name is never followed), then
/// renamed over the destination. Dropped before [`PrivateFile::commit`], the
/// temporary file is removed.
pub struct PrivateFile {
    file: std::fs::File,
    /// Empty once committed.
    tmp: std::path::PathBuf,
    dest: std::path::PathBuf,
}

impl PrivateFile {
    pub fn create(dest: &std::path::Path) -> std::io::Result<PrivateFile> {
        let dir = match dest.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => std::path::PathBuf::from("."),
        };
        let base = dest
            .file_name()
            .map_or_else(|| "capture".into(), |n| n.to_string_lossy().into_owned());
        let mut last = None;
        for _ in 0..16 {
            let tmp = dir.join(format!(".{base}.{:016x}.rdpdiag", unpredictable()));
            match private_options().open(&tmp) {
                Ok(file) => {
                    return Ok(PrivateFile {
                        file,
                        tmp,
                        dest: dest.to_path_buf(),
                    })
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => last = Some(e),
                Err(e) => return Err(e),
            }
        }
        Err(last.unwrap_or_else(|| std::io::Error::other("no free temporary name")))
    }

    /// The open temporary file.
    pub fn file(&mut self) -> &mut std::fs::File {
        &mut self.file
    }

    /// Rename the temporary file over the destination (a symlink there is
    /// replaced, not followed) and hand back the open file, which stays valid.
    pub fn commit(mut self) -> std::io::Result<std::fs::File> {
        std::fs::rename(&self.tmp, &self.dest)?;
        self.tmp = std::path::PathBuf::new();
        self.file.try_clone()
    }
}

impl Drop for PrivateFile {
    fn drop(&mut self) {
        if !self.tmp.as_os_str().is_empty() {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// Write `bytes` to `dest` privately (see [`PrivateFile`]).
pub fn write_private(dest: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut f = PrivateFile::create(dest)?;
    f.file().write_all(bytes)?;
    f.commit().map(drop)
}

fn private_options() -> std::fs::OpenOptions {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).read(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    o
}

/// 64 bits an attacker cannot predict: std's per-process random hash keys,
/// mixed with the time and a counter.
fn unpredictable() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    h.write_u32(std::process::id());
    h.finish()
}
