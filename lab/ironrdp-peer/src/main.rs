//! ironrdp-peer: a one-connection lab RDP *server* that answers a real client
//! (xfreerdp) with a chosen failure, so that rdpdiag's rules are tested on
//! bytes made by someone else's encoders and on the client's real reaction.
//!
//! Encoders used: IronRDP's `ironrdp-pdu` for X.224, MCS, GCC, licensing and
//! Set Error Info; `sspi` for the CredSSP TSRequest (errorCode included), the
//! NTLM server (CHALLENGE, pubKeyAuth) and the Early User Authorization
//! Result; rustls for TLS (key log written to $SSLKEYLOGFILE). The one
//! hand-made byte is the MCS Connect-Response `result`: ironrdp-pdu's encoder
//! always writes rt-successful, so the enumerated value is patched afterwards.
//!
//! usage: ironrdp-peer MODE LISTEN_ADDR CERT_PEM KEY_PEM RSA_PUBKEY_DER [USER PASSWORD]
//!   RSA_PUBKEY_DER: the certificate's subjectPublicKey (PKCS#1 RSAPublicKey,
//!   what CredSSP's pubKeyAuth binds to).
//!
//! MODEs (what the server does; it never closes first unless said so):
//!   credssp_logon_failure        NTLM CHALLENGE, then answers AUTHENTICATE with
//!                                TSRequest{errorCode STATUS_LOGON_FAILURE} and waits
//!   credssp_account_restriction  same with STATUS_ACCOUNT_RESTRICTION
//!   credssp_ntlm_refused         answers the NTLM NEGOTIATE with
//!                                TSRequest{errorCode SEC_E_UNSUPPORTED_FUNCTION} and waits
//!   eua_denied                   HYBRID_EX, full CredSSP, Early User Authorization
//!                                Result ACCESS_DENIED, waits
//!   mcs_connect_failed           TLS, MCS Connect-Response result rt-parameters-unacceptable,
//!                                waits 5 s, then closes
//!   licensing_error              TLS, full MCS, licensing ERROR_ALERT ERR_NO_LICENSE_SERVER /
//!                                ST_TOTAL_ABORT, waits 5 s, then closes
//!   set_error_info_denied        TLS, full MCS, licensing STATUS_VALID_CLIENT, Set Error Info
//!                                ERRINFO_SERVER_DENIED_CONNECTION (0x7), MCS Disconnect Provider
//!                                Ultimatum, waits 5 s, then closes
use std::borrow::Cow;
use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ironrdp_core::{decode, encode_vec, Encode};
use ironrdp_pdu::gcc;
use ironrdp_pdu::mcs::{self, McsMessage};
use ironrdp_pdu::nego::{self, SecurityProtocol};
use ironrdp_pdu::rdp::client_info::CompressionType;
use ironrdp_pdu::rdp::headers::{
    CompressionFlags, ShareControlHeader, ShareControlPdu, ShareDataHeader, ShareDataPdu,
    StreamPriority,
};
use ironrdp_pdu::rdp::server_error_info::{
    ErrorInfo, ProtocolIndependentCode, ServerSetErrorInfoPdu,
};
use ironrdp_pdu::rdp::server_license::{
    LicenseErrorCode, LicensePdu, LicensingErrorMessage, LicensingStateTransition,
};
use ironrdp_pdu::x224::{X224Data, X224};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use sspi::credssp::{
    CredSspServer, CredentialsProxy, EarlyUserAuthResult, NStatusCode, ServerMode, ServerState,
    TsRequest,
};
use sspi::{AuthIdentity, Secret, Username};

type Tls = rustls::StreamOwned<rustls::ServerConnection, TcpStream>;
type Res<T> = Result<T, Box<dyn std::error::Error>>;

const STATUS_LOGON_FAILURE: u32 = 0xC000_006D;
const STATUS_ACCOUNT_RESTRICTION: u32 = 0xC000_006E;
const SEC_E_UNSUPPORTED_FUNCTION: u32 = 0x8009_0302;
/// T.125 Result rt-parameters-unacceptable.
const MCS_RT_PARAMETERS_UNACCEPTABLE: u8 = 8;
const IO_CHANNEL: u16 = 1003;
const MAX_RECONNECTS: usize = 3;
const USER_CHANNEL: u16 = 1007;

fn log(msg: impl AsRef<str>) {
    eprintln!("[ironrdp-peer] {}", msg.as_ref());
}

#[derive(Clone)]
struct Creds {
    user: String,
    password: String,
}

