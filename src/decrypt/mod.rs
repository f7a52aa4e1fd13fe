//! TLS decryption with client key logs (NSS key log format / pcapng DSB).
//!
//! One [`TlsDecryptor`] per TCP connection is fed every TLS record of both directions in
//! wire order. It watches the clear handshake (ClientHello, ServerHello, ChangeCipherSpec),
//! finds the session's secrets in a [`KeyLog`] by client random, and decrypts:
//!
//! * TLS 1.0–1.2: AES-GCM, ChaCha20-Poly1305, AES-CBC with HMAC-SHA1/256/384
//!   (MAC-then-encrypt, or encrypt-then-MAC per RFC 7366), keys from the master secret;
//! * TLS 1.3: TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384,
//!   TLS_CHACHA20_POLY1305_SHA256, keys from the logged traffic secrets, switching from
//!   handshake to application keys at each side's Finished and following KeyUpdate.
//!
//! A record that fails authentication is reported as [`RecordOutcome::Failed`]: its
//! bytes are never returned, so callers never parse garbage.

mod cipher;
mod hello;
pub mod keylog;
mod tls12;
mod tls13;

use std::fmt;
use std::sync::Arc;

pub use cipher::suite_name;
pub use keylog::{ClientRandom, KeyLog, KeyLogError, SessionSecrets, DSB_TLS_KEY_LOG};

use crate::wire::Dir;
use hello::{HsReassembler, HS_CLIENT_HELLO, HS_FINISHED, HS_KEY_UPDATE, HS_SERVER_HELLO};

/// TLS record content types.
pub const CT_CHANGE_CIPHER_SPEC: u8 = 20;
pub const CT_ALERT: u8 = 21;
pub const CT_HANDSHAKE: u8 = 22;
pub const CT_APPLICATION_DATA: u8 = 23;

/// TLS 1.3 protocol version.
pub use rdpdiag_parsers::tls::TLS1_3 as TLS13;

/// Largest TLSCiphertext fragment allowed (RFC 5246 6.2.3: 2^14 + 2048).
pub const MAX_CIPHERTEXT: usize = (1 << 14) + 2048;

/// Why a record that should have been decryptable was not.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecryptError {
    /// AEAD tag or HMAC mismatch: the secrets do not belong to this session (or the
    /// record was damaged or a record is missing from the capture).
    #[error("record authentication failed (bad_record_mac)")]
    BadRecordMac,
    /// CBC padding invalid after decryption: wrong keys, like `BadRecordMac`.
    #[error("CBC padding check failed")]
    BadPadding,
    /// The record cannot be a valid ciphertext for the negotiated cipher.
    #[error("malformed encrypted record: {0}")]
    Malformed(&'static str),
}

/// What became of one record.
#[derive(Clone, PartialEq, Eq)]
pub enum RecordOutcome {
    /// Not encrypted: handshake before keys, ChangeCipherSpec, clear alert.
    Clear,
    /// Decrypted and authenticated. `content_type` is the inner type for TLS 1.3.
    Decrypted {
        content_type: u8,
        plaintext: Vec<u8>,
    },
    /// Encrypted, but the key log has no secrets for this session (or the handshake that
    /// would identify the session was not seen).
    NoKeys,
    /// Encrypted with a protocol version or cipher suite this module cannot decrypt.
    Unsupported,
    /// Secrets were found but the record does not authenticate with them.
    Failed(DecryptError),
}

impl fmt::Debug for RecordOutcome {
    /// Shows the plaintext length only (it may hold credentials).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecordOutcome::Clear => f.write_str("Clear"),
            RecordOutcome::Decrypted {
                content_type,
                plaintext,
            } => write!(
                f,
                "Decrypted {{ content_type: {content_type}, plaintext: {} bytes }}",
                plaintext.len()
            ),
            RecordOutcome::NoKeys => f.write_str("NoKeys"),
            RecordOutcome::Unsupported => f.write_str("Unsupported"),
            RecordOutcome::Failed(e) => write!(f, "Failed({e:?})"),
        }
    }
}

