//! TLS 1.0 / 1.1 / 1.2 record protection (RFC 2246, 4346, 5246, 5288, 7905, 7366).

use super::cipher::{cbc_decrypt, hmac, Aead, Bulk, HashAlg, Suite, AEAD_TAG_LEN};
use super::DecryptError;

pub(crate) const TLS10: u16 = 0x0301;
pub(crate) const TLS11: u16 = 0x0302;
pub(crate) const TLS12: u16 = 0x0303;

const BLOCK: usize = 16;

/// P_hash (RFC 5246 5): fills `out`.
fn p_hash(alg: HashAlg, secret: &[u8], label_seed: &[u8], out: &mut [u8]) {
    let mut a = hmac(alg, secret, &[label_seed]);
    let mut pos = 0;
    while pos < out.len() {
        let block = hmac(alg, secret, &[&a, label_seed]);
        if block.is_empty() {
            return; // unreachable: HMAC accepts any key
        }
        let n = block.len().min(out.len() - pos);
        for (o, b) in out[pos..pos + n].iter_mut().zip(&block) {
            *o ^= b;
        }
        pos += n;
        a = hmac(alg, secret, &[&a]);
    }
}

/// The TLS PRF: MD5⊕SHA1 for TLS 1.0/1.1, the suite's hash for TLS 1.2.
pub(crate) fn prf(
    version: u16,
    alg: HashAlg,
    secret: &[u8],
    label: &[u8],
    seed: &[u8],
    out: &mut [u8],
) {
    out.fill(0);
    let mut label_seed = Vec::with_capacity(label.len() + seed.len());
    label_seed.extend_from_slice(label);
    label_seed.extend_from_slice(seed);
    if version >= TLS12 {
        p_hash(alg, secret, &label_seed, out);
    } else {
        // S1 = first half (rounded up), S2 = last half (rounded up): they share a byte
        // when the length is odd.
        let half = secret.len().div_ceil(2);
        let s1 = &secret[..half];
        let s2 = &secret[secret.len() - half..];
        p_hash_md5(s1, &label_seed, out);
        p_hash(HashAlg::Sha1, s2, &label_seed, out);
    }
}

fn hmac_md5(key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    use hmac::{Hmac, Mac};
    match Hmac::<md5::Md5>::new_from_slice(key) {
        Ok(mut m) => {
            for p in parts {
                m.update(p);
            }
            m.finalize().into_bytes().to_vec()
        }
        Err(_) => Vec::new(),
    }
}

fn p_hash_md5(secret: &[u8], label_seed: &[u8], out: &mut [u8]) {
    let mut a = hmac_md5(secret, &[label_seed]);
    let mut pos = 0;
    while pos < out.len() {
        let block = hmac_md5(secret, &[&a, label_seed]);
        if block.is_empty() {
            return;
        }
        let n = block.len().min(out.len() - pos);
        for (o, b) in out[pos..pos + n].iter_mut().zip(&block) {
            *o ^= b;
        }
        pos += n;
        a = hmac_md5(secret, &[&a]);
    }
}

enum Protection {
    Aead {
        aead: Aead,
        fixed_iv: Vec<u8>,
    },
    Cbc {
        key: Vec<u8>,
        mac_key: Vec<u8>,
        mac: HashAlg,
        etm: bool,
    },
}

/// Record protection of one direction, from its ChangeCipherSpec on.
pub(crate) struct DirState {
    prot: Protection,
    bulk: Bulk,
    version: u16,
    seq: u64,
    /// TLS 1.0 CBC: the IV of the next record (last ciphertext block of the previous one).
    chained_iv: Vec<u8>,
}

