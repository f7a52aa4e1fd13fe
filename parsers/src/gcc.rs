//! GCC Conference Create Request / Response (ITU-T T.124 PER wrapper,
//! MS-RDPBCGR 2.2.1.3.1 and 2.2.1.4.1) and the RDP user-data blocks inside
//! them (MS-RDPBCGR 2.2.1.3.2–2.2.1.3.6 client, 2.2.1.4.2–2.2.1.4.4 server,
//! server certificates 2.2.1.4.3.1).
//!
//! The T.124 wrapper carries the object identifier 0.0.20.124.0.1 and an
//! H.221 non-standard key, "Duca" (client) or "McDn" (server), followed by
//! a PER length and the concatenated user-data blocks (type u16 LE, length
//! u16 LE including the 4-byte header). Unknown block types are kept in
//! the block list and otherwise skipped. Optional trailing fields of
//! CS_CORE are decoded only when the block is long enough.

use crate::error::flag_set;
use crate::error::{take, ParseError, ParseResult};
use crate::mcs::per_len;
use crate::nego::Protocols;
use crate::open_enum;
use crate::tpkt::rd;

open_enum! {
    /// User-data block type.
    pub struct BlockType(u16) {
        CS_CORE = 0xC001 => "CS_CORE",
        CS_SECURITY = 0xC002 => "CS_SECURITY",
        CS_NET = 0xC003 => "CS_NET",
        CS_CLUSTER = 0xC004 => "CS_CLUSTER",
        CS_MONITOR = 0xC005 => "CS_MONITOR",
        CS_MCS_MSGCHANNEL = 0xC006 => "CS_MCS_MSGCHANNEL",
        CS_MONITOR_EX = 0xC008 => "CS_MONITOR_EX",
        CS_MULTITRANSPORT = 0xC00A => "CS_MULTITRANSPORT",
        SC_CORE = 0x0C01 => "SC_CORE",
        SC_SECURITY = 0x0C02 => "SC_SECURITY",
        SC_NET = 0x0C03 => "SC_NET",
        SC_MCS_MSGCHANNEL = 0x0C04 => "SC_MCS_MSGCHANNEL",
        SC_MULTITRANSPORT = 0x0C08 => "SC_MULTITRANSPORT",
    }
}

open_enum! {
    /// RDP version in CS_CORE / SC_CORE.
    pub struct RdpVersion(u32) {
        V4 = 0x0008_0001 => "RDP 4.0",
        V5_PLUS = 0x0008_0004 => "RDP 5.0+",
        V10_0 = 0x0008_0005 => "RDP 10.0",
        V10_1 = 0x0008_0006 => "RDP 10.1",
        V10_2 = 0x0008_0007 => "RDP 10.2",
        V10_3 = 0x0008_0008 => "RDP 10.3",
        V10_4 = 0x0008_0009 => "RDP 10.4",
        V10_5 = 0x0008_000A => "RDP 10.5",
        V10_6 = 0x0008_000B => "RDP 10.6",
        V10_7 = 0x0008_000C => "RDP 10.7",
        V10_8 = 0x0008_000D => "RDP 10.8",
        V10_9 = 0x0008_000E => "RDP 10.9",
        V10_10 = 0x0008_000F => "RDP 10.10",
        V10_11 = 0x0008_0010 => "RDP 10.11",
        V10_12 = 0x0008_0011 => "RDP 10.12",
    }
}

