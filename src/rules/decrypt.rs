//! Decryption rules: keys were given but do not open this connection.

use super::conn::{Conn, Judged};
use super::registry::{DECRYPT_KEYS_MISMATCH, DECRYPT_UNSUPPORTED};
use super::{ev, make};
use crate::session::facts::DecryptStatus;
use crate::verdict::Basis;

pub(super) fn judge(cx: &Conn, judged: &mut Judged) {
    let rec = cx.rec;
    let Some(dec) = &rec.facts.decryption else {
        return;
    };
    let frame = rec
        .facts
        .tls
        .client_hello
        .as_ref()
        .map(|hello| hello.frame)
        .unwrap_or(rec.first);
    let suite = dec.cipher_suite.clone().unwrap_or_else(|| "?".into());
    let version = dec.version.clone().unwrap_or_else(|| "?".into());
    let first_failure = || {
        dec.first_failure
            .map(|f| vec![ev(f, "first record that failed to decrypt")])
            .unwrap_or_default()
    };
    let (rule, title, evidence) = match dec.status {
        DecryptStatus::NoKeys => (
            &DECRYPT_KEYS_MISMATCH,
            format!("the key log has no secrets for this {version} session (its ClientHello random is not in it): nothing was decrypted"),
            vec![ev(frame, "ClientHello (its random identifies the session in the key log)")],
        ),
        DecryptStatus::WrongKeys => (
            &DECRYPT_KEYS_MISMATCH,
            format!("the key log names this session but its secrets do not decrypt it ({version}, {suite}): {} record(s) failed authentication, none decrypted", dec.records_failed),
            first_failure(),
        ),
        DecryptStatus::Partial => (
            &DECRYPT_KEYS_MISMATCH,
            format!("decryption stopped part-way ({} record(s) decrypted, {} failed): a record is missing from the capture or the keys changed; the verdict falls back to the encrypted shape", dec.records_decrypted, dec.records_failed),
            first_failure(),
        ),
        DecryptStatus::Unsupported => (
            &DECRYPT_UNSUPPORTED,
            format!("this session uses {version} with {suite}, which rdpdiag cannot decrypt"),
            vec![ev(frame, "ClientHello")],
        ),
        _ => return,
    };
    // Whether keys opened the session is known in clear, keys or not.
    judged
        .findings
        .push(make(rule, Basis::Clear, Some(title), None, evidence));
}
