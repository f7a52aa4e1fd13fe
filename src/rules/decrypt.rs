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

#[cfg(test)]
mod tests {
    use super::super::registry::*;
    use super::super::testkit::{conn, fired, frames, ConnBuilder};
    use crate::session::facts::DecryptStatus;
    use crate::verdict::{Basis, Severity};
    use crate::wire::Dir;
    use rdpdiag_parsers::tls::{AlertDescription, AlertLevel};

    /// captures/tls_ok.pcap: ClientHello at frame 8, TLS 1.3 ServerHello
    /// (TLS_AES_256_GCM_SHA384) at frame 9, the session runs to frame 177.
    fn tls_ok() -> ConnBuilder {
        conn()
            .handshake()
            .request(4, 0x1)
            .confirm(6, 0x1)
            .client_hello(8)
            .server_hello(9, 0x0304)
            .app_data(Dir::ClientToServer, 10, 69)
            .screen_output(20)
            .fin(Dir::ClientToServer, 176)
    }

    #[test]
    fn keys_mismatch_fires_when_the_key_log_lacks_the_session() {
        // captures/tls_ok.pcap given captures/cert_expired_strict.keys.txt,
        // the key log of another session: no secrets for this random.
        let rec = tls_ok()
            .keylog(DecryptStatus::NoKeys)
            .decrypt_session("TLS 1.3", "TLS_AES_256_GCM_SHA384")
            .build();
        let finding = fired(&rec, &DECRYPT_KEYS_MISMATCH).expect("fires");
        assert_eq!(
            finding.title,
            "the key log has no secrets for this TLS 1.3 session (its ClientHello random is not in it): nothing was decrypted"
        );
        assert_eq!(frames(&finding), [8]);
        assert_eq!(finding.basis, Basis::Clear);
        assert_eq!(finding.severity, Severity::Warning);
        assert!(!finding.decisive);
    }

    #[test]
    fn keys_mismatch_fires_when_the_secrets_fail() {
        // captures/tls_ok.pcap given its key log with every secret's first
        // hex digit changed: 2 records fail authentication (the first at
        // frame 9), none decrypts.
        let rec = tls_ok()
            .keylog(DecryptStatus::WrongKeys)
            .decrypt_session("TLS 1.3", "TLS_AES_256_GCM_SHA384")
            .records_failed(2, 9)
            .build();
        let finding = fired(&rec, &DECRYPT_KEYS_MISMATCH).expect("fires");
        assert_eq!(
            finding.title,
            "the key log names this session but its secrets do not decrypt it (TLS 1.3, TLS_AES_256_GCM_SHA384): 2 record(s) failed authentication, none decrypted"
        );
        assert_eq!(frames(&finding), [9]);
        assert_eq!(
            finding.evidence[0].detail,
            "first record that failed to decrypt"
        );
    }

    #[test]
    fn keys_mismatch_fires_when_decryption_stops_part_way() {
        // captures/tls_ok.pcap given its key log with only
        // SERVER_TRAFFIC_SECRET_0 changed: 28 records decrypt, 1 fails
        // (at frame 11).
        let rec = tls_ok()
            .keylog(DecryptStatus::Partial)
            .decrypt_session("TLS 1.3", "TLS_AES_256_GCM_SHA384")
            .records_decrypted(28)
            .records_failed(1, 11)
            .build();
        let finding = fired(&rec, &DECRYPT_KEYS_MISMATCH).expect("fires");
        assert_eq!(
            finding.title,
            "decryption stopped part-way (28 record(s) decrypted, 1 failed): a record is missing from the capture or the keys changed; the verdict falls back to the encrypted shape"
        );
        assert_eq!(frames(&finding), [11]);
    }

    #[test]
    fn keys_mismatch_silent_when_the_session_decrypts() {
        // captures/tls_ok.pcap with its own key log: 91 records decrypted.
        let rec = tls_ok()
            .keylog(DecryptStatus::Decrypted)
            .decrypt_session("TLS 1.3", "TLS_AES_256_GCM_SHA384")
            .records_decrypted(91)
            .build();
        assert!(fired(&rec, &DECRYPT_KEYS_MISMATCH).is_none());
        assert!(fired(&rec, &DECRYPT_UNSUPPORTED).is_none());
    }

    #[test]
    fn keys_mismatch_silent_without_a_server_hello() {
        // captures/tls_version_mismatch.pcap given a key log: the server
        // refused the ClientHello, there was nothing to decrypt (the fatal
        // alert explains the failure).
        let rec = conn()
            .handshake()
            .request(4, 0x1)
            .confirm(6, 0x1)
            .client_hello(8)
            .alert(
                Dir::ServerToClient,
                9,
                AlertLevel::FATAL,
                AlertDescription::PROTOCOL_VERSION,
            )
            .keylog(DecryptStatus::NoServerHello)
            .build();
        assert!(fired(&rec, &DECRYPT_KEYS_MISMATCH).is_none());
        assert!(fired(&rec, &TLS_FATAL_ALERT).is_some());
    }

    #[test]
    fn unsupported_fires_on_a_suite_rdpdiag_cannot_decrypt() {
        // No capture at hand negotiates one: TLS 1.2 with
        // TLS_RSA_WITH_3DES_EDE_CBC_SHA (0x000a), which the decryptor names
        // by number since it has no implementation for it.
        let rec = conn()
            .handshake()
            .request(4, 0x1)
            .confirm(6, 0x1)
            .client_hello(8)
            .server_hello(9, 0x0303)
            .keylog(DecryptStatus::Unsupported)
            .decrypt_session("TLS 1.2", "0x000a")
            .build();
        let finding = fired(&rec, &DECRYPT_UNSUPPORTED).expect("fires");
        assert_eq!(
            finding.title,
            "this session uses TLS 1.2 with 0x000a, which rdpdiag cannot decrypt"
        );
        assert_eq!(frames(&finding), [8]);
        assert_eq!(finding.severity, Severity::Info);
        assert!(fired(&rec, &DECRYPT_KEYS_MISMATCH).is_none());
    }

    #[test]
    fn unsupported_silent_on_a_supported_cbc_suite() {
        // captures/tls12_cbc_ok.pcap with its key log: TLS 1.2 with
        // TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, 86 records decrypted.
        let rec = conn()
            .handshake()
            .request(4, 0x1)
            .confirm(6, 0x1)
            .client_hello(8)
            .server_hello(9, 0x0303)
            .ccs(Dir::ClientToServer, 10)
            .ccs(Dir::ServerToClient, 11)
            .connect_initial(12)
            .screen_output(60)
            .keylog(DecryptStatus::Decrypted)
            .decrypt_session("TLS 1.2", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA")
            .records_decrypted(86)
            .build();
        assert!(fired(&rec, &DECRYPT_UNSUPPORTED).is_none());
    }
}
