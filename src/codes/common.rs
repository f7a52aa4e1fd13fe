//! Remediation and cause strings shared by several tables.

pub(crate) const GPO_SECURITY_LAYER: &str = "GPO: Computer Configuration > Administrative Templates > Windows Components > Remote Desktop Services > Remote Desktop Session Host > Security > \"Require use of specific security layer for remote (RDP) connections\" (Negotiate lets the server fall back; SSL forces TLS; RDP forces Standard RDP Security). Registry equivalent: HKLM\\SYSTEM\\CurrentControlSet\\Control\\Terminal Server\\WinStations\\RDP-Tcp\\SecurityLayer (0 RDP, 1 Negotiate, 2 SSL).";

pub(crate) const GPO_NLA: &str = "GPO: Computer Configuration > Administrative Templates > Windows Components > Remote Desktop Services > Remote Desktop Session Host > Security > \"Require user authentication for remote connections by using Network Level Authentication\" (registry: ...\\WinStations\\RDP-Tcp\\UserAuthentication = 1). Or System Properties > Remote > \"Allow connections only from computers running Remote Desktop with Network Level Authentication\".";

/// The fix for a server that requires NLA while the client cannot do it:
/// the policy turned off, never on.
pub(crate) const GPO_NLA_DISABLE: &str = "Or, less secure, stop requiring NLA on the server: GPO: Computer Configuration > Administrative Templates > Windows Components > Remote Desktop Services > Remote Desktop Session Host > Security > \"Require user authentication for remote connections by using Network Level Authentication\" = Disabled (registry: ...\\WinStations\\RDP-Tcp\\UserAuthentication = 0), or clear System Properties > Remote > \"Allow connections only from computers running Remote Desktop with Network Level Authentication\".";

pub(crate) const RDP_CERT_RENEW: &str = "Renew the RDP certificate: certlm.msc > Remote Desktop > Certificates, delete the expired/broken self-signed certificate (and its key under C:\\ProgramData\\Microsoft\\Crypto\\RSA\\MachineKeys), then Restart-Service TermService -Force; the service creates a new self-signed certificate.";

pub(crate) const MACHINEKEYS_ACL: &str = "Check the RDP certificate's private key permissions: certlm.msc > Remote Desktop > Certificates > right-click > All Tasks > Manage Private Keys; NETWORK SERVICE needs Read (files under C:\\ProgramData\\Microsoft\\Crypto\\RSA\\MachineKeys).";

pub(crate) const SCHANNEL_LOG: &str = "On the server, read Event Viewer > Windows Logs > System, source Schannel: 36870 (cannot use the certificate's private key), 36874 (no common cipher suite), 36888 (fatal alert generated, with the alert code).";

pub(crate) const RDPCORETS_LOG: &str = "On the server, read Event Viewer > Applications and Services Logs > Microsoft > Windows > RemoteDesktopServices-RdpCoreTS > Operational, at the time of the failure.";

pub(crate) const LSM_LOG: &str = "On the server, read Event Viewer > Applications and Services Logs > Microsoft > Windows > TerminalServices-LocalSessionManager > Operational and TerminalServices-RemoteConnectionManager > Operational.";

pub(crate) const SECURITY_4625: &str = "On the server (or the domain controller), Security log event 4625 (failed logon) for the user: its Status / Sub Status fields carry the NTSTATUS value.";

pub(crate) const SERVICE_RUNNING: &str = "On the server: Get-Service TermService (\"Remote Desktop Services\") must be Running; check that RDP is enabled (System Properties > Remote, or HKLM\\SYSTEM\\CurrentControlSet\\Control\\Terminal Server\\fDenyTSConnections = 0).";

pub(crate) const FIREWALL_RDP: &str = "Allow TCP 3389 (and UDP 3389) inbound: Windows Defender Firewall rule group \"Remote Desktop\" (Enable-NetFirewallRule -DisplayGroup \"Remote Desktop\"), plus any network firewall, NSG or security group on the path.";

pub(crate) const LISTENER_PORT: &str = "Check the listener: netstat -ano | findstr :3389 on the server; the port is HKLM\\SYSTEM\\CurrentControlSet\\Control\\Terminal Server\\WinStations\\RDP-Tcp\\PortNumber.";

pub(crate) const TEST_NETCONNECTION: &str = "From the client: Test-NetConnection <server> -Port 3389 to tell a closed port, a filtered port and a DNS problem apart.";

pub(crate) const USER_RIGHT_RDS: &str = "Grant the right to log on: add the user (or a group) to the local \"Remote Desktop Users\" group, and check Computer Configuration > Windows Settings > Security Settings > Local Policies > User Rights Assignment > \"Allow log on through Remote Desktop Services\" (and that \"Deny log on through Remote Desktop Services\" does not list the user).";

pub(crate) const USER_RIGHT_NETWORK: &str = "With NLA the user also needs \"Access this computer from the network\" (User Rights Assignment) and must not be in \"Deny access to this computer from the network\".";

pub(crate) const ADUC_ACCOUNT: &str = "Inspect the account in Active Directory Users and Computers (Account tab) or Get-ADUser <user> -Properties Enabled,LockedOut,AccountExpirationDate,PasswordExpired,PasswordLastSet; for local accounts use lusrmgr.msc.";

pub(crate) const LICENSING_GPO: &str = "GPO: Computer Configuration > Administrative Templates > Windows Components > Remote Desktop Services > Remote Desktop Session Host > Licensing > \"Use the specified Remote Desktop license servers\" and \"Set the Remote Desktop licensing mode\" (Per User / Per Device must match the installed CALs).";

pub(crate) const LICENSING_DIAG: &str = "Run RD Licensing Diagnoser (lsdiag.msc) on the session host; on the license server open RD Licensing Manager (licmgr.exe) and check that it is activated and has CALs of the right type.";

pub(crate) const CLIENT_MSLICENSING: &str = "On the client, delete the cached licence (HKLM\\SOFTWARE\\Microsoft\\MSLicensing, or the MSLicensing store) and start mstsc once as administrator so it can write a new one.";

pub(crate) const TLS_VERSIONS: &str = "Align TLS versions on both ends: server keys HKLM\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\Protocols\\TLS 1.2\\Server (Enabled=1, DisabledByDefault=0); old clients/servers (2008 R2, Windows 7) need the TLS 1.2 update and registry keys.";

pub(crate) const TLS_CIPHERS: &str = "Align cipher suites: GPO Computer Configuration > Administrative Templates > Network > SSL Configuration Settings > \"SSL Cipher Suite Order\" (or Get-TlsCipherSuite); make sure at least one ECDHE-RSA-AES-GCM suite is enabled on both sides.";

pub(crate) const CRED_DELEGATION: &str = "GPO on the client: Computer Configuration > Administrative Templates > System > Credentials Delegation > \"Allow delegating default credentials\" / \"Allow delegating saved credentials\" (and the \"...with NTLM-only server authentication\" variants) with TERMSRV/<server> or TERMSRV/*.";

pub(crate) const PROTOCOL_CAUSES: &[&str] = &[
    "A client or server implementation bug, or an old client against a new server (or vice versa)",
    "A middlebox (proxy, IPS, WAN optimiser) rewriting or truncating the RDP stream",
    "Corrupted data on the path",
];

pub(crate) const PROTOCOL_FIX: &[&str] = &[
    RDPCORETS_LOG,
    "Update the client (mstsc / Windows App / FreeRDP) and install the server's cumulative updates.",
    "Bypass proxies/IPS/WAN optimisers for TCP/UDP 3389 as a test.",
];
