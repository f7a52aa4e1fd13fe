//! Without keys, what the wire still says about an RD Gateway: a TLS
//! connection to 443 from a client that also sends RDP-UDP to 3391 (the
//! gateway's UDP transport) on the same server. Both are noted cheaply (the
//! first ClientHello of a 443 flow, the first datagram to 3391) and paired
//! at the end: one line per gateway, never an attempt per HTTPS flow.

use crate::wire::FrameRef;
use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};

/// The RD Gateway's HTTPS port (MS-TSGU over TLS).
pub const GATEWAY_HTTPS_PORT: u16 = 443;
/// The RD Gateway's RDP-UDP port (MS-TSGU 3.1.5.1: the UDP transport).
pub const GATEWAY_UDP_PORT: u16 = 3391;
/// Servers remembered per kind: enough for any real capture's gateways.
const MAX_SERVERS: usize = 1024;

/// A TLS ClientHello to port 443 that was not followed.
#[derive(Debug, Clone)]
pub struct HttpsHello {
    pub client: IpAddr,
    pub sni: Option<String>,
    pub frame: FrameRef,
}

/// The first of each kind per server address.
#[derive(Debug, Clone, Default)]
pub struct GatewayHints {
    pub https: BTreeMap<SocketAddr, HttpsHello>,
    /// Server of an RDP-UDP flow to 3391 → (client, first datagram).
    pub udp: BTreeMap<SocketAddr, (IpAddr, FrameRef)>,
}

/// A probable gateway: its HTTPS hello and the RDP-UDP beside it.
#[derive(Debug, Clone)]
pub struct ProbableGateway {
    pub server: SocketAddr,
    pub hello: HttpsHello,
    pub udp: (SocketAddr, FrameRef),
}

impl GatewayHints {
    pub(super) fn https(
        &mut self,
        client: IpAddr,
        server: SocketAddr,
        payload: &[u8],
        frame: FrameRef,
    ) {
        if self.https.len() >= MAX_SERVERS || self.https.contains_key(&server) {
            return;
        }
        // The SNI, when the first segment holds the whole ClientHello.
        let sni = payload
            .get(5..)
            .and_then(|h| rdpdiag_parsers::tls::parse_client_hello(h).ok())
            .and_then(|(_, hello)| hello.sni);
        self.https.insert(server, HttpsHello { client, sni, frame });
    }

    pub(super) fn udp(&mut self, client: IpAddr, server: SocketAddr, frame: FrameRef) {
        if self.udp.len() < MAX_SERVERS {
            self.udp.entry(server).or_insert((client, frame));
        }
    }

    /// HTTPS and RDP-UDP from one client to one server address.
    pub fn probable_gateways(&self) -> Vec<ProbableGateway> {
        self.https
            .iter()
            .filter_map(|(server, hello)| {
                let (udp, (_, frame)) = self
                    .udp
                    .iter()
                    .find(|(u, (client, _))| u.ip() == server.ip() && *client == hello.client)?;
                Some(ProbableGateway {
                    server: *server,
                    hello: hello.clone(),
                    udp: (*udp, *frame),
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::Ts;

    fn at(number: u64) -> FrameRef {
        FrameRef { number, ts: Ts(0) }
    }

    /// captures/rdg_ok.pcap frame 4: FreeRDP's ClientHello to the gateway,
    /// SNI 127.0.0.1.
    fn hello() -> Vec<u8> {
        let hex: String = [
        "1603010136010001320303c5756686bfa31c362bbe255c6355a10025ee777687a5255cddb3f28f38bea1c120ecb94cc6",
        "d1b521b272a63c89adde175c7f726bb0b16ef817571522a90d4c858c003e130213031301c02cc030009fcca9cca8ccaa",
        "c02bc02f009ec024c028006bc023c0270067c00ac0140039c009c0130033009d009c003d003c0035002f00ff010000ab",
        "0000000e000c0000093132372e302e302e31000b000403000102000a00160014001d0017001e00190018010001010102",
        "01030104002300000016000000170000000d002a0028040305030603080708080809080a080b08040805080604010501",
        "0601030303010302040205020602002b0009080304030303020301002d00020101003300260024001d0020910feb44a6",
        "f38abc26ac7786c1f252004f4f734eeb30f8e7fa5ba245df39e572",
        ]
        .concat();
        (0..hex.len())
            .step_by(2)
            .filter_map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
            .collect()
    }

    fn addr(s: &str) -> SocketAddr {
        s.parse()
            .unwrap_or_else(|_| SocketAddr::from(([0, 0, 0, 0], 0)))
    }

    #[test]
    fn https_beside_udp_3391_is_a_probable_gateway() {
        let mut h = GatewayHints::default();
        let client = addr("10.0.0.2:50000").ip();
        h.https(client, addr("10.0.0.1:443"), &hello(), at(4));
        h.udp(client, addr("10.0.0.1:3391"), at(40));
        let g = h.probable_gateways();
        assert_eq!(g.len(), 1);
        assert_eq!(g[0].hello.sni.as_deref(), Some("127.0.0.1"));
        assert_eq!((g[0].hello.frame.number, g[0].udp.1.number), (4, 40));
    }

    #[test]
    fn https_alone_or_udp_to_another_host_is_not() {
        let mut h = GatewayHints::default();
        let client = addr("10.0.0.2:50000").ip();
        h.https(client, addr("10.0.0.1:443"), &hello(), at(4));
        assert!(h.probable_gateways().is_empty());
        h.udp(client, addr("10.0.0.9:3391"), at(40));
        assert!(h.probable_gateways().is_empty());
        // Another client's RDP-UDP to the same server is not this one's.
        h.udp(addr("10.0.0.3:1").ip(), addr("10.0.0.1:3391"), at(41));
        assert!(h.probable_gateways().is_empty());
    }
}
