//! NSS key log files (`SSLKEYLOGFILE`), as written by browsers, OpenSSL, FreeRDP…
//!
//! Format: one secret a line, `LABEL <client_random hex> <secret hex>`; `#` starts a
//! comment. Labels used here:
//!
//! | label | secret |
//! |---|---|
//! | `CLIENT_RANDOM` | TLS ≤ 1.2 master secret (48 bytes) |
//! | `CLIENT_HANDSHAKE_TRAFFIC_SECRET`, `SERVER_HANDSHAKE_TRAFFIC_SECRET` | TLS 1.3 handshake traffic secrets |
//! | `CLIENT_TRAFFIC_SECRET_0`, `SERVER_TRAFFIC_SECRET_0` | TLS 1.3 first application traffic secrets |
//!
//! Other labels (`EXPORTER_SECRET`, `CLIENT_EARLY_TRAFFIC_SECRET`, `RSA`, …) are ignored.
//! Secrets never appear in `Debug` output, warnings or errors.

use std::collections::HashMap;
use std::fmt;
use std::path::Path;

/// pcapng Decryption Secrets Block type for a TLS key log ("TLSK").
pub const DSB_TLS_KEY_LOG: u32 = 0x544c_534b;

/// Upper bound on the size of a key log read from a file (bytes).
const MAX_KEYLOG_FILE: u64 = 64 * 1024 * 1024;
/// Upper bound on the number of warnings kept (the rest are counted in the last one).
const MAX_WARNINGS: usize = 100;

/// A TLS client random (the key of every key-log line).
pub type ClientRandom = [u8; 32];

/// A secret of variable length (TLS 1.3 traffic secrets are 32 or 48 bytes).
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Secret(pub(crate) Vec<u8>);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<secret: {} bytes>", self.0.len())
    }
}

/// The secrets known for one TLS session (one client random).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct SessionSecrets {
    pub(crate) master_secret: Option<[u8; 48]>,
    pub(crate) client_handshake: Option<Secret>,
    pub(crate) server_handshake: Option<Secret>,
    pub(crate) client_traffic_0: Option<Secret>,
    pub(crate) server_traffic_0: Option<Secret>,
}

impl SessionSecrets {
    /// A TLS ≤ 1.2 master secret is known.
    pub fn has_master_secret(&self) -> bool {
        self.master_secret.is_some()
    }
    /// At least one TLS 1.3 traffic secret is known.
    pub fn has_tls13_secrets(&self) -> bool {
        self.client_handshake.is_some()
            || self.server_handshake.is_some()
            || self.client_traffic_0.is_some()
            || self.server_traffic_0.is_some()
    }
    /// Number of secrets known for this session.
    pub fn count(&self) -> usize {
        usize::from(self.master_secret.is_some())
            + usize::from(self.client_handshake.is_some())
            + usize::from(self.server_handshake.is_some())
            + usize::from(self.client_traffic_0.is_some())
            + usize::from(self.server_traffic_0.is_some())
    }
    /// Copies every secret `other` has into `self` (other wins on conflict).
    fn absorb(&mut self, other: &SessionSecrets) {
        if other.master_secret.is_some() {
            self.master_secret = other.master_secret;
        }
        for (dst, src) in [
            (&mut self.client_handshake, &other.client_handshake),
            (&mut self.server_handshake, &other.server_handshake),
            (&mut self.client_traffic_0, &other.client_traffic_0),
            (&mut self.server_traffic_0, &other.server_traffic_0),
        ] {
            if src.is_some() {
                dst.clone_from(src);
            }
        }
    }
}

impl fmt::Debug for SessionSecrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionSecrets")
            .field("master_secret", &self.master_secret.is_some())
            .field("client_handshake", &self.client_handshake.is_some())
            .field("server_handshake", &self.server_handshake.is_some())
            .field("client_traffic_0", &self.client_traffic_0.is_some())
            .field("server_traffic_0", &self.server_traffic_0.is_some())
            .finish()
    }
}

/// Secrets from one or more NSS key logs, indexed by client random.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct KeyLog {
    sessions: HashMap<ClientRandom, SessionSecrets>,
}

impl fmt::Debug for KeyLog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyLog")
            .field("sessions", &self.sessions.len())
            .field("secrets", &self.secret_count())
            .finish()
    }
}

/// Why a key log could not be read.
#[derive(Debug, thiserror::Error)]
pub enum KeyLogError {
    #[error("cannot read key log {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("key log {path} is larger than {max} bytes")]
    TooLarge { path: String, max: u64 },
}

enum Label {
    ClientRandom,
    ClientHandshake,
    ServerHandshake,
    ClientTraffic0,
    ServerTraffic0,
}

