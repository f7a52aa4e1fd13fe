//! Reading ahead on a thread: gzip decompression and pipe (stdin) reads run
//! beside the analysis instead of inside it. The thread fills owned chunks
//! and hands them over a bounded channel, so at most a few MiB are ahead of
//! the analysis; the byte stream, and a read error after the bytes before it,
//! reach the reader as they would without the thread.

use std::io::{self, BufRead, Read};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TrySendError};

/// Bytes of one chunk.
const CHUNK: usize = 1 << 20;
/// Chunks read ahead (besides the one being filled and the one being read).
const AHEAD: usize = 4;
/// Largest single read from the source: what the unthreaded path read the
/// decompressor with (its 256 KiB buffer).
const READ: usize = 256 * 1024;

/// A chunk and how many of its bytes are filled, or the read error that
/// ended the source.
type Msg = io::Result<(Vec<u8>, usize)>;

/// The reading end: a [`BufRead`] over the chunks the thread sends.
pub(super) struct Prefetch {
    rx: Receiver<Msg>,
    buf: Vec<u8>,
    len: usize,
    pos: usize,
    done: bool,
}

/// Start reading `src` on a thread. The thread ends at the end of `src`, at
/// its first error, or when the [`Prefetch`] is dropped.
pub(super) fn spawn(src: Box<dyn Read + Send>) -> io::Result<Prefetch> {
    let (tx, rx) = sync_channel(AHEAD);
    std::thread::Builder::new()
        .name("capture-read".into())
        .spawn(move || pump(src, &tx))?;
    Ok(Prefetch {
        rx,
        buf: Vec::new(),
        len: 0,
        pos: 0,
        done: false,
    })
}

/// Fill chunks from `src` and send them: a partly filled chunk goes as soon
/// as the channel has room (the analysis is waiting), a full one waits.
fn pump(mut src: Box<dyn Read + Send>, tx: &SyncSender<Msg>) {
    let mut chunk = vec![0u8; CHUNK];
    let mut n = 0;
    loop {
        let end = (n + READ).min(CHUNK);
        let got = match src.read(&mut chunk[n..end]) {
            Ok(k) => k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                if n > 0 && tx.send(Ok((chunk, n))).is_err() {
                    return;
                }
                let _ = tx.send(Err(e));
                return;
            }
        };
        n += got;
        if got == 0 {
            if n > 0 {
                let _ = tx.send(Ok((chunk, n)));
            }
            return;
        }
        if n == CHUNK {
            if tx.send(Ok((chunk, n))).is_err() {
                return;
            }
            chunk = vec![0u8; CHUNK];
            n = 0;
            continue;
        }
        match tx.try_send(Ok((chunk, n))) {
            Ok(()) => {
                chunk = vec![0u8; CHUNK];
                n = 0;
            }
            Err(TrySendError::Full(Ok((c, _)))) => chunk = c,
            Err(_) => return,
        }
    }
}

impl Read for Prefetch {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let avail = self.fill_buf()?;
        let k = avail.len().min(out.len());
        out[..k].copy_from_slice(&avail[..k]);
        self.consume(k);
        Ok(k)
    }
}

impl BufRead for Prefetch {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        use std::sync::mpsc::RecvTimeoutError;
        while self.pos == self.len && !self.done {
            // Waiting in steps, so a signal (Ctrl-C on `tcpdump -w - |
            // rdpdiag analyze -`) ends the input even while the writer is
            // silent: a handled signal does not interrupt a blocking read.
            match self.rx.recv_timeout(std::time::Duration::from_millis(100)) {
                Ok(Ok((buf, len))) => {
                    self.buf = buf;
                    self.len = len;
                    self.pos = 0;
                }
                Ok(Err(e)) => {
                    self.done = true;
                    return Err(e);
                }
                Err(RecvTimeoutError::Timeout) if crate::interrupt::requested() => self.done = true,
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => self.done = true,
            }
        }
        Ok(&self.buf[self.pos..self.len])
    }

    fn consume(&mut self, amt: usize) {
        self.pos = (self.pos + amt).min(self.len);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A source that hands out `data` in uneven reads, then fails.
    struct Uneven {
        data: Vec<u8>,
        at: usize,
        step: usize,
        fail: bool,
    }

    impl Read for Uneven {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            if self.at == self.data.len() {
                return if self.fail {
                    Err(io::Error::other("boom"))
                } else {
                    Ok(0)
                };
            }
            self.step = self.step * 7 % 70_001 + 1;
            let k = self.step.min(out.len()).min(self.data.len() - self.at);
            out[..k].copy_from_slice(&self.data[self.at..self.at + k]);
            self.at += k;
            Ok(k)
        }
    }

    fn source(fail: bool) -> (Vec<u8>, Box<dyn Read + Send>) {
        let data: Vec<u8> = (0..3_000_017u32).map(|i| (i * 31 % 251) as u8).collect();
        let src = Uneven {
            data: data.clone(),
            at: 0,
            step: 5,
            fail,
        };
        (data, Box::new(src))
    }

    #[test]
    fn same_bytes_then_eof() {
        let (data, src) = source(false);
        let mut p = spawn(src).expect("thread");
        let mut got = Vec::new();
        p.read_to_end(&mut got).expect("read");
        assert_eq!(got, data);
    }

    #[test]
    fn every_byte_before_the_error_then_the_error() {
        let (data, src) = source(true);
        let mut p = spawn(src).expect("thread");
        let mut got = Vec::new();
        let e = p.read_to_end(&mut got).expect_err("the error");
        assert_eq!(e.to_string(), "boom");
        assert_eq!(got, data);
    }
}
