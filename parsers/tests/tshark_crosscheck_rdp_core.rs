//! Cross-check of the RDP-core parsers (TPKT, X.224, negotiation, MCS, GCC,
//! RDP core) against tshark on real captures.
//!
//! Runs only when `tshark` is on PATH and the shared captures are found
//! (env `RDPDIAG_SHARED`, or a `shared/captures` directory beside one of the
//! ancestors of `CARGO_MANIFEST_DIR`); otherwise it prints why and passes.
//!
//! For each capture, tshark dissects TCP/3389 as TPKT and prints per frame
//! the TCP payload and a set of RDP fields. The test reassembles each TCP
//! direction itself (dropping retransmissions by sequence number), parses
//! every complete TPKT / fast-path PDU with this crate, derives the same
//! fields, and requires them to agree with tshark on the frame where the
//! PDU completes. TLS-protected captures with a key log are checked too:
//! the decrypted records come from tshark's `-x` hex dump.

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use rdpdiag_parsers::gcc::{self, ServerCertificate};
use rdpdiag_parsers::mcs::{self, DomainPdu, McsPdu};
use rdpdiag_parsers::nego::{self, NegResponse};
use rdpdiag_parsers::rdp::{self, LicenseBody, SecurityFlags, ShareControlBody, ShareDataBody};
use rdpdiag_parsers::tpkt::{self, FrameKind};
use rdpdiag_parsers::x224::{self, Tpdu};
use rdpdiag_parsers::ParseError;

/// Fields compared when both sides have them.
const FIELDS: &[&str] = &[
    "rdp.rt_cookie",
    "rdp.negReq.requestedProtocols",
    "rdp.negReq.selectedProtocol",
    "rdp.negFailure.failureCode",
    "t125.result",
    "rdp.client.name",
    "rdp.client.build",
    "rdp.serverSelectedProtocol",
    "rdp.name",
    "rdp.encryptionMethod",
    "rdp.encryptionLevel",
    "rdp.client.requestedProtocols",
    "rdp.MCSChannelId",
    "t124.initiator",
    "t124.result",
    "rdp.errorCode",
    "rdp.stateTransition",
    "rdp.userName",
    "rdp.numberCapabilities",
    "rdp.pduType2",
];

/// Fields tshark reports that we must also produce for that frame.
const MUST: &[&str] = &[
    "rdp.rt_cookie",
    "rdp.negReq.requestedProtocols",
    "rdp.negReq.selectedProtocol",
    "rdp.negFailure.failureCode",
    "t125.result",
    "rdp.client.name",
    "rdp.client.build",
    "rdp.encryptionMethod",
    "rdp.encryptionLevel",
    "rdp.errorCode",
    "rdp.userName",
];

fn shared_dir() -> Option<PathBuf> {
    if let Ok(p) = std::env::var("RDPDIAG_SHARED") {
        let p = PathBuf::from(p);
        return p.join("captures").is_dir().then_some(p);
    }
    let mut d: Option<&Path> = Some(Path::new(env!("CARGO_MANIFEST_DIR")));
    while let Some(dir) = d {
        let cand = dir.join("shared");
        if cand.join("captures").is_dir() {
            return Some(cand);
        }
        d = dir.parent();
    }
    None
}