/// Derives both directions' states (client, server) from the master secret.
pub(crate) fn derive(
    master_secret: &[u8; 48],
    version: u16,
    suite: &Suite,
    encrypt_then_mac: bool,
    client_random: &[u8; 32],
    server_random: &[u8; 32],
) -> Option<(DirState, DirState)> {
    let mac_len = suite.mac.map_or(0, HashAlg::len);
    let key_len = suite.bulk.key_len();
    let iv_len = suite.bulk.tls12_fixed_iv_len();
    let mut kb = vec![0u8; 2 * (mac_len + key_len + iv_len)];
    let mut seed = [0u8; 64];
    seed[..32].copy_from_slice(server_random);
    seed[32..].copy_from_slice(client_random);
    prf(
        version,
        suite.prf,
        master_secret,
        b"key expansion",
        &seed,
        &mut kb,
    );
    let mut rest: &[u8] = &kb;
    let mut take = |n: usize| {
        let (h, t) = rest.split_at(n.min(rest.len()));
        rest = t;
        h.to_vec()
    };
    let (c_mac, s_mac) = (take(mac_len), take(mac_len));
    let (c_key, s_key) = (take(key_len), take(key_len));
    let (c_iv, s_iv) = (take(iv_len), take(iv_len));
    let make = |mac_key: Vec<u8>, key: Vec<u8>, iv: Vec<u8>| -> Option<DirState> {
        let prot = match suite.mac {
            Some(mac) => Protection::Cbc {
                key,
                mac_key,
                mac,
                etm: encrypt_then_mac,
            },
            None => Protection::Aead {
                aead: Aead::new(suite.bulk, &key)?,
                fixed_iv: iv.clone(),
            },
        };
        Some(DirState {
            prot,
            bulk: suite.bulk,
            version,
            seq: 0,
            chained_iv: iv,
        })
    };
    Some((make(c_mac, c_key, c_iv)?, make(s_mac, s_key, s_iv)?))
}

fn header(seq: u64, content_type: u8, version: u16, len: usize) -> [u8; 13] {
    let mut h = [0u8; 13];
    h[..8].copy_from_slice(&seq.to_be_bytes());
    h[8] = content_type;
    h[9..11].copy_from_slice(&version.to_be_bytes());
    // Callers bound records to < 64 KiB; saturate rather than wrap.
    h[11..].copy_from_slice(&u16::try_from(len).unwrap_or(u16::MAX).to_be_bytes());
    h
}

