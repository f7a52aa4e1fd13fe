//! Input readers under the capture reader: stdin through a thread (so a
//! signal ends it) and a latch that turns the first read error into the end
//! of the input, kept for a warning.

use std::io::{self, Read};
use std::sync::Arc;

/// Stdin read by a thread, so a signal ends the input even while the writer
/// (`tcpdump -w - |`) stays silent: a blocking read on a pipe is not
/// interrupted by a handled signal.
pub(super) struct StdinPump {
    rx: std::sync::mpsc::Receiver<io::Result<Vec<u8>>>,
    chunk: Vec<u8>,
    at: usize,
}

impl StdinPump {
    pub(super) fn start() -> StdinPump {
        let (tx, rx) = std::sync::mpsc::sync_channel(16);
        std::thread::spawn(move || {
            let mut stdin = io::stdin().lock();
            loop {
                let mut buf = vec![0u8; 64 * 1024];
                let r = match stdin.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => {
                        buf.truncate(n);
                        Ok(buf)
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => Err(e),
                };
                let failed = r.is_err();
                if tx.send(r).is_err() || failed {
                    break;
                }
            }
        });
        StdinPump {
            rx,
            chunk: Vec::new(),
            at: 0,
        }
    }
}

impl Read for StdinPump {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        use std::sync::mpsc::RecvTimeoutError;
        while self.at >= self.chunk.len() {
            match self.rx.recv_timeout(std::time::Duration::from_millis(100)) {
                Ok(r) => {
                    self.chunk = r?;
                    self.at = 0;
                }
                Err(RecvTimeoutError::Timeout) if crate::interrupt::requested() => return Ok(0),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return Ok(0),
            }
        }
        let n = buf.len().min(self.chunk.len() - self.at);
        buf[..n].copy_from_slice(&self.chunk[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

/// The first read error of an input (a gzip stream cut short, with garbage
/// after it or a bad CRC), kept so the frames read before it are analyzed and
/// the error becomes a warning: pcap-parser turns any read error while it
/// starts into "not a capture", and a damaged gzip fails within its first MiB.
#[derive(Clone, Default)]
pub(super) struct ReadErrorLatch(Arc<std::sync::Mutex<Option<io::Error>>>);

impl ReadErrorLatch {
    fn lock(&self) -> std::sync::MutexGuard<'_, Option<io::Error>> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
    pub(super) fn failed(&self) -> bool {
        self.lock().is_some()
    }
    pub(super) fn take(&self) -> Option<io::Error> {
        self.lock().take()
    }
}

/// Reads `inner` until its first error, then reports the end of the input.
pub(super) struct Latched<R> {
    pub(super) inner: R,
    pub(super) latch: ReadErrorLatch,
}

impl<R: Read> Read for Latched<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.latch.failed() {
            return Ok(0);
        }
        loop {
            match self.inner.read(buf) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    *self.latch.lock() = Some(e);
                    return Ok(0);
                }
                ok => return ok,
            }
        }
    }
}