flag_set! {
    /// CS_CORE earlyCapabilityFlags.
    pub struct ClientEarlyCapabilityFlags(u16) [zero = ""] {
        SUPPORT_ERRINFO_PDU = 0x0001 => "RNS_UD_CS_SUPPORT_ERRINFO_PDU",
        WANT_32BPP_SESSION = 0x0002 => "RNS_UD_CS_WANT_32BPP_SESSION",
        SUPPORT_STATUSINFO_PDU = 0x0004 => "RNS_UD_CS_SUPPORT_STATUSINFO_PDU",
        STRONG_ASYMMETRIC_KEYS = 0x0008 => "RNS_UD_CS_STRONG_ASYMMETRIC_KEYS",
        RELATIVE_MOUSE_INPUT = 0x0010 => "RNS_UD_CS_RELATIVE_MOUSE_INPUT",
        VALID_CONNECTION_TYPE = 0x0020 => "RNS_UD_CS_VALID_CONNECTION_TYPE",
        SUPPORT_MONITOR_LAYOUT_PDU = 0x0040 => "RNS_UD_CS_SUPPORT_MONITOR_LAYOUT_PDU",
        SUPPORT_NETCHAR_AUTODETECT = 0x0080 => "RNS_UD_CS_SUPPORT_NETCHAR_AUTODETECT",
        SUPPORT_DYNVC_GFX_PROTOCOL = 0x0100 => "RNS_UD_CS_SUPPORT_DYNVC_GFX_PROTOCOL",
        SUPPORT_DYNAMIC_TIME_ZONE = 0x0200 => "RNS_UD_CS_SUPPORT_DYNAMIC_TIME_ZONE",
        SUPPORT_HEARTBEAT_PDU = 0x0400 => "RNS_UD_CS_SUPPORT_HEARTBEAT_PDU",
        SUPPORT_SKIP_CHANNELJOIN = 0x0800 => "RNS_UD_CS_SUPPORT_SKIP_CHANNELJOIN",
    }
}

flag_set! {
    /// SC_CORE earlyCapabilityFlags.
    pub struct ServerEarlyCapabilityFlags(u32) [zero = ""] {
        EDGE_ACTIONS_SUPPORTED_V1 = 0x1 => "RNS_UD_SC_EDGE_ACTIONS_SUPPORTED_V1",
        DYNAMIC_DST_SUPPORTED = 0x2 => "RNS_UD_SC_DYNAMIC_DST_SUPPORTED",
        EDGE_ACTIONS_SUPPORTED_V2 = 0x4 => "RNS_UD_SC_EDGE_ACTIONS_SUPPORTED_V2",
        SKIP_CHANNELJOIN_SUPPORTED = 0x8 => "RNS_UD_SC_SKIP_CHANNELJOIN_SUPPORTED",
    }
}

flag_set! {
    /// Encryption methods (CS_SECURITY encryptionMethods / SC_SECURITY encryptionMethod).
    pub struct EncryptionMethods(u32) [zero = "ENCRYPTION_METHOD_NONE"] {
        BIT_40 = 0x01 => "ENCRYPTION_METHOD_40BIT",
        BIT_128 = 0x02 => "ENCRYPTION_METHOD_128BIT",
        BIT_56 = 0x08 => "ENCRYPTION_METHOD_56BIT",
        FIPS = 0x10 => "ENCRYPTION_METHOD_FIPS",
    }
}

open_enum! {
    /// SC_SECURITY encryptionLevel.
    pub struct EncryptionLevel(u32) {
        NONE = 0 => "ENCRYPTION_LEVEL_NONE",
        LOW = 1 => "ENCRYPTION_LEVEL_LOW",
        CLIENT_COMPATIBLE = 2 => "ENCRYPTION_LEVEL_CLIENT_COMPATIBLE",
        HIGH = 3 => "ENCRYPTION_LEVEL_HIGH",
        FIPS = 4 => "ENCRYPTION_LEVEL_FIPS",
    }
}

