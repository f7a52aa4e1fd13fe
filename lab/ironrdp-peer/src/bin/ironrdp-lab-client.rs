//! ironrdp-lab-client: a second, independent RDP *client* for the one lab
//! case xfreerdp 2.11 cannot reach: HYBRID_EX with an Early User
//! Authorization Result (FreeRDP 2 has no HYBRID_EX support). The connection
//! sequence is IronRDP's `ironrdp-connector` driven by `ironrdp-blocking`;
//! TLS is rustls (any certificate accepted, key log to $SSLKEYLOGFILE).
//!
//! usage: ironrdp-lab-client HOST:PORT USER PASSWORD [DOMAIN]
//! Prints the connector's result or error and exits 0 on a completed
//! connection, 1 otherwise.
use std::io::Write;
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;

use ironrdp_connector::sspi::network_client::NetworkClient;
use ironrdp_connector::{ClientConnector, Config, Credentials, DesktopSize, ServerName};
use ironrdp_pdu::gcc;
use ironrdp_pdu::rdp::capability_sets::{MajorPlatformType, RailSupportLevel};
use ironrdp_pdu::rdp::client_info::{PerformanceFlags, TimezoneInfo};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName as TlsName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};

type Res<T> = Result<T, Box<dyn std::error::Error>>;

/// The lab certificate is self-signed: accept it, as `/cert:ignore` does.
#[derive(Debug)]
struct AcceptAny(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for AcceptAny {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &TlsName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }
    fn verify_tls12_signature(
        &self,
        msg: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            msg,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }
    fn verify_tls13_signature(
        &self,
        msg: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            msg,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// NTLM only: no KDC is ever contacted.
struct NoNetwork;

impl NetworkClient for NoNetwork {
    fn send(
        &self,
        _: &ironrdp_connector::sspi::generator::NetworkRequest,
    ) -> ironrdp_connector::sspi::Result<Vec<u8>> {
        Err(ironrdp_connector::sspi::Error::new(
            ironrdp_connector::sspi::ErrorKind::NoAuthenticatingAuthority,
            "the lab client has no network client",
        ))
    }
}

fn config(user: &str, password: &str, domain: Option<String>) -> Config {
    Config {
        desktop_size: DesktopSize {
            width: 1024,
            height: 768,
        },
        monitor_layout: None,
        desktop_scale_factor: 0,
        desktop_physical_size: None,
        desktop_orientation: None,
        device_scale_factor: None,
        monitor_extended_layout: None,
        relative_mouse_input: false,
        enable_tls: true,
        enable_credssp: true,
        enable_standard_rdp_security: false,
        credentials: Credentials::UsernamePassword {
            username: user.to_owned(),
            password: password.to_owned(),
        },
        domain,
        client_build: 0,
        client_name: "LABCLIENT".to_owned(),
        keyboard_type: gcc::KeyboardType::IBM_ENHANCED,
        keyboard_subtype: 0,
        keyboard_functional_keys_count: 12,
        keyboard_layout: 0x409,
        connection_type: gcc::ConnectionType::Lan,
        ime_file_name: String::new(),
        bitmap: None,
        dig_product_id: String::new(),
        client_dir: String::new(),
        alternate_shell: String::new(),
        work_dir: String::new(),
        remote_application_mode: false,
        rail_support_level: RailSupportLevel::empty(),
        platform: MajorPlatformType::UNIX,
        hardware_id: None,
        request_data: None,
        autologon: false,
        enable_audio_playback: false,
        enable_audio_capture: false,
        performance_flags: PerformanceFlags::default(),
        license_cache: None,
        timezone_info: TimezoneInfo::default(),
        compression_type: None,
        enable_server_pointer: false,
        pointer_software_rendering: true,
        multitransport_flags: None,
        support_dyn_vc_gfx_protocol: false,
    }
}

fn spki_bits(cert: &[u8]) -> Res<Vec<u8>> {
    use x509_cert::der::Decode as _;
    let cert = x509_cert::Certificate::from_der(cert)?;
    let bits = cert
        .tbs_certificate
        .subject_public_key_info
        .subject_public_key;
    Ok(bits
        .as_bytes()
        .ok_or("unaligned subjectPublicKey")?
        .to_vec())
}

fn run(addr: SocketAddr, user: &str, password: &str, domain: Option<String>) -> Res<()> {
    let tcp = TcpStream::connect(addr)?;
    let local = tcp.local_addr()?;
    let mut framed = ironrdp_blocking::Framed::new(tcp);
    let mut connector = ClientConnector::new(config(user, password, domain), local);
    let should_upgrade = ironrdp_blocking::connect_begin(&mut framed, &mut connector)?;
    let tcp = framed.into_inner_no_leftover();

    // Explicit provider: both ring and aws-lc-rs are compiled in (sspi's
    // default features), so rustls cannot pick one by itself. Classic ECDHE
    // is what a Windows peer speaks; ring's lack of post-quantum groups is moot.
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut cfg = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(AcceptAny(provider)))
        .with_no_client_auth();
    cfg.key_log = Arc::new(rustls::KeyLogFile::new());
    // MS-CSSP: no TLS session resumption under CredSSP.
    cfg.resumption = rustls::client::Resumption::disabled();
    let name = TlsName::try_from(addr.ip().to_string())?;
    let mut tls =
        rustls::StreamOwned::new(rustls::ClientConnection::new(Arc::new(cfg), name)?, tcp);
    tls.flush()?;
    let cert = tls
        .conn
        .peer_certificates()
        .and_then(|c| c.first())
        .ok_or("no server certificate")?;
    let server_public_key = spki_bits(cert)?;

    let upgraded = ironrdp_blocking::mark_as_upgraded(should_upgrade, &mut connector);
    let mut framed = ironrdp_blocking::Framed::new(tls);
    let result = ironrdp_blocking::connect_finalize(
        upgraded,
        connector,
        &mut framed,
        &mut NoNetwork,
        ServerName::new(addr.ip().to_string()),
        server_public_key,
        None,
    );
    let (mut tls, _) = framed.into_inner();
    match result {
        Ok(_) => {
            println!("connected");
            Ok(())
        }
        Err(e) => {
            println!("connection failed: {e} ({e:?})");
            // Like a client giving up: TLS close_notify, then FIN.
            tls.conn.send_close_notify();
            let _ = tls.flush();
            let _ = tls.sock.shutdown(std::net::Shutdown::Both);
            Err("connection failed".into())
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 4 {
        eprintln!("usage: ironrdp-lab-client HOST:PORT USER PASSWORD [DOMAIN]");
        std::process::exit(2);
    }
    let outcome = args[1]
        .parse::<SocketAddr>()
        .map_err(|e| -> Box<dyn std::error::Error> { e.into() })
        .and_then(|addr| run(addr, &args[2], &args[3], args.get(4).cloned()));
    if outcome.is_err() {
        std::process::exit(1);
    }
}
