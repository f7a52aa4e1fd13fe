//! NLA facts: CredSSP, NTLM, Kerberos, Early User Authorization.

use super::*;

impl ConnBuilder {
    /// The client's CredSSP TSRequest version `client`, the server's `server`.
    pub(crate) fn credssp_versions(mut self, client: u32, server: u32) -> Self {
        self.rec.facts.nla.client_version = Some(client);
        self.rec.facts.nla.server_version = Some(server);
        self
    }

    /// The client's TSRequest carrying NTLM NEGOTIATE at `at`.
    pub(crate) fn ntlm_negotiate(mut self, at: u64) -> Self {
        let nla = &mut self.rec.facts.nla;
        nla.ts_requests[Dir::ClientToServer.idx()] += 1;
        nla.mechanism = Some(AuthMechanism::Ntlm);
        nla.ntlm_negotiate.get_or_insert(frame(at));
        self
    }

    /// The server's TSRequest carrying NTLM CHALLENGE at `at`, from the
    /// computer named `server` (NetBIOS).
    pub(crate) fn ntlm_challenge(mut self, at: u64, server: &str) -> Self {
        let nla = &mut self.rec.facts.nla;
        nla.ts_requests[Dir::ServerToClient.idx()] += 1;
        nla.mechanism = Some(AuthMechanism::Ntlm);
        nla.ntlm_challenge.get_or_insert(frame(at));
        nla.server_netbios_computer = Some(server.into());
        self
    }

    /// The client's TSRequest carrying NTLM AUTHENTICATE at `at` for `domain\user`.
    pub(crate) fn ntlm_authenticate(mut self, at: u64, domain: &str, user: &str) -> Self {
        let nla = &mut self.rec.facts.nla;
        nla.ts_requests[Dir::ClientToServer.idx()] += 1;
        nla.mechanism = Some(AuthMechanism::Ntlm);
        nla.ntlm_authenticate.get_or_insert(frame(at));
        nla.user = Some(user.into());
        nla.domain = Some(domain.into());
        self
    }

    /// The server's TSRequest carrying pubKeyAuth at `at`: it accepted the
    /// client's authentication.
    pub(crate) fn server_pub_key_auth(mut self, at: u64) -> Self {
        let nla = &mut self.rec.facts.nla;
        nla.ts_requests[Dir::ServerToClient.idx()] += 1;
        nla.server_pub_key_auth.get_or_insert(frame(at));
        self
    }

    /// The server's TSRequest carrying errorCode `status` at `at`.
    pub(crate) fn credssp_error(mut self, at: u64, status: NtStatus) -> Self {
        let nla = &mut self.rec.facts.nla;
        nla.ts_requests[Dir::ServerToClient.idx()] += 1;
        nla.error_code = Some((frame(at), status));
        self
    }

    /// A TSRequest from `dir` carrying a Kerberos token (AP-REQ / AP-REP);
    /// the facts keep no frame for it.
    pub(crate) fn kerberos_token(mut self, dir: Dir) -> Self {
        let nla = &mut self.rec.facts.nla;
        nla.ts_requests[dir.idx()] += 1;
        nla.mechanism = Some(AuthMechanism::Kerberos);
        self
    }

    /// A TSRequest carrying a Kerberos KRB-ERROR `code` at `at`.
    pub(crate) fn kerberos_error(mut self, at: u64, code: KrbErrorCode) -> Self {
        let nla = &mut self.rec.facts.nla;
        nla.mechanism = Some(AuthMechanism::Kerberos);
        nla.kerberos_error = Some((frame(at), code));
        self
    }

    /// The NTLM CHALLENGE's timestamp `server_time` is `skew_s` seconds off
    /// the capture's clock (negative: the server is behind).
    pub(crate) fn ntlm_clock(mut self, server_time: &str, skew_s: f64) -> Self {
        self.rec.facts.nla.server_time = Some(server_time.into());
        self.rec.facts.nla.clock_skew_s = Some(skew_s);
        self
    }

    /// The server's Early User Authorization Result `result` at `at`
    /// (PROTOCOL_HYBRID_EX).
    pub(crate) fn early_user_auth(mut self, at: u64, result: AuthzResult) -> Self {
        self.rec.facts.rdp.early_user_auth = Some((frame(at), result));
        self
    }
}
