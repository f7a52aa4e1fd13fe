//! Snapshot tests of every view at 80x24, rendered with ratatui's TestBackend
//! from the replay of real lab captures (captures/*.pcap).

use ratatui::backend::TestBackend;
use ratatui::Terminal;
use rdpdiag::analysis::AnalysisConfig;
use rdpdiag::tui::model::{analyze_file, read_frame_bytes, Snapshot};
use rdpdiag::tui::view::{render, Focus, Tab, UiState};

fn cap(name: &str) -> String {
    format!("{}/captures/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn replay(name: &str) -> Snapshot {
    let mut s = analyze_file(&cap(name), &AnalysisConfig::default()).unwrap();
    // The status bar names the file; keep the snapshots independent of the checkout path.
    s.source = format!("replay {name}");
    s
}

fn screen(snap: &Snapshot, ui: &UiState, w: u16, h: u16) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| render(f, snap, ui)).unwrap();
    let buf = t.backend().buffer();
    let mut out = String::new();
    for y in 0..h {
        for x in 0..w {
            out.push_str(buf[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

fn ui(tab: Tab) -> UiState {
    UiState {
        tab,
        focus: Focus::Detail,
        ..Default::default()
    }
}

#[test]
fn findings_of_an_expired_certificate() {
    let s = replay("cert_expired_strict.pcap");
    let text = screen(&s, &ui(Tab::Findings), 80, 24);
    assert!(text.contains("FAILED tls"));
    assert!(text.contains("Fix:"));
    insta::assert_snapshot!(text);
}

#[test]
fn success_with_an_error_finding_is_not_shown_as_plain_success() {
    // captures/tls_ok.pcap succeeds. No bundled capture succeeds with an
    // error finding any more (the server's reset mid-session is now the
    // session's failure), so one is added (hand-made).
    let mut s = replay("tls_ok.pcap");
    assert!(!screen(&s, &ui(Tab::Findings), 80, 24).contains("w/ errors"));
    let v = std::sync::Arc::make_mut(&mut s.attempts[0]);
    let mut f = rdpdiag::rules::finding(&rdpdiag::rules::SESSION_RESET, None, None, Vec::new());
    f.decisive = false;
    v.attempt.findings.push(f);
    let list = screen(&s, &ui(Tab::Findings), 80, 24);
    assert!(list.contains("SUCCESS w/ errors"), "{list}");
    assert!(
        s.attempts[0].text_line().contains("SUCCESS, with errors"),
        "{}",
        s.attempts[0].text_line()
    );
}

#[test]
fn findings_of_a_negotiation_failure() {
    let s = replay("hybrid_required_by_server.pcap");
    insta::assert_snapshot!(screen(&s, &ui(Tab::Findings), 80, 24));
}

#[test]
fn ladder_of_a_successful_tls_session() {
    let s = replay("tls_ok.pcap");
    let text = screen(&s, &ui(Tab::Ladder), 80, 24);
    assert!(text.contains("SUCCESS"));
    insta::assert_snapshot!(text);
}

#[test]
fn ladder_of_a_wrong_password_with_retry() {
    let s = replay("nla_wrong_password.pcap");
    insta::assert_snapshot!(screen(&s, &ui(Tab::Ladder), 80, 24));
}

#[test]
fn packets_with_detail_tree_and_hex() {
    // captures/port_closed.pcap frame 2: the server's RST-ACK to the SYN.
    let s = replay("port_closed.pcap");
    let mut u = ui(Tab::Packets);
    u.packet = 1;
    u.hex = read_frame_bytes(&cap("port_closed.pcap"), 2).map(|b| (2, b));
    assert!(u.hex.is_some());
    insta::assert_snapshot!(screen(&s, &u, 80, 24));
}

#[test]
fn attempt_list_with_dns_failure_and_help() {
    let s = replay("dns_nxdomain.pcap");
    let mut u = UiState::default();
    insta::assert_snapshot!("dns_list", screen(&s, &u, 80, 24));
    u.help = true;
    insta::assert_snapshot!("help", screen(&s, &u, 80, 24));
}

#[test]
fn filter_that_matches_nothing() {
    let s = replay("tls_ok.pcap");
    let u = UiState {
        filter: "nosuchhost".into(),
        editing_filter: true,
        ..Default::default()
    };
    let text = screen(&s, &u, 80, 24);
    assert!(text.contains("No attempt matches the filter."));
}

#[test]
fn wide_and_tiny_terminals() {
    let s = replay("mtu_blackhole.pcap");
    insta::assert_snapshot!("wide", screen(&s, &ui(Tab::Findings), 120, 30));
    let tiny = screen(&s, &UiState::default(), 30, 8);
    assert!(tiny.contains("too small"));
}

mod keys {
    use super::*;
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use rdpdiag::tui::app::{handle_key, Action};

    fn k(c: KeyCode) -> KeyEvent {
        KeyEvent::new(c, KeyModifiers::NONE)
    }

    #[test]
    fn keys_move_switch_filter_and_quit() {
        // captures/nla_wrong_password.pcap: one attempt of two connections.
        let s = replay("nla_wrong_password.pcap");
        let mut u = UiState::default();
        assert_eq!(handle_key(&mut u, &s, k(KeyCode::Char('j'))), Action::None);
        assert_eq!(u.selected, 0, "one attempt: the selection stays on it");
        handle_key(&mut u, &s, k(KeyCode::Enter));
        assert_eq!(u.focus, Focus::Detail);
        handle_key(&mut u, &s, k(KeyCode::Tab));
        assert_eq!(u.tab, Tab::Ladder);
        handle_key(&mut u, &s, k(KeyCode::Tab));
        assert_eq!(u.tab, Tab::Packets);
        handle_key(&mut u, &s, k(KeyCode::Down));
        handle_key(&mut u, &s, k(KeyCode::Down));
        assert_eq!(u.packet, 2);
        // Replay keeps no bytes: Enter asks for frame 3's bytes from the file.
        assert_eq!(
            handle_key(&mut u, &s, k(KeyCode::Enter)),
            Action::LoadBytes(3)
        );
        handle_key(&mut u, &s, k(KeyCode::Esc));
        assert_eq!(u.focus, Focus::Attempts);
        handle_key(&mut u, &s, k(KeyCode::Char('/')));
        for c in "nla".chars() {
            handle_key(&mut u, &s, k(KeyCode::Char(c)));
        }
        assert_eq!(u.filter, "nla");
        assert_eq!(handle_key(&mut u, &s, k(KeyCode::Char('q'))), Action::None);
        assert_eq!(u.filter, "nlaq", "q is text while the filter is edited");
        handle_key(&mut u, &s, k(KeyCode::Esc));
        assert!(u.filter.is_empty() && !u.editing_filter);
        assert_eq!(
            handle_key(&mut u, &s, k(KeyCode::Char('p'))),
            Action::TogglePause
        );
        assert_eq!(handle_key(&mut u, &s, k(KeyCode::Char('s'))), Action::Save);
        handle_key(&mut u, &s, k(KeyCode::Char('?')));
        assert!(u.help);
        handle_key(&mut u, &s, k(KeyCode::Esc));
        assert!(!u.help);
        assert_eq!(handle_key(&mut u, &s, k(KeyCode::Char('q'))), Action::Quit);
    }
}
