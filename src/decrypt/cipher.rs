//! Cipher suites and the record ciphers (RustCrypto primitives only).

use aes_gcm::aead::AeadInPlace;
use aes_gcm::{Aes128Gcm as AesGcm128, Aes256Gcm as AesGcm256, KeyInit};
use chacha20poly1305::ChaCha20Poly1305 as ChaChaPoly;

use super::DecryptError;

/// Bulk cipher of a suite.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Bulk {
    Aes128Gcm,
    Aes256Gcm,
    ChaCha20Poly1305,
    Aes128Cbc,
    Aes256Cbc,
}

impl Bulk {
    pub(crate) fn key_len(self) -> usize {
        match self {
            Bulk::Aes128Gcm | Bulk::Aes128Cbc => 16,
            Bulk::Aes256Gcm | Bulk::Aes256Cbc | Bulk::ChaCha20Poly1305 => 32,
        }
    }
    /// IV bytes taken from the TLS ≤ 1.2 key block.
    pub(crate) fn tls12_fixed_iv_len(self) -> usize {
        match self {
            Bulk::Aes128Gcm | Bulk::Aes256Gcm => 4,
            Bulk::ChaCha20Poly1305 => 12,
            Bulk::Aes128Cbc | Bulk::Aes256Cbc => 16,
        }
    }
}

/// Hash of a suite: PRF (TLS 1.2) / HKDF (TLS 1.3) hash, or the HMAC of a CBC suite.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HashAlg {
    Sha1,
    Sha256,
    Sha384,
}

impl HashAlg {
    pub(crate) fn len(self) -> usize {
        match self {
            HashAlg::Sha1 => 20,
            HashAlg::Sha256 => 32,
            HashAlg::Sha384 => 48,
        }
    }
}

/// What the decryptor needs to know about a cipher suite.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Suite {
    pub id: u16,
    pub name: &'static str,
    pub bulk: Bulk,
    /// HMAC of a CBC suite (`None` for AEAD suites).
    pub mac: Option<HashAlg>,
    /// PRF hash for TLS 1.2 (TLS 1.0/1.1 always use MD5⊕SHA1) or HKDF hash for TLS 1.3.
    pub prf: HashAlg,
    pub tls13: bool,
}

const fn s(
    id: u16,
    name: &'static str,
    bulk: Bulk,
    mac: Option<HashAlg>,
    prf: HashAlg,
    tls13: bool,
) -> Suite {
    Suite {
        id,
        name,
        bulk,
        mac,
        prf,
        tls13,
    }
}

use Bulk::*;
use HashAlg::*;

