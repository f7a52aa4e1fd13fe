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
