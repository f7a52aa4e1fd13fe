//! TLS facts: hellos, records, alerts, certificates, and what the key log decrypted.

use super::*;

impl ConnBuilder {
    /// A TLS ClientHello at `at`.
    pub(crate) fn client_hello(mut self, at: u64) -> Self {
        self.rec.facts.tls.client_hello = Some(ClientHelloFacts {
            frame: frame(at),
            version: "TLS 1.2".into(),
            max_version: "TLS 1.2".into(),
            supported_versions: Vec::new(),
            cipher_suites: 20,
            cipher_suite_names: Vec::new(),
            sni: None,
            alpn: Vec::new(),
            random: [0; 32],
        });
        self.rec.last = self.rec.last.max(frame(at));
        self
    }

    /// A ServerHello at `at` selecting TLS `version` (0x0301..=0x0304).
    pub(crate) fn server_hello(mut self, at: u64, version: u16) -> Self {
        let name = match version {
            0x0301 => "TLS 1.0",
            0x0302 => "TLS 1.1",
            0x0303 => "TLS 1.2",
            0x0304 => "TLS 1.3",
            _ => "?",
        };
        self.rec.facts.tls.server_hello = Some(ServerHelloFacts {
            frame: frame(at),
            version: name.into(),
            version_raw: version,
            cipher_suite: String::new(),
            hello_retry_request: false,
        });
        self.rec.last = self.rec.last.max(frame(at));
        self
    }

    /// A ChangeCipherSpec from `dir` at `at`.
    pub(crate) fn ccs(mut self, dir: Dir, at: u64) -> Self {
        self.rec.facts.tls.ccs[dir.idx()] = Some(frame(at));
        self.rec.last = self.rec.last.max(frame(at));
        self
    }

    /// An application-data record of `len` bytes from `dir` at `at` (in TLS
    /// 1.3 the client's first one is its encrypted Finished).
    pub(crate) fn app_data(mut self, dir: Dir, at: u64, len: u16) -> Self {
        let tls = &mut self.rec.facts.tls;
        tls.first_app_data[dir.idx()].get_or_insert(frame(at));
        tls.app_records[dir.idx()] += 1;
        tls.app_bytes[dir.idx()] += u64::from(len);
        tls.records.push(RecordInfo {
            dir,
            frame: frame(at),
            content_type: 23,
            len,
            kind: RecordKind::AppData,
        });
        self.rec.last = self.rec.last.max(frame(at));
        self
    }

    /// A TLS alert from `dir` at `at` read in clear (or decrypted).
    pub(crate) fn alert(
        mut self,
        dir: Dir,
        at: u64,
        level: AlertLevel,
        description: AlertDescription,
    ) -> Self {
        self.rec.facts.tls.alerts.push(AlertInfo {
            dir,
            frame: frame(at),
            level: Some(level),
            description: Some(description),
            encrypted: false,
        });
        self.rec.last = self.rec.last.max(frame(at));
        self
    }

    /// The key log decrypted all `records` TLS records of the connection.
    pub(crate) fn decrypted(mut self, records: u64) -> Self {
        self.rec.facts.decryption = Some(DecryptFacts {
            status: DecryptStatus::Decrypted,
            keys_found: true,
            records_decrypted: records,
            ..Default::default()
        });
        self
    }

    /// The ClientHello's supported_versions extension, highest first (the
    /// highest is also its `max_version`).
    pub(crate) fn hello_versions(mut self, versions: &[&str]) -> Self {
        let hello = self.hello_mut();
        hello.supported_versions = versions.iter().map(|v| v.to_string()).collect();
        if let Some(max) = versions.first() {
            hello.max_version = max.to_string();
        }
        self
    }

    /// The ClientHello offers `count` cipher suites.
    pub(crate) fn hello_suites(mut self, count: usize) -> Self {
        self.hello_mut().cipher_suites = count;
        self
    }

    /// The ClientHello names `name` in its server_name extension (SNI).
    pub(crate) fn sni(mut self, name: &str) -> Self {
        self.hello_mut().sni = Some(name.to_string());
        self
    }

    /// An encrypted TLS alert from `dir` at `at` (level and description unreadable).
    pub(crate) fn encrypted_alert(mut self, dir: Dir, at: u64) -> Self {
        self.rec.facts.tls.alerts.push(AlertInfo {
            dir,
            frame: frame(at),
            level: None,
            description: None,
            encrypted: true,
        });
        self.rec.last = self.rec.last.max(frame(at));
        self
    }

    /// Certificate #`index` of the chain sent at `at`, named `subject` (its
    /// CN= parts are its common names). Until stated otherwise it is valid
    /// from a day before the frame for a year, RSA-2048, SHA-256, issued by
    /// someone else, without EKU or SAN.
    pub(crate) fn certificate(mut self, at: u64, index: usize, subject: &str) -> Self {
        let seen = frame(at);
        let not_before = seen.ts.secs() - 86_400;
        let not_after = seen.ts.secs() + 365 * 86_400;
        let mut cert = CertInfo {
            frame: seen,
            index,
            source: CertSource::Tls,
            subject: subject.to_string(),
            issuer: String::new(),
            common_names: subject
                .split(", ")
                .filter_map(|part| part.strip_prefix("CN="))
                .map(str::to_string)
                .collect(),
            san_dns: Vec::new(),
            san_ip: Vec::new(),
            not_before: unix_rfc3339(not_before),
            not_after: unix_rfc3339(not_after),
            not_before_unix: not_before,
            not_after_unix: not_after,
            key_type: KeyType::Rsa,
            key_bits: 2048,
            signature_algorithm: "sha256WithRSAEncryption".into(),
            weak_signature: false,
            eku_server_auth: None,
            is_ca: false,
            self_signed: false,
            validity_at_capture: Validity::Valid,
        };
        judge_validity(&mut cert);
        self.rec.facts.tls.certificates.push(cert);
        self.rec.last = self.rec.last.max(seen);
        self
    }