static SUITES: &[Suite] = &[
    // TLS 1.3
    s(
        0x1301,
        "TLS_AES_128_GCM_SHA256",
        Aes128Gcm,
        None,
        Sha256,
        true,
    ),
    s(
        0x1302,
        "TLS_AES_256_GCM_SHA384",
        Aes256Gcm,
        None,
        Sha384,
        true,
    ),
    s(
        0x1303,
        "TLS_CHACHA20_POLY1305_SHA256",
        ChaCha20Poly1305,
        None,
        Sha256,
        true,
    ),
    // TLS 1.2 AEAD
    s(
        0x009c,
        "TLS_RSA_WITH_AES_128_GCM_SHA256",
        Aes128Gcm,
        None,
        Sha256,
        false,
    ),
    s(
        0x009d,
        "TLS_RSA_WITH_AES_256_GCM_SHA384",
        Aes256Gcm,
        None,
        Sha384,
        false,
    ),
    s(
        0x009e,
        "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256",
        Aes128Gcm,
        None,
        Sha256,
        false,
    ),
    s(
        0x009f,
        "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384",
        Aes256Gcm,
        None,
        Sha384,
        false,
    ),
    s(
        0xc02b,
        "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
        Aes128Gcm,
        None,
        Sha256,
        false,
    ),
    s(
        0xc02c,
        "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
        Aes256Gcm,
        None,
        Sha384,
        false,
    ),
    s(
        0xc02f,
        "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        Aes128Gcm,
        None,
        Sha256,
        false,
    ),
    s(
        0xc030,
        "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        Aes256Gcm,
        None,
        Sha384,
        false,
    ),
    s(
        0xcca8,
        "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
        ChaCha20Poly1305,
        None,
        Sha256,
        false,
    ),
    s(
        0xcca9,
        "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
        ChaCha20Poly1305,
        None,
        Sha256,
        false,
    ),
    s(
        0xccaa,
        "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
        ChaCha20Poly1305,
        None,
        Sha256,
        false,
    ),
    // CBC + HMAC-SHA1 (TLS 1.0-1.2)
    s(
        0x002f,
        "TLS_RSA_WITH_AES_128_CBC_SHA",
        Aes128Cbc,
        Some(Sha1),
        Sha256,
        false,
    ),
    s(
        0x0035,
        "TLS_RSA_WITH_AES_256_CBC_SHA",
        Aes256Cbc,
        Some(Sha1),
        Sha256,
        false,
    ),
    s(
        0x0033,
        "TLS_DHE_RSA_WITH_AES_128_CBC_SHA",
        Aes128Cbc,
        Some(Sha1),
        Sha256,
        false,
    ),
    s(
        0x0039,
        "TLS_DHE_RSA_WITH_AES_256_CBC_SHA",
        Aes256Cbc,
        Some(Sha1),
        Sha256,
        false,
    ),
    s(
        0xc009,
        "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
        Aes128Cbc,
        Some(Sha1),
        Sha256,
        false,
    ),
    s(
        0xc00a,
        "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
        Aes256Cbc,
        Some(Sha1),
        Sha256,
        false,
    ),
    s(
        0xc013,
        "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
        Aes128Cbc,
        Some(Sha1),
        Sha256,
        false,
    ),
    s(
        0xc014,
        "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
        Aes256Cbc,
        Some(Sha1),
        Sha256,
        false,
    ),
    // CBC + HMAC-SHA256/384 (TLS 1.2)
    s(
        0x003c,
        "TLS_RSA_WITH_AES_128_CBC_SHA256",
        Aes128Cbc,
        Some(Sha256),
        Sha256,
        false,
    ),
    s(
        0x003d,
        "TLS_RSA_WITH_AES_256_CBC_SHA256",
        Aes256Cbc,
        Some(Sha256),
        Sha256,
        false,
    ),
    s(
        0x0067,
        "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256",
        Aes128Cbc,
        Some(Sha256),
        Sha256,
        false,
    ),
    s(
        0x006b,
        "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256",
        Aes256Cbc,
        Some(Sha256),
        Sha256,
        false,
    ),
    s(
        0xc023,
        "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
        Aes128Cbc,
        Some(Sha256),
        Sha256,
        false,
    ),
    s(
        0xc024,
        "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384",
        Aes256Cbc,
        Some(Sha384),
        Sha384,
        false,
    ),
    s(
        0xc027,
        "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
        Aes128Cbc,
        Some(Sha256),
        Sha256,
        false,
    ),
    s(
        0xc028,
        "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384",
        Aes256Cbc,
        Some(Sha384),
        Sha384,
        false,
    ),
];

/// Looks up a supported cipher suite.
pub(crate) fn suite(id: u16) -> Option<&'static Suite> {
    SUITES.iter().find(|s| s.id == id)
}

/// The IANA name of a cipher suite this module can decrypt.
pub fn suite_name(id: u16) -> Option<&'static str> {
    suite(id).map(|s| s.name)
}

/// An AEAD with its key.
pub(crate) enum Aead {
    Aes128Gcm(Box<AesGcm128>),
    Aes256Gcm(Box<AesGcm256>),
    ChaCha20Poly1305(Box<ChaChaPoly>),
}

pub(crate) const AEAD_TAG_LEN: usize = 16;

impl Aead {
    pub(crate) fn new(bulk: Bulk, key: &[u8]) -> Option<Aead> {
        Some(match bulk {
            Bulk::Aes128Gcm => Aead::Aes128Gcm(Box::new(AesGcm128::new_from_slice(key).ok()?)),
            Bulk::Aes256Gcm => Aead::Aes256Gcm(Box::new(AesGcm256::new_from_slice(key).ok()?)),
            Bulk::ChaCha20Poly1305 => {
                Aead::ChaCha20Poly1305(Box::new(ChaChaPoly::new_from_slice(key).ok()?))
            }
            Bulk::Aes128Cbc | Bulk::Aes256Cbc => return None,
        })
    }