/// Decryption summary of one connection, for reporting. Contains no secrets.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DecryptStatus {
    /// Negotiated protocol version (0x0301..=0x0304), from the ServerHello.
    pub version: Option<u16>,
    /// "TLS 1.2", "TLS 1.3", …
    pub version_name: Option<&'static str>,
    pub cipher_suite: Option<u16>,
    /// IANA name of the suite, when this module supports it.
    pub suite_name: Option<&'static str>,
    /// Version and suite are ones this module decrypts.
    pub supported: bool,
    /// RFC 7366 encrypt_then_mac negotiated (meaningful for CBC suites).
    pub encrypt_then_mac: bool,
    /// RFC 7627 extended_master_secret negotiated (no effect on decryption here).
    pub extended_master_secret: bool,
    /// A ClientHello was seen (its random identifies the session in the key log).
    pub client_hello_seen: bool,
    /// The key log holds secrets of the kind the negotiated version needs.
    pub keys_found: bool,
    pub records_clear: u64,
    pub records_decrypted: u64,
    pub records_failed: u64,
    pub records_no_keys: u64,
    pub records_unsupported: u64,
    /// The first failure, if any.
    pub first_failure: Option<DecryptError>,
}

/// Human name of a protocol version.
pub fn version_name(v: u16) -> Option<&'static str> {
    match v {
        0x0300 => Some("SSL 3.0"),
        0x0301 => Some("TLS 1.0"),
        0x0302 => Some("TLS 1.1"),
        0x0303 => Some("TLS 1.2"),
        0x0304 => Some("TLS 1.3"),
        _ => None,
    }
}

/// TLS 1.3 protection of one direction.
struct Tls13Dir {
    /// Current key (handshake, then application); `None` when the key log lacks it.
    current: Option<tls13::DirState>,
    /// Application key to switch to after this side's Finished (`None` once used).
    next_app: Option<tls13::DirState>,
    /// Still under handshake keys (before this side's Finished).
    in_handshake: bool,
}

/// Protection state of one direction.
enum DirCrypto {
    /// Nothing encrypted yet.
    Clear,
    Tls12(Box<tls12::DirState>),
    Tls13(Box<Tls13Dir>),
    /// Encrypted, no secrets (or the session could not be identified).
    NoKeys,
    /// Encrypted with something not supported.
    Unsupported,
}

/// Decrypts the TLS records of one TCP connection.
pub struct TlsDecryptor {
    keylog: Arc<KeyLog>,
    client_random: Option<ClientRandom>,
    server_random: Option<[u8; 32]>,
    /// Set by the ServerHello.
    version: Option<u16>,
    suite: Option<u16>,
    etm: bool,
    /// A TLS 1.3 HelloRetryRequest was seen.
    hello_retry: bool,
    dirs: [DirCrypto; 2],
    /// TLS ≤ 1.2: the keys of the direction whose ChangeCipherSpec is still to come.
    tls12_pending: [Option<Box<tls12::DirState>>; 2],
    tls12_derived: bool,
    hs: [HsReassembler; 2],
    status: DecryptStatus,
}

impl fmt::Debug for TlsDecryptor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsDecryptor")
            .field("status", &self.status)
            .finish_non_exhaustive()
    }
}

impl TlsDecryptor {
    /// A decryptor for one connection, looking secrets up in `keylog`.
    pub fn new(keylog: Arc<KeyLog>) -> TlsDecryptor {
        TlsDecryptor {
            keylog,
            client_random: None,
            server_random: None,
            version: None,
            suite: None,
            etm: false,
            hello_retry: false,
            dirs: [DirCrypto::Clear, DirCrypto::Clear],
            tls12_pending: [None, None],
            tls12_derived: false,
            hs: [HsReassembler::default(), HsReassembler::default()],
            status: DecryptStatus::default(),
        }
    }

    /// The client random of the session, once the ClientHello was seen.
    pub fn client_random(&self) -> Option<&ClientRandom> {
        self.client_random.as_ref()
    }

    /// Summary for reporting.
    pub fn status(&self) -> DecryptStatus {
        self.status.clone()
    }

    /// Processes one TLS record (header fields and fragment) seen in direction `dir`.
    /// Records of both directions must come in wire order.
    pub fn on_record(
        &mut self,
        dir: Dir,
        content_type: u8,
        version: u16,
        fragment: &[u8],
    ) -> RecordOutcome {
        let outcome = self.process(dir, content_type, version, fragment);
        let st = &mut self.status;
        match &outcome {
            RecordOutcome::Clear => st.records_clear += 1,
            RecordOutcome::Decrypted { .. } => st.records_decrypted += 1,
            RecordOutcome::NoKeys => st.records_no_keys += 1,
            RecordOutcome::Unsupported => st.records_unsupported += 1,
            RecordOutcome::Failed(e) => {
                st.records_failed += 1;
                if st.first_failure.is_none() {
                    st.first_failure = Some(e.clone());
                }
            }
        }
        outcome
    }

    fn is_tls13(&self) -> bool {
        self.version == Some(TLS13)
    }

