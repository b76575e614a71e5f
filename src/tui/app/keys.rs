//! Keys and pastes: what each screen and modal does with them. Part of [`update`](super::update);
//! kept apart so the model in `app.rs` reads on its own.

use super::*;

fn insert_str(input: &mut Input, text: &str, keep_spaces: bool) {
    for c in text.chars() {
        if c == '\n' || c == '\r' || (!keep_spaces && c.is_whitespace()) {
            continue;
        }
        input.handle(InputRequest::InsertChar(c));
    }
}

fn is_up(k: &KeyEvent) -> bool {
    matches!(k.code, KeyCode::Up | KeyCode::Char('k'))
}

fn is_down(k: &KeyEvent) -> bool {
    matches!(k.code, KeyCode::Down | KeyCode::Char('j'))
}

fn is_open(k: &KeyEvent) -> bool {
    matches!(k.code, KeyCode::Enter | KeyCode::Right | KeyCode::Char('l'))
}

fn is_back(k: &KeyEvent) -> bool {
    matches!(
        k.code,
        KeyCode::Esc | KeyCode::Left | KeyCode::Backspace | KeyCode::Char('h')
    )
}

pub(super) fn on_paste(app: &mut App, text: &str) -> Vec<Effect> {
    // Terminals send a paste's line breaks as CR (or CRLF): make them plain newlines.
    let text = &text.replace("\r\n", "\n").replace('\r', "\n");
    if let Some(Modal::PasteError { text: t }) = &mut app.modal {
        // explain reads at most MAX_INPUT; a pasted multi-megabyte log stops there.
        let room = crate::explain::parse::MAX_INPUT.saturating_sub(t.len());
        let mut end = text.len().min(room);
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        t.push_str(&text[..end]);
        return Vec::new();
    }
    if let Some(Modal::Export { input, .. }) = &mut app.modal {
        insert_str(input, text, true);
        return Vec::new();
    }
    if let Some(Modal::SecretPrompt { input, .. }) = &mut app.modal {
        insert_str(input, text.trim(), true);
        return Vec::new();
    }
    if app.modal.is_some() {
        return Vec::new();
    }
    match app.screen {
        Screen::Connect => {
            let row = app
                .connect_editing
                .unwrap_or(ConnectRow::ALL[app.connect_focus]);
            match row {
                ConnectRow::Token | ConnectRow::Reader if app.connect_editing.is_none() => {
                    // A paste on a token row needs no Enter first: it is the token.
                    let slot = if row == ConnectRow::Token {
                        Slot::Diagnosed
                    } else {
                        Slot::Reader
                    };
                    let trimmed: String = text.chars().filter(|c| !c.is_whitespace()).collect();
                    app.set_token(slot, Secret::new(trimmed), "pasted");
                    app.info(format!(
                        "The {} was pasted (kept in memory only).",
                        slot.label()
                    ));
                }
                ConnectRow::PasteError if app.connect_editing.is_none() => {
                    app.modal = Some(Modal::PasteError {
                        text: text.to_string(),
                    });
                }
                _ if app.connect_editing.is_some() => {
                    let keep = row == ConnectRow::TokenFile;
                    insert_str(&mut app.connect_input, text, keep);
                }
                _ => {}
            }
            Vec::new()
        }
        Screen::Target => {
            if app.tenant_editing {
                insert_str(&mut app.tenant_input, text, false);
                return Vec::new();
            }
            let kind = match target_rows(app.operation).get(app.target_focus) {
                Some(TargetRow::Pick(k)) => *k,
                _ => return Vec::new(),
            };
            let p = app.picker_mut(kind);
            p.open = true;
            p.input = Input::default();
            insert_str(&mut p.input, text.trim(), true);
            search(app, kind)
        }
        _ => Vec::new(),
    }
}

