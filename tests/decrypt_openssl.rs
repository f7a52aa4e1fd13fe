//! Decryption of live sessions between the real `openssl s_client` and `openssl s_server`
//! (OpenSSL 3 CLI), relayed through a recording TCP proxy in this test, with the client's
//! key log. Covers what the lab captures do not: TLS 1.0 (chained IV) and 1.1, CBC
//! MAC-then-encrypt, HMAC-SHA256/384, the SHA-384 PRF, ChaCha20-Poly1305 (1.2 and 1.3),
//! TLS_AES_128_GCM_SHA256, KeyUpdate and HelloRetryRequest. Skips when `openssl` is absent.

mod common;
mod decrypt_util;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use decrypt_util::{conn_from_chunks, decrypt, plaintexts};
use rdpdiag::decrypt::{KeyLog, RecordOutcome, CT_APPLICATION_DATA, CT_HANDSHAKE};
use rdpdiag::wire::Dir;

/// A decrypted record: direction, content type, plaintext.
type Plain = (Dir, u8, Vec<u8>);

type Chunks = Arc<Mutex<Vec<(Dir, Vec<u8>)>>>;

fn openssl_available() -> bool {
    let ok = Command::new("openssl")
        .arg("version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        common::skip("decrypt_openssl", "openssl CLI not available");
    }
    ok
}

fn make_cert(dir: &Path) {
    let st = Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
        ])
        .args(["-subj", "/CN=rdpdiag-decrypt-test"])
        .arg("-keyout")
        .arg(dir.join("key.pem"))
        .arg("-out")
        .arg(dir.join("cert.pem"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("openssl req");
    assert!(st.success());
}

fn pump(mut from: TcpStream, mut to: TcpStream, dir: Dir, log: Chunks) {
    let mut buf = [0u8; 16384];
    loop {
        match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                log.lock().expect("lock").push((dir, buf[..n].to_vec()));
                if to.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
        }
    }
    let _ = to.shutdown(std::net::Shutdown::Write);
}