    /// The last certificate is valid from `not_before` to `not_after`
    /// (RFC 3339, e.g. `2026-10-22T13:24:52Z`).
    pub(crate) fn cert_validity(mut self, not_before: &str, not_after: &str) -> Self {
        let cert = self.cert_mut();
        cert.not_before = not_before.to_string();
        cert.not_after = not_after.to_string();
        cert.not_before_unix = ts(not_before).secs();
        cert.not_after_unix = ts(not_after).secs();
        judge_validity(cert);
        self
    }

    /// The capture clock read `time` (RFC 3339) at the last certificate's frame.
    pub(crate) fn cert_seen_at(mut self, time: &str) -> Self {
        let cert = self.cert_mut();
        cert.frame.ts = ts(time);
        judge_validity(cert);
        self
    }

    /// The last certificate is self-signed (issuer = subject).
    pub(crate) fn cert_self_signed(mut self) -> Self {
        let cert = self.cert_mut();
        cert.issuer = cert.subject.clone();
        cert.self_signed = true;
        self
    }

    /// The last certificate's key: RSA of `bits` bits.
    pub(crate) fn cert_rsa_key(mut self, bits: usize) -> Self {
        let cert = self.cert_mut();
        cert.key_type = KeyType::Rsa;
        cert.key_bits = bits;
        self
    }

    /// The last certificate is signed with `algorithm` (SHA-1 and MD5 ones are weak).
    pub(crate) fn cert_signature(mut self, algorithm: &str) -> Self {
        let cert = self.cert_mut();
        cert.signature_algorithm = algorithm.to_string();
        cert.weak_signature = algorithm.starts_with("sha1") || algorithm.starts_with("md5");
        self
    }

    /// The last certificate has an Extended Key Usage extension, with
    /// serverAuth or without it.
    pub(crate) fn cert_eku(mut self, server_auth: bool) -> Self {
        self.cert_mut().eku_server_auth = Some(server_auth);
        self
    }

    /// The last certificate's subjectAltName DNS names.
    pub(crate) fn cert_san_dns(mut self, names: &[&str]) -> Self {
        self.cert_mut().san_dns = names.iter().map(|n| n.to_string()).collect();
        self
    }

    /// The last certificate's subjectAltName IP addresses.
    pub(crate) fn cert_san_ip(mut self, ips: &[&str]) -> Self {
        self.cert_mut().san_ip = ips.iter().map(|n| n.to_string()).collect();
        self
    }

    /// The last certificate was read from decrypted TLS 1.3 (with the key log).
    pub(crate) fn cert_decrypted(mut self) -> Self {
        self.cert_mut().source = CertSource::Tls13Decrypted;
        self
    }

    /// The last certificate came in the MCS Connect Response (Standard RDP Security).
    pub(crate) fn cert_in_mcs(mut self) -> Self {
        self.cert_mut().source = CertSource::RdpStandardSecurity;
        self
    }

    /// A key log was given; decrypting this session ended in `status`.
    pub(crate) fn keylog(mut self, status: DecryptStatus) -> Self {
        let dec = self.decrypt_mut();
        dec.status = status;
        dec.keys_found = status != DecryptStatus::NoKeys;
        self
    }

    /// The TLS version and cipher suite the decryptor found.
    pub(crate) fn decrypt_session(mut self, version: &str, suite: &str) -> Self {
        let dec = self.decrypt_mut();
        dec.version = Some(version.to_string());
        dec.cipher_suite = Some(suite.to_string());
        self
    }

    /// `count` records decrypted.
    pub(crate) fn records_decrypted(mut self, count: u64) -> Self {
        self.decrypt_mut().records_decrypted = count;
        self
    }

    /// `count` records failed to decrypt, the first at `first`.
    pub(crate) fn records_failed(mut self, count: u64, first: u64) -> Self {
        let dec = self.decrypt_mut();
        dec.records_failed = count;
        dec.first_failure = Some(frame(first));
        self
    }

    fn hello_mut(&mut self) -> &mut ClientHelloFacts {
        self.rec
            .facts
            .tls
            .client_hello
            .as_mut()
            .expect("client_hello() first")
    }

    fn cert_mut(&mut self) -> &mut CertInfo {
        self.rec
            .facts
            .tls
            .certificates
            .last_mut()
            .expect("certificate() first")
    }

    fn decrypt_mut(&mut self) -> &mut DecryptFacts {
        self.rec
            .facts
            .decryption
            .get_or_insert_with(DecryptFacts::default)
    }
}