impl KeyLog {
    /// An empty key log.
    pub fn new() -> KeyLog {
        KeyLog::default()
    }

    /// Parses key-log text. Returns the secrets and warnings (`line N: …`) for lines that
    /// look like secrets but are malformed. Comments, blank lines and unknown labels are
    /// skipped silently. Never fails.
    pub fn parse(text: &str) -> (KeyLog, Vec<String>) {
        let mut log = KeyLog::new();
        let mut warnings = Vec::new();
        let mut dropped = 0usize;
        let mut warn = |w: String| {
            if warnings.len() < MAX_WARNINGS {
                warnings.push(w);
            } else {
                dropped += 1;
            }
        };
        for (idx, raw) in text.lines().enumerate() {
            let n = idx + 1;
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut fields = line.split_ascii_whitespace();
            let label = match fields.next() {
                Some("CLIENT_RANDOM") => Label::ClientRandom,
                Some("CLIENT_HANDSHAKE_TRAFFIC_SECRET") => Label::ClientHandshake,
                Some("SERVER_HANDSHAKE_TRAFFIC_SECRET") => Label::ServerHandshake,
                Some("CLIENT_TRAFFIC_SECRET_0") => Label::ClientTraffic0,
                Some("SERVER_TRAFFIC_SECRET_0") => Label::ServerTraffic0,
                _ => continue, // EXPORTER_SECRET, early secrets, RSA, unknown: ignored
            };
            let (Some(cr_hex), Some(secret_hex)) = (fields.next(), fields.next()) else {
                warn(format!(
                    "line {n}: expected '<label> <client_random> <secret>'"
                ));
                continue;
            };
            if fields.next().is_some() {
                warn(format!("line {n}: extra fields after the secret"));
                continue;
            }
            let Some(cr) = decode_hex(cr_hex).and_then(|v| <[u8; 32]>::try_from(v).ok()) else {
                warn(format!(
                    "line {n}: client random is not 64 hex digits ({} chars)",
                    cr_hex.len()
                ));
                continue;
            };
            let Some(secret) = decode_hex(secret_hex) else {
                warn(format!(
                    "line {n}: secret is not valid hex ({} chars)",
                    secret_hex.len()
                ));
                continue;
            };
            let entry = log.sessions.entry(cr).or_default();
            match label {
                Label::ClientRandom => match <[u8; 48]>::try_from(secret) {
                    Ok(ms) => entry.master_secret = Some(ms),
                    Err(v) => warn(format!(
                        "line {n}: master secret must be 48 bytes, got {}",
                        v.len()
                    )),
                },
                _ if !(16..=64).contains(&secret.len()) => warn(format!(
                    "line {n}: traffic secret of unusual length {} bytes",
                    secret.len()
                )),
                Label::ClientHandshake => entry.client_handshake = Some(Secret(secret)),
                Label::ServerHandshake => entry.server_handshake = Some(Secret(secret)),
                Label::ClientTraffic0 => entry.client_traffic_0 = Some(Secret(secret)),
                Label::ServerTraffic0 => entry.server_traffic_0 = Some(Secret(secret)),
            }
        }
        // A bad line may have created an empty entry.
        log.sessions.retain(|_, s| s.count() > 0);
        if dropped > 0 {
            warnings.push(format!("… and {dropped} more warnings"));
        }
        (log, warnings)
    }

    /// Parses a key log given as bytes (not necessarily UTF-8: invalid bytes are replaced).
    pub fn parse_bytes(bytes: &[u8]) -> (KeyLog, Vec<String>) {
        KeyLog::parse(&String::from_utf8_lossy(bytes))
    }

    /// Reads and parses a key log file.
    pub fn from_file(path: impl AsRef<Path>) -> Result<(KeyLog, Vec<String>), KeyLogError> {
        use std::io::Read;
        let path = path.as_ref();
        let shown = path.display().to_string();
        let io = |source| KeyLogError::Io {
            path: shown.clone(),
            source,
        };
        let file = std::fs::File::open(path).map_err(io)?;
        let mut bytes = Vec::new();
        file.take(MAX_KEYLOG_FILE + 1)
            .read_to_end(&mut bytes)
            .map_err(io)?;
        if bytes.len() as u64 > MAX_KEYLOG_FILE {
            return Err(KeyLogError::TooLarge {
                path: shown,
                max: MAX_KEYLOG_FILE,
            });
        }
        Ok(KeyLog::parse_bytes(&bytes))
    }

    /// Parses the payload of a pcapng Decryption Secrets Block. Returns `None` when the
    /// block is not a TLS key log (`secrets_type != 0x544c534b`).
    pub fn from_dsb(secrets_type: u32, data: &[u8]) -> Option<(KeyLog, Vec<String>)> {
        (secrets_type == DSB_TLS_KEY_LOG).then(|| KeyLog::parse_bytes(data))
    }