fn wait_or_kill(child: &mut Child, limit: Duration) {
    let start = Instant::now();
    while start.elapsed() < limit {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// Runs one session; returns the client's key log and the relayed bytes.
fn session(
    server_args: &[&str],
    client_args: &[&str],
    lines: &[&str],
) -> (KeyLog, Vec<(Dir, Vec<u8>)>) {
    let dir = tempfile::tempdir().expect("tempdir");
    make_cert(dir.path());
    let server_port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let mut server = Command::new("openssl")
        .args(["s_server", "-naccept", "1", "-rev", "-quiet"])
        .arg("-accept")
        .arg(format!("127.0.0.1:{server_port}"))
        .arg("-cert")
        .arg(dir.path().join("cert.pem"))
        .arg("-key")
        .arg(dir.path().join("key.pem"))
        .args(server_args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("s_server");
    let proxy = TcpListener::bind("127.0.0.1:0").expect("proxy");
    let proxy_port = proxy.local_addr().expect("addr").port();
    let keylog = dir.path().join("keys.txt");
    let mut client = Command::new("openssl")
        .arg("s_client")
        .arg("-connect")
        .arg(format!("127.0.0.1:{proxy_port}"))
        .arg("-keylogfile")
        .arg(&keylog)
        .args(client_args)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("s_client");
    let (down, _) = proxy.accept().expect("accept");
    let start = Instant::now();
    let up = loop {
        match TcpStream::connect(("127.0.0.1", server_port)) {
            Ok(s) => break s,
            Err(e) if start.elapsed() > Duration::from_secs(10) => panic!("s_server: {e}"),
            Err(_) => std::thread::sleep(Duration::from_millis(20)),
        }
    };
    let log: Chunks = Arc::default();
    let threads = [
        (
            down.try_clone().expect("clone"),
            up.try_clone().expect("clone"),
            Dir::ClientToServer,
        ),
        (up, down, Dir::ServerToClient),
    ]
    .map(|(a, b, d)| {
        let log = Arc::clone(&log);
        std::thread::spawn(move || pump(a, b, d, log))
    });
    let mut stdin = client.stdin.take().expect("stdin");
    std::thread::sleep(Duration::from_millis(400));
    for line in lines {
        let _ = writeln!(stdin, "{line}");
        let _ = stdin.flush();
        std::thread::sleep(Duration::from_millis(300));
    }
    drop(stdin); // EOF: s_client sends close_notify and exits
    wait_or_kill(&mut client, Duration::from_secs(10));
    wait_or_kill(&mut server, Duration::from_secs(3));
    for t in threads {
        let _ = t.join();
    }
    let (keys, warnings) = KeyLog::from_file(&keylog).expect("key log");
    assert!(warnings.is_empty(), "{warnings:?}");
    let chunks = log.lock().expect("lock").clone();
    (keys, chunks)
}

/// Runs a session and checks: everything decrypts, the client's lines and the server's
/// reversed echoes are in the plaintext, version and suite are as expected.
fn check(
    version: u16,
    suite: u16,
    etm: bool,
    server_args: &[&str],
    client_args: &[&str],
    lines: &[&str],
) -> Option<(decrypt_util::Conn, Vec<Plain>)> {
    if !openssl_available() {
        return None;
    }
    let (keys, chunks) = session(server_args, client_args, lines);
    let conn = conn_from_chunks(&chunks);
    let (dec, out) = decrypt(&conn, &Arc::new(keys));
    let st = dec.status();
    let what = format!("{server_args:?} {client_args:?}");
    assert_eq!(st.version, Some(version), "{what}: {st:?}");
    assert_eq!(st.cipher_suite, Some(suite), "{what}: {st:?}");
    assert_eq!(st.encrypt_then_mac, etm, "{what}");
    assert!(st.keys_found, "{what}: {st:?}");
    assert_eq!(
        (
            st.records_failed,
            st.records_no_keys,
            st.records_unsupported
        ),
        (0, 0, 0),
        "{what}: {st:?}"
    );
    for (r, o) in &out {
        if r.content_type == CT_APPLICATION_DATA {
            assert!(
                matches!(o, RecordOutcome::Decrypted { .. }),
                "{what}: {o:?}"
            );
        }
    }
    let text = |dir: Dir| -> Vec<u8> {
        plaintexts(&out)
            .into_iter()
            .filter(|(d, ct, _, _)| *d == dir && *ct == CT_APPLICATION_DATA)
            .flat_map(|(_, _, p, _)| p.to_vec())
            .collect()
    };
    let (c2s, s2c) = (text(Dir::ClientToServer), text(Dir::ServerToClient));
    for line in lines.iter().filter(|l| l.len() > 1) {
        let rev: String = line.chars().rev().collect();
        assert!(
            contains(&c2s, line.as_bytes()),
            "{what}: client line {line:?} missing"
        );
        assert!(
            contains(&s2c, rev.as_bytes()),
            "{what}: server echo {rev:?} missing"
        );
    }
    let plain = plaintexts(&out)
        .into_iter()
        .map(|(d, ct, p, _)| (d, ct, p.to_vec()))
        .collect();
    Some((conn, plain))
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

const LINES: &[&str] = &["hello decryptor", "second record"];
const OLD: &str = "@SECLEVEL=0";

#[test]
fn tls10_cbc_mac_then_encrypt_chained_iv() {
    let c = format!("ECDHE-RSA-AES128-SHA:{OLD}");
    let _ = check(
        0x0301,
        0xc013,
        false,
        &["-tls1", "-no_etm", "-cipher", &c],
        &["-tls1", "-cipher", &c],
        LINES,
    );
}

#[test]
fn tls10_cbc_encrypt_then_mac() {
    let c = format!("AES256-SHA:{OLD}");
    let _ = check(
        0x0301,
        0x0035,
        true,
        &["-tls1", "-cipher", &c],
        &["-tls1", "-cipher", &c],
        LINES,
    );
}

#[test]
fn tls11_cbc_mac_then_encrypt_explicit_iv() {
    let c = format!("AES128-SHA:{OLD}");
    let _ = check(
        0x0302,
        0x002f,
        false,
        &["-tls1_1", "-no_etm", "-cipher", &c],
        &["-tls1_1", "-cipher", &c],
        LINES,
    );
}

#[test]
fn tls12_cbc_sha256_and_sha384_mac_then_encrypt() {
    let _ = check(
        0x0303,
        0x003d,
        false,
        &["-tls1_2", "-no_etm", "-cipher", "AES256-SHA256"],
        &["-tls1_2"],
        LINES,
    );
    let _ = check(
        0x0303,
        0xc028,
        false,
        &["-tls1_2", "-no_etm", "-cipher", "ECDHE-RSA-AES256-SHA384"],
        &["-tls1_2"],
        LINES,
    );
    let _ = check(
        0x0303,
        0xc028,
        true,
        &["-tls1_2", "-cipher", "ECDHE-RSA-AES256-SHA384"],
        &["-tls1_2"],
        LINES,
    );
}

#[test]
fn tls12_chacha20_and_aes256_gcm_sha384() {
    let _ = check(
        0x0303,
        0xcca8,
        false,
        &["-tls1_2", "-cipher", "ECDHE-RSA-CHACHA20-POLY1305"],
        &["-tls1_2"],
        LINES,
    );
    let _ = check(
        0x0303,
        0xc030,
        false,
        &["-tls1_2", "-cipher", "ECDHE-RSA-AES256-GCM-SHA384"],
        &["-tls1_2"],
        LINES,
    );
}

#[test]
fn tls13_chacha20_and_aes128_gcm() {
    for (suite, name) in [
        (0x1303, "TLS_CHACHA20_POLY1305_SHA256"),
        (0x1301, "TLS_AES_128_GCM_SHA256"),
    ] {
        let _ = check(
            0x0304,
            suite,
            false,
            &["-tls1_3", "-ciphersuites", name],
            &["-tls1_3"],
            LINES,
        );
    }
}

/// "K" makes s_client send KeyUpdate(update_requested): both sides roll their keys.
#[test]
fn tls13_key_update_both_directions() {
    let Some((_, plain)) = check(
        0x0304,
        0x1302,
        false,
        &["-tls1_3", "-ciphersuites", "TLS_AES_256_GCM_SHA384"],
        &["-tls1_3"],
        &[
            "before key update",
            "K",
            "after key update",
            "K",
            "after second update",
        ],
    ) else {
        return;
    };
    // KeyUpdate (24) messages were really sent, by both sides, and decrypted.
    for dir in [Dir::ClientToServer, Dir::ServerToClient] {
        let updates = plain
            .iter()
            .filter(|(d, ct, p)| *d == dir && *ct == CT_HANDSHAKE && p.first() == Some(&24))
            .count();
        assert_eq!(updates, 2, "{dir:?}: KeyUpdate messages");
    }
}

/// The client's key share is for X25519, the server wants P-256: HelloRetryRequest, a
/// second ClientHello, then the real ServerHello.
#[test]
fn tls13_hello_retry_request() {
    let server = ["-tls1_3", "-groups", "P-256"];
    let Some((conn, _)) = check(
        0x0304,
        0x1302,
        false,
        &server,
        &["-tls1_3", "-groups", "X25519:P-256"],
        LINES,
    ) else {
        return;
    };
    let client_hellos = conn
        .records
        .iter()
        .filter(|r| r.dir == Dir::ClientToServer && r.content_type == CT_HANDSHAKE)
        .filter(|r| r.fragment.first() == Some(&1))
        .count();
    assert_eq!(client_hellos, 2, "no HelloRetryRequest happened");
}
