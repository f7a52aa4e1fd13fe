//! The rule registry: facts → findings. Every rule has a stable id, a stage,
//! a severity, an explanation, the Windows-side fix and the mstsc codes it
//! most likely produced. Rules read facts only, never bytes.

pub mod catalog;
mod gateway;
mod judge;
mod registry;
mod related;

pub use judge::diagnose;
pub use registry::{rule, RuleDef, RULES};
pub use related::{explain_with_rules, related_rules};

use crate::codes;
use crate::flow::Handshake;
use crate::session::{ConnectionRecord, DnsLookup, UdpRecord};
use crate::verdict::{
    ConnVerdict, DiagConfig, Evidence, Finding, Outcome, Severity, Stage, StageMark,
};
use crate::wire::{Dir, FrameRef};

fn ev(f: FrameRef, detail: impl Into<String>) -> Evidence {
    Evidence {
        frame: f.number,
        time: f.ts.rfc3339(),
        detail: detail.into(),
    }
}

/// Build a finding from the registry entry `id`.
fn make(
    id: &str,
    title: Option<String>,
    explanation: Option<String>,
    evidence: Vec<Evidence>,
) -> Finding {
    let r = rule(id);
    Finding {
        id: id.to_string(),
        stage: r.map_or(Stage::Session, |r| r.stage),
        severity: r.map_or(Severity::Info, |r| r.severity),
        title: title.unwrap_or_else(|| r.map_or(id, |r| r.title).to_string()),
        explanation: explanation.unwrap_or_else(|| r.map_or("", |r| r.explanation).to_string()),
        evidence,
        remediation: r.map_or(Vec::new(), |r| {
            r.remediation.iter().map(|s| s.to_string()).collect()
        }),
        mstsc_codes: r.map_or(Vec::new(), |r| {
            r.mstsc_codes.iter().map(|s| s.to_string()).collect()
        }),
        decisive: r.is_some_and(|r| r.severity == Severity::Error),
        inferred: false,
        basis: "clear",
        connection: None,
    }
}

/// Drop findings whose rule is turned off.
pub fn apply_disabled(findings: &mut Vec<Finding>, disabled: &[String]) {
    if !disabled.is_empty() {
        findings.retain(|f| !disabled.iter().any(|d| d == &f.id));
    }
}

/// Apply severity overrides (rule id, severity) from the configuration.
pub fn apply_severity(findings: &mut [Finding], overrides: &[(String, Severity)]) {
    for f in findings {
        if let Some((_, s)) = overrides.iter().find(|(id, _)| *id == f.id) {
            f.severity = *s;
        }
    }
}

fn proto_names(p: u32) -> String {
    rdpdiag_parsers::nego::Protocols(p).to_string()
}

/// Facts derived once per connection for the rules.
struct Shape {
    tls13: bool,
    handshake_done: Option<FrameRef>,
    /// Client application records after the handshake that carry data (not Finished, not an alert).
    client_data_records: u32,
    server_data_bytes: u64,
    established: bool,
    established_frame: Option<FrameRef>,
    decrypted: bool,
    hybrid: bool,
    hybrid_ex: bool,
    last_server_record: Option<(FrameRef, u16)>,
}

fn shape(c: &ConnectionRecord) -> Shape {
    let t = &c.facts.tls;
    let tls13 = t
        .server_hello
        .as_ref()
        .is_some_and(|s| s.version_raw == 0x0304);
    let ci = Dir::ClientToServer.idx();
    let si = Dir::ServerToClient.idx();
    let handshake_done = if t.server_hello.is_none() {
        None
    } else if tls13 {
        t.first_app_data[ci]
    } else if t.ccs[ci].is_some() && t.ccs[si].is_some() {
        t.ccs[si].max(t.ccs[ci])
    } else {
        None
    };
    let mut client_data_records = 0;
    let mut server_data_bytes = 0;
    let mut server_data_records = 0;
    let mut seen_client_finished = false;
    let mut last_server_record = None;
    if let Some(hd) = handshake_done {
        for r in &t.records {
            if r.kind != "app_data" {
                continue;
            }
            match r.dir {
                Dir::ClientToServer => {
                    if tls13 && !seen_client_finished {
                        seen_client_finished = true;
                        continue;
                    }
                    if tls13 && r.len <= 24 {
                        continue; // an encrypted alert (close_notify) in TLS 1.3
                    }
                    client_data_records += 1;
                }
                Dir::ServerToClient => {
                    if r.frame.number >= hd.number {
                        server_data_bytes += r.len as u64;
                        server_data_records += 1;
                        last_server_record = Some((r.frame, r.len));
                    }
                }
            }
        }
        if t.records_dropped > 0 {
            server_data_bytes += t.app_bytes[si];
            client_data_records += t.app_records[ci];
        }
    }
    let r = &c.facts.rdp;
    let sel = c.facts.negotiation.selected_protocol.unwrap_or(0);
    let hybrid = sel & 0x0A != 0;
    // Only a fully readable session counts: with a failed record the facts
    // behind it are missing, and the shape must decide as without keys.
    let decrypted = c
        .facts
        .decryption
        .as_ref()
        .is_some_and(|d| d.records_decrypted > 0 && d.records_failed == 0);
    let seen_output = r.first_fast_path[si].is_some();
    let volume = c.bytes[si] > 8192 && c.packets[0] >= 5 && c.packets[1] >= 5;
    let tls_volume =
        server_data_bytes > 8192 && server_data_records >= 8 && client_data_records >= 4;
    let negotiated = c.facts.negotiation.selected_protocol.is_some()
        || c.facts.negotiation.request_frame.is_none();
    let mcs_ok = c.facts.mcs.result.as_ref().is_some_and(|r| r.value == 0);
    let server_dropped_early =
        c.tcp.closed_by == Some(Dir::ServerToClient) && !seen_output && c.bytes[si] < 8192;
    let established = c
        .facts
        .protocol_error
        .as_ref()
        .is_none_or(|e| e.1 == Dir::ClientToServer && negotiated)
        && negotiated
        && if t.server_hello.is_some() {
            seen_output
                || (!decrypted && tls_volume)
                || (decrypted && r.demand_active.is_some() && volume)
        } else {
            seen_output
                || (mcs_ok && !server_dropped_early)
                || (c.facts.mcs.connect_response.is_some() && volume)
                || (c.facts.negotiation.request_frame.is_none()
                    && c.facts.tls.client_hello.is_none()
                    && volume)
        };
    // Through an RD Gateway, the tunnel opened and carried data: the RDP
    // inside is not decoded, so the gateway's channel result decides.
    let established = established || gateway::tunnel_open(c);
    let established_frame = r.first_fast_path[si].or(r.demand_active).or(handshake_done);
    Shape {
        tls13,
        handshake_done,
        client_data_records,
        server_data_bytes,
        established,
        established_frame,
        decrypted,
        hybrid,
        hybrid_ex: sel & 0x08 != 0,
        last_server_record,
    }
}