flag_set! {
    /// CHANNEL_DEF options.
    pub struct ChannelOptions(u32) [zero = ""] {
        INITIALIZED = 0x8000_0000 => "CHANNEL_OPTION_INITIALIZED",
        ENCRYPT_RDP = 0x4000_0000 => "CHANNEL_OPTION_ENCRYPT_RDP",
        ENCRYPT_SC = 0x2000_0000 => "CHANNEL_OPTION_ENCRYPT_SC",
        ENCRYPT_CS = 0x1000_0000 => "CHANNEL_OPTION_ENCRYPT_CS",
        PRI_HIGH = 0x0800_0000 => "CHANNEL_OPTION_PRI_HIGH",
        PRI_MED = 0x0400_0000 => "CHANNEL_OPTION_PRI_MED",
        PRI_LOW = 0x0200_0000 => "CHANNEL_OPTION_PRI_LOW",
        COMPRESS_RDP = 0x0080_0000 => "CHANNEL_OPTION_COMPRESS_RDP",
        COMPRESS = 0x0040_0000 => "CHANNEL_OPTION_COMPRESS",
        SHOW_PROTOCOL = 0x0020_0000 => "CHANNEL_OPTION_SHOW_PROTOCOL",
        REMOTE_CONTROL_PERSISTENT = 0x0010_0000 => "REMOTE_CONTROL_PERSISTENT",
    }
}

flag_set! {
    /// CS_CLUSTER flags (bits 2..5 hold the redirection version).
    pub struct ClusterFlags(u32) [zero = ""] {
        REDIRECTION_SUPPORTED = 0x01 => "REDIRECTION_SUPPORTED",
        REDIRECTED_SESSIONID_FIELD_VALID = 0x02 => "REDIRECTED_SESSIONID_FIELD_VALID",
        REDIRECTED_SMARTCARD = 0x40 => "REDIRECTED_SMARTCARD",
    }
}

impl ClusterFlags {
    /// ServerSessionRedirectionVersionMask value (bits 2..5).
    pub fn redirection_version(self) -> u8 {
        ((self.0 >> 2) & 0x0F) as u8
    }
}

/// One user-data block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UserDataBlock<'a> {
    /// Block type.
    pub block_type: BlockType,
    /// Block body (after the 4-byte header).
    pub data: &'a [u8],
}

/// CS_CORE (TS_UD_CS_CORE).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientCoreData {
    pub version: RdpVersion,
    pub desktop_width: u16,
    pub desktop_height: u16,
    pub color_depth: u16,
    pub sas_sequence: u16,
    pub keyboard_layout: u32,
    pub client_build: u32,
    /// clientName (UTF-16, trimmed at the first NUL).
    pub client_name: String,
    pub keyboard_type: u32,
    pub keyboard_sub_type: u32,
    pub keyboard_function_key: u32,
    /// imeFileName (UTF-16, trimmed).
    pub ime_file_name: String,
    pub post_beta2_color_depth: Option<u16>,
    pub client_product_id: Option<u16>,
    pub serial_number: Option<u32>,
    pub high_color_depth: Option<u16>,
    pub supported_color_depths: Option<u16>,
    pub early_capability_flags: Option<ClientEarlyCapabilityFlags>,
    /// clientDigProductId (UTF-16, trimmed).
    pub client_dig_product_id: Option<String>,
    pub connection_type: Option<u8>,
    /// Must echo the server's selectedProtocol.
    pub server_selected_protocol: Option<Protocols>,
}

/// CS_SECURITY.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientSecurityData {
    pub encryption_methods: EncryptionMethods,
    pub ext_encryption_methods: u32,
}

/// One CHANNEL_DEF.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelDef {
    /// Name (up to 7 ASCII chars; trimmed at NUL).
    pub name: String,
    pub options: ChannelOptions,
}

/// CS_NET.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientNetworkData {
    pub channels: Vec<ChannelDef>,
}

/// CS_CLUSTER.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientClusterData {
    pub flags: ClusterFlags,
    pub redirected_session_id: u32,
}

/// CS_MONITOR.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientMonitorData {
    pub flags: u32,
    pub monitor_count: u32,
}

/// SC_CORE.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerCoreData {
    pub version: RdpVersion,
    /// Echo of the client's requestedProtocols (downgrade detection).
    pub client_requested_protocols: Option<Protocols>,
    pub early_capability_flags: Option<ServerEarlyCapabilityFlags>,
}