impl CredentialsProxy for Creds {
    type AuthenticationData = AuthIdentity;
    fn auth_data_by_user(&mut self, username: &Username) -> io::Result<AuthIdentity> {
        log(format!(
            "CredSSP: credentials asked for {}",
            username.account_name()
        ));
        self.auth_data()?
            .pop()
            .ok_or_else(|| io::Error::other("no user"))
    }
    fn auth_data(&mut self) -> io::Result<Vec<AuthIdentity>> {
        let username = Username::new(&self.user, None).map_err(io::Error::other)?;
        Ok(vec![AuthIdentity {
            username,
            password: Secret::new(self.password.clone()),
        }])
    }
}

fn read_exact_vec(r: &mut impl Read, n: usize) -> io::Result<Vec<u8>> {
    let mut v = vec![0u8; n];
    r.read_exact(&mut v)?;
    Ok(v)
}

/// One TPKT-framed slow-path PDU.
fn read_tpkt(r: &mut impl Read) -> io::Result<Vec<u8>> {
    let mut hdr = read_exact_vec(r, 4)?;
    if hdr[0] != 3 {
        return Err(io::Error::other(format!("not a TPKT header: {hdr:02x?}")));
    }
    let len = usize::from(u16::from_be_bytes([hdr[2], hdr[3]]));
    hdr.extend(read_exact_vec(r, len.saturating_sub(4))?);
    Ok(hdr)
}

/// One DER TSRequest (no framing besides its own length).
fn read_ts_request(r: &mut impl Read) -> Res<TsRequest> {
    let mut buf = read_exact_vec(r, 2)?;
    let len = if buf[1] & 0x80 != 0 {
        let n = usize::from(buf[1] & 0x7f);
        let more = read_exact_vec(r, n)?;
        buf.extend(&more);
        more.iter().fold(0usize, |a, b| (a << 8) | usize::from(*b))
    } else {
        usize::from(buf[1])
    };
    buf.extend(read_exact_vec(r, len)?);
    Ok(TsRequest::from_buffer(&buf)?)
}

fn write_ts_request(tls: &mut Tls, ts: &TsRequest) -> Res<()> {
    let mut out = Vec::new();
    ts.encode_ts_request(&mut out)?;
    tls.write_all(&out)?;
    tls.flush()?;
    Ok(())
}

fn send_x224_data(tls: &mut Tls, payload: Vec<u8>) -> Res<()> {
    let pdu = X224(X224Data {
        data: Cow::Owned(payload),
    });
    tls.write_all(&encode_vec(&pdu)?)?;
    tls.flush()?;
    Ok(())
}

fn send_indication<T: Encode>(tls: &mut Tls, channel_id: u16, msg: &T) -> Res<()> {
    let pdu = X224(McsMessage::SendDataIndication(mcs::SendDataIndication {
        initiator_id: USER_CHANNEL,
        channel_id,
        user_data: Cow::Owned(encode_vec(msg)?),
    }));
    tls.write_all(&encode_vec(&pdu)?)?;
    tls.flush()?;
    Ok(())
}

/// Read (and log) until the client closes, or `max` passes. Returns true when
/// the client closed first.
fn wait_for_client_close(tls: &mut Tls, max: Duration) -> bool {
    let start = Instant::now();
    let _ = tls.sock.set_read_timeout(Some(Duration::from_millis(500)));
    let mut buf = [0u8; 4096];
    while start.elapsed() < max {
        match tls.read(&mut buf) {
            Ok(0) => {
                log("client sent TLS close_notify");
                wait_for_fin(&mut tls.sock, max.saturating_sub(start.elapsed()));
                return true;
            }
            Ok(n) => log(format!("client sent {n} more bytes")),
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) => {}
            Err(e) => {
                log(format!("client side ended: {e}"));
                return true;
            }
        }
    }
    log(format!("client did not close within {max:?}"));
    false
}

/// After the client's close_notify, keep the TCP connection open until the
/// client's FIN too: the server must not be the first to close.
fn wait_for_fin(sock: &mut TcpStream, max: Duration) {
    let start = Instant::now();
    let mut buf = [0u8; 4096];
    while start.elapsed() < max {
        match sock.read(&mut buf) {
            Ok(0) => {
                log("client sent FIN");
                return;
            }
            Ok(n) => log(format!("client sent {n} more raw bytes")),
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) => {}
            Err(e) => {
                log(format!("client side ended: {e}"));
                return;
            }
        }
    }
}

fn server_close(tls: &mut Tls) {
    log("server closes: TLS close_notify + FIN");
    tls.conn.send_close_notify();
    let _ = tls.flush();
    let _ = tls.sock.shutdown(Shutdown::Both);
}