    /// Adds every secret of `other` (`other` wins when both know the same secret).
    pub fn merge(&mut self, other: &KeyLog) {
        for (cr, secrets) in &other.sessions {
            self.sessions.entry(*cr).or_default().absorb(secrets);
        }
    }

    /// Adds every secret of `other`, except that for a session `keep` knows,
    /// `keep`'s secrets win (the user's key log over the capture's). Work is
    /// proportional to `other`.
    pub fn merge_preferring(&mut self, other: &KeyLog, keep: Option<&KeyLog>) {
        for (cr, secrets) in &other.sessions {
            let entry = self.sessions.entry(*cr).or_default();
            entry.absorb(secrets);
            if let Some(k) = keep.and_then(|k| k.sessions.get(cr)) {
                entry.absorb(k);
            }
        }
    }

    /// Number of sessions (distinct client randoms) with at least one secret.
    pub fn len(&self) -> usize {
        self.sessions.len()
    }

    /// No secrets at all.
    pub fn is_empty(&self) -> bool {
        self.sessions.is_empty()
    }

    /// Total number of secrets (lines used).
    pub fn secret_count(&self) -> usize {
        self.sessions.values().map(SessionSecrets::count).sum()
    }

    /// The secrets of the session with this client random.
    pub fn get(&self, client_random: &ClientRandom) -> Option<&SessionSecrets> {
        self.sessions.get(client_random)
    }

    /// Whether any secret is known for this client random.
    pub fn contains(&self, client_random: &ClientRandom) -> bool {
        self.sessions.contains_key(client_random)
    }
}

fn decode_hex(s: &str) -> Option<Vec<u8>> {
    if s.len() % 2 != 0 {
        return None;
    }
    s.as_bytes()
        .chunks_exact(2)
        .map(|p| Some(hex_val(p[0])? << 4 | hex_val(p[1])?))
        .collect()
}

fn hex_val(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CR: &str = "cd0863469b0e5a2cb4d52d7f62e4379b45e773faf627d0283740bb8486761334";

    #[test]
    fn parses_labels_and_ignores_others() {
        let ms = "aa".repeat(48);
        let ts = "bb".repeat(48);
        let text = format!(
            "# comment\n\nCLIENT_RANDOM {CR} {ms}\nEXPORTER_SECRET {CR} {ts}\n\
             SERVER_HANDSHAKE_TRAFFIC_SECRET {CR} {ts}\nFOO bar\n\
             CLIENT_TRAFFIC_SECRET_0 {} {ts}\n",
            "11".repeat(32)
        );
        let (log, warnings) = KeyLog::parse(&text);
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(log.len(), 2);
        assert_eq!(log.secret_count(), 3);
        let cr = <[u8; 32]>::try_from(decode_hex(CR).unwrap()).unwrap();
        let s = log.get(&cr).unwrap();
        assert!(s.has_master_secret() && s.has_tls13_secrets());
        assert_eq!(s.master_secret, Some([0xaa; 48]));
    }

    #[test]
    fn warns_with_line_numbers_and_never_prints_secrets() {
        let text = format!(
            "CLIENT_RANDOM {CR} abcd\nCLIENT_RANDOM zz {}\nCLIENT_RANDOM {CR}\nCLIENT_RANDOM {CR} {}",
            "00".repeat(48),
            "0".repeat(95)
        );
        let (log, warnings) = KeyLog::parse(&text);
        assert!(log.is_empty());
        assert_eq!(warnings.len(), 4);
        for (i, w) in warnings.iter().enumerate() {
            assert!(w.starts_with(&format!("line {}:", i + 1)), "{w}");
            assert!(!w.contains("abcd"));
        }
        let (log, _) = KeyLog::parse(&format!("CLIENT_RANDOM {CR} {}", "5a".repeat(48)));
        let dbg = format!("{log:?} {:?}", log.sessions.values().next().unwrap());
        assert!(!dbg.to_lowercase().contains("5a5a"), "{dbg}");
    }

    #[test]
    fn merge_and_dsb() {
        let (mut a, _) = KeyLog::parse(&format!("CLIENT_RANDOM {CR} {}", "01".repeat(48)));
        let (b, _) = KeyLog::from_dsb(
            DSB_TLS_KEY_LOG,
            format!("CLIENT_TRAFFIC_SECRET_0 {CR} {}", "02".repeat(32)).as_bytes(),
        )
        .unwrap();
        assert!(KeyLog::from_dsb(0x5747_4b4c, b"x").is_none());
        a.merge(&b);
        assert_eq!(a.len(), 1);
        assert_eq!(a.secret_count(), 2);
    }
}