    /// Authenticates and decrypts `ciphertext || tag`.
    pub(crate) fn open(
        &self,
        nonce: &[u8; 12],
        aad: &[u8],
        sealed: &[u8],
    ) -> Result<Vec<u8>, DecryptError> {
        let ct_len = sealed
            .len()
            .checked_sub(AEAD_TAG_LEN)
            .ok_or(DecryptError::Malformed("record shorter than the AEAD tag"))?;
        let (ct, tag) = sealed.split_at(ct_len);
        let mut buf = ct.to_vec();
        let nonce = aes_gcm::Nonce::from_slice(nonce);
        let tag = aes_gcm::Tag::from_slice(tag);
        let r = match self {
            Aead::Aes128Gcm(c) => c.decrypt_in_place_detached(nonce, aad, &mut buf, tag),
            Aead::Aes256Gcm(c) => c.decrypt_in_place_detached(nonce, aad, &mut buf, tag),
            Aead::ChaCha20Poly1305(c) => c.decrypt_in_place_detached(nonce, aad, &mut buf, tag),
        };
        r.map_err(|_| DecryptError::BadRecordMac)?;
        Ok(buf)
    }
}

/// AES-CBC decryption without padding removal (`data.len()` must be a multiple of 16).
pub(crate) fn cbc_decrypt(
    bulk: Bulk,
    key: &[u8],
    iv: &[u8],
    data: &[u8],
) -> Result<Vec<u8>, DecryptError> {
    use cbc::cipher::block_padding::NoPadding;
    use cbc::cipher::{BlockDecryptMut, KeyIvInit};
    const INTERNAL: DecryptError = DecryptError::Malformed("bad CBC key, IV or length");
    let mut buf = data.to_vec();
    let n = match bulk {
        Bulk::Aes128Cbc => cbc::Decryptor::<aes::Aes128>::new_from_slices(key, iv)
            .map_err(|_| INTERNAL)?
            .decrypt_padded_mut::<NoPadding>(&mut buf)
            .map_err(|_| INTERNAL)?
            .len(),
        Bulk::Aes256Cbc => cbc::Decryptor::<aes::Aes256>::new_from_slices(key, iv)
            .map_err(|_| INTERNAL)?
            .decrypt_padded_mut::<NoPadding>(&mut buf)
            .map_err(|_| INTERNAL)?
            .len(),
        _ => return Err(INTERNAL),
    };
    buf.truncate(n);
    Ok(buf)
}

/// HMAC over the concatenation of `parts`.
pub(crate) fn hmac(alg: HashAlg, key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    use hmac::{Hmac, Mac};
    macro_rules! run {
        ($h:ty) => {{
            // HMAC accepts keys of any length: new_from_slice cannot fail.
            match <Hmac<$h> as Mac>::new_from_slice(key) {
                Ok(mut m) => {
                    for p in parts {
                        m.update(p);
                    }
                    m.finalize().into_bytes().to_vec()
                }
                Err(_) => Vec::new(),
            }
        }};
    }
    match alg {
        HashAlg::Sha1 => run!(sha1::Sha1),
        HashAlg::Sha256 => run!(sha2::Sha256),
        HashAlg::Sha384 => run!(sha2::Sha384),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suite_table_is_consistent() {
        for s in SUITES {
            assert_eq!(s.tls13, s.id >> 8 == 0x13, "{}", s.name);
            assert_eq!(s.mac.is_some(), s.name.contains("CBC"), "{}", s.name);
            assert_eq!(s.prf == Sha384, s.name.ends_with("SHA384"), "{}", s.name);
            assert_eq!(SUITES.iter().filter(|o| o.id == s.id).count(), 1);
        }
        assert_eq!(
            suite_name(0xc013),
            Some("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA")
        );
        assert_eq!(suite_name(0x000a), None);
    }

    #[test]
    fn aead_rejects_short_and_forged() {
        let a = Aead::new(Bulk::Aes128Gcm, &[0; 16]).unwrap();
        assert!(matches!(
            a.open(&[0; 12], b"", &[0; 15]),
            Err(DecryptError::Malformed(_))
        ));
        assert_eq!(
            a.open(&[0; 12], b"", &[0; 40]),
            Err(DecryptError::BadRecordMac)
        );
    }
}