fn close_of(c: &ConnectionRecord, d: Dir) -> Option<(FrameRef, &'static str)> {
    let h = c.tcp.dir(d);
    match (h.fin, h.rst) {
        (Some(f), Some(r)) => Some(if f.frame <= r.frame {
            (f.frame, "FIN")
        } else {
            (r.frame, "RST")
        }),
        (Some(f), None) => Some((f.frame, "FIN")),
        (None, Some(r)) => Some((r.frame, "RST")),
        (None, None) => None,
    }
}

/// Judge one connection: its stages, outcome and findings.
pub fn judge_connection(c: &ConnectionRecord, cfg: &DiagConfig) -> (ConnVerdict, Vec<Finding>) {
    let mut out: Vec<Finding> = Vec::new();
    let s = shape(c);
    let n = &c.facts.negotiation;
    let t = &c.facts.tls;
    let m = &c.facts.mcs;
    let r = &c.facts.rdp;
    let client_close = close_of(c, Dir::ClientToServer);
    let server_close = close_of(c, Dir::ServerToClient);
    let first_closer = c.tcp.closed_by;
    let mut stages = Vec::new();

    // ---------------------------------------------------------------- tcp
    let syn_ev = || -> Vec<Evidence> {
        c.tcp
            .syn_frames
            .iter()
            .take(8)
            .map(|f| Evidence {
                frame: *f,
                time: String::new(),
                detail: "SYN".into(),
            })
            .collect()
    };
    match c.tcp.handshake {
        Handshake::SynUnanswered if c.bytes[0] + c.bytes[1] == 0 => {
            let mut f = make(
                "tcp.syn_unanswered",
                Some(format!(
                    "SYN to {} sent {} time(s), never answered",
                    c.server,
                    c.tcp.syn_frames.len()
                )),
                None,
                syn_ev(),
            );
            fill_times(&mut f, c);
            out.push(f);
        }
        Handshake::RstToSyn => {
            let mut e = syn_ev();
            if let Some(rst) = c.tcp.server.rst {
                e.push(ev(rst.frame, "RST from the server"));
            }
            let mut f = make(
                "tcp.rst_to_syn",
                Some(format!("{} refused the connection (RST to SYN)", c.server)),
                None,
                e,
            );
            fill_times(&mut f, c);
            out.push(f);
        }
        Handshake::SynAckUnanswered => {
            // The SYN-ACKs are the evidence: the server did answer.
            let mut e: Vec<Evidence> = syn_ev();
            e.extend(c.tcp.synack_frames.iter().map(|f| Evidence {
                frame: *f,
                time: String::new(),
                detail: "SYN-ACK, never acknowledged".into(),
            }));
            e.sort_by_key(|x| x.frame);
            e.truncate(8);
            let mut f = make(
                "tcp.synack_unanswered",
                Some(format!(
                    "the server answered {} SYN(s) with {} SYN-ACK(s), and the client never acknowledged one",
                    c.tcp.syn_frames.len(),
                    c.tcp.synack_frames.len()
                )),
                None,
                e,
            );
            fill_times(&mut f, c);
            out.push(f);
        }
        _ => {}
    }
    let tcp_good = tcp_ok(c);
    stages.push(StageMark {
        stage: Stage::Tcp,
        ok: tcp_good,
        frame: c
            .tcp
            .synack_frames
            .first()
            .map(|_| c.first)
            .or(Some(c.first)),
    });
    for d in [Dir::ClientToServer, Dir::ServerToClient] {
        if let Some(rst) = c.tcp.dir(d).rst {
            if rst.suspicious_origin {
                let mut f = make(
                    "tcp.middlebox_rst",
                    Some(format!(
                        "a RST claiming to come from the {} has a different TTL ({}) than its other packets: likely injected by a firewall or proxy",
                        d.sender(),
                        rst.ttl
                    )),
                    None,
                    vec![ev(rst.frame, format!("RST with TTL {}", rst.ttl))],
                );
                f.decisive = !s.established;
                out.push(f);
            }
        }
    }
    let total_pkts = c.packets[0] + c.packets[1];
    let rt = c.tcp.retransmissions();
    if rt >= cfg.retrans_storm_count && (rt as f64) >= cfg.retrans_storm_ratio * total_pkts as f64 {
        let frames: Vec<Evidence> = c
            .tcp
            .client
            .retransmission_frames
            .iter()
            .chain(c.tcp.server.retransmission_frames.iter())
            .take(10)
            .map(|f| Evidence {
                frame: *f,
                time: String::new(),
                detail: "retransmission".into(),
            })
            .collect();
        out.push(make(
            "tcp.retransmission_storm",
            Some(format!(
                "{rt} real retransmissions in {total_pkts} packets ({:.0}%): the path loses packets",
                100.0 * rt as f64 / total_pkts.max(1) as f64
            )),
            None,
            frames,
        ));
    }
    for d in [Dir::ServerToClient, Dir::ClientToServer] {
        if let Some(b) = c.tcp.black_hole(d) {
            let mut f = make(
                "tcp.mtu_blackhole",
                Some(format!(
                    "full-size {}-byte segments from the {} were retransmitted {} times and never acknowledged, while small packets got through",
                    b.len,
                    d.sender(),
                    b.count
                )),
                None,
                b.frames
                    .iter()
                    .take(6)
                    .map(|n| Evidence {
                        frame: *n,
                        time: String::new(),
                        detail: format!("{} bytes, retransmitted", b.len),
                    })
                    .collect(),
            );
            f.decisive = !s.established;
            out.push(f);
        }
    }
    let zw = c.tcp.client.zero_window + c.tcp.server.zero_window;
    if zw >= 3 {
        out.push(make(
            "tcp.zero_window",
            Some({
                let who: Vec<String> = [Dir::ClientToServer, Dir::ServerToClient]
                    .iter()
                    .filter(|d| c.tcp.dir(**d).zero_window > 0)
                    .map(|d| format!("the {} {} times", d.sender(), c.tcp.dir(*d).zero_window))
                    .collect();
                format!(
                    "a receiver stopped reading: zero window advertised by {} (its application could not keep up)",
                    who.join(" and ")
                )
            }),
            None,
            c.tcp
                .client
                .zero_window_frames
                .iter()
                .chain(c.tcp.server.zero_window_frames.iter())
                .take(6)
                .map(|n| Evidence {
                    frame: *n,
                    time: String::new(),
                    detail: "zero window".into(),
                })
                .collect(),
        ));
    }
    if let Some((idle, a, b)) = c.tcp.longest_idle {
        if s.established && idle >= cfg.stall_s && c.tcp.closed_by.is_some() {
            out.push(make(
                "tcp.stall",
                Some(format!(
                    "the connection was silent for {idle:.0} s (frames {a} → {b}) before it ended"
                )),
                None,
                vec![Evidence {
                    frame: b,
                    time: String::new(),
                    detail: format!("first packet after {idle:.0} s of silence"),
                }],
            ));
        }
    }
    let gaps = c.tcp.client.capture_gap_bytes + c.tcp.server.capture_gap_bytes;
    if gaps > 0 {
        out.push(make(
            "capture.missing_bytes",
            Some(format!("{gaps} bytes of the stream are missing from the capture (dropped by the capturing host)")),
            None,
            Vec::new(),
        ));
    }

    // ------------------------------------------------------- negotiation
    let is_rdp_stream = n.request_frame.is_some() || n.confirm_frame.is_some();
    if tcp_good && c.facts.protocol_error.is_some() && t.client_hello.is_none() && !s.established {
        if let Some((fr, d, what)) = &c.facts.protocol_error {
            out.push(make(
                "negotiation.malformed",
                Some(format!("malformed RDP PDU from the {}: {what}", d.sender())),
                None,
                vec![ev(*fr, what.clone())],
            ));
        }
        // A malformed Connection Confirm from the server is worth its own line.
        for (fr, d, what) in &r.malformed {
            if *d == Dir::ServerToClient && what.contains("Confirm") {
                let mut f = make(
                    "negotiation.malformed",
                    Some(format!(
                        "malformed X.224 Connection Confirm from the server: {what}"
                    )),
                    None,
                    vec![ev(*fr, what.clone())],
                );
                f.decisive = true;
                out.insert(0, f);
                break;
            }
        }
    }
    if let Some(fail) = &n.failure {
        let info = codes::Table::NegoFailure.lookup(fail.value);
        let id = "negotiation.failure";
        let mut f = make(
            id,
            Some(format!(
                "the server refused the security protocol: RDP_NEG_FAILURE {} ({}); the client asked for {}",
                fail.name,
                fail.value,
                n.requested_protocols.map(proto_names).unwrap_or_default()
            )),
            info.map(|i| i.meaning.to_string()),
            n.confirm_frame.map(|f| vec![ev(f, format!("RDP_NEG_FAILURE {}", fail.name))]).unwrap_or_default(),
        );
        if let Some(i) = info {
            if !i.fix.is_empty() {
                f.remediation = i.fix.iter().map(|s| s.to_string()).collect();
            }
        }
        // SSL_REQUIRED_BY_SERVER (1) to a request that offered TLS, or
        // HYBRID_REQUIRED_BY_SERVER (5) to one that offered CredSSP: the code
        // contradicts the request (seen from freerdp-shadow-cli 2.11 /sec:ext,
        // lab/extra_captures.sh nla_ext_refused), so its usual meaning is wrong here.
        let required = match fail.value {
            1 => Some((0x1, "TLS")),
            5 => Some((0x2, "CredSSP")),
            _ => None,
        };
        if let (Some((bit, what)), Some(req)) = (required, n.requested_protocols) {
            if req & bit != 0 {
                f.explanation = format!(
                    "The server says it requires {what}, but the client did offer {what} ({}): the answer contradicts the request, so the failure code does not name the real problem. The server could not select any offered protocol with its security configuration (for example it enables only a protocol it does not implement, or its TLS/CredSSP setup is broken).",
                    proto_names(req)
                );
                f.remediation = vec![
                    "Check the server's security-layer and NLA settings and its log at the capture time; try the client with one protocol at a time (FreeRDP: /sec:tls, /sec:nla).".to_string(),
                ];
            }
        }
        out.push(f);
    }
    if let (Some(req), None) = (n.request_frame, n.confirm_frame) {
        if let Some((sf, kind)) = server_close.filter(|_| first_closer == Some(Dir::ServerToClient))
        {
            out.push(make(
                "negotiation.server_closed_after_request",
                None,
                None,
                vec![
                    ev(req, "X.224 Connection Request"),
                    ev(sf, format!("{kind} from the server")),
                ],
            ));
        }
    }
    if let (Some(sel), Some(cc)) = (n.selected_protocol, n.confirm_frame) {
        if let Some(req) = n.requested_protocols.filter(|_| n.neg_req) {
            let offered = sel == 0 || (sel & req) == sel;
            let nothing_after = t.client_hello.is_none() && m.connect_initial.is_none();
            if let Some((cf, kind)) =
                client_close.filter(|_| nothing_after && first_closer == Some(Dir::ClientToServer))
            {
                let why = if !offered {
                    format!(
                        "the server selected {} which the client did not offer (it asked for {})",
                        proto_names(sel),
                        proto_names(req)
                    )
                } else {
                    format!(
                        "the client did not accept {} (it asked for {}): typically the client requires NLA (CredSSP) and the server does not offer it, or the client refuses Standard RDP Security",
                        proto_names(sel),
                        proto_names(req)
                    )
                };
                out.push(make(
                    "negotiation.client_closed_after_confirm",
                    Some(format!(
                        "the client hung up right after the Connection Confirm: {why}"
                    )),
                    None,
                    vec![
                        ev(cc, format!("selected {}", proto_names(sel))),
                        ev(cf, format!("{kind} from the client")),
                    ],
                ));
            }
            if sel == 0 && req & 0x0B != 0 && n.failure.is_none() {
                out.push(make(
                    "negotiation.downgraded_to_standard_security",
                    Some(format!(
                        "the client offered {} but the server selected Standard RDP Security",
                        proto_names(req)
                    )),
                    None,
                    vec![ev(cc, "selected PROTOCOL_RDP")],
                ));
            }
        }
    }
    if n.request_frame.is_some() && !n.neg_req {
        out.push(make(
            "negotiation.legacy_client",
            None,
            None,
            n.request_frame
                .map(|f| vec![ev(f, "X.224 CR without RDP_NEG_REQ")])
                .unwrap_or_default(),
        ));
    } else if n.legacy_confirm {
        out.push(make(
            "negotiation.legacy_server",
            None,
            None,
            n.confirm_frame
                .map(|f| vec![ev(f, "Connection Confirm without negotiation data")])
                .unwrap_or_default(),
        ));
    }
    if is_rdp_stream {
        stages.push(StageMark {
            stage: Stage::Negotiation,
            ok: n.selected_protocol.is_some() && n.failure.is_none(),
            frame: n.confirm_frame.or(n.request_frame),
        });
    }

    // --------------------------------------------------------------- tls
    if let Some(ch) = &t.client_hello {
        let alert = t.alerts.iter().find(|a| {
            !a.encrypted && a.level == Some(2) && s.handshake_done.is_none_or(|hd| a.frame <= hd)
        });
        if let Some(a) = alert {
            let desc = a
                .description
                .clone()
                .unwrap_or_else(|| crate::session::facts::Named::new(0, "?"));
            let info = codes::Table::TlsAlert.lookup(desc.value);
            let offered = if ch.supported_versions.is_empty() {
                ch.max_version.clone()
            } else {
                ch.supported_versions.join(", ")
            };
            let mut f = make(
                "tls.fatal_alert",
                Some(format!(
                    "the {} ended the TLS handshake with fatal alert {} ({}); the client offered {} with {} cipher suites",
                    a.dir.sender(),
                    desc.name,
                    desc.value,
                    offered,
                    ch.cipher_suites
                )),
                info.map(|i| i.meaning.to_string()),
                vec![ev(ch.frame, "ClientHello"), ev(a.frame, format!("fatal alert {}", desc.name))],
            );
            if let Some(i) = info {
                if !i.fix.is_empty() {
                    f.remediation = i.fix.iter().map(|s| s.to_string()).collect();
                }
            }
            out.push(f);
        } else if t.server_hello.is_none() {
            let dpu = m
                .disconnect_ultimatum
                .as_ref()
                .filter(|d| d.1 == Dir::ServerToClient);
            // A RST forged on the path is not the server's doing: tcp.middlebox_rst
            // is the cause then.
            let forged = c.tcp.server.rst.is_some_and(|r| r.suspicious_origin)
                && server_close.is_some_and(|(_, kind)| kind == "RST");
            if forged {
            } else if let Some((sf, kind)) =
                server_close.filter(|_| first_closer == Some(Dir::ServerToClient))
            {
                let mut e = vec![ev(ch.frame, "ClientHello")];
                if let Some((df, _, reason)) = &dpu {
                    e.push(ev(
                        *df,
                        format!(
                            "plaintext MCS Disconnect Provider Ultimatum ({})",
                            reason.name
                        ),
                    ));
                }
                e.push(ev(sf, format!("{kind} from the server")));
                out.push(make("tls.server_closed_after_client_hello", None, None, e));
            } else if c.tcp.client.retransmissions > 0 || first_closer == Some(Dir::ClientToServer)
            {
                let mut e = vec![ev(ch.frame, "ClientHello")];
                if let Some((cf, kind)) = client_close {
                    e.push(ev(cf, format!("{kind} from the client (gave up)")));
                }
                out.push(make(
                    "tls.no_server_hello",
                    Some(format!(
                        "the server never answered the ClientHello ({} client retransmissions, {} server retransmissions seen)",
                        c.tcp.client.retransmissions, c.tcp.server.retransmissions
                    )),
                    None,
                    e,
                ));
            }
        } else if let Some(hd) = s.handshake_done {
            let client_quit = first_closer == Some(Dir::ClientToServer)
                || t.alerts
                    .iter()
                    .any(|a| a.dir == Dir::ClientToServer && a.frame >= hd);
            let no_app = s.client_data_records == 0
                && m.connect_initial.is_none()
                && c.facts.nla.ts_requests[0] == 0;
            if client_quit
                && no_app
                && (client_close.is_some() || t.alerts.iter().any(|a| a.dir == Dir::ClientToServer))
            {
                cert_rejected(c, &s, hd, &mut out);
            }
        }
        stages.push(StageMark {
            stage: Stage::Tls,
            ok: s.handshake_done.is_some(),
            frame: s
                .handshake_done
                .or(t.server_hello.as_ref().map(|h| h.frame))
                .or(Some(ch.frame)),
        });
    }
    cert_findings(c, cfg, &mut out);

    decrypt_findings(c, &mut out);

    // ----------------------------------------------------------- gateway
    gateway::gateway_findings(c, &mut out, &mut stages);

    // --------------------------------------------------------------- nla
    if s.hybrid && s.handshake_done.is_some() {
        let nla = &c.facts.nla;
        if let Some((fr, code)) = &nla.error_code {
            let info = codes::Table::NtStatus.lookup(code.value);
            // Statuses that mean "these credentials / this account may not log on".
            let credential = matches!(
                code.value,
                0xC000_006A // WRONG_PASSWORD
                    | 0xC000_006D // LOGON_FAILURE
                    | 0xC000_0064 // NO_SUCH_USER
                    | 0xC000_006E // ACCOUNT_RESTRICTION
                    | 0xC000_006F // INVALID_LOGON_HOURS
                    | 0xC000_0070 // INVALID_WORKSTATION
                    | 0xC000_0071 // PASSWORD_EXPIRED
                    | 0xC000_0072 // ACCOUNT_DISABLED
                    | 0xC000_0193 // ACCOUNT_EXPIRED
                    | 0xC000_0224 // PASSWORD_MUST_CHANGE
                    | 0xC000_0234 // ACCOUNT_LOCKED_OUT
                    | 0xC000_015B // LOGON_TYPE_NOT_GRANTED
            );
            let mut f = make(
                if credential {
                    "nla.credentials_rejected"
                } else {
                    "nla.credssp_error"
                },
                Some(format!(
                    "CredSSP authentication failed: the server returned {} ({:#010x}){}",
                    code.name,
                    code.value,
                    nla.user
                        .as_ref()
                        .map(|u| format!(" for user {u}"))
                        .unwrap_or_default()
                )),
                info.map(|i| i.meaning.to_string()),
                vec![ev(
                    *fr,
                    format!("TSRequest errorCode {} (decrypted)", code.name),
                )],
            );
            if let Some(ms) = codes::ntstatus_to_mstsc(code.value) {
                f.mstsc_codes = vec![format!("{ms:#x}")];
            }
            if let Some(i) = info {
                if !i.fix.is_empty() {
                    f.remediation = i.fix.iter().map(|s| s.to_string()).collect();
                }
            }
            out.push(f);
        }
        if let Some((fr, code)) = &nla.kerberos_error {
            out.push(make(
                "nla.kerberos_error",
                Some(format!(
                    "Kerberos inside CredSSP returned {} ({})",
                    code.name, code.value
                )),
                None,
                vec![ev(*fr, format!("KRB-ERROR {} (decrypted)", code.name))],
            ));
        }
        let lowest = [nla.client_version, nla.server_version]
            .into_iter()
            .flatten()
            .min();
        if let Some(v) = lowest.filter(|v| *v < 5) {
            out.push(make(
                "nla.credssp_old_version",
                Some(format!(
                    "CredSSP version {v} in use (client {}, server {}): older than the CVE-2018-0886 fix (version 5+)",
                    nla.client_version.map_or("?".into(), |v| v.to_string()),
                    nla.server_version.map_or("?".into(), |v| v.to_string()),
                )),
                None,
                nla.ntlm_negotiate
                    .or(nla.ntlm_challenge)
                    .map(|f| vec![ev(f, "TSRequest version (decrypted)")])
                    .unwrap_or_default(),
            ));
        }
        // An alert the server sends after the client already closed is an
        // answer (close_notify), not the server quitting.
        let client_closed_at = client_close.map(|(f, _)| f.number);
        let server_quit = first_closer == Some(Dir::ServerToClient)
            || t.alerts.iter().any(|a| {
                a.dir == Dir::ServerToClient
                    && s.handshake_done.is_some_and(|hd| a.frame > hd)
                    && client_closed_at.is_none_or(|cf| a.frame.number < cf)
            });
        // Seen decrypted: the server proved its key with pubKeyAuth after the
        // client's authentication, so the credentials were accepted.
        let nla_accepted = s.decrypted && nla.server_pub_key_auth.is_some();
        if !s.established
            && server_quit
            && !nla_accepted
            && s.client_data_records >= 1
            && nla.error_code.is_none()
            && m.connect_initial.is_none()
        {
            let eua_tiny = s.hybrid_ex
                && s.last_server_record
                    .is_some_and(|(_, len)| len <= if s.tls13 { 22 } else { 29 })
                && s.client_data_records >= 3;
            if let Some((fr, code)) = &r.early_user_auth.as_ref().filter(|e| e.1.value == 5) {
                out.push(make(
                    "nla.early_user_auth_denied",
                    None,
                    None,
                    vec![ev(*fr, code.name.clone())],
                ));
            } else if eua_tiny {
                let (fr, len) = s.last_server_record.unwrap_or_default();
                let mut f = make(
                    "nla.early_user_auth_denied",
                    None,
                    None,
                    vec![ev(
                        fr,
                        format!("{len}-byte record: a 4-byte Early User Authorization Result"),
                    )],
                );
                f.inferred = true;
                out.push(f);
            } else {
                let mut e = Vec::new();
                if let Some(a) = t.alerts.iter().find(|a| a.dir == Dir::ServerToClient) {
                    e.push(ev(
                        a.frame,
                        match (&a.description, a.encrypted) {
                            (_, true) => "encrypted TLS alert from the server".to_string(),
                            (Some(d), false) => format!("TLS alert {} from the server", d.name),
                            (None, false) => "TLS alert from the server".to_string(),
                        },
                    ));
                }
                if let Some((sf, kind)) = server_close {
                    e.push(ev(sf, format!("{kind} from the server")));
                }
                let title = if s.decrypted && nla.ts_requests[0] > 0 {
                    if let Some(af) = nla.ntlm_authenticate {
                        e.insert(0, ev(af, "NTLM AUTHENTICATE (decrypted)"));
                    }
                    format!(
                        "the server rejected the NLA credentials{}: after the client's {} it closed the connection without pubKeyAuth and without a CredSSP errorCode (seen decrypted; a Windows server would add STATUS_LOGON_FAILURE)",
                        nla.user
                            .as_ref()
                            .map(|u| match nla.domain.as_deref().filter(|d| !d.is_empty()) {
                                Some(d) => format!(" of {d}\\{u}"),
                                None => format!(" of user {u}"),
                            })
                            .unwrap_or_default(),
                        if nla.ntlm_authenticate.is_some() {
                            "NTLM AUTHENTICATE"
                        } else {
                            "CredSSP authentication"
                        }
                    )
                } else {
                    format!(
                        "the server ended the connection after {} CredSSP record(s) from the client: the NLA credentials were rejected",
                        s.client_data_records
                    )
                };
                let mut f = make("nla.credentials_rejected", Some(title), None, e);
                f.inferred = !s.decrypted;
                out.push(f);
            }
        }
        if let Some(mech) = &nla.mechanism {
            if mech.eq_ignore_ascii_case("ntlm") {
                let sni = t.client_hello.as_ref().and_then(|ch| ch.sni.clone());
                let by_ip = sni
                    .as_deref()
                    .and_then(|n| n.parse::<std::net::IpAddr>().ok());
                let server = [
                    nla.server_dns_computer.as_deref(),
                    nla.server_netbios_computer.as_deref(),
                ]
                .into_iter()
                .flatten()
                .next()
                .map(|n| match &nla.server_os_version {
                    Some(v) => format!("; server {n}, OS {v}"),
                    None => format!("; server {n}"),
                })
                .unwrap_or_default();
                let mut e: Vec<Evidence> = nla
                    .ntlm_negotiate
                    .map(|f| vec![ev(f, "NTLM NEGOTIATE (decrypted)")])
                    .unwrap_or_default();
                if let Some(f) = nla.ntlm_challenge {
                    e.push(ev(f, format!("NTLM CHALLENGE{server}")));
                }
                out.push(make(
                    "nla.ntlm_used",
                    Some(match by_ip {
                        Some(ip) => format!("NLA used NTLM, not Kerberos: the client dialled the IP address {ip}, for which no Kerberos ticket exists"),
                        None => "NLA used NTLM, not Kerberos".to_string(),
                    }),
                    None,
                    e,
                ));
            }
        }
        if let Some(skew) = nla.clock_skew_s {
            if skew.abs() > 300.0 {
                out.push(make(
                    "nla.clock_skew",
                    Some(format!(
                        "the server's clock ({}) is {:.0} s {} the capturing machine's (seen decrypted in the NTLM CHALLENGE)",
                        nla.server_time.as_deref().unwrap_or("?"),
                        skew.abs(),
                        if skew < 0.0 { "behind" } else { "ahead of" }
                    )),
                    None,
                    nla.ntlm_challenge
                        .map(|f| vec![ev(f, "NTLM CHALLENGE timestamp")])
                        .unwrap_or_default(),
                ));
            }
        }
        stages.push(StageMark {
            stage: Stage::Nla,
            ok: s.established
                || m.connect_initial.is_some()
                || nla_accepted
                || (s.client_data_records >= 4 && !server_quit),
            frame: nla.server_pub_key_auth.or(s.handshake_done),
        });
    }

    // ------------------------------------------------- mcs .. activation
    if let Some(res) = &m.result {
        if res.value != 0 {
            out.push(make(
                "mcs.connect_failed",
                Some(format!(
                    "MCS Connect Response result {} ({})",
                    res.name, res.value
                )),
                None,
                m.connect_response
                    .map(|f| vec![ev(f, res.name.clone())])
                    .unwrap_or_default(),
            ));
        }
    }
    if let Some((fr, d, reason)) = &m.disconnect_ultimatum {
        if *d == Dir::ServerToClient && !s.established && !out.iter().any(|f| f.decisive) {
            out.push(make(
                "mcs.disconnect_ultimatum",
                Some(format!("the server sent MCS Disconnect Provider Ultimatum ({}) before the session started", reason.name)),
                None,
                vec![ev(*fr, reason.name.clone())],
            ));
        }
    }
    // Both sides echo the negotiation inside GCC so a tampered X.224 exchange
    // is detected (MS-RDPBCGR 5.4.2.1 / 5.4.2.2 downgrade protection).
    let echo_client = m
        .client_server_selected_protocol
        .zip(n.selected_protocol)
        .filter(|(echo, sel)| echo != sel);
    let echo_server = m
        .server_client_requested_protocols
        .zip(n.requested_protocols)
        .filter(|(echo, req)| echo != req);
    if echo_client.is_some() || echo_server.is_some() {
        let mut e = Vec::new();
        let mut what = Vec::new();
        if let (Some((echo, sel)), Some(f)) = (echo_client, m.connect_initial) {
            what.push(format!(
                "the client's GCC says the server selected {} but the X.224 confirm selected {}",
                proto_names(echo),
                proto_names(sel)
            ));
            e.push(ev(
                f,
                "MCS Connect Initial (CS_CORE serverSelectedProtocol)",
            ));
        }
        if let (Some((echo, req)), Some(f)) = (echo_server, m.connect_response) {
            what.push(format!(
                "the server's GCC says the client requested {} but the X.224 request asked for {}",
                proto_names(echo),
                proto_names(req)
            ));
            e.push(ev(
                f,
                "MCS Connect Response (SC_CORE clientRequestedProtocols)",
            ));
        }
        if !what.is_empty() {
            out.push(make(
                "mcs.negotiation_echo_mismatch",
                Some(what.join("; ")),
                None,
                e,
            ));
        }
    }
    if m.connect_initial.is_some() || m.connect_response.is_some() {
        stages.push(StageMark {
            stage: Stage::Mcs,
            ok: m.result.as_ref().is_some_and(|r| r.value == 0),
            frame: m.connect_response.or(m.connect_initial),
        });
    }
    for l in &r.license {
        if let (Some(code), false) = (&l.error_code, l.success) {
            out.push(make(
                "licensing.error",
                Some(format!("licensing failed: {} ({})", code.name, code.value)),
                codes::Table::License
                    .lookup(code.value)
                    .map(|i| i.meaning.to_string()),
                vec![ev(l.frame, code.name.clone())],
            ));
        }
    }
    if !r.license.is_empty() {
        stages.push(StageMark {
            stage: Stage::Licensing,
            ok: r
                .license
                .iter()
                .all(|l| l.error_code.is_none() || l.success),
            frame: r.license.last().map(|l| l.frame),
        });
    }
    for (fr, code) in &r.set_error_info {
        if code.value == 0 {
            continue;
        }
        let info = codes::Table::ErrInfo.lookup(code.value);
        let benign = info.is_some_and(|i| i.outcome != codes::Outcome::Failure);
        let mut f = make(
            if benign {
                "session.error_info_normal_end"
            } else {
                "activation.server_error_info"
            },
            Some(format!(
                "the server sent Set Error Info {} ({:#x})",
                code.name, code.value
            )),
            info.map(|i| i.meaning.to_string()),
            vec![ev(*fr, code.name.clone())],
        );
        if !benign {
            if let Some(ext) = codes::errinfo_to_extended(code.value) {
                f.mstsc_codes = vec![format!("0x904 / extended {ext:#x}")];
            }
            if let Some(i) = info {
                if !i.fix.is_empty() {
                    f.remediation = i.fix.iter().map(|s| s.to_string()).collect();
                }
            }
        }
        out.push(f);
    }
    if r.demand_active.is_some() || r.confirm_active.is_some() {
        stages.push(StageMark {
            stage: Stage::Activation,
            ok: r.confirm_active.is_some(),
            frame: r.confirm_active.or(r.demand_active),
        });
    }

    // ----------------------------------------------------------- session
    let past_sequence = s.client_data_records >= 8
        || r.confirm_active.is_some()
        || (t.client_hello.is_none() && m.connect_response.is_some());
    if !s.established
        && past_sequence
        && !gateway::looks_like_gateway(c)
        && first_closer == Some(Dir::ServerToClient)
        && !out.iter().any(|f| f.decisive)
    {
        let (sf, kind) = server_close.unwrap_or((c.last, "close"));
        let mut f = make(
            "session.dropped_after_connect",
            Some(format!(
                "the server closed the connection right after the connection sequence, before sending any screen output ({} bytes from the server after the handshake)",
                s.server_data_bytes
            )),
            None,
            vec![ev(sf, format!("{kind} from the server"))],
        );
        f.inferred = !s.decrypted && t.server_hello.is_some();
        out.push(f);
    }
    // An established session that ends with a RST in the server's name, and
    // nothing before it to say goodbye: no FIN from either side, no Set Error
    // Info, no Disconnect Provider Ultimatum. (A RST after a FIN is the normal
    // teardown of a socket that was already closed.)
    if s.established
        && first_closer == Some(Dir::ServerToClient)
        && c.tcp.close_kind == Some("rst")
        && c.tcp.client.fin.is_none()
        && r.set_error_info.iter().all(|(_, code)| code.value == 0)
        && m.disconnect_ultimatum.is_none()
    {
        if let Some(rst) = c.tcp.server.rst {
            let idle = rst.after_peer_payload_s.map_or(String::new(), |x| {
                format!(", {x:.1} s after the client's last data")
            });
            out.push(make(
                "session.reset",
                Some(format!(
                    "the running session was ended by a TCP RST from the server's side (TTL {}{idle}), without any RDP-level goodbye",
                    rst.ttl
                )),
                None,
                vec![ev(rst.frame, "RST in the server's name")],
            ));
        }
    }
    // One side kept sending (keep-alives, retransmissions) and heard nothing
    // back for seconds, then its TCP stack aborted the connection with a RST.
    for d in [Dir::ClientToServer, Dir::ServerToClient] {
        let Some(rst) = c.tcp.dir(d).rst else {
            continue;
        };
        let silent = rst.peer_silent_s.unwrap_or(0.0);
        if s.established
            && first_closer == Some(d)
            && c.tcp.close_kind == Some("rst")
            && rst.unanswered_before >= 2
            && silent >= 3.0
        {
            out.push(make(
                "session.peer_unreachable",
                Some(format!(
                    "the {} heard nothing from the {} for {silent:.0} s: {} packets (keep-alives or retransmissions) went unanswered, then it aborted the connection",
                    d.sender(),
                    d.flip().sender(),
                    rst.unanswered_before
                )),
                None,
                vec![ev(
                    rst.frame,
                    format!("RST from the {} after {} unanswered packets", d.sender(), rst.unanswered_before),
                )],
            ));
        }
    }
    if s.established {
        stages.push(StageMark {
            stage: Stage::Session,
            ok: true,
            frame: s.established_frame,
        });
    }

    // --------------------------------------------------------- verdict
    let cert_decrypted = t.certificates.iter().any(|x| x.source == "tls13_decrypted");
    for f in out.iter_mut() {
        f.basis = if f.inferred {
            "inferred"
        } else if f.id.starts_with("decrypt.") {
            "clear"
        } else if f.id.starts_with("certificate.") || f.id.starts_with("tls.") {
            if cert_decrypted && f.id != "tls.fatal_alert" {
                "decrypted"
            } else {
                "clear"
            }
        } else if s.decrypted && f.stage >= Stage::Nla {
            "decrypted"
        } else {
            "clear"
        };
        f.connection = Some(c.id);
        if f.severity != Severity::Error {
            f.decisive = false;
        }
    }
    // Only the earliest-stage decisive finding stays decisive for this connection;
    // a success makes none decisive.
    if s.established {
        for f in out.iter_mut() {
            f.decisive = false;
        }
    }
    out.sort_by_key(|f| (!f.decisive, f.stage, f.severity == Severity::Info));
    let failed = out.iter().find(|f| f.decisive).map(|f| f.stage);
    let outcome = if s.established {
        Outcome::Success
    } else if failed.is_some() {
        Outcome::Failure
    } else {
        Outcome::Incomplete
    };
    // Mark the failed stage in the ladder.
    if let Some(st) = failed {
        if let Some(mk) = stages.iter_mut().find(|m| m.stage == st) {
            mk.ok = false;
        } else {
            stages.push(StageMark {
                stage: st,
                ok: false,
                frame: out
                    .iter()
                    .find(|f| f.decisive)
                    .and_then(|f| f.evidence.last())
                    .map(|e| FrameRef {
                        number: e.frame,
                        ts: c.last.ts,
                    }),
            });
        }
    }
    stages.sort_by_key(|m| m.stage);
    (
        ConnVerdict {
            connection: c.id,
            outcome,
            failed_stage: if outcome == Outcome::Failure {
                failed
            } else {
                None
            },
            stages,
        },
        out,
    )
}