pub(super) fn on_key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    if ctrl && matches!(key.code, KeyCode::Char('c')) {
        return quit(app);
    }
    if app.help {
        app.help = false;
        return Vec::new();
    }
    if app.modal.is_some() {
        return on_modal_key(app, key);
    }
    if !app.editing() {
        match key.code {
            KeyCode::Char('q') => return quit(app),
            KeyCode::Char('?') => {
                app.help = true;
                return Vec::new();
            }
            _ => {}
        }
    }
    match app.screen {
        Screen::Scenarios => scenarios_key(app, key),
        Screen::Connect => connect_key(app, key),
        Screen::Target => target_key(app, key),
        Screen::Wizard => wizard_key(app, key),
        Screen::Check => check_key(app, key),
        Screen::Summary => summary_key(app, key),
    }
}

fn scenarios_key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    let n = app.scenarios.len();
    if is_up(&key) {
        app.scenario_cursor = app.scenario_cursor.saturating_sub(1);
    } else if is_down(&key) {
        if app.scenario_cursor + 1 < n {
            app.scenario_cursor += 1;
        }
    } else if is_open(&key) {
        if let Some((name, _)) = app.scenarios.get(app.scenario_cursor) {
            let name = name.clone();
            app.info(format!("Starting the simulated tenant for {name}…"));
            return vec![Effect::StartDemo(name)];
        }
    }
    Vec::new()
}

fn connect_key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    if let Some(row) = app.connect_editing {
        match key.code {
            KeyCode::Esc => {
                app.connect_editing = None;
                app.connect_input = SecretInput::default();
            }
            KeyCode::Enter | KeyCode::Tab => {
                let value = app.connect_input.value().trim().to_string();
                app.connect_editing = None;
                app.connect_input = SecretInput::default();
                if value.is_empty() {
                    return Vec::new();
                }
                match row {
                    ConnectRow::Token => {
                        app.set_token(Slot::Diagnosed, Secret::new(value), "pasted");
                        app.info(
                            "Token kept in memory only; its claims are summarised on the right.",
                        );
                    }
                    ConnectRow::Reader => {
                        app.set_token(Slot::Reader, Secret::new(value), "pasted");
                        app.info("Reader token kept in memory only.");
                    }
                    ConnectRow::TokenFile => {
                        return vec![Effect::ReadTokenFile {
                            slot: Slot::Diagnosed,
                            path: value,
                        }]
                    }
                    _ => {}
                }
            }
            KeyCode::Up | KeyCode::Down => {
                app.connect_editing = None;
                app.connect_input = SecretInput::default();
            }
            _ => {
                if let Some(req) = input_request(&key) {
                    app.connect_input.handle(req);
                }
            }
        }
        return Vec::new();
    }
    let n = ConnectRow::ALL.len();
    if is_up(&key) {
        app.connect_focus = app.connect_focus.saturating_sub(1);
        return Vec::new();
    }
    if is_down(&key) {
        app.connect_focus = (app.connect_focus + 1).min(n - 1);
        return Vec::new();
    }
    if matches!(key.code, KeyCode::Tab) {
        return go_target(app);
    }
    if is_back(&key) {
        if !app.scenarios.is_empty() {
            app.screen = Screen::Scenarios;
        }
        return Vec::new();
    }
    if key.code == KeyCode::Char('x') {
        match ConnectRow::ALL[app.connect_focus] {
            ConnectRow::Token | ConnectRow::TokenFile => {
                app.token = None;
                app.info("Token forgotten.");
            }
            ConnectRow::Reader => {
                app.reader = None;
                app.info("Reader token forgotten.");
            }
            _ => {}
        }
        return Vec::new();
    }
    if !is_open(&key) {
        return Vec::new();
    }
    match ConnectRow::ALL[app.connect_focus] {
        ConnectRow::Cloud => {
            let i = Cloud::ALL.iter().position(|c| *c == app.cloud).unwrap_or(0);
            app.cloud = Cloud::ALL[(i + 1) % Cloud::ALL.len()];
            app.sign_in.cloud = app.cloud;
            return app.check_endpoint();
        }
        row @ (ConnectRow::Token | ConnectRow::TokenFile | ConnectRow::Reader) => {
            app.connect_editing = Some(row);
            app.connect_input = SecretInput::default();
        }
        ConnectRow::SignIn => {
            app.modal = Some(Modal::SignInChoose {
                slot: Slot::Diagnosed,
                cursor: 0,
                claims: None,
            })
        }
        ConnectRow::PasteError => {
            app.modal = Some(Modal::PasteError {
                text: String::new(),
            })
        }
        ConnectRow::Continue => return go_target(app),
    }
    Vec::new()
}