fn have_tshark() -> bool {
    Command::new("tshark")
        .arg("-v")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

fn unhex(s: &str) -> Vec<u8> {
    let s: Vec<u8> = s.bytes().filter(|b| b.is_ascii_hexdigit()).collect();
    s.chunks_exact(2)
        .map(|c| u8::from_str_radix(std::str::from_utf8(c).unwrap(), 16).unwrap())
        .collect()
}

/// Normalise a value: integers (hex or decimal) to decimal, strings as-is.
fn norm(v: &str) -> String {
    let t = v.trim();
    if let Some(h) = t.strip_prefix("0x") {
        if let Ok(n) = u64::from_str_radix(h, 16) {
            return n.to_string();
        }
    }
    t.to_string()
}

type Facts = Vec<(&'static str, String)>;

fn push(f: &mut Facts, k: &'static str, v: impl ToString) {
    f.push((k, norm(&v.to_string())));
}

/// Parse one complete TPKT frame and derive tshark-comparable facts.
fn facts_of_tpkt(frame: &[u8], f: &mut Facts) -> Result<(), ParseError> {
    let (_, tpdu) = x224::parse_x224_frame(frame)?;
    match tpdu {
        Tpdu::ConnectionRequest(_) => {
            let (_, cr) = nego::parse_connection_request(frame)?;
            if let Some(c) = cr.cookie {
                push(f, "rdp.rt_cookie", String::from_utf8_lossy(c.line));
            }
            if let Some(n) = cr.neg_req {
                push(f, "rdp.negReq.requestedProtocols", n.requested_protocols.0);
            }
        }
        Tpdu::ConnectionConfirm(_) => {
            let (_, cc) = nego::parse_connection_confirm(frame)?;
            match cc.neg {
                Some(NegResponse::Rsp(r)) => {
                    push(f, "rdp.negReq.selectedProtocol", r.selected_protocol.0)
                }
                Some(NegResponse::Failure(x)) => push(f, "rdp.negFailure.failureCode", x.code.0),
                None => {}
            }
        }
        Tpdu::Data(dt) => facts_of_mcs(dt.user_data, f)?,
        _ => {}
    }
    Ok(())
}

fn facts_of_mcs(ud: &[u8], f: &mut Facts) -> Result<(), ParseError> {
    let init = |f: &mut Facts, id: u16| push(f, "t124.initiator", id - mcs::USER_ID_BASE);
    match mcs::parse_mcs_pdu(ud)?.1 {
        McsPdu::ConnectInitial(ci) => {
            let (_, cd) = gcc::parse_conference_create_request(ci.user_data)?;
            if let Some(c) = &cd.core {
                push(f, "rdp.client.build", c.client_build);
                push(f, "rdp.client.name", &c.client_name);
                if let Some(p) = c.server_selected_protocol {
                    push(f, "rdp.serverSelectedProtocol", p.0);
                }
            }
            if let Some(n) = &cd.network {
                for ch in &n.channels {
                    push(f, "rdp.name", &ch.name);
                }
            }
        }
        McsPdu::ConnectResponse(cr) => {
            push(f, "t125.result", cr.result.0);
            let (_, sd) = gcc::parse_conference_create_response(cr.user_data)?;
            if let Some(c) = sd.core {
                if let Some(p) = c.client_requested_protocols {
                    push(f, "rdp.client.requestedProtocols", p.0);
                }
            }
            if let Some(n) = sd.network {
                push(f, "rdp.MCSChannelId", n.mcs_channel_id);
                for id in n.channel_ids {
                    push(f, "rdp.MCSChannelId", id);
                }
            }
            if let Some(s) = sd.security {
                push(f, "rdp.encryptionMethod", s.encryption_method.0);
                push(f, "rdp.encryptionLevel", s.encryption_level.0);
                if let Some(Err(e)) = s.server_certificate {
                    return Err(e);
                }
                if let Some(Ok(ServerCertificate::Unknown { .. })) = s.server_certificate {
                    return Err(ParseError::invalid(
                        "test",
                        "cert",
                        "unknown certificate version",
                    ));
                }
            }
        }
        McsPdu::Domain(d) => match d {
            DomainPdu::AttachUserConfirm { result, initiator } => {
                if let Some(i) = initiator {
                    init(f, i);
                }
                push(f, "t124.result", result.0);
            }
            DomainPdu::ChannelJoinRequest { initiator, .. } => init(f, initiator),
            DomainPdu::ChannelJoinConfirm {
                result, initiator, ..
            } => {
                init(f, initiator);
                push(f, "t124.result", result.0);
            }
            DomainPdu::SendDataRequest(sd) | DomainPdu::SendDataIndication(sd) => {
                init(f, sd.initiator);
                facts_of_rdp(sd.user_data, f);
            }
            _ => {}
        },
    }
    Ok(())
}

/// Best effort on the Send Data payload: which parser applies depends on
/// security state the test does not track, so use the security flags /
/// share-control shape to pick.
fn facts_of_rdp(b: &[u8], f: &mut Facts) {
    if let Ok((_, h)) = rdp::parse_security_header(b) {
        let fl = h.flags;
        if fl.contains(SecurityFlags::ENCRYPT) {
            return;
        }
        if fl.contains(SecurityFlags::LICENSE_PKT) {
            if let Ok((_, (_, l))) = rdp::parse_license_packet(b) {
                if let LicenseBody::ErrorAlert(e) = l.body {
                    push(f, "rdp.errorCode", e.error_code.0);
                    push(f, "rdp.stateTransition", e.state_transition.0);
                }
            }
            return;
        }
        if fl.contains(SecurityFlags::INFO_PKT) {
            if let Ok((_, ci)) = rdp::parse_client_info(b) {
                push(f, "rdp.userName", ci.user_name);
            }
            return;
        }
    }
    if let Ok((_, pdu)) = rdp::parse_share_control_pdu(b) {
        match pdu.body {
            ShareControlBody::DemandActive(d) => {
                push(f, "rdp.numberCapabilities", d.number_capabilities)
            }
            ShareControlBody::ConfirmActive(c) => {
                push(f, "rdp.numberCapabilities", c.number_capabilities)
            }
            ShareControlBody::Data(h, body) => {
                push(f, "rdp.pduType2", h.pdu_type2.0);
                // tshark 4.0 has no field for the Set Error Info code
                let _ = matches!(body, ShareDataBody::SetErrorInfo(_));
            }
            _ => {}
        }
    }
}

/// Parse every complete PDU at the front of `buf`; returns bytes consumed.
fn drain(buf: &[u8], f: &mut Facts, tls: &mut bool, what: &str) -> usize {
    let mut off = 0;
    while let Some(&b0) = buf.get(off) {
        let rest = &buf[off..];
        match tpkt::classify_first_byte(b0) {
            FrameKind::Tpkt => match tpkt::parse_tpkt_frame(rest) {
                Ok((r, _)) => {
                    let n = rest.len() - r.len();
                    if let Err(e) = facts_of_tpkt(&rest[..n], f) {
                        panic!("{what}: our parser rejected a TPKT tshark accepted: {e}");
                    }
                    off += n;
                }
                Err(ParseError::Incomplete { .. }) => break,
                Err(e) => panic!("{what}: bad TPKT: {e}"),
            },
            FrameKind::FastPath => match rdp::parse_fast_path(rest) {
                Ok((r, _)) => off += rest.len() - r.len(),
                Err(ParseError::Incomplete { .. }) => break,
                Err(e) => panic!("{what}: bad fast-path PDU: {e}"),
            },
            FrameKind::TlsRecord(_) | FrameKind::Unknown => {
                *tls = true;
                return buf.len();
            }
        }
    }
    off
}

struct Row {
    frame: u32,
    key: (String, String),
    seq: u64,
    payload: Vec<u8>,
    fields: HashMap<&'static str, Vec<String>>,
}

fn tshark_rows(path: &Path, extra: &[String]) -> Vec<Row> {
    let mut cmd = Command::new("tshark");
    cmd.arg("-r").arg(path).args(extra);
    cmd.args([
        "-Y",
        "tcp.port==3389",
        "-T",
        "fields",
        "-E",
        "occurrence=a",
        "-E",
        "aggregator=\u{1}",
    ]);
    for e in [
        "frame.number",
        "tcp.stream",
        "tcp.srcport",
        "tcp.seq_raw",
        "tcp.payload",
    ]
    .iter()
    .chain(FIELDS)
    {
        cmd.args(["-e", e]);
    }
    let out = cmd.output().expect("run tshark");
    assert!(out.status.success(), "tshark failed on {}", path.display());
    let text = String::from_utf8_lossy(&out.stdout);
    let mut rows = Vec::new();
    for line in text.lines() {
        let cols: Vec<&str> = line.split('\t').collect();
        if cols.len() < 5 + FIELDS.len() {
            continue;
        }
        let mut fields = HashMap::new();
        for (i, name) in FIELDS.iter().enumerate() {
            let v = cols[5 + i];
            if !v.is_empty() {
                fields.insert(*name, v.split('\u{1}').map(norm).collect());
            }
        }
        rows.push(Row {
            frame: cols[0].parse().unwrap(),
            key: (cols[1].to_string(), cols[2].to_string()),
            seq: cols[3]
                .split('\u{1}')
                .next()
                .unwrap_or("0")
                .parse()
                .unwrap_or(0),
            payload: unhex(cols[4]),
            fields,
        });
    }
    rows
}

/// Decrypted TLS records per frame from `tshark -P -x`.
fn decrypted_blocks(path: &Path, keylog: &Path) -> HashMap<u32, Vec<Vec<u8>>> {
    let out = Command::new("tshark")
        .arg("-r")
        .arg(path)
        .arg("-o")
        .arg(format!("tls.keylog_file:{}", keylog.display()))
        .args([
            "-d",
            "tcp.port==3389,tls",
            "-d",
            "tls.port==3389,tpkt",
            "-Y",
            "tls",
            "-P",
            "-x",
        ])
        .output()
        .expect("run tshark");
    let text = String::from_utf8_lossy(&out.stdout);
    let mut map: HashMap<u32, Vec<Vec<u8>>> = HashMap::new();
    let mut frame = 0u32;
    let mut cur: Option<Vec<u8>> = None;
    for line in text.lines() {
        let t = line.trim_start();
        if line.starts_with(' ')
            && !t.is_empty()
            && t.split_whitespace().count() > 3
            && !line.starts_with("0")
        {
            if let Ok(n) = t.split_whitespace().next().unwrap_or("").parse::<u32>() {
                frame = n;
                continue;
            }
        }
        if line.starts_with("Decrypted TLS") {
            if let Some(done) = cur.take() {
                map.entry(frame).or_default().push(done);
            }
            cur = Some(Vec::new());
            continue;
        }
        if let Some(buf) = cur.as_mut() {
            if line.len() > 6
                && line.as_bytes()[4] == b' '
                && line[..4].chars().all(|c| c.is_ascii_hexdigit())
            {
                let hexpart = &line[6..line.len().min(6 + 16 * 3)];
                buf.extend(unhex(hexpart));
                continue;
            }
            map.entry(frame).or_default().push(cur.take().unwrap());
        }
    }
    if let Some(buf) = cur {
        map.entry(frame).or_default().push(buf);
    }
    map
}

struct Stats {
    compared: usize,
}

fn compare(
    what: &str,
    frame: u32,
    ours: &Facts,
    theirs: &HashMap<&'static str, Vec<String>>,
    skip_must: bool,
    st: &mut Stats,
) {
    for (name, tv) in theirs {
        let ov: Vec<String> = ours
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect();
        if ov.is_empty() {
            if MUST.contains(name) && !skip_must {
                panic!("{what} frame {frame}: tshark has {name}={tv:?}, our parsers produced none");
            }
            continue;
        }
        assert_eq!(&ov, tv, "{what} frame {frame}: field {name}");
        st.compared += ov.len();
    }
}

fn check_plain(shared: &Path, rel: &str, min: usize) {
    let path = shared.join("captures").join(rel);
    if !path.exists() {
        common::skip("tshark_crosscheck_rdp_core", &format!("{rel} not found"));
        return;
    }
    let rows = tshark_rows(
        &path,
        &["-d".to_string(), "tcp.port==3389,tpkt".to_string()],
    );
    let mut bufs: HashMap<(String, String), (Vec<u8>, u64, bool)> = HashMap::new();
    let mut st = Stats { compared: 0 };
    for row in rows {
        let mut facts = Facts::new();
        if !row.payload.is_empty() {
            let e = bufs
                .entry(row.key.clone())
                .or_insert((Vec::new(), row.seq, false));
            let (buf, next, tls) = e;
            let end = row.seq + row.payload.len() as u64;
            if !*tls && end > *next {
                let skip = next.saturating_sub(row.seq) as usize;
                if row.seq > *next {
                    buf.clear(); // gap: resynchronise on this segment
                }
                buf.extend_from_slice(&row.payload[skip.min(row.payload.len())..]);
                *next = end;
                let what = format!("{rel} frame {}", row.frame);
                let used = drain(buf, &mut facts, tls, &what);
                buf.drain(..used);
            }
        }
        compare(rel, row.frame, &facts, &row.fields, false, &mut st);
    }
    eprintln!("{rel}: {} field values agree with tshark", st.compared);
    assert!(
        st.compared >= min,
        "{rel}: only {} values compared (want >= {min})",
        st.compared
    );
}

fn check_decrypted(shared: &Path, base: &str, min: usize) {
    let lab = shared.join("captures").join("lab");
    let (pcap, keys) = (
        lab.join(format!("{base}.pcap")),
        lab.join(format!("{base}.keys.txt")),
    );
    if !pcap.exists() || !keys.exists() {
        common::skip("tshark_crosscheck_rdp_core", &format!("{base} not found"));
        return;
    }
    let blocks = decrypted_blocks(&pcap, &keys);
    let extra = vec![
        "-o".to_string(),
        format!("tls.keylog_file:{}", keys.display()),
        "-d".to_string(),
        "tcp.port==3389,tls".to_string(),
        "-d".to_string(),
        "tls.port==3389,tpkt".to_string(),
    ];
    // TCP/3389 as TLS, decrypted records as TPKT (the clear X.224
    // negotiation is then not dissected by tshark, so not compared here).
    let rows = tshark_rows(&pcap, &extra);
    let mut st = Stats { compared: 0 };
    for row in rows {
        let mut facts = Facts::new();
        let mut parsed_any = false;
        for b in blocks.get(&row.frame).map(Vec::as_slice).unwrap_or(&[]) {
            if b.first() == Some(&0x03) {
                let mut tls = false;
                let what = format!("{base} frame {} (decrypted)", row.frame);
                let used = drain(b, &mut facts, &mut tls, &what);
                parsed_any |= used > 0;
            }
        }
        if !parsed_any && row.payload.first() == Some(&0x03) {
            let mut tls = false;
            drain(&row.payload, &mut facts, &mut tls, base);
            parsed_any = true;
        }
        // records spanning several TLS records are not reassembled here
        compare(base, row.frame, &facts, &row.fields, !parsed_any, &mut st);
    }
    eprintln!(
        "{base} (decrypted): {} field values agree with tshark",
        st.compared
    );
    assert!(
        st.compared >= min,
        "{base}: only {} values compared (want >= {min})",
        st.compared
    );
}

#[test]
fn layer_a_agrees_with_tshark() {
    let Some(shared) = shared_dir() else {
        common::skip(
            "tshark_crosscheck_rdp_core::layer_a_agrees_with_tshark",
            "shared/captures not found (set RDPDIAG_SHARED)",
        );
        return;
    };
    if !have_tshark() {
        common::skip(
            "tshark_crosscheck_rdp_core::layer_a_agrees_with_tshark",
            "tshark not on PATH",
        );
        return;
    }
    // cookie/nego, MCS/GCC in clear, proprietary certificate, channel joins
    check_plain(&shared, "public/zeek/rdp-proprietary-encryption.pcap", 40);
    // X.509 chain across two segments, retransmissions
    check_plain(&shared, "public/zeek/rdp-x509.pcap", 15);
    check_plain(&shared, "public/zeek/rdp-unknown-keyboard.pcap", 5);
    check_plain(&shared, "public/zeek/rdp-to-ssl.pcap", 4);
    check_plain(&shared, "public/zeek/rdp-no-cookie-mstshash.pcap", 2);
    // legacy CR/CC, XP client, licensing
    check_plain(
        &shared,
        "public/suricata-verify/tests/rdp-protocol/RDP-003.pcap",
        30,
    );
    check_plain(&shared, "public/nDPI/rdp3.pcap", 20);
    check_plain(&shared, "public/nDPI/rdp.pcap", 2);
    check_plain(&shared, "public/nDPI/rdp_over_tls.pcap", 2);
    check_plain(&shared, "public/arkime/arkime_synthetic.pcap", 2);
    check_plain(&shared, "lab/rdp_sec_ok.pcap", 30);
    check_plain(&shared, "lab/hybrid_required_by_server.pcap", 2);
    check_plain(&shared, "lab/ssl_required_by_server.pcap", 1);
    check_plain(&shared, "lab/nla_client_vs_xrdp.pcap", 2);
    check_plain(&shared, "lab/server_key_unusable.pcap", 2);
    // TLS with key logs: Client Info, licensing, Demand/Confirm Active, share data
    check_decrypted(&shared, "tls12_cbc_ok", 30);
    check_decrypted(&shared, "tls_ok", 30);
    check_decrypted(&shared, "logon_failure_after_connect_tls", 20);
    check_decrypted(&shared, "nla_ok", 20);
}