/// Keys were given but do not open this connection.
fn decrypt_findings(c: &ConnectionRecord, out: &mut Vec<Finding>) {
    let Some(d) = &c.facts.decryption else {
        return;
    };
    let frame = c
        .facts
        .tls
        .client_hello
        .as_ref()
        .map(|ch| ch.frame)
        .unwrap_or(c.first);
    let suite = d.cipher_suite.clone().unwrap_or_else(|| "?".into());
    let version = d.version.clone().unwrap_or_else(|| "?".into());
    let (id, title, evidence) = match d.status.as_str() {
        "no_keys" => (
            "decrypt.keys_mismatch",
            format!("the key log has no secrets for this {version} session (its ClientHello random is not in it): nothing was decrypted"),
            vec![ev(frame, "ClientHello (its random identifies the session in the key log)")],
        ),
        "wrong_keys" => (
            "decrypt.keys_mismatch",
            format!("the key log names this session but its secrets do not decrypt it ({version}, {suite}): {} record(s) failed authentication, none decrypted", d.records_failed),
            d.first_failure
                .map(|f| vec![ev(f, "first record that failed to decrypt")])
                .unwrap_or_default(),
        ),
        "partial" => (
            "decrypt.keys_mismatch",
            format!("decryption stopped part-way ({} record(s) decrypted, {} failed): a record is missing from the capture or the keys changed; the verdict falls back to the encrypted shape", d.records_decrypted, d.records_failed),
            d.first_failure
                .map(|f| vec![ev(f, "first record that failed to decrypt")])
                .unwrap_or_default(),
        ),
        "unsupported" => (
            "decrypt.unsupported",
            format!("this session uses {version} with {suite}, which rdpdiag cannot decrypt"),
            vec![ev(frame, "ClientHello")],
        ),
        _ => return,
    };
    out.push(make(id, Some(title), None, evidence));
}