fn tls_config(cert: &str, key: &str) -> Res<Arc<rustls::ServerConfig>> {
    let certs = CertificateDer::pem_file_iter(cert)?.collect::<Result<Vec<_>, _>>()?;
    let key = PrivateKeyDer::from_pem_file(key)?;
    // TLS 1.2 like a Windows RDP listener (Schannel), ECDHE-RSA AES-GCM suites.
    // Explicit provider: ring and aws-lc-rs are both compiled in (the lab
    // client's dependencies), so rustls cannot pick one by itself.
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut cfg = rustls::ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS12])?
        .with_no_client_auth()
        .with_single_cert(certs, key)?;
    cfg.key_log = Arc::new(rustls::KeyLogFile::new());
    Ok(Arc::new(cfg))
}

fn negotiate(sock: &mut TcpStream, mode: &str) -> Res<(SecurityProtocol, SecurityProtocol)> {
    let frame = read_tpkt(sock)?;
    let req = decode::<X224<nego::ConnectionRequest>>(&frame)?.0;
    log(format!(
        "X.224 Connection Request, requested protocols {:?}",
        req.protocol
    ));
    let protocol = match mode {
        "eua_denied" => SecurityProtocol::HYBRID_EX,
        m if m.starts_with("credssp_") => SecurityProtocol::HYBRID,
        _ => SecurityProtocol::SSL,
    };
    if !req.protocol.contains(protocol) {
        log(format!(
            "warning: client did not request {protocol:?}; selecting it anyway"
        ));
    }
    let confirm = nego::ConnectionConfirm::Response {
        flags: nego::ResponseFlags::EXTENDED_CLIENT_DATA_SUPPORTED,
        protocol,
    };
    sock.write_all(&encode_vec(&X224(confirm))?)?;
    log(format!("X.224 Connection Confirm, selected {protocol:?}"));
    Ok((req.protocol, protocol))
}

fn credssp(tls: &mut Tls, mode: &str, pubkey: Vec<u8>, creds: Creds) -> Res<bool> {
    let mut server = CredSspServer::new(pubkey, creds, ServerMode::Ntlm(Default::default()))?;
    let mut round = 0;
    loop {
        let req = read_ts_request(tls)?;
        round += 1;
        log(format!(
            "TSRequest #{round} from client: version {}, negoTokens {}, pubKeyAuth {}, authInfo {}",
            req.version,
            req.nego_tokens.as_ref().map_or(0, Vec::len),
            req.pub_key_auth.is_some(),
            req.auth_info.is_some()
        ));
        let refuse = match (mode, round) {
            ("credssp_ntlm_refused", 1) => Some(SEC_E_UNSUPPORTED_FUNCTION),
            ("credssp_logon_failure", 2) => Some(STATUS_LOGON_FAILURE),
            ("credssp_account_restriction", 2) => Some(STATUS_ACCOUNT_RESTRICTION),
            _ => None,
        };
        if let Some(code) = refuse {
            let ts = TsRequest {
                version: 6,
                error_code: Some(NStatusCode(code)),
                ..Default::default()
            };
            write_ts_request(tls, &ts)?;
            log(format!(
                "sent TSRequest{{version 6, errorCode 0x{code:08X}}}; waiting for the client"
            ));
            return Ok(false);
        }
        match server.process(req).resolve_to_result() {
            Ok(ServerState::ReplyNeeded(ts)) => {
                write_ts_request(tls, &ts)?;
                log("sent TSRequest (sspi NTLM server reply)");
            }
            Ok(ServerState::Finished(id)) => {
                log(format!(
                    "CredSSP finished, delegated user {}",
                    id.username.account_name()
                ));
                return Ok(true);
            }
            Err(e) => {
                log(format!("sspi server error: {:?}", e.error));
                if let Some(ts) = e.ts_request {
                    write_ts_request(tls, &ts)?;
                }
                return Ok(false);
            }
        }
    }
}