fn go_target(app: &mut App) -> Vec<Effect> {
    if app.token.is_none() {
        app.error("Give the token under diagnosis first: paste it, load a file or sign in.");
        return Vec::new();
    }
    app.screen = Screen::Target;
    app.target_focus = 0;
    resolve_chosen(app)
}

fn target_key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    let rows = target_rows(app.operation);
    if app.tenant_editing {
        match key.code {
            KeyCode::Enter | KeyCode::Esc | KeyCode::Tab => app.tenant_editing = false,
            _ => {
                if let Some(req) = input_request(&key) {
                    app.tenant_input.handle(req);
                }
            }
        }
        return Vec::new();
    }
    if let Some(open) = app.pickers.iter().position(|p| p.open) {
        let kind = app.pickers[open].kind;
        return picker_key(app, kind, key);
    }
    if is_up(&key) {
        app.target_focus = app.target_focus.saturating_sub(1);
        return Vec::new();
    }
    if is_down(&key) {
        app.target_focus = (app.target_focus + 1).min(rows.len() - 1);
        return Vec::new();
    }
    if is_back(&key) {
        app.screen = Screen::Connect;
        return vec![Effect::CancelSearches];
    }
    if matches!(key.code, KeyCode::Tab) {
        return run_if_complete(app);
    }
    if key.code == KeyCode::Char('x') {
        if let Some(TargetRow::Pick(k)) = rows.get(app.target_focus) {
            app.picker_mut(*k).chosen = None;
        }
        return Vec::new();
    }
    if !is_open(&key) {
        return Vec::new();
    }
    match rows.get(app.target_focus) {
        Some(TargetRow::Operation) => {
            let i = OperationKind::ALL
                .iter()
                .position(|o| *o == app.operation)
                .unwrap_or(0);
            app.operation = OperationKind::ALL[(i + 1) % OperationKind::ALL.len()];
        }
        Some(TargetRow::Pick(k)) => {
            let p = app.picker_mut(*k);
            p.open = true;
            p.highlight = 0;
        }
        Some(TargetRow::Tenant) => app.tenant_editing = true,
        Some(TargetRow::Run) => return run_if_complete(app),
        None => {}
    }
    Vec::new()
}

fn run_if_complete(app: &mut App) -> Vec<Effect> {
    let missing = app.missing();
    if missing.is_empty() {
        start_run(app)
    } else {
        app.error(format!("Still needed: {}.", missing.join(", ")));
        Vec::new()
    }
}

fn picker_key(app: &mut App, kind: PickKind, key: KeyEvent) -> Vec<Effect> {
    match key.code {
        KeyCode::Esc => {
            let p = app.picker_mut(kind);
            p.open = false;
            p.searching = false;
            vec![Effect::CancelSearches]
        }
        KeyCode::Up => {
            let p = app.picker_mut(kind);
            p.highlight = p.highlight.saturating_sub(1);
            Vec::new()
        }
        KeyCode::Down => {
            let p = app.picker_mut(kind);
            if p.highlight + 1 < p.results.len() {
                p.highlight += 1;
            }
            Vec::new()
        }
        KeyCode::Enter | KeyCode::Tab => {
            let p = app.picker_mut(kind);
            let typed = p.input.value().trim().to_string();
            let choice = p.results.get(p.highlight).cloned().or_else(|| {
                crate::knowledge::is_guid(&typed)
                    .then(|| PickItem::bare(&typed.to_ascii_lowercase()))
            });
            match choice {
                Some(item) => {
                    p.chosen = Some(item);
                    p.open = false;
                    p.searching = false;
                    app.target_focus =
                        (app.target_focus + 1).min(target_rows(app.operation).len() - 1);
                    vec![Effect::CancelSearches]
                }
                None => {
                    app.error(
                        "Nothing to pick: type part of a name or UPN, or paste the object id.",
                    );
                    Vec::new()
                }
            }
        }
        _ => match input_request(&key) {
            Some(req) => {
                let changed = app.picker_mut(kind).input.handle(req);
                if changed.is_some_and(|c| c.value) {
                    search(app, kind)
                } else {
                    Vec::new()
                }
            }
            None => Vec::new(),
        },
    }
}