fn fill_times(f: &mut Finding, c: &ConnectionRecord) {
    for e in &mut f.evidence {
        if e.time.is_empty() && e.frame == c.first.number {
            e.time = c.first.ts.rfc3339();
        }
    }
}

/// The client closed right after the TLS handshake: it rejected the server certificate.
fn cert_rejected(c: &ConnectionRecord, s: &Shape, hd: FrameRef, out: &mut Vec<Finding>) {
    let t = &c.facts.tls;
    let mut e = vec![ev(hd, "TLS handshake complete")];
    // With keys, the client's alert names its reason (bad_certificate,
    // certificate_expired, unknown_ca...).
    if let Some(a) = t.alerts.iter().find(|a| {
        a.dir == Dir::ClientToServer && !a.encrypted && a.frame >= hd && a.level == Some(2)
    }) {
        if let Some(d) = &a.description {
            e.push(ev(
                a.frame,
                format!("fatal alert {} from the client", d.name),
            ));
        }
    }
    if let Some((cf, kind)) = close_of(c, Dir::ClientToServer) {
        e.push(ev(
            cf,
            format!("{kind} from the client before any RDP data"),
        ));
    }
    let leaf = t
        .certificates
        .iter()
        .find(|x| x.index == 0 && x.source != "rdp_standard_security");
    let sni = t.client_hello.as_ref().and_then(|ch| ch.sni.clone());
    let (id, title) = match leaf {
        Some(l) if l.validity_at_capture == "expired" => (
            "tls.client_rejected_certificate",
            format!(
                "the client rejected the server certificate: it expired on {} (before the capture)",
                l.not_after
            ),
        ),
        Some(l) if l.validity_at_capture == "not_yet_valid" => (
            "tls.client_rejected_certificate",
            format!(
                "the client rejected the server certificate: not valid before {}",
                l.not_before
            ),
        ),
        Some(l) if l.self_signed => (
            "tls.client_rejected_certificate",
            format!(
                "the client rejected the server certificate: self-signed ({}), not trusted",
                l.subject
            ),
        ),
        Some(l) if sni.as_deref().is_some_and(|n| !cert_names(l, n)) => (
            "tls.client_rejected_certificate",
            format!(
                "the client rejected the server certificate: it names {}, not {}, the name the client dialled",
                l.common_names
                    .iter()
                    .chain(l.san_dns.iter())
                    .fold(Vec::<&str>::new(), |mut v, n| {
                        if !v.contains(&n.as_str()) {
                            v.push(n);
                        }
                        v
                    })
                    .join(", "),
                sni.as_deref().unwrap_or("?")
            ),
        ),
        _ => (
            "tls.client_rejected_certificate",
            if s.tls13 && leaf.is_none() {
                "the client closed right after the TLS handshake, before any RDP data: it rejected the server certificate (TLS 1.3 hides the certificate; give --keylog to see why)".to_string()
            } else {
                "the client closed right after the TLS handshake, before any RDP data: it rejected the server certificate or aborted".to_string()
            },
        ),
    };
    let mut f = make(id, Some(title), None, e);
    f.inferred = !s.decrypted;
    if let Some(l) = leaf {
        f.evidence.push(ev(
            l.frame,
            format!(
                "certificate {} valid {} .. {}",
                l.subject, l.not_before, l.not_after
            ),
        ));
    }
    out.push(f);
}

