//! Certificate rules: validity at capture time along the chain, and for
//! the leaf self-signature, key size, signature, EKU and the dialled name.

use super::conn::{Conn, Judged};
use super::registry::{
    CERTIFICATE_EXPIRED, CERTIFICATE_EXPIRING_SOON, CERTIFICATE_NAME_MISMATCH,
    CERTIFICATE_NOT_YET_VALID, CERTIFICATE_NO_SERVER_AUTH_EKU, CERTIFICATE_SELF_SIGNED,
    CERTIFICATE_WEAK_KEY, CERTIFICATE_WEAK_SIGNATURE,
};
use super::{ev, make};
use crate::session::facts::CertInfo;
use crate::verdict::{Basis, DiagConfig, Finding};
use rdpdiag_parsers::x509::{KeyType, Validity};

pub(super) fn judge(cx: &Conn, judged: &mut Judged) {
    let tls = &cx.rec.facts.tls;
    let sni = tls
        .client_hello
        .as_ref()
        .and_then(|hello| hello.sni.clone());
    let out = &mut judged.findings;
    judge_chain(
        &tls.certificates,
        sni.as_deref(),
        cx.cfg,
        cx.cert_basis,
        out,
    );
}

/// Judge a certificate chain (validity at each certificate's frame time, and
/// for the leaf: self-signed, key size, signature, EKU, name vs `name`).
pub fn certificate_findings(
    certs: &[CertInfo],
    name: Option<&str>,
    cfg: &DiagConfig,
    out: &mut Vec<Finding>,
) {
    judge_chain(certs, name, cfg, Basis::Clear, out);
}

/// The chain judged, its findings obtained on `basis`.
fn judge_chain(
    certs: &[CertInfo],
    name: Option<&str>,
    cfg: &DiagConfig,
    basis: Basis,
    out: &mut Vec<Finding>,
) {
    let sni = name.map(str::to_string);
    for cert in certs.iter() {
        let leaf = cert.index == 0;
        let evidence = vec![ev(
            cert.frame,
            format!("certificate #{} {}", cert.index, cert.subject),
        )];
        match cert.validity_at_capture {
            Validity::Expired => out.push(make(
                &CERTIFICATE_EXPIRED,
 basis,
                Some(format!(
                    "certificate {} expired on {}, before the capture ({})",
                    cert.subject,
                    cert.not_after,
                    cert.frame.ts.rfc3339()
                )),
                None,
                evidence.clone(),
            )),
            Validity::NotYetValid => out.push(make(
                &CERTIFICATE_NOT_YET_VALID,
 basis,
                Some(format!(
                    "certificate {} is not valid before {}, after the capture time {} (a clock is wrong)",
                    cert.subject,
                    cert.not_before,
                    cert.frame.ts.rfc3339()
                )),
                None,
                evidence.clone(),
            )),
            _ => {
                let left = (cert.not_after_unix - cert.frame.ts.secs()) / 86_400;
                if left <= cfg.expiring_soon_days {
                    out.push(make(
                        &CERTIFICATE_EXPIRING_SOON,
 basis,
                        Some(format!("certificate {} expires on {} ({left} day(s) after the capture)", cert.subject, cert.not_after)),
                        None,
                        evidence.clone(),
                    ));
                }
            }
        }
        if !leaf {
            continue;
        }
        if cert.self_signed {
            out.push(make(
                &CERTIFICATE_SELF_SIGNED,
                basis,
                Some(format!("self-signed certificate {}", cert.subject)),
                None,
                evidence.clone(),
            ));
        }
        if cert.key_type == KeyType::Rsa && cert.key_bits > 0 && cert.key_bits < 2048 {
            out.push(make(
                &CERTIFICATE_WEAK_KEY,
                basis,
                Some(format!(
                    "certificate {} has a {}-bit RSA key",
                    cert.subject, cert.key_bits
                )),
                None,
                evidence.clone(),
            ));
        }
        if cert.weak_signature {
            out.push(make(
                &CERTIFICATE_WEAK_SIGNATURE,
                basis,
                Some(format!(
                    "certificate {} is signed with {}",
                    cert.subject, cert.signature_algorithm
                )),
                None,
                evidence.clone(),
            ));
        }
        if cert.eku_server_auth == Some(false) {
            out.push(make(
                &CERTIFICATE_NO_SERVER_AUTH_EKU,
                basis,
                None,
                None,
                evidence.clone(),
            ));
        }
        if let Some(name) = &sni {
            if !cert_names(cert, name) {
                out.push(make(
                    &CERTIFICATE_NAME_MISMATCH,
                    basis,
                    Some(format!(
                        "the client asked for {name} but the certificate names {}",
                        cert.subject
                    )),
                    None,
                    evidence.clone(),
                ));
            }
        }
    }
}

/// Does the certificate name `name` (a DNS name or an IP address)?
pub(super) fn cert_names(cert: &CertInfo, name: &str) -> bool {
    let ip = name.parse::<std::net::IpAddr>().ok();
    cert.san_dns
        .iter()
        .chain(cert.common_names.iter())
        .any(|n| name_match(n, name))
        || ip.is_some_and(|ip| cert.san_ip.iter().any(|x| *x == ip.to_string()))
}

fn name_match(pattern: &str, host: &str) -> bool {
    let p = pattern.to_ascii_lowercase();
    let h = host.to_ascii_lowercase();
    if let Some(rest) = p.strip_prefix("*.") {
        h.split_once('.').is_some_and(|(_, tail)| tail == rest)
    } else {
        p == h
    }
}
