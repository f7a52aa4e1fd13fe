//! TLS 1.3 record protection and key schedule pieces (RFC 8446 5.2-5.3, 7.1-7.3).

use hkdf::Hkdf;

use super::cipher::{Aead, HashAlg, Suite};
use super::DecryptError;

/// HKDF-Expand-Label(secret, label, context, out.len()) (RFC 8446 7.1).
pub(crate) fn hkdf_expand_label(
    alg: HashAlg,
    secret: &[u8],
    label: &[u8],
    context: &[u8],
    out: &mut [u8],
) -> Option<()> {
    let len = u16::try_from(out.len()).ok()?;
    let full_label_len = u8::try_from(6 + label.len()).ok()?;
    let ctx_len = u8::try_from(context.len()).ok()?;
    let mut info = Vec::with_capacity(4 + 6 + label.len() + context.len());
    info.extend_from_slice(&len.to_be_bytes());
    info.push(full_label_len);
    info.extend_from_slice(b"tls13 ");
    info.extend_from_slice(label);
    info.push(ctx_len);
    info.extend_from_slice(context);
    match alg {
        HashAlg::Sha256 => Hkdf::<sha2::Sha256>::from_prk(secret)
            .ok()?
            .expand(&info, out)
            .ok(),
        HashAlg::Sha384 => Hkdf::<sha2::Sha384>::from_prk(secret)
            .ok()?
            .expand(&info, out)
            .ok(),
        HashAlg::Sha1 => None,
    }
}

/// Record protection of one direction under one traffic secret.
pub(crate) struct DirState {
    alg: HashAlg,
    bulk: super::cipher::Bulk,
    secret: Vec<u8>,
    aead: Aead,
    iv: [u8; 12],
    seq: u64,
}

impl DirState {
    /// Keys from a traffic secret: key = HKDF-Expand-Label(secret, "key", "", key_len),
    /// iv = HKDF-Expand-Label(secret, "iv", "", 12).
    pub(crate) fn new(suite: &Suite, secret: &[u8]) -> Option<DirState> {
        if secret.len() != suite.prf.len() {
            return None;
        }
        let mut key = vec![0u8; suite.bulk.key_len()];
        hkdf_expand_label(suite.prf, secret, b"key", b"", &mut key)?;
        let mut iv = [0u8; 12];
        hkdf_expand_label(suite.prf, secret, b"iv", b"", &mut iv)?;
        Some(DirState {
            alg: suite.prf,
            bulk: suite.bulk,
            secret: secret.to_vec(),
            aead: Aead::new(suite.bulk, &key)?,
            iv,
            seq: 0,
        })
    }

    /// KeyUpdate: secret_{n+1} = HKDF-Expand-Label(secret_n, "traffic upd", "", Hash.length);
    /// new keys, sequence number back to 0.
    pub(crate) fn key_update(&mut self) -> Option<()> {
        let mut next = vec![0u8; self.alg.len()];
        hkdf_expand_label(self.alg, &self.secret, b"traffic upd", b"", &mut next)?;
        let mut key = vec![0u8; self.bulk.key_len()];
        hkdf_expand_label(self.alg, &next, b"key", b"", &mut key)?;
        let mut iv = [0u8; 12];
        hkdf_expand_label(self.alg, &next, b"iv", b"", &mut iv)?;
        self.aead = Aead::new(self.bulk, &key)?;
        self.iv = iv;
        self.secret = next;
        self.seq = 0;
        Some(())
    }

    /// Decrypts a TLSCiphertext (outer type 23); returns (inner content type, content).
    /// On success the sequence number advances; on failure it does not, so that a caller
    /// may try another key for the same record.
    pub(crate) fn decrypt(
        &mut self,
        outer_type: u8,
        version: u16,
        fragment: &[u8],
    ) -> Result<(u8, Vec<u8>), DecryptError> {
        let len = u16::try_from(fragment.len())
            .map_err(|_| DecryptError::Malformed("record longer than 64 KiB"))?;
        let mut aad = [0u8; 5];
        aad[0] = outer_type;
        aad[1..3].copy_from_slice(&version.to_be_bytes());
        aad[3..].copy_from_slice(&len.to_be_bytes());
        let mut nonce = self.iv;
        for (n, s) in nonce[4..].iter_mut().zip(self.seq.to_be_bytes()) {
            *n ^= s;
        }
        let mut pt = self.aead.open(&nonce, &aad, fragment)?;
        self.seq = self.seq.wrapping_add(1);
        // TLSInnerPlaintext: content || type || zeros.
        let end = pt
            .iter()
            .rposition(|&b| b != 0)
            .ok_or(DecryptError::Malformed(
                "TLS 1.3 record without inner content type",
            ))?;
        let inner = pt[end];
        pt.truncate(end);
        Ok((inner, pt))
    }

    /// Counts a record that failed to decrypt under this key (the sender used a sequence
    /// number for it all the same).
    pub(crate) fn skip_record(&mut self) {
        self.seq = self.seq.wrapping_add(1);
    }
}

#[cfg(test)]
mod tests {
    use super::super::cipher::suite;
    use super::*;

    fn unhex(s: &str) -> Vec<u8> {
        let s: String = s.split_whitespace().collect();
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    // RFC 8448 3 (Simple 1-RTT Handshake), TLS_AES_128_GCM_SHA256.
    const SERVER_HS_SECRET: &str = "b6 7b 7d 69 0c c1 6c 4e 75 e5 42 13 cb 2d 37 b4
        e9 c9 12 bc de d9 10 5d 42 be fd 59 d3 91 ad 38";

    #[test]
    fn rfc8448_server_handshake_key_and_iv() {
        let secret = unhex(SERVER_HS_SECRET);
        let mut key = [0u8; 16];
        hkdf_expand_label(HashAlg::Sha256, &secret, b"key", b"", &mut key).unwrap();
        assert_eq!(
            key.to_vec(),
            unhex("3f ce 51 60 09 c2 17 27 d0 f2 e4 e8 6e e4 03 bc")
        );
        let mut iv = [0u8; 12];
        hkdf_expand_label(HashAlg::Sha256, &secret, b"iv", b"", &mut iv).unwrap();
        assert_eq!(iv.to_vec(), unhex("5d 31 3e b2 67 12 76 ee 13 00 0b 30"));
    }

    #[test]
    fn wrong_secret_length_is_rejected() {
        let s = suite(0x1302).unwrap();
        assert!(DirState::new(s, &[0u8; 32]).is_none());
        assert!(DirState::new(s, &[0u8; 48]).is_some());
    }

    #[test]
    fn key_update_changes_keys_and_resets_seq() {
        let s = suite(0x1301).unwrap();
        let mut d = DirState::new(s, &unhex(SERVER_HS_SECRET)).unwrap();
        d.seq = 5;
        let old_iv = d.iv;
        d.key_update().unwrap();
        assert_eq!(d.seq, 0);
        assert_ne!(d.iv, old_iv);
        let mut want = vec![0u8; 32];
        hkdf_expand_label(
            HashAlg::Sha256,
            &unhex(SERVER_HS_SECRET),
            b"traffic upd",
            b"",
            &mut want,
        )
        .unwrap();
        assert_eq!(d.secret, want);
    }
}