/// Build a finding from the registry entry `id` (for front ends other than
/// capture analysis, e.g. `probe`), with optional title/explanation overrides.
pub fn finding(
    id: &str,
    title: Option<String>,
    explanation: Option<String>,
    evidence: Vec<Evidence>,
) -> Finding {
    make(id, title, explanation, evidence)
}

fn cert_findings(c: &ConnectionRecord, cfg: &DiagConfig, out: &mut Vec<Finding>) {
    let t = &c.facts.tls;
    let sni = t.client_hello.as_ref().and_then(|ch| ch.sni.clone());
    certificate_findings(&t.certificates, sni.as_deref(), cfg, out);
    // A capture clock that is obviously wrong.
    if c.first.ts.secs() < 946_684_800 {
        out.push(make(
            "capture.clock_suspect",
            Some(format!("the capture clock reads {}: certificate validity judged at that time is unreliable", c.first.ts.rfc3339())),
            None,
            vec![ev(c.first, "first packet")],
        ));
    }
}

/// Judge a certificate chain (validity at each certificate's frame time, and
/// for the leaf: self-signed, key size, signature, EKU, name vs `name`).
pub fn certificate_findings(
    certs: &[crate::session::facts::CertInfo],
    name: Option<&str>,
    cfg: &DiagConfig,
    out: &mut Vec<Finding>,
) {
    let sni = name.map(str::to_string);
    for cert in certs.iter() {
        let leaf = cert.index == 0;
        let e = vec![ev(
            cert.frame,
            format!("certificate #{} {}", cert.index, cert.subject),
        )];
        match cert.validity_at_capture {
            "expired" => out.push(make(
                "certificate.expired",
                Some(format!(
                    "certificate {} expired on {}, before the capture ({})",
                    cert.subject,
                    cert.not_after,
                    cert.frame.ts.rfc3339()
                )),
                None,
                e.clone(),
            )),
            "not_yet_valid" => out.push(make(
                "certificate.not_yet_valid",
                Some(format!(
                    "certificate {} is not valid before {}, after the capture time {} (a clock is wrong)",
                    cert.subject,
                    cert.not_before,
                    cert.frame.ts.rfc3339()
                )),
                None,
                e.clone(),
            )),
            _ => {
                let left = (cert.not_after_unix - cert.frame.ts.secs()) / 86_400;
                if left <= cfg.expiring_soon_days {
                    out.push(make(
                        "certificate.expiring_soon",
                        Some(format!("certificate {} expires on {} ({left} day(s) after the capture)", cert.subject, cert.not_after)),
                        None,
                        e.clone(),
                    ));
                }
            }
        }
        if !leaf {
            continue;
        }
        if cert.self_signed {
            out.push(make(
                "certificate.self_signed",
                Some(format!("self-signed certificate {}", cert.subject)),
                None,
                e.clone(),
            ));
        }
        if cert.key_type == "Rsa" && cert.key_bits > 0 && cert.key_bits < 2048 {
            out.push(make(
                "certificate.weak_key",
                Some(format!(
                    "certificate {} has a {}-bit RSA key",
                    cert.subject, cert.key_bits
                )),
                None,
                e.clone(),
            ));
        }
        if cert.weak_signature {
            out.push(make(
                "certificate.weak_signature",
                Some(format!(
                    "certificate {} is signed with {}",
                    cert.subject, cert.signature_algorithm
                )),
                None,
                e.clone(),
            ));
        }
        if cert.eku_server_auth == Some(false) {
            out.push(make(
                "certificate.no_server_auth_eku",
                None,
                None,
                e.clone(),
            ));
        }
        if let Some(name) = &sni {
            if !cert_names(cert, name) {
                out.push(make(
                    "certificate.name_mismatch",
                    Some(format!(
                        "the client asked for {name} but the certificate names {}",
                        cert.subject
                    )),
                    None,
                    e.clone(),
                ));
            }
        }
    }
}