    fn process(&mut self, dir: Dir, ct: u8, version: u16, fragment: &[u8]) -> RecordOutcome {
        let d = dir.idx();
        let tls13 = self.is_tls13();
        match &mut self.dirs[d] {
            DirCrypto::Clear => self.clear_record(dir, ct, fragment),
            // TLS 1.3 leaves ChangeCipherSpec (middlebox compatibility) and alerts sent by
            // a peer without keys in clear; every protected record is application_data.
            _ if tls13 && ct != CT_APPLICATION_DATA => RecordOutcome::Clear,
            DirCrypto::NoKeys => RecordOutcome::NoKeys,
            DirCrypto::Unsupported => RecordOutcome::Unsupported,
            _ if fragment.len() > MAX_CIPHERTEXT => {
                RecordOutcome::Failed(DecryptError::Malformed("record longer than 2^14+2048"))
            }
            DirCrypto::Tls12(state) => match state.decrypt(ct, version, fragment) {
                Ok(plaintext) => RecordOutcome::Decrypted {
                    content_type: ct,
                    plaintext,
                },
                Err(e) => RecordOutcome::Failed(e),
            },
            DirCrypto::Tls13(state) => {
                let r = decrypt13(state, ct, version, fragment);
                if let RecordOutcome::Decrypted {
                    content_type: CT_HANDSHAKE,
                    plaintext,
                } = &r
                {
                    self.tls13_handshake(dir, plaintext);
                }
                r
            }
        }
    }

    /// A record while this direction is still in clear.
    fn clear_record(&mut self, dir: Dir, ct: u8, fragment: &[u8]) -> RecordOutcome {
        match ct {
            CT_HANDSHAKE => {
                let msgs = self.hs[dir.idx()].feed(fragment);
                for m in msgs {
                    match (dir, m.typ) {
                        (Dir::ClientToServer, HS_CLIENT_HELLO) => self.on_client_hello(&m.body),
                        (Dir::ServerToClient, HS_SERVER_HELLO) => self.on_server_hello(&m.body),
                        _ => {}
                    }
                }
                RecordOutcome::Clear
            }
            CT_CHANGE_CIPHER_SPEC => {
                // TLS 1.3 middlebox-compatibility CCS (also after a HelloRetryRequest,
                // before the real ServerHello) changes nothing.
                let compat_ccs = self.is_tls13() || (self.hello_retry && self.version.is_none());
                if !compat_ccs {
                    self.tls12_change_cipher_spec(dir);
                }
                RecordOutcome::Clear
            }
            // Application data before any key change: 0-RTT data, or a capture that missed
            // the handshake.
            CT_APPLICATION_DATA => RecordOutcome::NoKeys,
            _ => RecordOutcome::Clear,
        }
    }

    fn on_client_hello(&mut self, body: &[u8]) {
        let Some(ch) = hello::parse_client_hello(body) else {
            return;
        };
        // A second ClientHello after a HelloRetryRequest keeps the same random.
        self.client_random = Some(ch.random);
        self.status.client_hello_seen = true;
        self.status.keys_found = self.keylog.contains(&ch.random);
    }

    fn on_server_hello(&mut self, body: &[u8]) {
        let Some(sh) = hello::parse_server_hello(body) else {
            return;
        };
        if sh.hello_retry_request {
            self.hello_retry = true;
            return; // the real ServerHello follows the second ClientHello
        }
        self.server_random = Some(sh.random);
        self.version = Some(sh.version);
        self.suite = Some(sh.cipher_suite);
        self.etm = sh.encrypt_then_mac;
        let suite = cipher::suite(sh.cipher_suite);
        let st = &mut self.status;
        st.version = Some(sh.version);
        st.version_name = version_name(sh.version);
        st.cipher_suite = Some(sh.cipher_suite);
        st.suite_name = suite.map(|s| s.name);
        st.encrypt_then_mac = sh.encrypt_then_mac;
        st.extended_master_secret = sh.extended_master_secret;
        let version_ok = (tls12::TLS10..=TLS13).contains(&sh.version);
        st.supported = version_ok && suite.is_some_and(|s| s.tls13 == (sh.version == TLS13));
        let secrets = self.client_random.and_then(|cr| self.keylog.get(&cr));
        st.keys_found = secrets.is_some_and(|s| {
            if sh.version == TLS13 {
                s.has_tls13_secrets()
            } else {
                s.has_master_secret()
            }
        });
        if sh.version == TLS13 {
            self.start_tls13();
        }
    }