/// RSA public key of a proprietary certificate (RSA_PUBLIC_KEY).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RsaPublicKey<'a> {
    /// 0x31415352 ("RSA1").
    pub magic: u32,
    pub key_len: u32,
    pub bit_len: u32,
    pub data_len: u32,
    pub public_exponent: u32,
    /// Little-endian modulus (key_len bytes, includes 8 bytes padding).
    pub modulus: &'a [u8],
}

/// A Proprietary Certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProprietaryCertificate<'a> {
    pub sig_alg_id: u32,
    pub key_alg_id: u32,
    pub public_key_blob_type: u16,
    pub public_key: RsaPublicKey<'a>,
    pub signature_blob_type: u16,
    pub signature: &'a [u8],
}

/// The server certificate in SC_SECURITY.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerCertificate<'a> {
    /// dwVersion 1 (CERT_CHAIN_VERSION_1).
    Proprietary {
        /// High bit of dwVersion: t = temporary.
        temporary: bool,
        cert: ProprietaryCertificate<'a>,
    },
    /// dwVersion 2: X.509 chain, DER slices in wire order (leaf last).
    X509 {
        temporary: bool,
        chain: Vec<&'a [u8]>,
    },
    /// Any other dwVersion.
    Unknown { version: u32, data: &'a [u8] },
}

/// SC_SECURITY.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerSecurityData<'a> {
    pub encryption_method: EncryptionMethods,
    pub encryption_level: EncryptionLevel,
    pub server_random: &'a [u8],
    pub server_certificate_raw: &'a [u8],
    /// Decoded certificate; `Err` keeps the reason when it did not parse.
    pub server_certificate: Option<Result<ServerCertificate<'a>, ParseError>>,
}

/// SC_NET.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerNetworkData {
    pub mcs_channel_id: u16,
    pub channel_ids: Vec<u16>,
}

/// Decoded client user data (GCC Conference Create Request).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ClientData<'a> {
    pub core: Option<ClientCoreData>,
    pub security: Option<ClientSecurityData>,
    pub network: Option<ClientNetworkData>,
    pub cluster: Option<ClientClusterData>,
    pub monitor: Option<ClientMonitorData>,
    /// Every block in wire order, known or not.
    pub blocks: Vec<UserDataBlock<'a>>,
}

/// Decoded server user data (GCC Conference Create Response).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ServerData<'a> {
    pub core: Option<ServerCoreData>,
    pub security: Option<ServerSecurityData<'a>>,
    pub network: Option<ServerNetworkData>,
    /// Every block in wire order, known or not.
    pub blocks: Vec<UserDataBlock<'a>>,
}

const T124_OID: [u8; 7] = [0x00, 0x05, 0x00, 0x14, 0x7C, 0x00, 0x01];

/// Strip the T.124 ConnectData / ConnectGCCPDU wrapper and return the
/// user-data block bytes following the given H.221 key.
fn unwrap_t124<'a>(
    input: &'a [u8],
    key: &[u8; 4],
    what: &'static str,
) -> ParseResult<'a, &'a [u8]> {
    let (rest, oid) = take(input, T124_OID.len())?;
    if oid != T124_OID {
        return Err(ParseError::invalid(
            what,
            "t124Identifier",
            "not OID 0.0.20.124.0.1",
        ));
    }
    // connectPDU length: servers are known to put odd values here; ignore it.
    let (rest, _) = per_len(rest, what)?;
    // The ConnectGCCPDU header before the H.221 key is 6..=10 bytes.
    const WINDOW: usize = 16;
    let hay = rest.get(..WINDOW.min(rest.len())).unwrap_or_default();
    match hay.windows(4).position(|w| w == key) {
        Some(pos) => {
            let after = rest.get(pos + 4..).unwrap_or_default();
            let (after, len) = per_len(after, what)?;
            take(after, len)
        }
        None if rest.len() < WINDOW => Err(ParseError::incomplete(WINDOW - rest.len())),
        None => Err(ParseError::invalid(
            what,
            "h221NonStandard",
            "H.221 key not found",
        )),
    }
}

