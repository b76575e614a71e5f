//! Every screen drawn on ratatui's `TestBackend` at 80x24 and 120x40 and compared with an insta
//! snapshot; colours are not in snapshots, so the failing row's style is asserted on the buffer.

use crossterm::event::KeyCode;
use ratatui::backend::TestBackend;
use ratatui::style::{Color, Modifier};
use ratatui::Terminal;

use crate::auth::sources::DeviceCodePrompt;
use crate::report::{CheckId, CheckResult, Status};
use crate::secret::Secret;

use super::super::app::tests::{app, ch, finished_app, key, ready_app, token, GROUP, NOW};
use super::super::app::{update, DemoSetup, Modal, Msg, Screen, Slot, Step};
use super::super::picker::{PickItem, PickKind};
use super::super::theme::Theme;
use super::*;

fn draw(app: &App, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(w, h)).expect("test backend");
    t.draw(|f| view(app, f)).expect("draws");
    t
}

/// Snapshots a screen at both sizes.
macro_rules! both_sizes {
    ($name:literal, $app:expr) => {{
        let a = $app;
        insta::assert_snapshot!(concat!($name, "_80x24"), draw(&a, 80, 24).backend());
        insta::assert_snapshot!(concat!($name, "_120x40"), draw(&a, 120, 40).backend());
    }};
}

fn scenario_app() -> App {
    let scenarios = vec![
        (
            "distribution-group".to_string(),
            "The target is a distribution list: Graph cannot change its members".to_string(),
        ),
        (
            "expired-token".to_string(),
            "The token expired an hour ago".to_string(),
        ),
        (
            "healthy-app".to_string(),
            "Everything is in order: the add succeeds".to_string(),
        ),
    ];
    let mut a = App::new(
        super::super::app::Config {
            scenarios: Some(scenarios),
            ..Default::default()
        },
        Theme::default(),
        NOW,
    );
    update(&mut a, key(KeyCode::Down));
    a
}

fn connect_app() -> App {
    let mut a = app();
    update(&mut a, Msg::Paste(token()));
    a.status = None;
    a
}

fn target_app() -> App {
    let mut a = ready_app();
    a.screen = Screen::Target;
    a.pickers[PickKind::Group.index()].chosen = None;
    a.target_focus = 1;
    update(&mut a, key(KeyCode::Enter));
    for c in "sal".chars() {
        update(&mut a, ch(c));
    }
    let gen = a.picker(PickKind::Group).gen;
    let g = |name: &str, badges: &[&str]| PickItem {
        id: GROUP.into(),
        name: name.into(),
        detail: format!("{}@contoso.com", name.to_lowercase().replace(' ', ".")),
        badges: badges.iter().map(|b| b.to_string()).collect(),
    };
    update(
        &mut a,
        Msg::SearchDone {
            kind: PickKind::Group,
            gen,
            result: Ok(vec![
                g("Sales DL", &["distribution"]),
                g("Sales Team", &["Microsoft 365"]),
                g("Sales Admins", &["security", "role-assignable"]),
                g("Sales Dynamic", &["security", "dynamic", "synced"]),
            ]),
        },
    );
    a
}

fn running_app() -> App {
    let mut a = ready_app();
    start_run_for_test(&mut a);
    let gen = a.run.gen;
    for (i, id) in CheckId::ALL.iter().enumerate().take(5) {
        let _ = i;
        update(
            &mut a,
            Msg::Progress {
                gen,
                progress: crate::engine::Progress::Decided(crate::checks::titled(
                    CheckResult::new(*id, Status::Pass, "fine"),
                )),
            },
        );
    }
    update(
        &mut a,
        Msg::Progress {
            gen,
            progress: crate::engine::Progress::Running(CheckId::GroupExists),
        },
    );
    update(
        &mut a,
        Msg::Progress {
            gen,
            progress: crate::engine::Progress::Request {
                request: format!("GET /v1.0/groups/{GROUP}?$select=id"),
                status: Some(200),
                latency_ms: 38,
            },
        },
    );
    a.wizard_cursor = 10;
    a.user_moved = true;
    a
}

