//! MCS, licensing, activation and session facts.

use super::*;

impl ConnBuilder {
    /// MCS Connect Initial at `at`.
    pub(crate) fn connect_initial(mut self, at: u64) -> Self {
        self.rec.facts.mcs.connect_initial = Some(frame(at));
        self
    }

    /// The server's first fast-path output (screen updates) at `at`: the
    /// session is established.
    pub(crate) fn screen_output(mut self, at: u64) -> Self {
        self.rec.facts.rdp.first_fast_path[Dir::ServerToClient.idx()] = Some(frame(at));
        self.rec.last = self.rec.last.max(frame(at));
        self
    }

    /// MCS Connect Response at `at` with `result`.
    pub(crate) fn connect_response(mut self, at: u64, result: McsResult) -> Self {
        let mcs = &mut self.rec.facts.mcs;
        mcs.connect_response = Some(frame(at));
        mcs.result = Some(result);
        self.rec.last = self.rec.last.max(frame(at));
        self
    }

    /// The client's GCC CS_CORE echoes `protocol` as the server's selected protocol.
    pub(crate) fn gcc_selected_protocol(mut self, protocol: impl Into<Protocols>) -> Self {
        self.rec.facts.mcs.client_server_selected_protocol = Some(protocol.into());
        self
    }

    /// The server's GCC SC_CORE echoes `protocols` as the client's requested ones.
    pub(crate) fn gcc_requested_protocols(mut self, protocols: impl Into<Protocols>) -> Self {
        self.rec.facts.mcs.server_client_requested_protocols = Some(protocols.into());
        self
    }

    /// An MCS Disconnect Provider Ultimatum from `dir` at `at` with `reason`.
    pub(crate) fn disconnect_ultimatum(
        mut self,
        dir: Dir,
        at: u64,
        reason: DisconnectReason,
    ) -> Self {
        self.rec.facts.mcs.disconnect_ultimatum = Some((frame(at), dir, reason));
        self.rec.last = self.rec.last.max(frame(at));
        self
    }

    /// The server's licensing ERROR_ALERT at `at` with `code`; `success`:
    /// STATUS_VALID_CLIENT with ST_NO_TRANSITION (licensing done).
    pub(crate) fn license_error_alert(
        mut self,
        at: u64,
        code: LicenseErrorCode,
        success: bool,
    ) -> Self {
        self.rec.facts.rdp.license.push(LicenseEvent {
            frame: frame(at),
            dir: Dir::ServerToClient,
            msg_type: LicenseMsgType::ERROR_ALERT,
            error_code: Some(code),
            state_transition: None,
            success,
        });
        self
    }

    /// The server's Demand Active PDU at `at`.
    pub(crate) fn demand_active(mut self, at: u64) -> Self {
        self.rec.facts.rdp.demand_active = Some(frame(at));
        self
    }

    /// The client's Confirm Active PDU at `at`.
    pub(crate) fn confirm_active(mut self, at: u64) -> Self {
        self.rec.facts.rdp.confirm_active = Some(frame(at));
        self
    }

    /// The server's Set Error Info PDU at `at` with `code`.
    pub(crate) fn set_error_info(mut self, at: u64, code: ErrorInfo) -> Self {
        self.rec.facts.rdp.set_error_info.push((frame(at), code));
        self.rec.last = self.rec.last.max(frame(at));
        self
    }
}
