//! When flows end without a close: the expiry queue that finds idle and
//! lingering connections without visiting the whole table, and the cap on
//! open connections.
//!
//! The sweep keeps its schedule (every 5 s of capture time, every second
//! under pressure) and its rule (a connection goes when it lingered after its
//! close or idled past its limit), so the same connections end at the same
//! packets as with a full scan; the queue only says which connections can
//! possibly be due. Each connection has one live entry, at a lower bound of
//! its deadline; entries made stale by later packets are dropped when they
//! come up (lazy invalidation), and a packet pushes a new entry only when it
//! brings the deadline earlier (a close, a timestamp going backwards).

use super::{FlowConfig, FlowSink, FlowTable, Handshake, Key, TcpConn};
use crate::wire::Ts;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Open TCP connections above which the table sweeps every second.
pub(super) const PRESSURE_FLOWS: usize = 16_384;

/// Default of [`FlowConfig::max_open_flows`]: at ~1.9 KB per open
/// connection, under 64 MiB of peak memory on a scan or a million
/// connections that never close, and never reached by the benchmark mixes
/// (2.1 M TCP connections in 76 s of capture); beyond it [`Keep`] spares
/// RDP connections with data.
pub const DEFAULT_MAX_OPEN_FLOWS: usize = 24_576;

/// What finishing a connection early costs, least first: the cap finishes
/// the cheapest ones. A connection that is not RDP only feeds counters; an
/// RDP (or Kerberos) one that carried no payload is a scan probe or an
/// unanswered try, whose record says the same whenever it is made; one with
/// payload that goes on is split in two, the second seen mid-stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Keep {
    Other,
    NoPayload,
    Payload,
}

impl Keep {
    fn of(c: &TcpConn) -> Keep {
        let watched = c.rdp.is_some() || c.server.port() == super::KDC_PORT;
        let payload = c.health.client.payload_bytes > 0 || c.health.server.payload_bytes > 0;
        match (watched, payload) {
            (false, _) => Keep::Other,
            (true, false) => Keep::NoPayload,
            (true, true) => Keep::Payload,
        }
    }
}

/// Margin under a deadline for the float rounding of the age comparison.
const SLACK_NS: i64 = 1_000_000;

/// A queued deadline: (lower bound of the deadline in ns, connection id, key).
pub(super) type Due = Reverse<(i64, u32, Key)>;

/// (closed linger, idle limit) in seconds for `c`.
fn limits(cfg: &FlowConfig, c: &TcpConn, pressure: bool) -> (f64, f64) {
    let probe = c.health.client.payload_bytes == 0
        && c.health.server.payload_bytes == 0
        && c.health.handshake != Handshake::Completed;
    if c.rdp.is_some() {
        (cfg.closed_linger_s, cfg.idle_evict_s)
    } else if probe {
        // A scan probe or a refused connection: nothing to wait for but SYN
        // retransmissions.
        let idle = if pressure { cfg.other_linger_s } else { 10.0 };
        (cfg.other_linger_s, cfg.other_linger_s.max(idle))
    } else {
        (cfg.other_linger_s, cfg.other_idle_evict_s)
    }
}

/// Whether `c` is finished as of `now`.
fn expired(cfg: &FlowConfig, c: &TcpConn, now: Ts, pressure: bool) -> bool {
    let age = now.since(c.last.ts);
    let (linger, idle) = limits(cfg, c, pressure);
    (c.closed && age > linger) || age > idle
}

/// A time (ns) before which `c` cannot be [`expired`].
fn lower_bound(cfg: &FlowConfig, c: &TcpConn, pressure: bool) -> i64 {
    let (linger, idle) = limits(cfg, c, pressure);
    let limit = if c.closed { linger.min(idle) } else { idle };
    // Saturating: an infinite limit is "never".
    c.last.ts.plus_secs(limit).0.saturating_sub(SLACK_NS)
}