fn start_run_for_test(a: &mut App) {
    let _ = super::super::app::start_run(a);
}

#[test]
fn scenarios_screen() {
    both_sizes!("scenarios", scenario_app());
}

#[test]
fn connect_screen_with_a_token_summary() {
    both_sizes!("connect", connect_app());
}

#[test]
fn connect_screen_masks_a_token_being_typed() {
    let mut a = app();
    update(&mut a, key(KeyCode::Enter));
    for c in token().chars().take(40) {
        update(&mut a, ch(c));
    }
    let t = draw(&a, 80, 24);
    let text = format!("{}", t.backend());
    assert!(text.contains("•"));
    assert!(!text.contains("eyJ"), "no part of the token is drawn");
    insta::assert_snapshot!("connect_editing_80x24", t.backend());
    insta::assert_snapshot!("connect_editing_120x40", draw(&a, 120, 40).backend());
}

#[test]
fn target_screen_with_live_results() {
    both_sizes!("target", target_app());
}

#[test]
fn wizard_while_running() {
    both_sizes!("wizard_running", running_app());
}

#[test]
fn wizard_with_a_failing_check() {
    both_sizes!("wizard_failing", finished_app());
}

#[test]
fn check_screen() {
    let mut a = finished_app();
    update(&mut a, key(KeyCode::Enter));
    assert_eq!(a.screen, Screen::Check);
    both_sizes!("check", a);
}

#[test]
fn summary_screen() {
    let mut a = finished_app();
    update(&mut a, ch('s'));
    both_sizes!("summary", a);
}

#[test]
fn help_overlay_lists_every_key() {
    let mut a = finished_app();
    update(&mut a, ch('?'));
    let t = draw(&a, 120, 40);
    let text = format!("{}", t.backend());
    for k in ["j/k", "Enter", "Esc", " r ", " e ", " y ", "?", "q  Ctrl-C"] {
        let k = k.trim();
        assert!(text.contains(k), "help lists {k}");
    }
    both_sizes!("help", a);
}

#[test]
fn device_code_is_shown_prominently() {
    let mut a = app();
    a.modal = Some(Modal::SignInWait {
        slot: Slot::Diagnosed,
        method: crate::cli::SignIn::DeviceCode,
        prompt: Some(DeviceCodePrompt {
            user_code: "GHJK-7Q2X".into(),
            verification_uri: "https://microsoft.com/devicelogin".into(),
            message: String::new(),
            expires_in: 900,
        }),
    });
    both_sizes!("device_code", a);
}

#[test]
fn try_it_confirmation_says_it_changes_the_tenant() {
    let mut a = finished_app();
    update(&mut a, ch('t'));
    let text = format!("{}", draw(&a, 80, 24).backend());
    assert!(text.contains("WILL CHANGE THE TENANT"));
    both_sizes!("try_confirm", a);
}

#[test]
fn the_failing_row_is_red_and_carries_the_cross() {
    let mut a = finished_app();
    a.wizard_cursor = 0; // not selected: its own style shows
    a.user_moved = true;
    for (w, h) in [(80u16, 24u16), (120, 40)] {
        let t = draw(&a, w, h);
        let buf = t.backend().buffer();
        // Row 1 + index of group.type (the header is row 0).
        let y = 1 + 11;
        let glyph = &buf[(0, y)];
        assert_eq!(glyph.symbol(), "✘");
        assert_eq!(glyph.fg, Color::Red);
        assert!(glyph.modifier.contains(Modifier::BOLD));
        let title = &buf[(2, y)];
        assert_eq!(title.symbol(), "G");
        assert_eq!(title.fg, Color::Red);
        // A passing row is not red.
        assert_ne!(buf[(2, 1)].fg, Color::Red);
    }
}