fn mcs_connect(tls: &mut Tls, requested: SecurityProtocol, fail: bool) -> Res<()> {
    let frame = read_tpkt(tls)?;
    let data = decode::<X224<X224Data<'_>>>(&frame)?.0;
    let ci = decode::<mcs::ConnectInitial>(data.data.as_ref())?;
    let blocks = ci.conference_create_request.into_gcc_blocks();
    let n_channels = blocks.network.as_ref().map_or(0, |n| n.channels.len());
    log(format!("MCS Connect Initial, {n_channels} static channels"));
    let channel_ids: Vec<u16> = (0..n_channels).map(|i| IO_CHANNEL + 1 + i as u16).collect();
    let server_blocks = gcc::ServerGccBlocks {
        core: gcc::ServerCoreData {
            version: gcc::RdpVersion::V5_PLUS,
            optional_data: gcc::ServerCoreOptionalData {
                client_requested_protocols: Some(requested),
                early_capability_flags: None,
            },
        },
        security: gcc::ServerSecurityData::no_security(),
        network: gcc::ServerNetworkData {
            channel_ids,
            io_channel: IO_CHANNEL,
        },
        message_channel: None,
        multi_transport_channel: None,
    };
    let resp = mcs::ConnectResponse {
        conference_create_response: gcc::ConferenceCreateResponse::new(
            USER_CHANNEL,
            server_blocks,
        )?,
        called_connect_id: 1,
        domain_parameters: mcs::DomainParameters::target(),
    };
    let mut bytes = encode_vec(&resp)?;
    if fail {
        // [APPLICATION 102] tag 7f 66, BER length, then result ENUMERATED 0a 01 00.
        let at = bytes
            .windows(3)
            .position(|w| w == [0x0a, 0x01, 0x00])
            .ok_or("result field not found in encoded Connect-Response")?;
        bytes[at + 2] = MCS_RT_PARAMETERS_UNACCEPTABLE;
    }
    send_x224_data(tls, bytes)?;
    log(format!(
        "sent MCS Connect Response (result {})",
        if fail {
            "rt-parameters-unacceptable"
        } else {
            "rt-successful"
        }
    ));
    Ok(())
}

/// Erect Domain, Attach User, Channel Joins; returns at the Client Info PDU.
fn mcs_channels(tls: &mut Tls) -> Res<()> {
    loop {
        let frame = read_tpkt(tls)?;
        match decode::<X224<McsMessage<'_>>>(&frame)?.0 {
            McsMessage::ErectDomainRequest(_) => log("MCS Erect Domain Request"),
            McsMessage::AttachUserRequest(_) => {
                let c = McsMessage::AttachUserConfirm(mcs::AttachUserConfirm {
                    result: 0,
                    initiator_id: USER_CHANNEL,
                });
                tls.write_all(&encode_vec(&X224(c))?)?;
                log("MCS Attach User Request -> Confirm");
            }
            McsMessage::ChannelJoinRequest(r) => {
                let c = McsMessage::ChannelJoinConfirm(mcs::ChannelJoinConfirm {
                    result: 0,
                    initiator_id: r.initiator_id,
                    requested_channel_id: r.channel_id,
                    channel_id: r.channel_id,
                });
                tls.write_all(&encode_vec(&X224(c))?)?;
                log(format!("MCS Channel Join {} -> Confirm", r.channel_id));
            }
            McsMessage::SendDataRequest(d) => {
                log(format!(
                    "Send Data Request on channel {} ({} bytes): Client Info",
                    d.channel_id,
                    d.user_data.len()
                ));
                tls.flush()?;
                return Ok(());
            }
            other => log(format!("unexpected MCS message {other:?}")),
        }
        tls.flush()?;
    }
}

fn license(code: LicenseErrorCode, transition: LicensingStateTransition) -> Res<LicensePdu> {
    // Same size as the valid-client message (empty error blob), so the preamble size stays right.
    let mut msg = LicensingErrorMessage::new_valid_client()?;
    msg.error_code = code;
    msg.state_transition = transition;
    Ok(msg.into())
}

fn set_error_info(info: ErrorInfo) -> ShareControlHeader {
    ShareControlHeader {
        share_id: 0x0001_03ea,
        pdu_source: USER_CHANNEL,
        share_control_pdu: ShareControlPdu::Data(ShareDataHeader {
            share_data_pdu: ShareDataPdu::ServerSetErrorInfo(ServerSetErrorInfoPdu(info)),
            stream_priority: StreamPriority::Low,
            compression_flags: CompressionFlags::empty(),
            compression_type: CompressionType::K8,
        }),
    }
}