/// After a packet of `c` (key `k`): queue it again if its deadline came earlier.
/// The bound assumes pressure, the earlier of the two.
pub(super) fn reschedule(cfg: &FlowConfig, queue: &mut BinaryHeap<Due>, c: &mut TcpConn, k: Key) {
    let at = lower_bound(cfg, c, true);
    if at < c.due {
        c.due = at;
        queue.push(Reverse((at, c.id, k)));
    }
}

impl FlowTable {
    /// The TCP connections finished as of `now`, by their lower-bound
    /// deadlines; or by visiting them all when pressure just began (entries
    /// of probes were pushed past their pressure deadline while there was none).
    pub(super) fn expired_tcp(&mut self, now: Ts, pressure: bool) -> Vec<(u32, Key)> {
        let cfg = &self.cfg;
        if pressure && !self.was_pressure {
            self.was_pressure = true;
            return self
                .tcp
                .iter()
                .filter(|(_, c)| expired(cfg, c, now, pressure))
                .map(|(k, c)| (c.id, *k))
                .collect();
        }
        self.was_pressure = pressure;
        let mut out = Vec::new();
        while let Some(&Reverse((at, id, k))) = self.due.peek() {
            if at > now.0 {
                break;
            }
            self.due.pop();
            let Some(c) = self.tcp.get_mut(&k) else {
                continue;
            };
            if c.id != id || c.due != at {
                continue; // stale: superseded by a later entry or connection
            }
            if expired(cfg, c, now, pressure) {
                // Another entry with the same deadline must not find it again.
                c.due = i64::MIN;
                out.push((id, k));
                continue;
            }
            // Not due under the limits in force: under pressure it is within
            // the slack and goes at the next sweep; without, its later
            // limit applies (and the full visit when pressure begins
            // covers the pressure limit).
            c.due = lower_bound(cfg, c, pressure).max(now.0.saturating_add(1));
            // At the end of time (a damaged timestamp saturated to
            // i64::MAX) the deadline cannot move past `now`: leave it out of
            // the queue, or this loop would pop it forever; its next packet
            // queues it again (`reschedule`), the end of the capture
            // finishes it.
            if c.due > now.0 {
                self.due.push(Reverse((c.due, id, k)));
            }
        }
        #[cfg(debug_assertions)]
        self.check_against_full_visit(now, pressure, &out);
        out
    }

    /// Debug builds (every test) check that the queue finds exactly the
    /// connections a visit of the whole table finds.
    #[cfg(debug_assertions)]
    fn check_against_full_visit(&self, now: Ts, pressure: bool, found: &[(u32, Key)]) {
        let cfg = &self.cfg;
        let mut all: Vec<(u32, Key)> = self
            .tcp
            .iter()
            .filter(|(_, c)| expired(cfg, c, now, pressure))
            .map(|(k, c)| (c.id, *k))
            .collect();
        let mut found = found.to_vec();
        all.sort_unstable();
        found.sort_unstable();
        assert_eq!(
            found, all,
            "expiry queue and full visit disagree at {now:?}"
        );
    }

