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
use crate::verdict::{Basis, DiagConfig, Finding, Severity};
use rdpdiag_parsers::x509::{KeyType, Validity};

pub(super) fn judge(cx: &Conn, judged: &mut Judged) {
    let tls = &cx.rec.facts.tls;
    let sni = tls
        .client_hello
        .as_ref()
        .and_then(|hello| hello.sni.clone());
    let out = &mut judged.findings;
    let start = out.len();
    judge_chain(
        &tls.certificates,
        sni.as_deref(),
        cx.cfg,
        cx.cert_basis,
        out,
    );
    // The client sent CredSSP or MCS data after the handshake: it accepted
    // the certificate, so the certificate is not why the connection failed.
    let accepted = cx.shape.handshake_done.is_some()
        && (cx.shape.client_data_records > 0 || cx.rec.facts.mcs.connect_initial.is_some());
    if accepted {
        for f in &mut out[start..] {
            if f.decisive {
                f.decisive = false;
                f.severity = Severity::Warning;
                f.title = format!("{} (the client accepted it and went on)", f.title);
            }
        }
    }
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

/// Does the certificate name `name` (a DNS name or an IP address)? RFC 6125
/// and Windows' chain policy: with DNS names in the SAN, the CN is ignored.
pub(super) fn cert_names(cert: &CertInfo, name: &str) -> bool {
    let san_ip: Vec<std::net::IpAddr> = cert
        .san_ip
        .iter()
        .filter_map(|ip| ip.parse().ok())
        .collect();
    rdpdiag_parsers::x509::names_host(&cert.common_names, &cert.san_dns, &san_ip, name)
}

#[cfg(test)]
mod tests {
    use super::super::registry::*;
    use super::super::testkit::{conn, fired, frames, judge, ConnBuilder};
    use super::certificate_findings;
    use crate::session::facts::DecryptStatus;
    use crate::verdict::{Basis, DiagConfig, Severity, Stage};
    use crate::wire::Dir;
    use rdpdiag_parsers::mcs::DisconnectReason;

    /// A ClientHello at frame 8 (dialling `sni` when given) and a TLS 1.2
    /// ServerHello at frame 9: the certificate that follows is judged.
    fn hello(sni: Option<&str>) -> ConnBuilder {
        let builder = conn()
            .handshake()
            .request(4, 0x1)
            .confirm(6, 0x1)
            .client_hello(8);
        match sni {
            Some(name) => builder.sni(name),
            None => builder,
        }
        .server_hello(9, 0x0303)
    }

    /// ../shared/captures/lab/cert_valid_strict.pcap with its key log: the
    /// CA-signed leaf for 10.203.0.1 (SAN rdp-srv.lab and 10.203.0.1,
    /// serverAuth EKU, RSA-2048, SHA-256) at frame 10, valid 2026-11-20 ..
    /// 2027-11-20, and the lab's self-signed root after it.
    fn valid_chain() -> ConnBuilder {
        hello(Some("10.203.0.1"))
            .certificate(10, 0, "O=RDP Lab, CN=10.203.0.1")
            .cert_decrypted()
            .cert_validity("2026-11-20T13:24:52Z", "2027-11-20T13:24:52Z")
            .cert_san_dns(&["rdp-srv.lab"])
            .cert_san_ip(&["10.203.0.1"])
            .cert_eku(true)
            .certificate(10, 1, "O=RDP Lab, CN=RDP Lab Root CA")
            .cert_decrypted()
            .cert_validity("2024-02-25T13:24:52Z", "2035-02-07T13:24:52Z")
            .cert_self_signed()
    }

    /// The ids of this connection's certificate findings.
    fn certificate_ids(builder: ConnBuilder) -> Vec<String> {
        let rec = builder.build();
        judge(&rec)
            .1
            .into_iter()
            .map(|f| f.id)
            .filter(|id| id.starts_with("certificate."))
            .collect()
    }

    #[test]
    fn a_valid_chain_is_silent() {
        assert!(certificate_ids(valid_chain()).is_empty());
    }

    #[test]
    fn expired_fires_on_a_certificate_past_not_after() {
        // captures/cert_expired_strict.pcap with its key log: the leaf at
        // frame 10 (2026-11-21T13:27:37.695310Z) expired on 2026-10-22.
        let rec = hello(Some("10.203.0.1"))
            .certificate(10, 0, "O=RDP Lab, CN=10.203.0.1")
            .cert_decrypted()
            .cert_seen_at("2026-11-21T13:27:37.695310Z")
            .cert_validity("2025-10-17T13:24:52Z", "2026-10-22T13:24:52Z")
            .cert_san_ip(&["10.203.0.1"])
            .build();
        let finding = fired(&rec, &CERTIFICATE_EXPIRED).expect("fires");
        assert_eq!(
            finding.title,
            "certificate O=RDP Lab, CN=10.203.0.1 expired on 2026-10-22T13:24:52Z, before the capture (2026-11-21T13:27:37.695310Z)"
        );
        assert_eq!(frames(&finding), [10]);
        assert_eq!(
            finding.evidence[0].detail,
            "certificate #0 O=RDP Lab, CN=10.203.0.1"
        );
        // Read from decrypted TLS 1.3.
        assert_eq!(finding.basis, Basis::Decrypted);
        assert_eq!(finding.severity, Severity::Error);
    }

    #[test]
    fn expired_silent_within_the_validity_period() {
        let ids = certificate_ids(valid_chain());
        assert!(!ids.iter().any(|id| id == CERTIFICATE_EXPIRED.id));
    }

    #[test]
    fn not_yet_valid_fires_before_not_before() {
        // nDPI/tls-rdn-extract.pcap (../shared/captures/public, --port 443):
        // the capture clock reads 1999-12-31T23:00:00Z at frame 6; the leaf
        // (subject shortened here) is valid from 2011-10-21T16:42:03Z.
        let subject = "C=US, L=Redmond, O=Microsoft, OU=GFS, CN=*.officeapps.live.com";
        let rec = hello(None)
            .certificate(6, 0, subject)
            .cert_seen_at("1999-12-31T23:00:00Z")
            .cert_validity("2011-10-21T16:42:03Z", "2013-10-20T16:42:03Z")
            .build();
        let finding = fired(&rec, &CERTIFICATE_NOT_YET_VALID).expect("fires");
        assert_eq!(
            finding.title,
            format!("certificate {subject} is not valid before 2011-10-21T16:42:03Z, after the capture time 1999-12-31T23:00:00.000000Z (a clock is wrong)")
        );
        assert_eq!(frames(&finding), [6]);
        assert!(fired(&rec, &CERTIFICATE_EXPIRED).is_none());
    }

    #[test]
    fn not_yet_valid_silent_a_day_after_not_before() {
        // The lab leaf became valid on 2026-11-20, a day before the capture.
        let ids = certificate_ids(valid_chain());
        assert!(!ids.iter().any(|id| id == CERTIFICATE_NOT_YET_VALID.id));
    }

    #[test]
    fn expiring_soon_fires_a_day_before_not_after() {
        // zeek/tls/tls-expired-cert.pcap (../shared/captures/public, --port
        // 443): the www.tobu-estate.com leaf at frame 35
        // (2014-03-13T21:20:19Z) expires on 2014-03-14T23:59:59Z.
        let subject = "C=JP, ST=Tokyo, L=Sumida-ku, O=TOBU RAILWAY Co.,Ltd., OU=Terms of use at www.verisign.com/rpa (c)05, CN=www.tobu-estate.com";
        let rec = hello(None)
            .certificate(35, 0, subject)
            .cert_seen_at("2014-03-13T21:20:19.042323Z")
            .cert_validity("2013-02-08T00:00:00Z", "2014-03-14T23:59:59Z")
            .cert_san_dns(&["www.tobu-estate.com"])
            .build();
        let finding = fired(&rec, &CERTIFICATE_EXPIRING_SOON).expect("fires");
        assert_eq!(
            finding.title,
            format!("certificate {subject} expires on 2014-03-14T23:59:59Z (1 day(s) after the capture)")
        );
        assert_eq!(frames(&finding), [35]);
    }

    #[test]
    fn expiring_soon_silent_past_the_threshold() {
        // The lab leaf has a year left.
        let ids = certificate_ids(valid_chain());
        assert!(!ids.iter().any(|id| id == CERTIFICATE_EXPIRING_SOON.id));
        // At the edge: 30 whole days left is soon (the default threshold), 31 is not.
        let expiring = |not_after: &str| {
            hello(None)
                .certificate(10, 0, "CN=rdp-srv")
                .cert_seen_at("2026-11-21T13:25:00Z")
                .cert_validity("2026-11-20T13:24:52Z", not_after)
                .build()
        };
        assert_eq!(DiagConfig::default().expiring_soon_days, 30);
        assert!(fired(
            &expiring("2026-12-21T13:25:00Z"),
            &CERTIFICATE_EXPIRING_SOON
        )
        .is_some());
        assert!(fired(
            &expiring("2026-12-22T13:25:00Z"),
            &CERTIFICATE_EXPIRING_SOON
        )
        .is_none());
    }

    #[test]
    fn self_signed_fires_on_a_self_signed_leaf() {
        // captures/tls12_cbc_ok.pcap: xrdp's self-signed CN=rdp-srv at frame
        // 9 (no EKU extension), valid 2026-11-21T13:49:40Z .. 2027-11-21.
        let rec = hello(Some("10.203.0.1"))
            .certificate(9, 0, "CN=rdp-srv")
            .cert_seen_at("2026-11-21T13:50:55.786Z")
            .cert_validity("2026-11-21T13:49:40Z", "2027-11-21T13:49:40Z")
            .cert_self_signed()
            .build();
        let finding = fired(&rec, &CERTIFICATE_SELF_SIGNED).expect("fires");
        assert_eq!(finding.title, "self-signed certificate CN=rdp-srv");
        assert_eq!(frames(&finding), [9]);
        assert_eq!(finding.severity, Severity::Info);
        assert!(!finding.decisive);
    }

    #[test]
    fn self_signed_silent_on_a_ca_issued_leaf_under_a_self_signed_root() {
        // Only the leaf counts: the chain's root is self-signed by nature.
        let ids = certificate_ids(valid_chain());
        assert!(!ids.iter().any(|id| id == CERTIFICATE_SELF_SIGNED.id));
    }

    /// zeek/rdp-x509.pcap (../shared/captures/public): Standard RDP
    /// Security; the server's X.509 leaf in the MCS Connect Response at
    /// frame 13 (2015-02-12T15:40:02Z), self-signed.
    fn rdp_x509_leaf() -> ConnBuilder {
        hello(None)
            .certificate(13, 0, "CN=SERVR + L=TURNBKL")
            .cert_in_mcs()
            .cert_seen_at("2015-02-12T15:40:02.103140Z")
            .cert_validity("2015-02-11T14:15:06Z", "2015-05-12T00:00:00Z")
            .cert_self_signed()
    }

    #[test]
    fn weak_key_fires_on_a_short_rsa_key() {
        // The rdp-x509.pcap leaf has a 512-bit RSA key.
        let rec = rdp_x509_leaf().cert_rsa_key(512).build();
        let finding = fired(&rec, &CERTIFICATE_WEAK_KEY).expect("fires");
        assert_eq!(
            finding.title,
            "certificate CN=SERVR + L=TURNBKL has a 512-bit RSA key"
        );
        assert_eq!(frames(&finding), [13]);
    }

    #[test]
    fn weak_key_silent_on_rsa_2048() {
        // The same leaf with the 2048-bit key every lab certificate has.
        let rec = rdp_x509_leaf().cert_rsa_key(2048).build();
        assert!(fired(&rec, &CERTIFICATE_WEAK_KEY).is_none());
        let ids = certificate_ids(valid_chain());
        assert!(!ids.iter().any(|id| id == CERTIFICATE_WEAK_KEY.id));
    }

    #[test]
    fn weak_signature_fires_on_sha1() {
        // zeek/rdp-to-ssl.pcap (../shared/captures/public): the
        // self-signed Windows 2008 R2 leaf at frame 9 (2011-02-12) is signed
        // with sha1WithRSAEncryption.
        let rec = hello(Some("192.168.1.150"))
            .certificate(9, 0, "CN=WIN2K8R2.awakecoding.ath.cx")
            .cert_seen_at("2011-02-12T22:50:44.626170Z")
            .cert_validity("2011-02-12T21:37:35Z", "2021-02-12T00:00:00Z")
            .cert_self_signed()
            .cert_eku(true)
            .cert_signature("sha1WithRSAEncryption")
            .build();
        let finding = fired(&rec, &CERTIFICATE_WEAK_SIGNATURE).expect("fires");
        assert_eq!(
            finding.title,
            "certificate CN=WIN2K8R2.awakecoding.ath.cx is signed with sha1WithRSAEncryption"
        );
        assert_eq!(frames(&finding), [9]);
    }

    #[test]
    fn weak_signature_silent_on_sha256() {
        // cert_valid_strict's leaf is signed with sha256WithRSAEncryption.
        let ids = certificate_ids(valid_chain());
        assert!(!ids.iter().any(|id| id == CERTIFICATE_WEAK_SIGNATURE.id));
    }

    #[test]
    fn weak_key_and_signature_silent_on_the_chain_above_the_leaf() {
        // zeek/tls/tls-expired-cert.pcap: the COMODO SSL CA at frame 7 is
        // SHA-1 signed too (its key is RSA-2048; made 1024 here to check the
        // key as well): only the leaf's key and signature are judged.
        let rec = hello(None)
            .certificate(
                7,
                1,
                "C=GB, ST=Greater Manchester, L=Salford, O=COMODO CA Limited, CN=COMODO SSL CA",
            )
            .cert_seen_at("2014-03-13T21:20:03.122697Z")
            .cert_validity("2011-08-23T00:00:00Z", "2020-05-30T10:48:38Z")
            .cert_signature("sha1WithRSAEncryption")
            .cert_rsa_key(1024)
            .build();
        assert!(fired(&rec, &CERTIFICATE_WEAK_SIGNATURE).is_none());
        assert!(fired(&rec, &CERTIFICATE_WEAK_KEY).is_none());
    }

    #[test]
    fn no_server_auth_eku_fires_on_an_eku_without_server_auth() {
        // No capture at hand has such a certificate: the lab leaf of
        // cert_valid_strict with its EKU stripped of serverAuth.
        let rec = hello(Some("10.203.0.1"))
            .certificate(10, 0, "O=RDP Lab, CN=10.203.0.1")
            .cert_validity("2026-11-20T13:24:52Z", "2027-11-20T13:24:52Z")
            .cert_san_ip(&["10.203.0.1"])
            .cert_eku(false)
            .build();
        let finding = fired(&rec, &CERTIFICATE_NO_SERVER_AUTH_EKU).expect("fires");
        assert_eq!(finding.title, CERTIFICATE_NO_SERVER_AUTH_EKU.title);
        assert_eq!(frames(&finding), [10]);
    }

    #[test]
    fn no_server_auth_eku_silent_with_server_auth_or_without_eku() {
        // cert_valid_strict's leaf has serverAuth; tls12_cbc_ok's
        // self-signed CN=rdp-srv has no EKU extension at all.
        let ids = certificate_ids(valid_chain());
        assert!(!ids.iter().any(|id| id == CERTIFICATE_NO_SERVER_AUTH_EKU.id));
        let rec = hello(None).certificate(9, 0, "CN=rdp-srv").build();
        assert!(fired(&rec, &CERTIFICATE_NO_SERVER_AUTH_EKU).is_none());
    }

    #[test]
    fn name_mismatch_fires_when_the_dialled_name_is_not_in_the_certificate() {
        // captures/cert_name_mismatch_strict.pcap with its key log: the
        // client dials 10.203.0.1, the leaf at frame 11 names wrong-host.lab.
        let rec = hello(Some("10.203.0.1"))
            .certificate(11, 0, "O=RDP Lab, CN=wrong-host.lab")
            .cert_decrypted()
            .cert_validity("2026-11-20T14:56:41Z", "2027-11-20T14:56:41Z")
            .cert_san_dns(&["wrong-host.lab"])
            .cert_eku(true)
            .build();
        let finding = fired(&rec, &CERTIFICATE_NAME_MISMATCH).expect("fires");
        assert_eq!(
            finding.title,
            "the client asked for 10.203.0.1 but the certificate names O=RDP Lab, CN=wrong-host.lab"
        );
        assert_eq!(frames(&finding), [11]);
        assert_eq!(finding.severity, Severity::Info);
    }

    #[test]
    fn name_mismatch_silent_when_the_certificate_names_the_server() {
        // cert_valid_strict: 10.203.0.1 is the CN and a SAN IP address.
        let ids = certificate_ids(valid_chain());
        assert!(!ids.iter().any(|id| id == CERTIFICATE_NAME_MISMATCH.id));
        // Dialled by its DNS name, in the SAN.
        let rec = hello(Some("rdp-srv.lab"))
            .certificate(10, 0, "O=RDP Lab, CN=10.203.0.1")
            .cert_san_dns(&["rdp-srv.lab"])
            .build();
        assert!(fired(&rec, &CERTIFICATE_NAME_MISMATCH).is_none());
        // Without SNI (zeek/tls/tls-expired-cert.pcap) there is nothing to compare.
        let rec = hello(None)
            .certificate(
                7,
                0,
                "OU=Domain Control Validated, OU=COMODO SSL, CN=www.spidh.org",
            )
            .build();
        assert!(fired(&rec, &CERTIFICATE_NAME_MISMATCH).is_none());
    }

    #[test]
    fn expired_is_not_the_cause_once_the_client_went_on() {
        // captures/cert_expired_ignored.pcap: the client ignores the expired
        // certificate and goes on with RDP. Here the server then ends the
        // session with an MCS Disconnect Provider Ultimatum (frame 14, not
        // in that capture): the certificate was not why it failed, so
        // certificate.expired is a warning and the Ultimatum the cause.
        let rec = hello(Some("10.203.0.1"))
            .certificate(9, 0, "CN=rdp-srv")
            .cert_validity("2025-10-17T13:24:52Z", "2026-10-22T13:24:52Z")
            .cert_self_signed()
            .ccs(Dir::ClientToServer, 10)
            .ccs(Dir::ServerToClient, 11)
            .connect_initial(12)
            .disconnect_ultimatum(Dir::ServerToClient, 14, DisconnectReason::RN_USER_REQUESTED)
            .keylog(DecryptStatus::Decrypted)
            .records_decrypted(6)
            .fin(Dir::ServerToClient, 16)
            .build();
        let (verdict, findings) = judge(&rec);
        let expired = fired(&rec, &CERTIFICATE_EXPIRED).expect("still reported");
        assert!(!expired.decisive);
        assert!(findings.iter().any(|f| f.id == MCS_DISCONNECT_ULTIMATUM.id));
        assert_eq!(verdict.failed_stage, Some(Stage::Mcs));
    }

    #[test]
    fn name_mismatch_fires_when_only_the_cn_names_the_server() {
        // RFC 6125 6.4.4 and Windows' SSL chain policy (mstsc): with DNS
        // names in the SAN, the CN is not looked at (the parser crate's
        // `x509::names_host`, behind `CertSummary::matches_name` and the
        // rule's `cert_names`). The lab leaf of
        // cert_valid_strict names 10.203.0.1 in its CN and rdp-srv.lab in
        // its SAN; dialled as 10.203.0.1 it matches (SAN IP), but a leaf
        // with CN=rdp-srv.lab and SAN DNS other.lab dialled as rdp-srv.lab
        // does not.
        let rec = hello(Some("rdp-srv.lab"))
            .certificate(10, 0, "O=RDP Lab, CN=rdp-srv.lab")
            .cert_san_dns(&["other.lab"])
            .build();
        assert!(fired(&rec, &CERTIFICATE_NAME_MISMATCH).is_some());
    }

    #[test]
    fn certificate_findings_judges_a_chain_for_the_probe() {
        // The probe's entry point judges the same chain against the name it
        // connected to.
        let rec = hello(None)
            .certificate(11, 0, "O=RDP Lab, CN=wrong-host.lab")
            .cert_san_dns(&["wrong-host.lab"])
            .build();
        let mut out = Vec::new();
        certificate_findings(
            &rec.facts.tls.certificates,
            Some("10.203.0.1"),
            &DiagConfig::default(),
            &mut out,
        );
        let ids: Vec<&str> = out.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(ids, ["certificate.name_mismatch"]);
        assert_eq!(out[0].basis, Basis::Clear);
    }
}