/// Split user data into blocks. A block whose declared length runs past
/// the input yields `Incomplete`.
pub fn parse_user_data_blocks(input: &[u8]) -> ParseResult<'_, Vec<UserDataBlock<'_>>> {
    const W: &str = "TS_UD_HEADER";
    let mut out = Vec::new();
    let mut rest = input;
    while !rest.is_empty() {
        let (r, ty) = rd::u16_le(rest)?;
        let (r, len) = rd::u16_le(r)?;
        if len < 4 {
            return Err(ParseError::invalid(W, "length", "smaller than the header"));
        }
        let (r, data) = take(r, usize::from(len) - 4)?;
        out.push(UserDataBlock {
            block_type: BlockType(ty),
            data,
        });
        rest = r;
    }
    Ok((rest, out))
}

/// Parse CS_CORE body (after the block header).
pub fn parse_client_core(b: &[u8]) -> Result<ClientCoreData, ParseError> {
    const W: &str = "TS_UD_CS_CORE";
    let short = |e: ParseError| match e {
        ParseError::Incomplete { .. } => {
            ParseError::invalid(W, "length", "shorter than the mandatory fields")
        }
        o => o,
    };
    let (r, version) = rd::u32_le(b).map_err(short)?;
    let (r, desktop_width) = rd::u16_le(r).map_err(short)?;
    let (r, desktop_height) = rd::u16_le(r).map_err(short)?;
    let (r, color_depth) = rd::u16_le(r).map_err(short)?;
    let (r, sas_sequence) = rd::u16_le(r).map_err(short)?;
    let (r, keyboard_layout) = rd::u32_le(r).map_err(short)?;
    let (r, client_build) = rd::u32_le(r).map_err(short)?;
    let (r, name) = take(r, 32).map_err(short)?;
    let (r, keyboard_type) = rd::u32_le(r).map_err(short)?;
    let (r, keyboard_sub_type) = rd::u32_le(r).map_err(short)?;
    let (r, keyboard_function_key) = rd::u32_le(r).map_err(short)?;
    let (r, ime) = take(r, 64).map_err(short)?;
    let mut c = ClientCoreData {
        version: RdpVersion(version),
        desktop_width,
        desktop_height,
        color_depth,
        sas_sequence,
        keyboard_layout,
        client_build,
        client_name: rd::utf16z(name),
        keyboard_type,
        keyboard_sub_type,
        keyboard_function_key,
        ime_file_name: rd::utf16z(ime),
        post_beta2_color_depth: None,
        client_product_id: None,
        serial_number: None,
        high_color_depth: None,
        supported_color_depths: None,
        early_capability_flags: None,
        client_dig_product_id: None,
        connection_type: None,
        server_selected_protocol: None,
    };
    // Optional fields: each present only if the block is long enough.
    let Ok((r, v)) = rd::u16_le(r) else {
        return Ok(c);
    };
    c.post_beta2_color_depth = Some(v);
    let Ok((r, v)) = rd::u16_le(r) else {
        return Ok(c);
    };
    c.client_product_id = Some(v);
    let Ok((r, v)) = rd::u32_le(r) else {
        return Ok(c);
    };
    c.serial_number = Some(v);
    let Ok((r, v)) = rd::u16_le(r) else {
        return Ok(c);
    };
    c.high_color_depth = Some(v);
    let Ok((r, v)) = rd::u16_le(r) else {
        return Ok(c);
    };
    c.supported_color_depths = Some(v);
    let Ok((r, v)) = rd::u16_le(r) else {
        return Ok(c);
    };
    c.early_capability_flags = Some(ClientEarlyCapabilityFlags(v));
    let Ok((r, v)) = take(r, 64) else {
        return Ok(c);
    };
    c.client_dig_product_id = Some(rd::utf16z(v));
    let Ok((r, v)) = rd::u8(r) else { return Ok(c) };
    c.connection_type = Some(v);
    let Ok((r, _pad)) = rd::u8(r) else {
        return Ok(c);
    };
    let Ok((_, v)) = rd::u32_le(r) else {
        return Ok(c);
    };
    c.server_selected_protocol = Some(Protocols(v));
    Ok(c)
}

