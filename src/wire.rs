//! The types every layer shares: capture time ([`Ts`]), the frame a fact
//! came from ([`FrameRef`]) and the direction within a connection ([`Dir`]).
//! They sit at the bottom of the crate: every module may use them, and they
//! use nothing of the crate.

use serde::Serialize;
use std::fmt;

/// A capture timestamp: nanoseconds since the Unix epoch (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Ts(pub i64);

impl Ts {
    /// Whole seconds since the epoch.
    pub fn secs(self) -> i64 {
        self.0.div_euclid(1_000_000_000)
    }
    /// Seconds as a float, for display and arithmetic on durations.
    pub fn as_f64(self) -> f64 {
        self.0 as f64 / 1e9
    }
    /// `self - earlier` in seconds.
    pub fn since(self, earlier: Ts) -> f64 {
        (self.0.saturating_sub(earlier.0)) as f64 / 1e9
    }
    /// `seconds` later (saturating; a negative duration goes back).
    pub fn plus_secs(self, seconds: f64) -> Ts {
        Ts(self.0.saturating_add((seconds * 1e9) as i64))
    }
    /// `seconds` earlier (saturating).
    pub fn minus_secs(self, seconds: f64) -> Ts {
        Ts(self.0.saturating_sub((seconds * 1e9) as i64))
    }
    /// Build from seconds and nanoseconds.
    pub fn from_parts(secs: i64, nanos: i64) -> Ts {
        Ts(secs.saturating_mul(1_000_000_000).saturating_add(nanos))
    }
    /// RFC 3339 UTC rendering with microseconds, e.g. `2026-11-21T13:25:00.123456Z`.
    pub fn rfc3339(self) -> String {
        let secs = self.secs();
        let micros = self.0.rem_euclid(1_000_000_000) / 1000;
        let (y, mo, d, h, mi, s) = civil_from_unix(secs);
        format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{micros:06}Z")
    }
    /// Parse what [`Ts::rfc3339`] writes (`2026-11-21T13:25:00.123456Z`,
    /// fraction optional): for evidence that carries only its rendered time.
    pub fn parse_rfc3339(s: &str) -> Option<Ts> {
        let s = s.strip_suffix('Z')?;
        let (date, time) = s.split_once('T')?;
        let mut d = date.splitn(3, '-').map(|x| x.parse::<i64>().ok());
        let (y, mo, day) = (d.next()??, d.next()??, d.next()??);
        let (hms, frac) = time.split_once('.').unwrap_or((time, ""));
        let mut t = hms.splitn(3, ':').map(|x| x.parse::<i64>().ok());
        let (h, mi, sec) = (t.next()??, t.next()??, t.next()??);
        let nanos = if frac.is_empty() {
            0
        } else if frac.len() <= 9 && frac.bytes().all(|b| b.is_ascii_digit()) {
            frac.parse::<i64>().ok()? * 10i64.pow(9 - frac.len() as u32)
        } else {
            return None;
        };
        if !(1..=12).contains(&mo) || !(1..=31).contains(&day) {
            return None;
        }
        // Howard Hinnant's days-from-civil, the inverse of civil_from_unix.
        let yy = if mo <= 2 { y - 1 } else { y };
        let era = yy.div_euclid(400);
        let yoe = yy - era * 400;
        let doy = (153 * ((mo + 9) % 12) + 2) / 5 + day - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        let days = era * 146_097 + doe - 719_468;
        Some(Ts::from_parts(
            days * 86_400 + h * 3600 + mi * 60 + sec,
            nanos,
        ))
    }
}

impl fmt::Display for Ts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.rfc3339())
    }
}

/// Convert Unix seconds to (year, month, day, hour, minute, second) in UTC.
/// Howard Hinnant's days-from-civil inverse; valid for the whole i64 day range we meet.
pub fn civil_from_unix(secs: i64) -> (i64, u32, u32, u32, u32, u32) {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = if m <= 2 { y + 1 } else { y };
    (
        y,
        m,
        d,
        (rem / 3600) as u32,
        ((rem % 3600) / 60) as u32,
        (rem % 60) as u32,
    )
}

/// Direction of a packet or byte stream within a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Dir {
    /// From the connection's initiator (the RDP client) to the server.
    ClientToServer,
    /// From the server to the client.
    ServerToClient,
}

impl Dir {
    /// The other direction.
    pub fn flip(self) -> Dir {
        match self {
            Dir::ClientToServer => Dir::ServerToClient,
            Dir::ServerToClient => Dir::ClientToServer,
        }
    }
    /// 0 for client→server, 1 for server→client: an index into per-direction arrays.
    pub fn idx(self) -> usize {
        self as usize
    }
    /// "client" or "server": who sends in this direction.
    pub fn sender(self) -> &'static str {
        match self {
            Dir::ClientToServer => "client",
            Dir::ServerToClient => "server",
        }
    }
}

/// A frame number with its timestamp: what every piece of evidence cites.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct FrameRef {
    pub number: u64,
    pub ts: Ts,
}

// Serialize only for the probe's own JSON report (its certificates carry
// frames); the analysis document `rdpdiag/2` uses `report::json::Frame`.
impl Serialize for FrameRef {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("FrameRef", 2)?;
        st.serialize_field("frame", &self.number)?;
        st.serialize_field("time", &self.ts.rfc3339())?;
        st.end()
    }
}

#[cfg(test)]
mod tests {
    use super::Ts;

    #[test]
    fn plus_and_minus_seconds_saturate() {
        let t = Ts::from_parts(100, 0);
        assert_eq!(t.plus_secs(1.5), Ts(101_500_000_000));
        assert_eq!(t.minus_secs(60.0), Ts(40_000_000_000));
        assert_eq!(t.minus_secs(60.0).since(t.minus_secs(66.0)), 6.0);
        // A timestamp bit-flipped to the end of time stays there.
        assert_eq!(Ts(i64::MAX).plus_secs(10.0), Ts(i64::MAX));
        assert_eq!(Ts(i64::MIN).minus_secs(10.0), Ts(i64::MIN));
    }
}