fn run(
    mode: &str,
    mut sock: TcpStream,
    cfg: Arc<rustls::ServerConfig>,
    pubkey: Vec<u8>,
    creds: Creds,
) -> Res<()> {
    let (requested, selected) = negotiate(&mut sock, mode)?;
    let conn = rustls::ServerConnection::new(cfg)?;
    let mut tls = rustls::StreamOwned::new(conn, sock);
    while tls.conn.is_handshaking() {
        tls.conn.complete_io(&mut tls.sock)?;
    }
    log(format!(
        "TLS up: {:?} {:?}",
        tls.conn.protocol_version(),
        tls.conn.negotiated_cipher_suite().map(|s| s.suite())
    ));
    if selected.intersects(SecurityProtocol::HYBRID | SecurityProtocol::HYBRID_EX) {
        let ok = credssp(&mut tls, mode, pubkey, creds)?;
        if !ok {
            wait_for_client_close(&mut tls, Duration::from_secs(20));
            return Ok(());
        }
        if mode == "eua_denied" {
            let mut out = Vec::new();
            EarlyUserAuthResult::AccessDenied.to_buffer(&mut out)?;
            tls.write_all(&out)?;
            tls.flush()?;
            log("sent Early User Authorization Result ACCESS_DENIED; waiting for the client");
            wait_for_client_close(&mut tls, Duration::from_secs(20));
            return Ok(());
        }
    }
    mcs_connect(&mut tls, requested, mode == "mcs_connect_failed")?;
    if mode == "mcs_connect_failed" {
        if !wait_for_client_close(&mut tls, Duration::from_secs(5)) {
            server_close(&mut tls);
        }
        return Ok(());
    }
    mcs_channels(&mut tls)?;
    match mode {
        "licensing_error" => {
            let pdu = license(
                LicenseErrorCode::NoLicenseServer,
                LicensingStateTransition::TotalAbort,
            )?;
            send_indication(&mut tls, IO_CHANNEL, &pdu)?;
            log("sent licensing ERROR_ALERT ERR_NO_LICENSE_SERVER / ST_TOTAL_ABORT");
        }
        "set_error_info_denied" => {
            let pdu = license(
                LicenseErrorCode::StatusValidClient,
                LicensingStateTransition::NoTransition,
            )?;
            send_indication(&mut tls, IO_CHANNEL, &pdu)?;
            log("sent licensing STATUS_VALID_CLIENT");
            let info =
                ErrorInfo::ProtocolIndependentCode(ProtocolIndependentCode::ServerDeniedConnection);
            send_indication(&mut tls, IO_CHANNEL, &set_error_info(info))?;
            log("sent Set Error Info ERRINFO_SERVER_DENIED_CONNECTION (0x7)");
            let dpum = McsMessage::DisconnectProviderUltimatum(mcs::DisconnectProviderUltimatum {
                reason: mcs::DisconnectReason::ProviderInitiated,
            });
            tls.write_all(&encode_vec(&X224(dpum))?)?;
            tls.flush()?;
            log("sent MCS Disconnect Provider Ultimatum (rn-provider-initiated)");
        }
        m => return Err(format!("unknown mode {m}").into()),
    }
    if !wait_for_client_close(&mut tls, Duration::from_secs(5)) {
        server_close(&mut tls);
    }
    Ok(())
}

fn accept_within(
    listener: &TcpListener,
    max: Duration,
) -> io::Result<Option<(TcpStream, std::net::SocketAddr)>> {
    let start = Instant::now();
    while start.elapsed() < max {
        match listener.accept() {
            Ok(c) => return Ok(Some(c)),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(50))
            }
            Err(e) => return Err(e),
        }
    }
    Ok(None)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 6 {
        eprintln!(
            "usage: ironrdp-peer MODE LISTEN_ADDR CERT_PEM KEY_PEM RSA_PUBKEY_DER [USER PASSWORD]"
        );
        std::process::exit(2);
    }
    let result = (|| -> Res<()> {
        let cfg = tls_config(&args[3], &args[4])?;
        let pubkey = std::fs::read(&args[5])?;
        let creds = Creds {
            user: args.get(6).cloned().unwrap_or_else(|| "labuser".into()),
            password: args.get(7).cloned().unwrap_or_else(|| "Passw0rd!".into()),
        };
        let listener = TcpListener::bind(&args[2])?;
        log(format!("mode {} listening on {}", args[1], args[2]));
        // Like a real listener, answer the client's reconnects the same way
        // (FreeRDP retries after some failures) until it stays away.
        let (sock, peer) = listener.accept()?;
        log(format!("connection from {peer}"));
        if let Err(e) = run(&args[1], sock, cfg.clone(), pubkey.clone(), creds.clone()) {
            log(format!("connection ended with an error: {e}"));
        }
        listener.set_nonblocking(true)?;
        for _ in 0..MAX_RECONNECTS {
            let Some((sock, peer)) = accept_within(&listener, Duration::from_secs(4))? else {
                log("no further connection within 4 s: done");
                break;
            };
            sock.set_nonblocking(false)?;
            log(format!("connection from {peer}"));
            if let Err(e) = run(&args[1], sock, cfg.clone(), pubkey.clone(), creds.clone()) {
                log(format!("connection ended with an error: {e}"));
            }
        }
        Ok(())
    })();
    if let Err(e) = result {
        log(format!("error: {e}"));
        std::process::exit(1);
    }
}