fn scroll_by(app: &mut App, delta: i32) {
    let next = (i32::from(app.detail_scroll) + delta).max(0);
    app.detail_scroll = u16::try_from(next).unwrap_or(u16::MAX).min(max_scroll(app));
}

fn move_step(app: &mut App, down: bool) {
    let n = CheckId::ALL.len();
    app.wizard_cursor = if down {
        (app.wizard_cursor + 1).min(n - 1)
    } else {
        app.wizard_cursor.saturating_sub(1)
    };
    app.user_moved = true;
    app.detail_scroll = 0;
}

/// Keys the wizard, a check and the summary share: re-run, export, copy, try, claims, summary.
fn common_run_key(app: &mut App, key: &KeyEvent) -> Option<Vec<Effect>> {
    match key.code {
        KeyCode::Char('r') => Some(start_run(app)),
        KeyCode::Char('e') => {
            if app.current_report().is_none() {
                app.error("Nothing to export yet: wait for the first results.");
            } else {
                app.modal = Some(Modal::Export {
                    input: Input::new("graph-doctor-report.md".into()),
                    format: ExportFormat::Markdown,
                });
            }
            Some(Vec::new())
        }
        KeyCode::Char('y') => {
            let idx = if app.screen == Screen::Summary {
                app.summary_rows().get(app.summary_cursor).copied()
            } else {
                Some(app.wizard_cursor)
            };
            let text = idx.and_then(|i| app.run.result(i)).and_then(fix_text);
            match text {
                Some(t) => {
                    app.info("Fix copied to the clipboard (OSC 52; if nothing arrived, your terminal does not allow it).");
                    Some(vec![Effect::Copy(t)])
                }
                None => {
                    app.error("This check has no fix to copy.");
                    Some(Vec::new())
                }
            }
        }
        KeyCode::Char('t') => Some(confirm_try(app)),
        KeyCode::Char('c') => {
            let claims = app
                .run
                .result(
                    CheckId::ALL
                        .iter()
                        .position(|c| *c == CheckId::CaClaims)
                        .unwrap_or(5),
                )
                .filter(|r| r.status == Status::Fail)
                .and_then(claims_of);
            match claims {
                Some(c) => {
                    app.modal = Some(Modal::SignInChoose {
                        slot: Slot::Diagnosed,
                        cursor: 0,
                        claims: Some(c),
                    });
                }
                None => app.error("No claims challenge to answer: ca.claims did not fail."),
            }
            Some(Vec::new())
        }
        KeyCode::Char('s') | KeyCode::Tab => {
            app.screen = Screen::Summary;
            app.summary_cursor = 0;
            Some(Vec::new())
        }
        _ => None,
    }
}

fn confirm_try(app: &mut App) -> Vec<Effect> {
    match (app.token.is_some(), Write::for_operation(&app.operation())) {
        (true, Some(write)) => {
            app.modal = Some(Modal::ConfirmTry {
                method: write.method().to_string(),
                path: write.path(),
            });
        }
        _ => app.error("Try it needs a token and a complete target."),
    }
    Vec::new()
}

fn wizard_key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    if is_up(&key) {
        move_step(app, false);
    } else if is_down(&key) {
        move_step(app, true);
    } else if matches!(key.code, KeyCode::PageDown | KeyCode::Char('J')) {
        scroll_by(app, 5);
    } else if matches!(key.code, KeyCode::PageUp | KeyCode::Char('K')) {
        scroll_by(app, -5);
    } else if matches!(key.code, KeyCode::Home | KeyCode::Char('g')) {
        app.wizard_cursor = 0;
        app.user_moved = true;
    } else if matches!(key.code, KeyCode::End | KeyCode::Char('G')) {
        app.wizard_cursor = CheckId::ALL.len() - 1;
        app.user_moved = true;
    } else if is_open(&key) {
        app.check_from = Screen::Wizard;
        app.screen = Screen::Check;
        app.detail_scroll = 0;
    } else if is_back(&key) {
        app.screen = Screen::Target;
        if app.run.running {
            app.run.running = false;
            app.info("Checks cancelled: Tab runs them again.");
        }
        let mut effects = vec![Effect::CancelDiagnosis];
        effects.extend(resolve_chosen(app));
        return effects;
    } else if let Some(e) = common_run_key(app, &key) {
        return e;
    }
    Vec::new()
}