    /// TLS 1.3: right after the ServerHello both directions switch to handshake keys.
    fn start_tls13(&mut self) {
        let suite = self.suite.and_then(cipher::suite).filter(|s| s.tls13);
        let secrets = self.client_random.and_then(|cr| self.keylog.get(&cr));
        for dir in [Dir::ClientToServer, Dir::ServerToClient] {
            self.hs[dir.idx()].reset();
            self.dirs[dir.idx()] = match (suite, secrets) {
                (None, _) => DirCrypto::Unsupported,
                (Some(_), None) => DirCrypto::NoKeys,
                (Some(suite), Some(s)) => {
                    let (hs, app) = match dir {
                        Dir::ClientToServer => (&s.client_handshake, &s.client_traffic_0),
                        Dir::ServerToClient => (&s.server_handshake, &s.server_traffic_0),
                    };
                    let current = hs.as_ref().and_then(|k| tls13::DirState::new(suite, &k.0));
                    let next_app = app.as_ref().and_then(|k| tls13::DirState::new(suite, &k.0));
                    if current.is_none() && next_app.is_none() {
                        DirCrypto::NoKeys
                    } else {
                        DirCrypto::Tls13(Box::new(Tls13Dir {
                            current,
                            next_app,
                            in_handshake: true,
                        }))
                    }
                }
            };
        }
    }

    /// Decrypted TLS 1.3 handshake data: Finished ends this side's handshake keys,
    /// KeyUpdate rolls its application secret.
    fn tls13_handshake(&mut self, dir: Dir, plaintext: &[u8]) {
        let msgs = self.hs[dir.idx()].feed(plaintext);
        let DirCrypto::Tls13(state) = &mut self.dirs[dir.idx()] else {
            return;
        };
        for m in msgs {
            match m.typ {
                HS_FINISHED if state.in_handshake => {
                    state.in_handshake = false;
                    state.current = state.next_app.take();
                }
                HS_KEY_UPDATE if !state.in_handshake => {
                    if let Some(cur) = &mut state.current {
                        if cur.key_update().is_none() {
                            state.current = None;
                        }
                    }
                }
                _ => {}
            }
        }
    }

    /// TLS ≤ 1.2 ChangeCipherSpec: this direction is encrypted from the next record on.
    fn tls12_change_cipher_spec(&mut self, dir: Dir) {
        let d = dir.idx();
        if !self.tls12_derived {
            self.tls12_derived = true;
            if let Some((c, s)) = self.derive_tls12() {
                self.tls12_pending = [Some(Box::new(c)), Some(Box::new(s))];
            }
        }
        self.hs[d].reset();
        self.dirs[d] = match self.tls12_pending[d].take() {
            Some(state) => DirCrypto::Tls12(state),
            None if !self.status.supported && self.version.is_some() => DirCrypto::Unsupported,
            None => DirCrypto::NoKeys,
        };
    }

    fn derive_tls12(&self) -> Option<(tls12::DirState, tls12::DirState)> {
        let version = self.version?;
        if !(tls12::TLS10..=tls12::TLS12).contains(&version) {
            return None;
        }
        let suite = cipher::suite(self.suite?).filter(|s| !s.tls13)?;
        let cr = self.client_random?;
        let sr = self.server_random?;
        let ms = self.keylog.get(&cr)?.master_secret.as_ref()?;
        // RFC 7366: EtM applies to CBC suites only.
        let etm = self.etm && suite.mac.is_some();
        tls12::derive(ms, version, suite, etm, &cr, &sr)
    }
}

/// Decrypts one protected TLS 1.3 record of a direction.
fn decrypt13(state: &mut Tls13Dir, ct: u8, version: u16, fragment: &[u8]) -> RecordOutcome {
    let Some(cur) = &mut state.current else {
        // No handshake secret: try the application secret, which applies as soon as this
        // side's Finished has gone by (which cannot be seen without handshake keys).
        if state.in_handshake {
            if let Some(app) = &mut state.next_app {
                if let Ok((content_type, plaintext)) = app.decrypt(ct, version, fragment) {
                    state.in_handshake = false;
                    state.current = state.next_app.take();
                    return RecordOutcome::Decrypted {
                        content_type,
                        plaintext,
                    };
                }
            }
        }
        return RecordOutcome::NoKeys;
    };
    match cur.decrypt(ct, version, fragment) {
        Ok((content_type, plaintext)) => RecordOutcome::Decrypted {
            content_type,
            plaintext,
        },
        Err(e) => {
            cur.skip_record();
            RecordOutcome::Failed(e)
        }
    }
}
