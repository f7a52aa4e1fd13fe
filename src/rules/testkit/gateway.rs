//! RD Gateway facts: HTTP requests and responses, MS-TSGU packets, KDC proxy, the tunnelled RDP.

use super::*;

impl ConnBuilder {
    /// An HTTP request head `method` to the RD Gateway at `at`, with an
    /// Authorization header of `scheme` if any.
    pub(crate) fn gateway_request(mut self, at: u64, method: &str, scheme: Option<&str>) -> Self {
        let kind = match method {
            "RDG_OUT_DATA" => RequestKind::RdgOutData,
            "RDG_IN_DATA" => RequestKind::RdgInData,
            "RPC_IN_DATA" => RequestKind::RpcInData,
            "RPC_OUT_DATA" => RequestKind::RpcOutData,
            _ => RequestKind::Other,
        };
        self.gateway().requests.push(GatewayRequest {
            frame: frame(at),
            method: method.into(),
            path: "/remoteDesktopGateway/".into(),
            kind,
            connection_id: None,
            authorization: scheme.map(Into::into),
            chunked: false,
        });
        self
    }

    /// The RD Gateway's HTTP response head `status` `reason` at `at`.
    pub(crate) fn gateway_response(mut self, at: u64, status: u16, reason: &str) -> Self {
        self.gateway().responses.push(GatewayResponse {
            frame: frame(at),
            status,
            reason: reason.into(),
            www_authenticate: Vec::new(),
            auth_challenge: false,
            server: None,
        });
        self
    }

    /// The RD Gateway's HTTP 401 at `at` offering `schemes`; `challenge`: a
    /// header carries a token (a step of an ongoing NTLM exchange).
    pub(crate) fn gateway_401(mut self, at: u64, schemes: &[&str], challenge: bool) -> Self {
        self.gateway().responses.push(GatewayResponse {
            frame: frame(at),
            status: 401,
            reason: "Unauthorized".into(),
            www_authenticate: schemes.iter().map(|s| s.to_string()).collect(),
            auth_challenge: challenge,
            server: None,
        });
        self
    }

    /// The RD Gateway's MS-TSGU packet `packet_type` at `at` with the result `status`.
    pub(crate) fn gateway_packet(
        mut self,
        at: u64,
        packet_type: PacketType,
        status: GatewayStatus,
    ) -> Self {
        self.gateway().packets.push(GatewayPacket {
            frame: frame(at),
            dir: Dir::ServerToClient,
            packet_type,
            status: Some(status),
        });
        self
    }

    /// A KDC proxy exchange: an AS-REQ for LAB.TEST posted at `req_at`,
    /// answered `status` at `resp_at`, relaying `reply` (type, KRB-ERROR code).
    pub(crate) fn gateway_kdc(
        mut self,
        req_at: u64,
        resp_at: u64,
        (status, reason): (u16, &str),
        reply: Option<(
            rdpdiag_parsers::kerberos::MessageType,
            Option<rdpdiag_parsers::kerberos::ErrorCode>,
        )>,
    ) -> Self {
        self.gateway().kdc_proxy.push(KdcProxyExchange {
            request_frame: frame(req_at),
            realm: Some("LAB.TEST".into()),
            request: Some(rdpdiag_parsers::kerberos::MessageType::AS_REQ),
            response_frame: Some(frame(resp_at)),
            status: Some((status, reason.into())),
            reply: reply.map(|r| r.0),
            krb_error: reply.and_then(|r| r.1),
        });
        self
    }

    /// The RDP tunnelled through the gateway, read both ways: `inner`'s facts.
    pub(crate) fn gateway_tunnel(mut self, inner: ConnBuilder) -> Self {
        let facts = inner.build().facts;
        self.gateway().tunnel = Some(crate::session::facts::TunnelFacts {
            negotiation: facts.negotiation.clone(),
            certificates: facts.tls.certificates.clone(),
            ladder: facts.ladder.clone(),
            session: Some(Box::new(facts)),
        });
        self
    }

    /// `count` MS-TSGU DATA packets (tunnelled RDP) from `dir`.
    pub(crate) fn gateway_data(mut self, dir: Dir, count: u64) -> Self {
        self.gateway().data_packets[dir.idx()] += count;
        self
    }

    fn gateway(&mut self) -> &mut GatewayFacts {
        self.rec.facts.gateway.get_or_insert_with(Default::default)
    }
}