#[test]
fn without_colour_the_failure_still_reads() {
    let mut a = finished_app();
    a.theme = Theme { color: false };
    let t = draw(&a, 80, 24);
    let buf = t.backend().buffer();
    let y = 1 + 11;
    assert_eq!(buf[(0, y)].symbol(), "✘");
    assert_eq!(buf[(0, y)].fg, Color::Reset);
    assert!(buf[(0, y)].modifier.contains(Modifier::BOLD));
    // The selected row (the focused failure) is reversed rather than coloured.
    assert!(buf[(2, y)].modifier.contains(Modifier::REVERSED));
}

#[test]
fn the_check_id_is_on_every_step_row() {
    let a = finished_app();
    // 80 columns, tall enough for every step row (24 checks) under the status line and hints.
    let t = draw(&a, 80, 30);
    let buf = t.backend().buffer();
    for (i, id) in CheckId::ALL.iter().enumerate() {
        let row: String = (0..80)
            .map(|x| buf[(x, 1 + i as u16)].symbol().to_string())
            .collect();
        assert!(row.contains(id.as_str()), "row {i} shows {id}: {row}");
        // The whole title, or (the longest, beside its id) its first words and an ellipsis:
        // never a word cut in two.
        let title = crate::checks::spec(*id).title;
        let shown = row
            .get(row.find(' ').map_or(0, |i| i + 1)..)
            .unwrap_or_default();
        let shown = shown.split("  ").next().unwrap_or_default().trim();
        match shown.strip_suffix('…') {
            None => assert!(
                row.contains(title),
                "row {i} shows the whole title {title}: {row}"
            ),
            Some(head) => assert!(
                title.starts_with(head) && title[head.len()..].starts_with(' '),
                "row {i} cuts {title} at a word: {row}"
            ),
        }
    }
}

#[test]
fn at_80x24_the_tally_and_the_key_hints_stay_and_no_word_is_split() {
    let a = finished_app();
    let t = draw(&a, 80, 24);
    let text = format!("{}", t.backend());
    let rows: Vec<&str> = text.lines().collect();
    assert!(rows[rows.len() - 1].contains("? help"), "{text}");
    assert!(text.contains("✘1") || text.contains("✘ 1 fail"), "{text}");
    // Every step row that shows ends with its whole id (nothing cut at the right edge).
    let ids: Vec<&str> = CheckId::ALL.iter().map(|i| i.as_str()).collect();
    let shown = rows
        .iter()
        .filter(|r| {
            ids.iter()
                .any(|id| r.trim_end_matches(['"', ' ']).ends_with(id))
        })
        .count();
    assert!(shown >= 18, "{shown} step rows at 80x24:\n{text}");
}

#[test]
fn at_200x50_the_step_list_widens_so_no_title_is_cut() {
    let a = finished_app();
    let t = draw(&a, 200, 50);
    let text = format!("{}", t.backend());
    for id in CheckId::ALL {
        let title = crate::checks::spec(id).title;
        assert!(text.contains(title), "the whole title {title}:\n{text}");
    }
    assert!(!text.contains('…'), "nothing cut:\n{text}");
}

#[test]
fn the_demo_header_names_the_scenario() {
    let mut a = app();
    update(
        &mut a,
        Msg::DemoReady(Box::new(DemoSetup {
            scenario: "distribution-group".into(),
            base_url: "http://127.0.0.1:4567".into(),
            token: Some(Secret::new(token())),
            reader: None,
            target: crate::report::Operation {
                group: Some(GROUP.into()),
                member: Some(GROUP.into()),
                ..Default::default()
            },
        })),
    );
    let text = format!("{}", draw(&a, 120, 40).backend());
    assert!(text.contains("demo: distribution-group"));
    // At 80 columns the scenario's name gives way to the operation (and, later, the verdict).
    let narrow = format!("{}", draw(&a, 80, 24).backend());
    let header = narrow.lines().next().unwrap_or_default().to_string();
    assert!(header.contains("add-group-member"), "{header}");
    assert!(matches!(a.run.steps[0], Step::Pending));
}