/// Parse CS_NET body.
pub fn parse_client_network(b: &[u8]) -> Result<ClientNetworkData, ParseError> {
    const W: &str = "TS_UD_CS_NET";
    let (mut r, count) =
        rd::u32_le(b).map_err(|_| ParseError::invalid(W, "channelCount", "missing"))?;
    if usize::try_from(count).map_or(true, |c| c.saturating_mul(12) > r.len()) {
        return Err(ParseError::invalid(W, "channelCount", "exceeds the block"));
    }
    let mut channels = Vec::new();
    for _ in 0..count {
        let (r2, name) = take(r, 8)?;
        let (r2, options) = rd::u32_le(r2)?;
        channels.push(ChannelDef {
            name: rd::latin1z(name),
            options: ChannelOptions(options),
        });
        r = r2;
    }
    Ok(ClientNetworkData { channels })
}

/// Parse a server certificate (2.2.1.4.3.1).
pub fn parse_server_certificate(b: &[u8]) -> Result<ServerCertificate<'_>, ParseError> {
    const W: &str = "SERVER_CERTIFICATE";
    let bad = |f: &'static str| {
        move |e: ParseError| match e {
            ParseError::Incomplete { .. } => ParseError::invalid(W, f, "runs past serverCertLen"),
            o => o,
        }
    };
    let (r, dw_version) = rd::u32_le(b).map_err(bad("dwVersion"))?;
    let temporary = dw_version & 0x8000_0000 != 0;
    match dw_version & 0x7FFF_FFFF {
        1 => {
            let (r, sig_alg_id) = rd::u32_le(r).map_err(bad("dwSigAlgId"))?;
            let (r, key_alg_id) = rd::u32_le(r).map_err(bad("dwKeyAlgId"))?;
            let (r, public_key_blob_type) = rd::u16_le(r).map_err(bad("wPublicKeyBlobType"))?;
            let (r, pk_len) = rd::u16_le(r).map_err(bad("wPublicKeyBlobLen"))?;
            let (r, pk) = take(r, usize::from(pk_len)).map_err(bad("PublicKeyBlob"))?;
            let (r, signature_blob_type) = rd::u16_le(r).map_err(bad("wSignatureBlobType"))?;
            let (r, sig_len) = rd::u16_le(r).map_err(bad("wSignatureBlobLen"))?;
            let (_, signature) = take(r, usize::from(sig_len)).map_err(bad("SignatureBlob"))?;
            let pkb = |e: ParseError| match e {
                ParseError::Incomplete { .. } => {
                    ParseError::invalid("RSA_PUBLIC_KEY", "keylen", "runs past wPublicKeyBlobLen")
                }
                o => o,
            };
            let (p, magic) = rd::u32_le(pk).map_err(pkb)?;
            if magic != 0x3141_5352 {
                return Err(ParseError::invalid(
                    "RSA_PUBLIC_KEY",
                    "magic",
                    "must be RSA1",
                ));
            }
            let (p, key_len) = rd::u32_le(p).map_err(pkb)?;
            let (p, bit_len) = rd::u32_le(p).map_err(pkb)?;
            let (p, data_len) = rd::u32_le(p).map_err(pkb)?;
            let (p, public_exponent) = rd::u32_le(p).map_err(pkb)?;
            let kl = usize::try_from(key_len).unwrap_or(usize::MAX);
            let (_, modulus) = take(p, kl).map_err(pkb)?;
            Ok(ServerCertificate::Proprietary {
                temporary,
                cert: ProprietaryCertificate {
                    sig_alg_id,
                    key_alg_id,
                    public_key_blob_type,
                    public_key: RsaPublicKey {
                        magic,
                        key_len,
                        bit_len,
                        data_len,
                        public_exponent,
                        modulus,
                    },
                    signature_blob_type,
                    signature,
                },
            })
        }
        2 => {
            let (mut r, n) = rd::u32_le(r).map_err(bad("NumCertBlobs"))?;
            if usize::try_from(n).map_or(true, |n| n.saturating_mul(4) > r.len()) {
                return Err(ParseError::invalid(
                    W,
                    "NumCertBlobs",
                    "exceeds serverCertLen",
                ));
            }
            let mut chain = Vec::new();
            for _ in 0..n {
                let (r2, len) = rd::u32_le(r).map_err(bad("cbCert"))?;
                let len = usize::try_from(len).unwrap_or(usize::MAX);
                let (r2, der) = take(r2, len).map_err(bad("abCert"))?;
                chain.push(der);
                r = r2;
            }
            Ok(ServerCertificate::X509 { temporary, chain })
        }
        version => Ok(ServerCertificate::Unknown { version, data: r }),
    }
}