/// Does the certificate name `name` (a DNS name or an IP address)?
fn cert_names(cert: &crate::session::facts::CertInfo, name: &str) -> bool {
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

/// RDP-UDP findings for a UDP flow; `tcp_present`: an RDP TCP connection belongs to the same attempt.
pub fn udp_findings(u: &UdpRecord, tcp_present: bool, out: &mut Vec<Finding>) {
    let Some(r) = &u.rdpudp else { return };
    if !r.syn_frames.is_empty() && r.synack_frame.is_none() {
        let mut f = make(
            "udp.syn_unanswered",
            Some(format!(
                "RDP-UDP SYN sent {} time(s) to {}, never answered",
                r.syn_frames.len(),
                u.flow.server
            )),
            None,
            r.syn_frames
                .iter()
                .take(6)
                .map(|n| Evidence {
                    frame: *n,
                    time: String::new(),
                    detail: "RDP-UDP SYN".into(),
                })
                .collect(),
        );
        if tcp_present {
            f.severity = Severity::Info;
            f.decisive = false;
            f.title.push_str(" (RDP fell back to TCP)");
        }
        out.push(f);
    }
}

/// A failed DNS lookup, if this one failed.
pub fn dns_failure(l: &DnsLookup) -> Option<Finding> {
    match l.rcode.as_deref() {
        Some("NXDOMAIN") => Some(make(
            "dns.nxdomain",
            Some(format!("the name {} does not exist (NXDOMAIN)", l.name)),
            None,
            vec![
                ev(l.query, format!("query {} {}", l.qtype, l.name)),
                ev(l.response.unwrap_or(l.query), "NXDOMAIN"),
            ],
        )),
        Some("SERVFAIL") | Some("REFUSED") => Some(make(
            "dns.server_failure",
            Some(format!(
                "the DNS server could not resolve {} ({})",
                l.name,
                l.rcode.clone().unwrap_or_default()
            )),
            None,
            vec![ev(l.query, format!("query {}", l.name))],
        )),
        None => None,
        _ => None,
    }
}

/// Whether the three-way handshake completed (or the capture starts mid-stream with data).
pub fn tcp_ok(c: &ConnectionRecord) -> bool {
    matches!(c.tcp.handshake, Handshake::Completed)
        || (c.tcp.handshake == Handshake::NotSeen && c.bytes[0] + c.bytes[1] > 0)
}