#[test]
fn paste_the_error_is_explained() {
    let mut a = app();
    a.connect_focus = 5;
    update(&mut a, key(KeyCode::Enter));
    update(
        &mut a,
        Msg::Paste(format!(
            "POST https://graph.microsoft.com/v1.0/groups/{GROUP}/members/$ref\r\n\r\nHTTP/1.1 403 Forbidden\r\nrequest-id: 1b1f0e0e-0000-4000-8000-000000000001\r\n\r\n{{\"error\":{{\"code\":\"Authorization_RequestDenied\",\"message\":\"Insufficient privileges to complete the operation.\"}}}}"
        )),
    );
    insta::assert_snapshot!("paste_error_80x24", draw(&a, 80, 24).backend());
    insta::assert_snapshot!("paste_error_120x40", draw(&a, 120, 40).backend());
    update(&mut a, key(KeyCode::Tab));
    assert!(matches!(a.modal, Some(Modal::Explained { .. })));
    let text = format!("{}", draw(&a, 120, 40).backend());
    assert!(text.contains("Enter runs the live checks"));
    assert!(text.contains("add-group-member"));
    // The snapshot uses a fixed explanation, so it shows this view, not explain's wording of the day.
    let mut report = crate::checks::report(
        Default::default(),
        vec![CheckResult::new(
            CheckId::TokenLifetime,
            Status::Pass,
            "Graph accepted the token.",
        )],
    );
    report.notes = Some(serde_json::from_value(serde_json::json!({
        "interpretation": "Ambiguous: \"Insufficient privileges to complete the operation.\" has several causes; the live checks tell them apart.",
        "candidates": [{"check": "auth.permission", "reason": "r"}, {"check": "user.role", "reason": "r"}],
        "support": {"request-id": "1b1f0e0e-0000-4000-8000-000000000001", "date": "2024-05-01T10:00:00"}
    })).expect("notes"));
    a.modal = Some(Modal::Explained {
        report: Box::new(report),
        hint: crate::explain::extract::pasted_operation(&format!(
            "POST /v1.0/groups/{GROUP}/members/$ref"
        )),
    });
    both_sizes!("explained", a);
}

#[test]
fn news_fades_back_to_the_key_hints_but_errors_stay() {
    let mut a = finished_app();
    assert!(format!("{}", draw(&a, 80, 24).backend()).contains("Done: verdict fail"));
    for i in 0..super::super::app::STATUS_TICKS {
        update(
            &mut a,
            Msg::Tick {
                now: NOW + i as i64,
            },
        );
    }
    let text = format!("{}", draw(&a, 80, 24).backend());
    assert!(!text.contains("Done: verdict fail"));
    assert!(text.contains("? help"));
    a.error("Export failed");
    for i in 0..super::super::app::STATUS_TICKS {
        update(
            &mut a,
            Msg::Tick {
                now: NOW + i as i64,
            },
        );
    }
    assert!(format!("{}", draw(&a, 80, 24).backend()).contains("Export failed"));
}

#[test]
fn a_huge_paste_is_drawn_from_a_line_break_near_its_end() {
    let token = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.c2lnbmF0dXJlLXNlZ21lbnQ";
    let mut text = String::new();
    while text.len() < 100 * 1024 {
        text.push_str("Authorization: Bearer ");
        text.push_str(token);
        text.push_str("\nsome log line é\n");
    }
    let tail = super::paste_tail(&text);
    assert!(tail.len() <= 16 * 1024);
    assert!(text.ends_with(tail));
    // It starts on a whole line, so every token in it is whole and gets redacted.
    assert!(tail.starts_with("Authorization: ") || tail.starts_with("some log line"));
    assert!(!crate::secret::redact(tail).contains("c2lnbmF0dXJl"));
    assert_eq!(super::paste_tail("short"), "short");
}