/// Parse SC_SECURITY body.
pub fn parse_server_security(b: &[u8]) -> Result<ServerSecurityData<'_>, ParseError> {
    const W: &str = "TS_UD_SC_SEC1";
    let bad = |f: &'static str| {
        move |e: ParseError| match e {
            ParseError::Incomplete { .. } => ParseError::invalid(W, f, "runs past the block"),
            o => o,
        }
    };
    let (r, method) = rd::u32_le(b).map_err(bad("encryptionMethod"))?;
    let (r, level) = rd::u32_le(r).map_err(bad("encryptionLevel"))?;
    let mut s = ServerSecurityData {
        encryption_method: EncryptionMethods(method),
        encryption_level: EncryptionLevel(level),
        server_random: &[],
        server_certificate_raw: &[],
        server_certificate: None,
    };
    if r.is_empty() {
        return Ok(s);
    }
    let (r, random_len) = rd::u32_le(r).map_err(bad("serverRandomLen"))?;
    let (r, cert_len) = rd::u32_le(r).map_err(bad("serverCertLen"))?;
    let rl = usize::try_from(random_len).unwrap_or(usize::MAX);
    let cl = usize::try_from(cert_len).unwrap_or(usize::MAX);
    let (r, random) = take(r, rl).map_err(bad("serverRandomLen"))?;
    let (_, cert) = take(r, cl).map_err(bad("serverCertLen"))?;
    s.server_random = random;
    s.server_certificate_raw = cert;
    if !cert.is_empty() {
        s.server_certificate = Some(parse_server_certificate(cert));
    }
    Ok(s)
}

fn parse_server_core(b: &[u8]) -> Result<ServerCoreData, ParseError> {
    let (r, version) =
        rd::u32_le(b).map_err(|_| ParseError::invalid("TS_UD_SC_CORE", "version", "missing"))?;
    let (r, req) = match rd::u32_le(r) {
        Ok((r, v)) => (r, Some(Protocols(v))),
        Err(_) => (r, None),
    };
    let early = rd::u32_le(r)
        .ok()
        .map(|(_, v)| ServerEarlyCapabilityFlags(v));
    Ok(ServerCoreData {
        version: RdpVersion(version),
        client_requested_protocols: req,
        early_capability_flags: early,
    })
}

