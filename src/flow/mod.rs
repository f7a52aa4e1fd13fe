//! Flows: TCP connections and UDP flows, per-direction reassembly and TCP health.

/// Direction of a packet or byte stream within a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
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
}
