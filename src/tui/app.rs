//! The interactive loop: terminal set-up and restore (also on panic), keys,
//! and drawing the latest snapshot.

use super::model::{self, Snapshot};
use super::view::{self, Focus, Tab, UiState};
use super::Shared;
use crossterm::event::{self, Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use std::sync::atomic::Ordering;
use std::sync::mpsc;
use std::sync::Arc;
use std::time::Duration;

/// What a key did.
#[derive(Debug, PartialEq, Eq)]
pub enum Action {
    None,
    Quit,
    TogglePause,
    Save,
    /// Load the bytes of this frame for the hex pane.
    LoadBytes(u64),
}

/// Apply one key to the UI state. Pure: no I/O (the caller performs the action).
pub fn handle_key(ui: &mut UiState, snap: &Snapshot, key: KeyEvent) -> Action {
    if key.kind == KeyEventKind::Release {
        return Action::None;
    }
    if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
        return Action::Quit;
    }
    if ui.editing_filter {
        match key.code {
            KeyCode::Enter => ui.editing_filter = false,
            KeyCode::Esc => {
                ui.editing_filter = false;
                ui.filter.clear();
            }
            KeyCode::Backspace => {
                ui.filter.pop();
            }
            KeyCode::Char(c) if ui.filter.len() < 64 => ui.filter.push(c),
            _ => {}
        }
        ui.selected = 0;
        return Action::None;
    }
    if ui.help {
        ui.help = false;
        return if key.code == KeyCode::Char('q') {
            Action::Quit
        } else {
            Action::None
        };
    }
    ui.message = None;
    let n_attempts = view::visible(snap, &ui.filter).len();
    let n_packets = view::selected(snap, ui).map_or(0, |v| v.packets.len());
    let up = |x: &mut usize| *x = x.saturating_sub(1);
    match key.code {
        KeyCode::Char('q') => return Action::Quit,
        KeyCode::Char('?') => ui.help = true,
        KeyCode::Char('p') => return Action::TogglePause,
        KeyCode::Char('s') => return Action::Save,
        KeyCode::Char('/') => {
            ui.editing_filter = true;
            ui.focus = Focus::Attempts;
        }
        KeyCode::Tab => {
            ui.tab = ui.tab.next();
            ui.scroll = 0;
        }
        KeyCode::BackTab => {
            ui.tab = ui.tab.next().next();
            ui.scroll = 0;
        }
        KeyCode::Esc | KeyCode::Backspace => ui.focus = Focus::Attempts,
        KeyCode::Enter => match ui.focus {
            Focus::Attempts => {
                ui.focus = Focus::Detail;
                ui.scroll = 0;
            }
            Focus::Detail if ui.tab == Tab::Packets => {
                if let Some(p) = view::selected_packet(snap, ui) {
                    if p.bytes.is_none() {
                        return Action::LoadBytes(p.frame.number);
                    }
                }
            }
            Focus::Detail => {}
        },
        KeyCode::Up | KeyCode::Char('k') => match ui.focus {
            Focus::Attempts => {
                up(&mut ui.selected);
                ui.packet = 0;
                ui.scroll = 0;
            }
            Focus::Detail if ui.tab == Tab::Packets => {
                up(&mut ui.packet);
                ui.scroll = 0;
            }
            Focus::Detail => ui.scroll = ui.scroll.saturating_sub(1),
        },
        KeyCode::Down | KeyCode::Char('j') => match ui.focus {
            Focus::Attempts => {
                ui.selected = (ui.selected + 1).min(n_attempts.saturating_sub(1));
                ui.packet = 0;
                ui.scroll = 0;
            }
            Focus::Detail if ui.tab == Tab::Packets => {
                ui.packet = (ui.packet + 1).min(n_packets.saturating_sub(1));
                ui.scroll = 0;
            }
            Focus::Detail => ui.scroll = ui.scroll.saturating_add(1).min(1000),
        },
        KeyCode::PageDown => ui.scroll = ui.scroll.saturating_add(10).min(1000),
        KeyCode::PageUp => ui.scroll = ui.scroll.saturating_sub(10),
        KeyCode::Home => ui.selected = 0,
        KeyCode::End => ui.selected = n_attempts.saturating_sub(1),
        _ => {}
    }
    Action::None
}

fn save(snap: &Snapshot) -> String {
    // The verdicts as `rdpdiag/2` writes them (without their connection records).
    let attempts: Vec<crate::report::json::AttemptVerdict<'_>> =
        snap.attempts.iter().map(|v| (&v.attempt).into()).collect();
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let name = format!("rdpdiag-attempts-{secs}.json");
    match serde_json::to_string_pretty(&attempts)
        .map_err(|e| e.to_string())
        .and_then(|s| std::fs::write(&name, s).map_err(|e| e.to_string()))
    {
        Ok(()) => format!("saved {name}"),
        Err(e) => format!("save failed: {e}"),
    }
}

/// Run the UI until the user quits. `file`: the replayed capture, to re-read
/// frame bytes from.
pub fn run(shared: Arc<Shared>, file: Option<String>) -> std::io::Result<()> {
    // ratatui's init puts the terminal in raw mode on the alternate screen
    // and installs a panic hook that restores it before the panic message.
    let mut terminal = ratatui::try_init()?;
    let r = event_loop(&mut terminal, &shared, file);
    ratatui::restore();
    r
}

fn event_loop(
    terminal: &mut ratatui::DefaultTerminal,
    shared: &Arc<Shared>,
    file: Option<String>,
) -> std::io::Result<()> {
    let mut ui = UiState::default();
    let mut frozen: Option<Arc<Snapshot>> = None;
    let (tx, rx) = mpsc::channel::<(u64, Option<Vec<u8>>)>();
    loop {
        let snap = match &frozen {
            Some(s) => s.clone(),
            None => shared.latest(),
        };
        while let Ok((n, b)) = rx.try_recv() {
            match b {
                Some(b) => {
                    ui.hex = Some((n, b));
                    ui.message = None;
                }
                None => ui.message = Some(format!("frame {n}: bytes not available")),
            }
        }
        ui.paused = frozen.is_some();
        terminal.draw(|f| view::render(f, &snap, &ui))?;
        // SIGTERM/SIGINT: leave like `q`, so the terminal is restored.
        if crate::interrupt::requested() {
            return Ok(());
        }
        if !event::poll(Duration::from_millis(100))? {
            continue;
        }
        match event::read()? {
            Event::Key(k) => match handle_key(&mut ui, &snap, k) {
                Action::Quit => return Ok(()),
                Action::TogglePause => {
                    if frozen.take().is_none() {
                        frozen = Some(snap.clone());
                        shared.paused.store(true, Ordering::Relaxed);
                    } else {
                        shared.paused.store(false, Ordering::Relaxed);
                    }
                }
                Action::Save => ui.message = Some(save(&snap)),
                Action::LoadBytes(n) => {
                    if file.is_none() {
                        ui.message = Some(format!(
                            "frame {n}: bytes not kept (live byte budget used up; use --write)"
                        ));
                    }
                    if let Some(path) = file.clone() {
                        let tx = tx.clone();
                        ui.message = Some(format!("loading frame {n}…"));
                        std::thread::spawn(move || {
                            let _ = tx.send((n, model::read_frame_bytes(&path, n)));
                        });
                    }
                }
                Action::None => {}
            },
            Event::Resize(_, _) => terminal.autoresize()?,
            _ => {}
        }
    }
}