fn check_key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    if is_up(&key) {
        scroll_by(app, -1);
    } else if is_down(&key) {
        scroll_by(app, 1);
    } else if matches!(key.code, KeyCode::PageDown | KeyCode::Char(' ')) {
        scroll_by(app, 10);
    } else if matches!(key.code, KeyCode::PageUp) {
        scroll_by(app, -10);
    } else if matches!(key.code, KeyCode::Char('n')) {
        move_step(app, true);
    } else if matches!(key.code, KeyCode::Char('p')) {
        move_step(app, false);
    } else if let KeyCode::Char(d @ '1'..='9') = key.code {
        let n = d as usize - '1' as usize;
        let cmd = app
            .selected_result()
            .and_then(|r| r.fix_commands.get(n))
            .map(|c| c.text.clone());
        match cmd {
            Some(t) => {
                app.info(format!("Command {} copied (OSC 52).", n + 1));
                return vec![Effect::Copy(t)];
            }
            None => app.error(format!("There is no command {}.", n + 1)),
        }
    } else if is_back(&key) {
        app.screen = app.check_from;
        app.detail_scroll = 0;
    } else if let Some(e) = common_run_key(app, &key) {
        return e;
    }
    Vec::new()
}

fn summary_key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    let n = app.summary_rows().len();
    if is_up(&key) {
        app.summary_cursor = app.summary_cursor.saturating_sub(1);
    } else if is_down(&key) {
        if app.summary_cursor + 1 < n {
            app.summary_cursor += 1;
        }
    } else if is_open(&key) {
        if let Some(i) = app.summary_rows().get(app.summary_cursor) {
            app.wizard_cursor = *i;
            app.user_moved = true;
            app.check_from = Screen::Summary;
            app.screen = Screen::Check;
            app.detail_scroll = 0;
        }
    } else if is_back(&key) {
        app.screen = Screen::Wizard;
    } else if let Some(e) = common_run_key(app, &key) {
        if app.screen == Screen::Summary && matches!(key.code, KeyCode::Char('s') | KeyCode::Tab) {
            app.screen = Screen::Wizard;
        }
        return e;
    }
    Vec::new()
}