fn parse_server_network(b: &[u8]) -> Result<ServerNetworkData, ParseError> {
    const W: &str = "TS_UD_SC_NET";
    let bad = |_| ParseError::invalid(W, "channelCount", "runs past the block");
    let (r, mcs_channel_id) = rd::u16_le(b).map_err(bad)?;
    let (mut r, count) = rd::u16_le(r).map_err(bad)?;
    let mut channel_ids = Vec::with_capacity(usize::from(count).min(r.len() / 2));
    for _ in 0..count {
        let (r2, id) = rd::u16_le(r).map_err(bad)?;
        channel_ids.push(id);
        r = r2;
    }
    Ok(ServerNetworkData {
        mcs_channel_id,
        channel_ids,
    })
}

/// Decode client blocks (CS_*); unknown types are only listed.
pub fn decode_client_blocks<'a>(
    blocks: Vec<UserDataBlock<'a>>,
) -> Result<ClientData<'a>, ParseError> {
    let mut d = ClientData::default();
    for blk in &blocks {
        let b = blk.data;
        match blk.block_type {
            BlockType::CS_CORE => d.core = Some(parse_client_core(b)?),
            BlockType::CS_SECURITY => {
                let e = |_| ParseError::invalid("TS_UD_CS_SEC", "length", "too short");
                let (r, m) = rd::u32_le(b).map_err(e)?;
                let ext = rd::u32_le(r).map(|(_, v)| v).unwrap_or(0);
                d.security = Some(ClientSecurityData {
                    encryption_methods: EncryptionMethods(m),
                    ext_encryption_methods: ext,
                });
            }
            BlockType::CS_NET => d.network = Some(parse_client_network(b)?),
            BlockType::CS_CLUSTER => {
                let e = |_| ParseError::invalid("TS_UD_CS_CLUSTER", "length", "too short");
                let (r, f) = rd::u32_le(b).map_err(e)?;
                let (_, sid) = rd::u32_le(r).map_err(e)?;
                d.cluster = Some(ClientClusterData {
                    flags: ClusterFlags(f),
                    redirected_session_id: sid,
                });
            }
            BlockType::CS_MONITOR => {
                let e = |_| ParseError::invalid("TS_UD_CS_MONITOR", "length", "too short");
                let (r, f) = rd::u32_le(b).map_err(e)?;
                let (_, n) = rd::u32_le(r).map_err(e)?;
                d.monitor = Some(ClientMonitorData {
                    flags: f,
                    monitor_count: n,
                });
            }
            _ => {}
        }
    }
    d.blocks = blocks;
    Ok(d)
}

/// Decode server blocks (SC_*); unknown types are only listed.
pub fn decode_server_blocks<'a>(
    blocks: Vec<UserDataBlock<'a>>,
) -> Result<ServerData<'a>, ParseError> {
    let mut d = ServerData::default();
    for blk in &blocks {
        match blk.block_type {
            BlockType::SC_CORE => d.core = Some(parse_server_core(blk.data)?),
            BlockType::SC_SECURITY => d.security = Some(parse_server_security(blk.data)?),
            BlockType::SC_NET => d.network = Some(parse_server_network(blk.data)?),
            _ => {}
        }
    }
    d.blocks = blocks;
    Ok(d)
}

/// Parse a GCC Conference Create Request (the MCS Connect-Initial userData).
pub fn parse_conference_create_request(input: &[u8]) -> ParseResult<'_, ClientData<'_>> {
    let (rest, ud) = unwrap_t124(input, b"Duca", "GCC Conference Create Request")?;
    let (_, blocks) = parse_user_data_blocks(ud)?;
    Ok((rest, decode_client_blocks(blocks)?))
}

/// Parse a GCC Conference Create Response (the MCS Connect-Response userData).
pub fn parse_conference_create_response(input: &[u8]) -> ParseResult<'_, ServerData<'_>> {
    let (rest, ud) = unwrap_t124(input, b"McDn", "GCC Conference Create Response")?;
    let (_, blocks) = parse_user_data_blocks(ud)?;
    Ok((rest, decode_server_blocks(blocks)?))
}