#[test]
fn the_model_scrolls_the_check_just_far_enough_to_show_its_last_line() {
    let mut a = finished_app();
    update(
        &mut a,
        Msg::Resize {
            width: 80,
            height: 24,
        },
    );
    update(&mut a, key(KeyCode::Enter));
    for _ in 0..500 {
        update(&mut a, ch('j'));
    }
    let last = "groups-overview";
    let text = format!("{}", draw(&a, 80, 24).backend());
    assert!(
        text.contains(last),
        "the last line shows at the end:\n{text}"
    );
    // At the bound the last line is on the bottom row: one row up hides it, so the model's
    // measure of the text is the view's, not a row more.
    update(&mut a, ch('k'));
    let text = format!("{}", draw(&a, 80, 24).backend());
    assert!(!text.contains(last), "one row up:\n{text}");
}

#[test]
fn recent_diagnoses_list_time_verdict_target_and_place() {
    let mut a = app();
    let done = finished_app();
    let mut report = done.run.report.clone().expect("report");
    for (i, (at, cause)) in [
        ("2026-12-03T17:29:41Z", Some(CheckId::GroupType)),
        ("2026-12-02T09:05:00Z", None),
    ]
    .into_iter()
    .enumerate()
    {
        report.generated_at = Some(at.into());
        report.primary_cause = cause;
        report.verdict = if cause.is_some() {
            crate::report::Verdict::Fail
        } else {
            crate::report::Verdict::Pass
        };
        report.names.group = Some("Sales DL".into());
        let place = if i == 0 {
            "graph.microsoft.com"
        } else {
            "demo: healthy-app"
        };
        let entry = crate::tui::history::Entry::of(&report, place);
        a.history.push(entry);
    }
    a.history_on = true;
    a.modal = Some(Modal::History { cursor: 1 });
    let text = format!("{}", draw(&a, 80, 24).backend());
    both_sizes!("history", a);
    assert!(text.contains("2 recent diagnoses"), "{text}");
    assert!(
        text.contains("▶ ✔ 2026-12-02 09:05  pass  · demo: healthy-app"),
        "{text}"
    );
    assert!(
        text.contains("add-group-member  Sales DL ← 11111111-2222-3333-4444-555555555555"),
        "{text}"
    );
    assert!(text.contains("group.type"), "{text}");
}

#[test]
fn a_plan_shows_its_tally_and_each_rows_verdict_as_it_finishes() {
    let mut a = ready_app();
    a.plan = Some(crate::tui::app::PlanView {
        gen: 7,
        path: "/tmp/plan.csv".into(),
        rows: None,
        cursor: 0,
        done: false,
    });
    a.screen = Screen::Plan;
    let rows = crate::plan::parse(&format!(
        "add-group-member,{GROUP},11111111-2222-3333-4444-555555555555\nadd-au-member,60000000-0000-4000-8000-000000000001,11111111-2222-3333-4444-555555555555\ncreate-au-group,60000000-0000-4000-8000-000000000001\n"
    ))
    .expect("parses");
    update(
        &mut a,
        Msg::PlanLoaded {
            gen: 7,
            result: Ok(rows),
        },
    );
    let mut report = finished_app().run.report.expect("report");
    report.names.group = Some("Sales DL".into());
    report.names.member = Some("cara@contoso.com".into());
    update(
        &mut a,
        Msg::PlanRow {
            gen: 7,
            index: 0,
            report: Box::new(report),
        },
    );
    let text = format!("{}", draw(&a, 80, 24).backend());
    assert!(text.contains("1/3 diagnosed"), "{text}");
    assert!(text.contains("Sales DL ← cara@contoso.com"), "{text}");
    assert!(text.contains("group.type"), "{text}");
    assert!(text.contains("2 to go"), "{text}");
    assert!(text.contains("Enter open row"), "{text}");
    both_sizes!("plan", a);
}
