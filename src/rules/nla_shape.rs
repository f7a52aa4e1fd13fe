//! NLA results read from the shape of encrypted CredSSP, without keys.
//! Windows reports a CredSSP failure in a TSRequest carrying errorCode
//! (MS-CSSP 2.2.1, version 3 and later) and then waits for the client to
//! close; with HYBRID_EX it sends the 4-byte Early User Authorization Result
//! (MS-RDPBCGR 2.2.10.2) and waits the same way. Both are one short record
//! after the client's last CredSSP message, then the CLIENT's FIN or RST.

use super::conn::Conn;
use super::registry::{NLA_CREDENTIALS_REJECTED, NLA_CREDSSP_ERROR, NLA_EARLY_USER_AUTH_DENIED};
use super::{ev, make, set_inferred};
use crate::session::facts::RecordKind;
use crate::verdict::Finding;
use crate::wire::{Dir, FrameRef};

/// TSRequest { version, errorCode }: 15 bytes with a 4-byte INTEGER, 16
/// when the NTSTATUS needs a leading zero, up to 17 with a long version.
const ERROR_TSREQUEST: (u16, u16) = (13, 17);
/// Early User Authorization Result: a little-endian u32.
const EUA_RESULT: (u16, u16) = (4, 4);

const WAITED: &str = "Windows reports a failed CredSSP step in a TSRequest that carries only an errorCode (MS-CSSP 2.2.1; an NTSTATUS such as STATUS_LOGON_FAILURE, or an SSPI SEC_E_* status) and then waits for the client to close, which the client does. Here the server's last record before the client's close has exactly the size of such a TSRequest under the negotiated cipher; with a TLS key log rdpdiag reads the code itself.";

/// The plaintext sizes a record of `len` bytes (without its 5-byte
/// header) can carry under the negotiated cipher suite.
fn plaintext(cx: &Conn, len: u16) -> (u16, u16) {
    if cx.shape.tls13 {
        // inner content type + 16-byte AEAD tag
        let p = len.saturating_sub(17);
        return (p, p);
    }
    let suite = cx
        .rec
        .facts
        .tls
        .server_hello
        .as_ref()
        .map(|h| h.cipher_suite.to_ascii_uppercase())
        .unwrap_or_default();
    if suite.contains("CHACHA20") {
        let p = len.saturating_sub(16);
        (p, p)
    } else if suite.contains("GCM") || suite.contains("CCM") {
        // 8-byte explicit nonce + 16-byte tag (CCM_8: 8-byte tag)
        let tag = if suite.ends_with("CCM_8") { 8 } else { 16 };
        let p = len.saturating_sub(8 + tag);
        (p, p)
    } else {
        // CBC: 16-byte IV, the MAC, 1..=16 bytes of padding.
        let mac = if suite.ends_with("SHA384") {
            48
        } else if suite.ends_with("SHA256") {
            32
        } else {
            20
        };
        let body = len.saturating_sub(16 + mac);
        (body.saturating_sub(16), body.saturating_sub(1))
    }
}

fn fits(range: (u16, u16), want: (u16, u16)) -> bool {
    range.0 <= want.1 && want.0 <= range.1
}

/// The server's last data record, when nothing but the client's close
/// (an alert, FIN or RST) came after it.
fn last_word(cx: &Conn) -> Option<(FrameRef, u16)> {
    let (frame, len) = cx.shape.last_server_record?;
    let client_spoke_after = cx.rec.facts.tls.records.iter().any(|r| {
        r.dir == Dir::ClientToServer
            && r.frame > frame
            && r.kind == RecordKind::AppData
            && !(cx.shape.tls13 && r.len <= 24)
    });
    (!client_spoke_after).then_some((frame, len))
}

/// The server answered the client's CredSSP with one short record and
/// waited; the client closed. Returns the finding it implies, if any.
pub(super) fn server_waited(cx: &Conn) -> Option<Finding> {
    let shape = &cx.shape;
    let (client_close, kind) = cx.client_close?;
    if cx.first_closer == Some(Dir::ServerToClient) || shape.client_data_records == 0 {
        return None;
    }
    let (frame, len) = last_word(cx)?;
    if client_close < frame {
        return None;
    }
    let range = plaintext(cx, len);
    let evidence_close = ev(client_close, format!("{kind} from the client"));
    if shape.hybrid_ex && shape.client_data_records >= 3 && fits(range, EUA_RESULT) {
        let mut f = make(
            &NLA_EARLY_USER_AUTH_DENIED,
            cx.inner_basis,
            None,
            None,
            vec![
                ev(
                    frame,
                    format!("{len}-byte record: a 4-byte Early User Authorization Result"),
                ),
                evidence_close,
            ],
        );
        set_inferred(&mut f, true, cx.inner_basis);
        return Some(f);
    }
    if !fits(range, ERROR_TSREQUEST) {
        return None;
    }
    let after_authenticate = shape.client_data_records >= 2;
    let record = ev(
        frame,
        format!(
            "{len}-byte record from the server: a TSRequest carrying only an errorCode ({}-{} bytes)",
            ERROR_TSREQUEST.0, ERROR_TSREQUEST.1
        ),
    );
    let mut f = if after_authenticate {
        make(
            &NLA_CREDENTIALS_REJECTED,
            cx.inner_basis,
            Some(format!(
                "the server rejected the NLA credentials: it answered the client's authentication (CredSSP message {}) with a short TSRequest errorCode record and waited until the client closed (inferred from record sizes; a TLS key log names the NTSTATUS, typically STATUS_LOGON_FAILURE)",
                shape.client_data_records
            )),
            Some(WAITED.to_string()),
            vec![record, evidence_close],
        )
    } else {
        make(
            &NLA_CREDSSP_ERROR,
            cx.inner_basis,
            Some("the server refused CredSSP at the client's first message: it answered with a short TSRequest errorCode record before any credentials were sent, and the client closed (inferred from record sizes; a TLS key log names the code: typically SEC_E_UNSUPPORTED_FUNCTION, the server refusing NTLM or the CredSSP version)".to_string()),
            Some(WAITED.to_string()),
            vec![record, evidence_close],
        )
    };
    set_inferred(&mut f, true, cx.inner_basis);
    Some(f)
}