    /// More than [`FlowConfig::max_open_flows`] connections are open: finish
    /// some early, down to 3/4 of the cap, those that matter least first
    /// ([`Keep`]), the longest idle first within each kind. Each time visits
    /// every open connection, so it must happen once per many new ones
    /// (a batch of 1/16 cost 30 % more CPU on 1 M open connections).
    pub(super) fn evict_early(&mut self, sink: &mut dyn FlowSink) {
        let cap = self.cfg.max_open_flows.max(1);
        let keep = cap - cap / 4;
        let n = self.tcp.len().saturating_sub(keep);
        if n == 0 {
            return;
        }
        let mut idle: Vec<((Keep, Ts), u32, Key)> = self
            .tcp
            .iter()
            .map(|(k, c)| ((Keep::of(c), c.last.ts), c.id, *k))
            .collect();
        idle.select_nth_unstable(n - 1);
        idle.truncate(n);
        idle.sort_unstable_by_key(|(_, id, _)| *id);
        for (_, _, k) in idle {
            if let Some(c) = self.tcp.remove(&k) {
                let f = c.last;
                self.finish_tcp(c, f, sink);
            }
        }
        self.stats.flows_evicted_early += n as u64;
        // Their queue entries would wait for deadlines that may never come
        // within the capture: drop every stale entry now, as often as this
        // runs (once per cap/4 new connections).
        let tcp = &self.tcp;
        self.due
            .retain(|Reverse((at, id, k))| tcp.get(k).is_some_and(|c| c.id == *id && c.due == *at));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::{Delivery, FlowConfig, UdpFlow};
    use crate::net::{Packet, TcpInfo, Transport};
    use crate::wire::{Dir, FrameRef};
    use std::net::{IpAddr, Ipv4Addr};

    #[derive(Default)]
    struct Closed(Vec<u32>);

    impl FlowSink for Closed {
        fn tcp_data(&mut self, _: &TcpConn, _: Dir, _: Delivery<'_>) {}
        fn tcp_closed(&mut self, conn: Box<TcpConn>) {
            self.0.push(conn.id);
        }
        fn udp(&mut self, _: &UdpFlow, _: Dir, _: FrameRef, _: &[u8]) {}
        fn udp_closed(&mut self, _: UdpFlow) {}
    }

    fn seg(
        frame: u64,
        ms: i64,
        src: u32,
        dst: u32,
        sport: u16,
        dport: u16,
        flags: &str,
    ) -> Packet<'static> {
        let t = TcpInfo {
            src_port: sport,
            dst_port: dport,
            seq: 1000,
            ack: if flags.contains('A') { 2001 } else { 0 },
            syn: flags.contains('S'),
            ack_flag: flags.contains('A'),
            fin: flags.contains('F'),
            rst: flags.contains('R'),
            psh: false,
            window: 1024,
            mss: None,
            wscale: None,
            payload_len: 0,
        };
        Packet {
            frame,
            ts: Ts(1_700_000_000_000_000_000 + ms * 1_000_000),
            src: IpAddr::V4(Ipv4Addr::from(src)),
            dst: IpAddr::V4(Ipv4Addr::from(dst)),
            ttl: 64,
            ip_id: Some(frame as u16),
            transport: Transport::Tcp(t, &[]),
        }
    }

    /// A scan fast enough to put the table under pressure, then slow enough
    /// to release it, with refused, answered, retransmitted and RDP probes
    /// and a timestamp going backwards: every sweep must finish exactly what
    /// a full visit finds (checked in `expired_tcp` in debug builds), and
    /// every connection is finished once.
    #[test]
    fn queue_matches_full_visit_through_pressure() {
        let mut table = FlowTable::new(FlowConfig::default());
        let mut sink = Closed::default();
        let scanner = 0xC000_0207;
        let mut frame = 0;
        let mut ms = 0i64;
        for i in 0..60_000u32 {
            // 20 000 per second for 2 s, then 500 per second.
            ms += if i < 40_000 { 0 } else { 2 } + (i % 20 == 0) as i64;
            if i == 50_000 {
                ms -= 3_000;
            }
            let target = 0x0A00_0000 + i;
            let port = if i % 7 == 0 { 3389 } else { 445 };
            let sport = 40_000 + (i % 1000) as u16;
            frame += 1;
            table.process(
                &seg(frame, ms, scanner, target, sport, port, "S"),
                &mut sink,
            );
            let answer = match i % 5 {
                0 => Some("RA"),
                1 => Some("SA"),
                _ => None,
            };
            if let Some(flags) = answer {
                frame += 1;
                table.process(
                    &seg(frame, ms + 1, target, scanner, port, sport, flags),
                    &mut sink,
                );
            }
            if i % 11 == 0 {
                frame += 1;
                table.process(
                    &seg(frame, ms + 1_000, scanner, target, sport, port, "S"),
                    &mut sink,
                );
            }
        }
        let opened = table.stats.tcp_connections as usize;
        table.finish(&mut sink);
        assert_eq!(sink.0.len(), opened);
        let mut ids = sink.0.clone();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), opened, "a connection was finished twice");
    }

    /// Over the cap, connections that are not RDP go first, then RDP ones
    /// without payload (probes), and RDP connections that carried data
    /// last, even when they are the longest idle: on a scan or a busy link
    /// a user's session is not split in two. Hand-made packets: the order
    /// of eviction under a cap of 8 is not something a capture shows.
    #[test]
    fn the_cap_finishes_what_matters_least_first() {
        let cfg = FlowConfig {
            max_open_flows: 8,
            ..FlowConfig::default()
        };
        let mut table = FlowTable::new(cfg);
        let mut sink = Closed::default();
        let (client, server) = (0x0A00_0002, 0x0A00_0001);
        let mut frame = 0;
        let mut next = |ms: i64, src: u32, dst: u32, sport: u16, dport: u16, flags: &str| {
            frame += 1;
            seg(frame, ms, src, dst, sport, dport, flags)
        };
        // Two RDP sessions with data, the longest idle of all.
        for sport in [50_000, 50_001] {
            table.process(&next(0, client, server, sport, 3389, "S"), &mut sink);
            table.process(&next(1, server, client, 3389, sport, "SA"), &mut sink);
            let mut data = next(2, client, server, sport, 3389, "A");
            if let Transport::Tcp(t, _) = &mut data.transport {
                t.payload_len = 19;
                t.seq = 1001;
            }
            data.transport = match data.transport {
                Transport::Tcp(t, _) => Transport::Tcp(
                    t,
                    &[3, 0, 0, 19, 14, 0xE0, 0, 0, 0, 0, 0, 1, 0, 8, 0, 3, 0, 0, 0],
                ),
                other => other,
            };
            table.process(&data, &mut sink);
        }
        let sessions: Vec<u32> = table.tcp_conns().map(|c| c.id).collect();
        // Then probes: RDP and not, newer than the sessions' last packets.
        for i in 0..12u32 {
            let port = if i % 3 == 0 { 3389 } else { 445 };
            table.process(
                &next(10, 0xC000_0207, 0x0B00_0000 + i, 40_000, port, "S"),
                &mut sink,
            );
        }
        assert!(table.stats.flows_evicted_early > 0);
        assert!(
            sink.0.iter().all(|id| !sessions.contains(id)),
            "a session was finished early: {:?} of {sessions:?}",
            sink.0
        );
    }

    /// A damaged timestamp saturated to the end of time (found by
    /// tests/robustness.rs: captures/nla_ok.dsb.pcapng with flipped bytes)
    /// neither overflows nor spins the sweep; the connections still finish
    /// once. The timestamps are hand-made: no capture holds one.
    #[test]
    fn a_timestamp_at_the_end_of_time_neither_overflows_nor_spins() {
        let mut table = FlowTable::new(FlowConfig::default());
        let mut sink = Closed::default();
        let (client, server) = (0x0A00_0002, 0x0A00_0001);
        table.process(&seg(1, 0, client, server, 40_000, 3389, "S"), &mut sink);
        let mut late = seg(2, 0, server, client, 3389, 40_000, "SA");
        late.ts = Ts(i64::MAX);
        table.process(&late, &mut sink);
        let mut later = seg(3, 0, client, server, 40_001, 3389, "S");
        later.ts = Ts(i64::MAX);
        table.process(&later, &mut sink);
        table.process(&seg(4, 5, client, server, 40_000, 3389, "A"), &mut sink);
        let opened = table.stats.tcp_connections as usize;
        table.finish(&mut sink);
        assert_eq!(sink.0.len(), opened);
    }
}