impl DirState {
    /// Decrypts one record. The sequence number advances even on failure, so that one
    /// damaged record does not make every following one fail.
    pub(crate) fn decrypt(
        &mut self,
        content_type: u8,
        version: u16,
        fragment: &[u8],
    ) -> Result<Vec<u8>, DecryptError> {
        let seq = self.seq;
        self.seq = self.seq.wrapping_add(1);
        match &self.prot {
            Protection::Aead { aead, fixed_iv } => {
                let mut nonce = [0u8; 12];
                let sealed = if fixed_iv.len() == 4 {
                    // AES-GCM (RFC 5288): salt || 8-byte explicit nonce from the record.
                    if fragment.len() < 8 + AEAD_TAG_LEN {
                        return Err(DecryptError::Malformed("GCM record too short"));
                    }
                    nonce[..4].copy_from_slice(fixed_iv);
                    nonce[4..].copy_from_slice(&fragment[..8]);
                    &fragment[8..]
                } else {
                    // ChaCha20-Poly1305 (RFC 7905): iv XOR padded sequence number.
                    nonce.copy_from_slice(
                        fixed_iv
                            .get(..12)
                            .ok_or(DecryptError::Malformed("bad IV"))?,
                    );
                    for (n, s) in nonce[4..].iter_mut().zip(seq.to_be_bytes()) {
                        *n ^= s;
                    }
                    fragment
                };
                let pt_len = sealed.len().saturating_sub(AEAD_TAG_LEN);
                let aad = header(seq, content_type, version, pt_len);
                aead.open(&nonce, &aad, sealed)
            }
            Protection::Cbc {
                key,
                mac_key,
                mac,
                etm,
            } => {
                let mac_len = mac.len();
                let explicit_iv = self.version >= TLS11;
                let iv_len = if explicit_iv { BLOCK } else { 0 };
                // EtM: the MAC trails the (IV +) ciphertext and covers it.
                let (protected, tag) = if *etm {
                    let n = fragment
                        .len()
                        .checked_sub(mac_len)
                        .ok_or(DecryptError::Malformed("record shorter than its MAC"))?;
                    fragment.split_at(n)
                } else {
                    (fragment, &[][..])
                };
                if protected.len() < iv_len + BLOCK || (protected.len() - iv_len) % BLOCK != 0 {
                    return Err(DecryptError::Malformed(
                        "CBC ciphertext not a positive multiple of the block size",
                    ));
                }
                let (iv, ct) = if explicit_iv {
                    let (iv, ct) = protected.split_at(BLOCK);
                    (iv.to_vec(), ct)
                } else {
                    // TLS 1.0: chain the IV, whatever the outcome of this record.
                    let next = protected[protected.len() - BLOCK..].to_vec();
                    (std::mem::replace(&mut self.chained_iv, next), protected)
                };
                if *etm {
                    let h = header(seq, content_type, version, protected.len());
                    let want = hmac(*mac, mac_key, &[&h, protected]);
                    if want.as_slice() != tag {
                        return Err(DecryptError::BadRecordMac);
                    }
                }
                let mut pt = cbc_decrypt(self.bulk, key, &iv, ct)?;
                let pad = usize::from(*pt.last().ok_or(DecryptError::BadPadding)?);
                let trailer = pad + 1 + if *etm { 0 } else { mac_len };
                if trailer > pt.len() {
                    return Err(DecryptError::BadPadding);
                }
                let pad_start = pt.len() - pad - 1;
                if pt[pad_start..].iter().any(|&b| usize::from(b) != pad) {
                    return Err(DecryptError::BadPadding);
                }
                pt.truncate(pad_start);
                if !*etm {
                    let data_len = pt.len() - mac_len;
                    let h = header(seq, content_type, version, data_len);
                    let want = hmac(*mac, mac_key, &[&h, &pt[..data_len]]);
                    if want.as_slice() != &pt[data_len..] {
                        return Err(DecryptError::BadRecordMac);
                    }
                    pt.truncate(data_len);
                }
                Ok(pt)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unhex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    /// Published TLS 1.2 PRF (SHA-256) test vector (IETF TLS WG, "TLS 1.2 PRF test vectors").
    #[test]
    fn prf_sha256_vector() {
        let secret = unhex("9bbe436ba940f017b17652849a71db35");
        let seed = unhex("a0ba9f936cda311827a6f796ffd5198c");
        let mut out = vec![0u8; 100];
        prf(
            TLS12,
            HashAlg::Sha256,
            &secret,
            b"test label",
            &seed,
            &mut out,
        );
        let want = unhex(
            "e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a\
             6b301791e90d35c9c9a46b4e14baf9af0fa022f7077def17abfd3797c0564bab\
             4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff701\
             87347b66",
        );
        assert_eq!(out, want);
    }

    /// Published TLS 1.2 PRF (SHA-384) test vector (same source).
    #[test]
    fn prf_sha384_vector() {
        let secret = unhex("b80b733d6ceefcdc71566ea48e5567df");
        let seed = unhex("cd665cf6a8447dd6ff8b27555edb7465");
        let mut out = vec![0u8; 148];
        prf(
            TLS12,
            HashAlg::Sha384,
            &secret,
            b"test label",
            &seed,
            &mut out,
        );
        let want = unhex(
            "7b0c18e9ced410ed1804f2cfa34a336a1c14dffb4900bb5fd7942107e81c83cd\
             e9ca0faa60be9fe34f82b1233c9146a0e534cb400fed2700884f9dc236f80edd\
             8bfa961144c9e8d792eca722a7b32fc3d416d473ebc2c5fd4abfdad05d918425\
             9b5bf8cd4d90fa0d31e2dec479e4f1a26066f2eea9a69236a3e52655c9e9aee6\
             91c8f3a26854308d5eaa3be85e0990703d73e56f",
        );
        assert_eq!(out, want);
    }
}
