//! X.224 negotiation facts: Connection Request/Confirm, RDP_NEG_FAILURE, malformed PDUs.

use super::*;

impl ConnBuilder {
    /// An X.224 Connection Request with RDP_NEG_REQ asking for `protocols`.
    pub(crate) fn request(mut self, at: u64, protocols: impl Into<Protocols>) -> Self {
        let nego = &mut self.rec.facts.negotiation;
        nego.request_frame = Some(frame(at));
        nego.neg_req = true;
        nego.requested_protocols = Some(protocols.into());
        self.rec.last = self.rec.last.max(frame(at));
        self
    }

    /// An X.224 Connection Request without RDP_NEG_REQ (a legacy client).
    pub(crate) fn legacy_request(mut self, at: u64) -> Self {
        self.rec.facts.negotiation.request_frame = Some(frame(at));
        self.rec.last = self.rec.last.max(frame(at));
        self
    }

    /// A Connection Confirm with RDP_NEG_RSP selecting `protocol`.
    pub(crate) fn confirm(mut self, at: u64, protocol: impl Into<Protocols>) -> Self {
        let nego = &mut self.rec.facts.negotiation;
        nego.confirm_frame = Some(frame(at));
        nego.selected_protocol = Some(protocol.into());
        self.rec.last = self.rec.last.max(frame(at));
        self
    }

    /// A Connection Confirm without negotiation data (a legacy server: Standard RDP Security).
    pub(crate) fn legacy_confirm(mut self, at: u64) -> Self {
        let nego = &mut self.rec.facts.negotiation;
        nego.confirm_frame = Some(frame(at));
        nego.legacy_confirm = true;
        nego.selected_protocol = Some(Protocols::RDP);
        self.rec.last = self.rec.last.max(frame(at));
        self
    }

    /// A Connection Confirm carrying RDP_NEG_FAILURE `code`.
    pub(crate) fn neg_failure(mut self, at: u64, code: FailureCode) -> Self {
        let nego = &mut self.rec.facts.negotiation;
        nego.confirm_frame = Some(frame(at));
        nego.failure = Some(code);
        self.rec.last = self.rec.last.max(frame(at));
        self
    }

    /// The first protocol violation: a malformed PDU from `dir` at `at`.
    pub(crate) fn protocol_error(mut self, at: u64, dir: Dir, what: &str) -> Self {
        self.rec.facts.protocol_error = Some((frame(at), dir, what.to_string()));
        self
    }

    /// A malformed PDU from `dir` at `at` in the RDP layer's list (the
    /// first one is usually also the [`Self::protocol_error`]).
    pub(crate) fn malformed(mut self, at: u64, dir: Dir, what: &str) -> Self {
        self.rec
            .facts
            .rdp
            .malformed
            .push((frame(at), dir, what.to_string()));
        self
    }
}