fn on_modal_key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    let Some(modal) = app.modal.take() else {
        return Vec::new();
    };
    match modal {
        Modal::Error(_) => Vec::new(),
        Modal::SignInChoose {
            slot,
            cursor,
            claims,
        } => {
            let n = crate::tui::signin::METHODS.len();
            match key.code {
                KeyCode::Esc => Vec::new(),
                KeyCode::Tab => {
                    let slot = if slot == Slot::Diagnosed {
                        Slot::Reader
                    } else {
                        Slot::Diagnosed
                    };
                    app.modal = Some(Modal::SignInChoose {
                        slot,
                        cursor,
                        claims,
                    });
                    Vec::new()
                }
                KeyCode::Enter => {
                    let method = crate::tui::signin::METHODS[cursor.min(n - 1)];
                    if method == SignIn::ClientSecret && app.sign_in.client_secret.is_none() {
                        // Asked here, masked, never on the command line (where `ps` shows it).
                        app.modal = Some(Modal::SecretPrompt {
                            slot,
                            input: SecretInput::default(),
                        });
                        return Vec::new();
                    }
                    begin_sign_in(app, slot, method, claims.as_deref())
                }
                _ => {
                    let cursor = if is_up(&key) {
                        cursor.saturating_sub(1)
                    } else if is_down(&key) {
                        (cursor + 1).min(n - 1)
                    } else {
                        cursor
                    };
                    app.modal = Some(Modal::SignInChoose {
                        slot,
                        cursor,
                        claims,
                    });
                    Vec::new()
                }
            }
        }
        m @ Modal::SignInWait { .. } => {
            if key.code == KeyCode::Esc {
                app.sign_in_gen = app.next_gen();
                app.info("Sign-in cancelled.");
                vec![Effect::CancelSignIn]
            } else {
                app.modal = Some(m);
                Vec::new()
            }
        }
        Modal::PasteError { mut text } => {
            let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
            match key.code {
                KeyCode::Esc => {}
                KeyCode::Char('d') if ctrl => return explain_paste(app, text),
                KeyCode::Tab => return explain_paste(app, text),
                KeyCode::Enter => {
                    text.push('\n');
                    app.modal = Some(Modal::PasteError { text });
                }
                KeyCode::Backspace => {
                    text.pop();
                    app.modal = Some(Modal::PasteError { text });
                }
                KeyCode::Char('u') if ctrl => {
                    app.modal = Some(Modal::PasteError {
                        text: String::new(),
                    })
                }
                KeyCode::Char(c) if !ctrl => {
                    text.push(c);
                    app.modal = Some(Modal::PasteError { text });
                }
                _ => app.modal = Some(Modal::PasteError { text }),
            }
            Vec::new()
        }
        Modal::Explained { hint, .. } => {
            if key.code == KeyCode::Enter {
                apply_hint(app, hint.as_ref());
                if app.token.is_some() && app.missing().is_empty() {
                    return start_run(app);
                }
                if app.token.is_some() {
                    app.screen = Screen::Target;
                    app.target_focus = 0;
                } else {
                    app.info("Now give the token the failing call used, to run the live checks.");
                }
            }
            Vec::new()
        }
        Modal::Export { mut input, format } => {
            match key.code {
                KeyCode::Esc => {}
                KeyCode::Tab => {
                    let next = match format {
                        ExportFormat::Markdown => ExportFormat::Json,
                        ExportFormat::Json => ExportFormat::Markdown,
                    };
                    let path = input.value().to_string();
                    let stem = path
                        .strip_suffix(&format!(".{}", format.extension()))
                        .unwrap_or(&path);
                    input = Input::new(format!("{stem}.{}", next.extension()));
                    app.modal = Some(Modal::Export {
                        input,
                        format: next,
                    });
                }
                KeyCode::Enter => {
                    let path = input.value().trim().to_string();
                    if path.is_empty() {
                        app.modal = Some(Modal::Export { input, format });
                        return Vec::new();
                    }
                    return match export_contents(app, format) {
                        Some(contents) => vec![Effect::Export { path, contents }],
                        None => {
                            app.error("Nothing to export yet.");
                            Vec::new()
                        }
                    };
                }
                _ => {
                    if let Some(req) = input_request(&key) {
                        input.handle(req);
                    }
                    app.modal = Some(Modal::Export { input, format });
                }
            }
            Vec::new()
        }
        Modal::ConfirmTry { .. } => {
            if key.code == KeyCode::Char('Y') {
                match (
                    app.token.as_ref().map(|t| t.secret.clone()),
                    app.endpoint.is_some(),
                    Write::for_operation(&app.operation()),
                ) {
                    (Some(token), true, Some(write)) => {
                        app.info(format!(
                            "Sending {} (this changes the tenant)…",
                            write.describe()
                        ));
                        return vec![Effect::TryOperation { write, token }];
                    }
                    _ => app.error("Try it needs a token and a complete target."),
                }
            } else {
                app.info("Nothing was changed.");
            }
            Vec::new()
        }
        Modal::TryResult { .. } => Vec::new(),
        Modal::SecretPrompt { slot, mut input } => {
            match key.code {
                KeyCode::Esc => {}
                KeyCode::Enter => {
                    let value = input.value().trim().to_string();
                    // Empty: fall back to AZURE_CLIENT_SECRET, as Azure Identity does.
                    if !value.is_empty() {
                        app.sign_in.client_secret = Some(Secret::new(value));
                    }
                    return begin_sign_in(app, slot, SignIn::ClientSecret, None);
                }
                _ => {
                    if let Some(req) = input_request(&key) {
                        input.handle(req);
                    }
                    app.modal = Some(Modal::SecretPrompt { slot, input });
                }
            }
            Vec::new()
        }
    }
}
