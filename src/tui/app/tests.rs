//! `update` driven with plain messages: no terminal, no network, no clock.

use super::*;
use crate::auth::jwt::mint;
use crate::auth::sources::{DeviceCodePrompt, SignIn};
use crate::engine::Progress;
use crate::graph::directory::Write;
use crate::report::{CheckId, CommandKind, Evidence, FixCommand};
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use serde_json::json;

pub(crate) const NOW: i64 = 1_800_000_000;
pub(crate) const GROUP: &str = "8b1e7ab2-1c2d-4e5f-8a9b-0c1d2e3f4a5b";
pub(crate) const MEMBER: &str = "11111111-2222-3333-4444-555555555555";

pub(crate) fn token() -> String {
    mint(&json!({
        "aud": "https://graph.microsoft.com", "scp": "GroupMember.ReadWrite.All User.Read",
        "tid": "72f988bf-86f1-41af-91ab-2d7cd011db47", "upn": "ada@contoso.com",
        "app_displayname": "HR provisioning", "appid": "22222222-2222-2222-2222-222222222222",
        "ver": "1.0", "exp": NOW + 3552, "nbf": NOW - 300
    }))
}

pub(crate) fn app() -> App {
    let config = Config {
        graph_url: Some("http://127.0.0.1:9".into()),
        ..Config::default()
    };
    App::new(config, Theme { color: true }, NOW)
}

/// An app with a token and a complete add-group-member target.
pub(crate) fn ready_app() -> App {
    let mut a = app();
    a.set_token(Slot::Diagnosed, Secret::new(token()), "pasted");
    a.pickers[PickKind::Group.index()].chosen = Some(PickItem {
        id: GROUP.into(),
        name: "Sales DL".into(),
        detail: "sales@contoso.com".into(),
        badges: vec!["distribution".into()],
    });
    a.pickers[PickKind::Member.index()].chosen = Some(PickItem::bare(MEMBER));
    a
}

pub(crate) fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

pub(crate) fn ch(c: char) -> Msg {
    key(KeyCode::Char(c))
}

fn ctrl(c: char) -> Msg {
    Msg::Key(KeyEvent {
        code: KeyCode::Char(c),
        modifiers: KeyModifiers::CONTROL,
        kind: KeyEventKind::Press,
        state: crossterm::event::KeyEventState::NONE,
    })
}

fn typed(app: &mut App, s: &str) -> Vec<Effect> {
    s.chars().flat_map(|c| update(app, ch(c))).collect()
}

pub(crate) fn failing_group_type() -> CheckResult {
    let mut r = CheckResult::new(
        CheckId::GroupType,
        Status::Fail,
        "“Sales DL” is a distribution group (mailEnabled=true, securityEnabled=false); Graph can only read its membership.",
    );
    r.evidence.push(Evidence {
        request: format!("GET /v1.0/groups/{GROUP}?$select=id,displayName,groupTypes,mailEnabled,securityEnabled"),
        status: Some(200),
        latency_ms: Some(41),
        facts: json!({"groupTypes": [], "mailEnabled": true, "securityEnabled": false}),
    });
    r.fix.push("Manage this group's membership in Exchange Online (Add-DistributionGroupMember) or the Exchange admin center.".into());
    r.fix_commands.push(FixCommand {
        kind: CommandKind::Powershell,
        text: "Add-DistributionGroupMember -Identity 'Sales DL' -Member ada@contoso.com".into(),
    });
    r.docs
        .push("https://learn.microsoft.com/graph/api/resources/groups-overview".into());
    r.explanation =
        "Graph manages the membership of Microsoft 365 and security groups only.".into();
    crate::checks::titled(r)
}

/// A finished run: token checks pass, group.type fails, one warning, the rest mixed.
pub(crate) fn finished_app() -> App {
    let mut a = ready_app();
    let effects = start_run(&mut a);
    let gen = match effects
        .iter()
        .find(|e| matches!(e, Effect::Diagnose { .. }))
    {
        Some(Effect::Diagnose { gen, .. }) => *gen,
        _ => panic!("no diagnose effect"),
    };
    let mut checks = Vec::new();
    for id in CheckId::ALL {
        let r = match id {
            CheckId::GroupType => failing_group_type(),
            CheckId::TokenTenant => {
                CheckResult::skipped(id, "No --tenant given: nothing to compare with.")
            }
            CheckId::ExchangePolicy => CheckResult::skipped(id, "No Exchange response was seen."),
            CheckId::LicenseUser => {
                CheckResult::new(id, Status::Warn, "The user holds no Entra ID P1 licence.")
            }
            CheckId::UserRole => CheckResult::unknown(
                id,
                "Reading role assignments needs RoleManagement.Read.Directory.",
            ),
            _ => CheckResult::new(
                id,
                Status::Pass,
                format!("{} holds.", crate::checks::spec(id).title),
            ),
        };
        checks.push(r);
    }
    update(
        &mut a,
        Msg::Progress {
            gen,
            progress: Progress::Request {
                request: format!("GET /v1.0/groups/{GROUP}?$select=id"),
                status: Some(200),
                latency_ms: 41,
            },
        },
    );
    let report = crate::checks::report(a.operation(), checks);
    update(
        &mut a,
        Msg::Finished {
            gen,
            report: Box::new(report),
        },
    );
    a
}

#[test]
fn q_quits_and_ctrl_c_quits_even_while_typing() {
    let mut a = app();
    let e = update(&mut a, ch('q'));
    assert!(a.quit);
    assert!(e.iter().any(|e| matches!(e, Effect::Quit)));

    let mut a = app();
    update(&mut a, key(KeyCode::Enter)); // edit the token field
    assert_eq!(a.connect_editing, Some(ConnectRow::Token));
    update(&mut a, ch('q'));
    assert!(!a.quit, "q is text while a field is edited");
    update(&mut a, ctrl('c'));
    assert!(a.quit);
}

#[test]
fn a_typed_token_is_committed_on_enter_and_decoded() {
    let mut a = app();
    update(&mut a, key(KeyCode::Enter));
    typed(&mut a, &token());
    assert!(a.token.is_none());
    update(&mut a, key(KeyCode::Enter));
    let held = a.token.as_ref().expect("token");
    assert_eq!(held.source, "pasted");
    assert!(held.decoded.is_ok());
    assert_eq!(
        a.connect_input.value(),
        "",
        "the field does not keep the token"
    );
}

#[test]
fn a_paste_on_the_token_row_is_the_token() {
    let mut a = app();
    update(&mut a, Msg::Paste(format!("  {}\n", token())));
    assert_eq!(
        a.token.as_ref().map(|t| t.secret.expose().to_string()),
        Some(token())
    );
    // Esc while editing throws the text away.
    update(&mut a, key(KeyCode::Down));
    update(&mut a, key(KeyCode::Down)); // Reader
    update(&mut a, key(KeyCode::Enter));
    typed(&mut a, "abc");
    update(&mut a, key(KeyCode::Esc));
    assert!(a.reader.is_none());
}

#[test]
fn continue_needs_a_token() {
    let mut a = app();
    update(&mut a, key(KeyCode::Tab));
    assert_eq!(a.screen, Screen::Connect);
    assert!(a.status.as_ref().is_some_and(|s| s.error));
    update(&mut a, Msg::Paste(token()));
    update(&mut a, key(KeyCode::Tab));
    assert_eq!(a.screen, Screen::Target);
}

#[test]
fn token_files_are_read_by_the_runtime() {
    let mut a = app();
    update(&mut a, key(KeyCode::Down)); // Token file
    update(&mut a, key(KeyCode::Enter));
    typed(&mut a, "/tmp/t.jwt");
    let e = update(&mut a, key(KeyCode::Enter));
    assert!(
        matches!(&e[..], [Effect::ReadTokenFile { slot: Slot::Diagnosed, path }] if path == "/tmp/t.jwt")
    );
    update(
        &mut a,
        Msg::TokenFileRead {
            slot: Slot::Diagnosed,
            path: "/tmp/t.jwt".into(),
            result: Ok(format!("{}\n", token())),
        },
    );
    assert_eq!(
        a.token.as_ref().map(|t| t.source.as_str()),
        Some("file /tmp/t.jwt")
    );
    update(
        &mut a,
        Msg::TokenFileRead {
            slot: Slot::Reader,
            path: "/nope".into(),
            result: Err("No such file or directory".into()),
        },
    );
    assert!(a
        .status
        .as_ref()
        .is_some_and(|s| s.error && s.text.contains("/nope")));
}

#[test]
fn the_cloud_cycles_and_keeps_an_endpoint() {
    let mut a = app();
    a.graph_url = None;
    update(&mut a, key(KeyCode::Up)); // Cloud
    let e = update(&mut a, key(KeyCode::Enter));
    assert_eq!(a.cloud, Cloud::UsGov);
    assert!(a
        .endpoint
        .as_ref()
        .is_some_and(|ep| ep.base.as_str().contains("graph.microsoft.us")));
    assert!(
        matches!(&e[..], [Effect::UseGraph(ep)] if Some(ep) == a.endpoint.as_ref()),
        "the runtime is told: {e:?}"
    );
}

#[test]
fn picker_searches_are_debounced_by_generation_and_stale_answers_dropped() {
    let mut a = ready_app();
    a.pickers[PickKind::Group.index()].chosen = None;
    a.screen = Screen::Target;
    update(&mut a, key(KeyCode::Down)); // Group
    update(&mut a, key(KeyCode::Enter));
    assert!(a.picker(PickKind::Group).open);
    let effects = typed(&mut a, "sal");
    let gens: Vec<u64> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::Search {
                kind: PickKind::Group,
                gen,
                query,
                ..
            } => {
                assert!("sal".starts_with(query.as_str()));
                Some(*gen)
            }
            _ => None,
        })
        .collect();
    assert_eq!(
        gens.len(),
        3,
        "one (debounced, replacing) search per keystroke"
    );
    assert!(gens.windows(2).all(|w| w[0] < w[1]));
    assert!(a.picker(PickKind::Group).searching);
    let item = |name: &str| PickItem {
        id: GROUP.into(),
        name: name.into(),
        detail: String::new(),
        badges: vec!["security".into()],
    };
    update(
        &mut a,
        Msg::SearchDone {
            kind: PickKind::Group,
            gen: gens[0],
            result: Ok(vec![item("stale")]),
        },
    );
    assert!(
        a.picker(PickKind::Group).results.is_empty(),
        "an older search's answer is dropped"
    );
    update(
        &mut a,
        Msg::SearchDone {
            kind: PickKind::Group,
            gen: gens[2],
            result: Ok(vec![item("Sales"), item("Sales EMEA")]),
        },
    );
    assert_eq!(a.picker(PickKind::Group).results.len(), 2);
    update(&mut a, key(KeyCode::Down));
    let e = update(&mut a, key(KeyCode::Enter));
    assert!(e.iter().any(|e| matches!(e, Effect::CancelSearches)));
    let p = a.picker(PickKind::Group);
    assert!(!p.open);
    assert_eq!(
        p.chosen.as_ref().map(|c| c.name.as_str()),
        Some("Sales EMEA")
    );
    assert_eq!(
        target_rows(a.operation)[a.target_focus],
        TargetRow::Pick(PickKind::Member)
    );
}

#[test]
fn a_pasted_id_is_picked_without_results_and_errors_show_in_the_picker() {
    let mut a = ready_app();
    a.pickers[PickKind::Member.index()].chosen = None;
    a.screen = Screen::Target;
    a.target_focus = 2;
    let e = update(&mut a, Msg::Paste(MEMBER.to_uppercase()));
    assert!(matches!(
        &e[..],
        [Effect::Search {
            kind: PickKind::Member,
            ..
        }]
    ));
    let gen = a.picker(PickKind::Member).gen;
    update(
        &mut a,
        Msg::SearchDone {
            kind: PickKind::Member,
            gen,
            result: Err("search failed (403 Authorization_RequestDenied)".into()),
        },
    );
    assert!(a.picker(PickKind::Member).error.is_some());
    update(&mut a, key(KeyCode::Enter));
    assert_eq!(
        a.picker(PickKind::Member)
            .chosen
            .as_ref()
            .map(|c| c.id.as_str()),
        Some(MEMBER)
    );
}

#[test]
fn leaving_the_target_screen_cancels_its_searches() {
    let mut a = ready_app();
    a.screen = Screen::Target;
    let e = update(&mut a, key(KeyCode::Esc));
    assert_eq!(a.screen, Screen::Connect);
    assert!(e.iter().any(|e| matches!(e, Effect::CancelSearches)));
}

#[test]
fn the_operation_decides_which_pickers_show() {
    assert_eq!(
        target_rows(OperationKind::CreateAuGroup),
        vec![
            TargetRow::Operation,
            TargetRow::Pick(PickKind::AdministrativeUnit),
            TargetRow::Tenant,
            TargetRow::Run
        ]
    );
    let mut a = ready_app();
    a.screen = Screen::Target;
    update(&mut a, key(KeyCode::Enter));
    assert_eq!(a.operation, OperationKind::AddAuMember);
    assert_eq!(a.missing(), vec!["the administrative unit"]);
    update(&mut a, key(KeyCode::Tab));
    assert_eq!(a.screen, Screen::Target, "incomplete target does not run");
}

#[test]
fn progress_fills_steps_and_the_first_failure_is_focused() {
    let mut a = ready_app();
    let e = start_run(&mut a);
    assert_eq!(a.screen, Screen::Wizard);
    let gen = a.run.gen;
    assert!(e
        .iter()
        .any(|e| matches!(e, Effect::Diagnose { gen: g, .. } if *g == gen)));
    update(
        &mut a,
        Msg::Progress {
            gen,
            progress: Progress::Running(CheckId::GroupType),
        },
    );
    assert_eq!(a.run.steps[11], Step::Running);
    update(
        &mut a,
        Msg::Progress {
            gen,
            progress: Progress::Decided(failing_group_type()),
        },
    );
    assert_eq!(a.wizard_cursor, 11, "group.type is focused");
    let earlier = CheckResult::new(CheckId::AuthPermission, Status::Fail, "only User.Read");
    update(
        &mut a,
        Msg::Progress {
            gen,
            progress: Progress::Decided(earlier),
        },
    );
    assert_eq!(a.wizard_cursor, 9, "an earlier failure takes the focus");
    // Stale progress from a cancelled run is dropped.
    update(
        &mut a,
        Msg::Progress {
            gen: gen - 1,
            progress: Progress::Decided(CheckResult::new(CheckId::TokenFormat, Status::Fail, "x")),
        },
    );
    assert_eq!(a.run.steps[0], Step::Pending);
    // Once the operator moves, the focus stays theirs.
    update(&mut a, ch('j'));
    assert_eq!(a.wizard_cursor, 10);
    update(
        &mut a,
        Msg::Progress {
            gen,
            progress: Progress::Decided(CheckResult::new(
                CheckId::TokenAudience,
                Status::Fail,
                "aud",
            )),
        },
    );
    assert_eq!(a.wizard_cursor, 10);
}

#[test]
fn a_finished_run_has_a_summary_of_fails_then_warnings() {
    let mut a = finished_app();
    assert!(!a.run.running);
    assert_eq!(a.wizard_cursor, 11);
    assert_eq!(a.summary_rows(), vec![11, 21]);
    assert!(a
        .status
        .as_ref()
        .is_some_and(|s| s.text.contains("group.type")));
    update(&mut a, ch('s'));
    assert_eq!(a.screen, Screen::Summary);
    update(&mut a, key(KeyCode::Down));
    update(&mut a, key(KeyCode::Enter));
    assert_eq!(a.screen, Screen::Check);
    assert_eq!(a.wizard_cursor, 21);
    update(&mut a, key(KeyCode::Esc));
    assert_eq!(a.screen, Screen::Summary);
    update(&mut a, key(KeyCode::Left));
    assert_eq!(a.screen, Screen::Wizard);
}

#[test]
fn back_from_the_wizard_cancels_the_run_and_r_reruns() {
    let mut a = ready_app();
    start_run(&mut a);
    let e = update(&mut a, key(KeyCode::Esc));
    assert_eq!(a.screen, Screen::Target);
    assert!(e.iter().any(|e| matches!(e, Effect::CancelDiagnosis)));
    let mut a = finished_app();
    let old = a.run.gen;
    let e = update(&mut a, ch('r'));
    assert!(e
        .iter()
        .any(|e| matches!(e, Effect::Diagnose { gen, .. } if *gen > old)));
    assert!(a.run.running);
    assert_eq!(a.run.decided(), 0);
}

#[test]
fn y_copies_the_fix_commands_and_digits_copy_one() {
    let mut a = finished_app();
    let e = update(&mut a, ch('y'));
    assert!(matches!(&e[..], [Effect::Copy(t)] if t.starts_with("Add-DistributionGroupMember")));
    update(&mut a, key(KeyCode::Enter));
    let e = update(&mut a, ch('1'));
    assert!(matches!(&e[..], [Effect::Copy(_)]));
    let e = update(&mut a, ch('2'));
    assert!(e.is_empty());
    a.wizard_cursor = 0;
    let e = update(&mut a, ch('y'));
    assert!(e.is_empty(), "a passing check has no fix");
}

#[test]
fn export_writes_a_report_without_the_token() {
    let mut a = finished_app();
    update(&mut a, ch('e'));
    assert!(matches!(a.modal, Some(Modal::Export { .. })));
    update(&mut a, key(KeyCode::Tab));
    match &a.modal {
        Some(Modal::Export { input, format }) => {
            assert_eq!(*format, ExportFormat::Json);
            // Timestamped (NOW is 2027-01-15 08:00:00 UTC), so a second export is a new file.
            assert_eq!(input.value(), "graph-doctor-report-20270115-080000.json");
        }
        other => panic!("unexpected {other:?}"),
    }
    let e = update(&mut a, key(KeyCode::Enter));
    match &e[..] {
        [Effect::Export { path, contents }] => {
            assert_eq!(path, "graph-doctor-report-20270115-080000.json");
            assert!(contents.contains("\"primary_cause\": \"group.type\""));
            assert!(!contents.contains(&token()));
            let sig = token().rsplit('.').next().unwrap_or_default().to_string();
            assert!(!contents.contains(&sig));
        }
        other => panic!("unexpected {other:?}"),
    }
    update(&mut a, Msg::Exported(Ok("graph-doctor-report.json".into())));
    assert!(a.status.as_ref().is_some_and(|s| !s.error));
}

#[test]
fn help_opens_with_question_mark_and_any_key_closes_it() {
    let mut a = finished_app();
    update(&mut a, ch('?'));
    assert!(a.help);
    update(&mut a, ch('q'));
    assert!(!a.help);
    assert!(!a.quit, "the key that closes help does nothing else");
}

#[test]
fn a_pasted_error_is_explained_and_fills_in_the_target() {
    let mut a = app();
    a.set_token(Slot::Diagnosed, Secret::new(token()), "pasted");
    a.connect_focus = 5; // Paste the error
    update(&mut a, key(KeyCode::Enter));
    assert!(a.editing());
    let pasted = format!(
        "POST https://graph.microsoft.com/v1.0/groups/{GROUP}/members/$ref\n{{\"@odata.id\": \"https://graph.microsoft.com/v1.0/directoryObjects/{MEMBER}\"}}\n\nHTTP/1.1 403 Forbidden\nContent-Type: application/json\n\n{{\"error\":{{\"code\":\"Authorization_RequestDenied\",\"message\":\"Insufficient privileges to complete the operation.\"}}}}"
    );
    update(&mut a, Msg::Paste(pasted));
    update(&mut a, key(KeyCode::Tab));
    assert!(matches!(a.modal, Some(Modal::Explained { .. })));
    assert!(a.observed.is_some());
    let e = update(&mut a, key(KeyCode::Enter));
    assert_eq!(a.operation().group.as_deref(), Some(GROUP));
    assert_eq!(a.operation().member.as_deref(), Some(MEMBER));
    assert!(e
        .iter()
        .any(|e| matches!(e, Effect::Diagnose { input, .. } if input.observed.is_some())));
    assert_eq!(a.screen, Screen::Wizard);
}

#[test]
fn try_it_asks_first_and_only_capital_y_writes() {
    let mut a = finished_app();
    update(&mut a, ch('t'));
    match &a.modal {
        Some(Modal::ConfirmTry { method, path }) => {
            assert_eq!(method, "POST");
            assert_eq!(path, &format!("/v1.0/groups/{GROUP}/members/$ref"));
        }
        other => panic!("unexpected {other:?}"),
    }
    let e = update(&mut a, ch('y'));
    assert!(e.is_empty(), "lower-case y does not write");
    assert!(a.modal.is_none());
    update(&mut a, ch('t'));
    let e = update(&mut a, ch('Y'));
    match &e[..] {
        [Effect::TryOperation { write, .. }] => {
            let base = a.endpoint.as_ref().map(|ep| ep.base.to_string());
            assert_eq!(
                write
                    .request(&base.unwrap_or_default())
                    .body
                    .as_ref()
                    .and_then(|b| b.get("@odata.id"))
                    .and_then(|v| v.as_str()),
                Some(format!("http://127.0.0.1:9/v1.0/directoryObjects/{MEMBER}").as_str())
            );
        }
        other => panic!("unexpected {other:?}"),
    }
    update(
        &mut a,
        Msg::TryDone(Ok((400, "HTTP/1.1 400 Bad Request\r\n\r\n{\"error\":{\"code\":\"Request_BadRequest\",\"message\":\"Cannot Update a mail-enabled security groups and or distribution list.\"}}".into()))),
    );
    match &a.modal {
        Some(Modal::TryResult {
            status: Some(400),
            text,
            findings,
        }) => {
            // Classified, not raw JSON: the code and the message, and what explain finds.
            assert!(
                text.starts_with("Request_BadRequest: Cannot Update a mail-enabled"),
                "{text}"
            );
            assert!(!text.contains("{\""), "{text}");
            assert!(
                findings.iter().any(|f| f.id == CheckId::GroupType),
                "{findings:?}"
            );
        }
        other => panic!("unexpected {other:?}"),
    }
    // The status line says how it ended, not "Sending POST ...".
    let status = a
        .status
        .as_ref()
        .map(|s| s.text.clone())
        .unwrap_or_default();
    assert!(status.contains("Graph answered 400"), "{status}");
}

#[test]
fn sign_in_shows_the_device_code_and_can_be_cancelled() {
    let mut a = app();
    a.connect_focus = 4; // Sign in
    update(&mut a, key(KeyCode::Enter));
    update(&mut a, key(KeyCode::Tab)); // reader slot
    update(&mut a, key(KeyCode::Tab)); // back to the diagnosed token
    let e = update(&mut a, key(KeyCode::Enter));
    let gen = match &e[..] {
        [Effect::SignIn {
            gen,
            slot: Slot::Diagnosed,
            method: SignIn::DeviceCode,
            ..
        }] => *gen,
        other => panic!("unexpected {other:?}"),
    };
    let prompt = DeviceCodePrompt {
        user_code: "ABCD-1234".into(),
        verification_uri: "https://microsoft.com/devicelogin".into(),
        message: "To sign in…".into(),
        expires_in: 900,
    };
    update(
        &mut a,
        Msg::DeviceCode {
            gen,
            prompt: prompt.clone(),
        },
    );
    assert!(matches!(&a.modal, Some(Modal::SignInWait { prompt: Some(p), .. }) if *p == prompt));
    let e = update(&mut a, key(KeyCode::Esc));
    assert!(matches!(&e[..], [Effect::CancelSignIn]));
    // The cancelled sign-in's late answer is ignored.
    update(
        &mut a,
        Msg::SignedIn {
            gen,
            slot: Slot::Diagnosed,
            method: SignIn::DeviceCode,
            result: Ok(Secret::new(token())),
        },
    );
    assert!(a.token.is_none());
}

#[test]
fn a_claims_challenge_leads_to_a_new_sign_in_and_a_rerun() {
    let mut a = finished_app();
    let mut ca = CheckResult::new(
        CheckId::CaClaims,
        Status::Fail,
        "A claims challenge is outstanding.",
    );
    ca.evidence.push(Evidence {
        request: "GET /v1.0/me".into(),
        status: Some(401),
        latency_ms: None,
        facts: json!({"claims": "{\"access_token\":{\"capolids\":{\"essential\":true,\"values\":[\"1\"]}}}"}),
    });
    a.run.steps[5] = Step::Done(ca);
    update(&mut a, ch('c'));
    assert!(matches!(
        &a.modal,
        Some(Modal::SignInChoose {
            claims: Some(_),
            ..
        })
    ));
    let e = update(&mut a, key(KeyCode::Enter));
    let gen = match &e[..] {
        [Effect::SignIn { gen, config, .. }] => {
            assert!(config.claims.is_some());
            *gen
        }
        other => panic!("unexpected {other:?}"),
    };
    let e = update(
        &mut a,
        Msg::SignedIn {
            gen,
            slot: Slot::Diagnosed,
            method: SignIn::DeviceCode,
            result: Ok(Secret::new(token())),
        },
    );
    assert!(
        e.iter().any(|e| matches!(e, Effect::Diagnose { .. })),
        "a new token re-runs the checks"
    );
    assert_eq!(
        a.token.as_ref().map(|t| t.source.as_str()),
        Some("device code sign-in")
    );
}

#[test]
fn a_failed_sign_in_is_a_modal_not_a_crash() {
    let mut a = app();
    a.sign_in_gen = 7;
    update(
        &mut a,
        Msg::SignedIn {
            gen: 7,
            slot: Slot::Reader,
            method: SignIn::AzureCli,
            result: Err("az is not installed".into()),
        },
    );
    assert!(matches!(&a.modal, Some(Modal::Error(e)) if e.contains("az is not installed")));
    update(&mut a, ch('x'));
    assert!(a.modal.is_none());
}

#[test]
fn the_demo_opens_the_wizard_and_runs() {
    let mut a = App::new(
        Config {
            scenarios: Some(vec![("distribution-group".into(), "A DL".into())]),
            ..Config::default()
        },
        Theme::default(),
        NOW,
    );
    assert_eq!(a.screen, Screen::Scenarios);
    let e = update(&mut a, key(KeyCode::Enter));
    assert!(matches!(&e[..], [Effect::StartDemo(n)] if n == "distribution-group"));
    let e = update(
        &mut a,
        Msg::DemoReady(Box::new(DemoSetup {
            scenario: "distribution-group".into(),
            base_url: "http://127.0.0.1:4567".into(),
            token: Some(Secret::new(token())),
            reader: None,
            target: Operation {
                kind: OperationKind::AddGroupMember,
                group: Some(GROUP.into()),
                member: Some(MEMBER.into()),
                au: None,
                request: None,
            },
        })),
    );
    assert_eq!(a.screen, Screen::Wizard);
    assert!(e.iter().any(|e| matches!(e, Effect::Diagnose { .. })));
    assert_eq!(
        a.sign_in.login_url.as_deref(),
        Some("http://127.0.0.1:4567")
    );
    update(&mut a, Msg::DemoFailed("port in use".into()));
    assert!(matches!(a.modal, Some(Modal::Error(_))));
}

#[test]
fn ticks_move_the_clock_and_the_spinner() {
    let mut a = app();
    update(&mut a, Msg::Tick { now: NOW + 10 });
    assert_eq!(a.now, NOW + 10);
    assert_eq!(a.tick, 1);
    update(
        &mut a,
        Msg::Resize {
            width: 100,
            height: 30,
        },
    );
    assert_eq!(a.viewport, (100, 30));
    update(&mut a, Msg::Interrupt);
    assert!(a.quit);
}

#[test]
fn try_requests_for_every_operation() {
    let au = Operation {
        kind: OperationKind::AddAuMember,
        au: Some(GROUP.into()),
        member: Some(MEMBER.into()),
        group: None,
        request: None,
    };
    assert_eq!(
        Write::for_operation(&au).map(|w| w.path()),
        Some(format!(
            "/v1.0/directory/administrativeUnits/{GROUP}/members/$ref"
        ))
    );
    let create = Operation {
        kind: OperationKind::CreateAuGroup,
        au: Some(GROUP.into()),
        ..Operation::default()
    };
    assert!(Write::for_operation(&create).is_some_and(|w| w.path().ends_with("/members")));
    assert!(Write::for_operation(&Operation::default()).is_none());
}

#[test]
fn preset_ids_are_looked_up_for_their_names() {
    let mut a = ready_app();
    a.pickers[PickKind::Group.index()].chosen = Some(PickItem::bare(GROUP));
    a.screen = Screen::Connect;
    let e = update(&mut a, key(KeyCode::Tab));
    assert_eq!(a.screen, Screen::Target);
    let searches: Vec<(PickKind, u64, String)> = e
        .iter()
        .filter_map(|e| match e {
            Effect::Search {
                kind, gen, query, ..
            } => Some((*kind, *gen, query.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(
        searches.len(),
        2,
        "group and member are both bare ids: {searches:?}"
    );
    let (kind, gen, query) = searches[0].clone();
    assert_eq!((kind, query.as_str()), (PickKind::Group, GROUP));
    update(
        &mut a,
        Msg::SearchDone {
            kind,
            gen,
            result: Ok(vec![PickItem {
                id: GROUP.into(),
                name: "Sales DL".into(),
                detail: String::new(),
                badges: vec!["distribution".into()],
            }]),
        },
    );
    let chosen = a.picker(PickKind::Group).chosen.clone().expect("chosen");
    assert_eq!(chosen.name, "Sales DL");
    assert!(
        a.picker(PickKind::Group).results.is_empty(),
        "a lookup fills no result list"
    );
}

#[test]
fn a_client_secret_is_asked_masked_and_passed_to_the_sign_in() {
    let mut a = app();
    a.connect_focus = 4;
    update(&mut a, key(KeyCode::Enter));
    update(&mut a, key(KeyCode::Down)); // Client secret
    update(&mut a, key(KeyCode::Enter));
    assert!(matches!(a.modal, Some(Modal::SecretPrompt { .. })));
    assert!(a.editing());
    typed(&mut a, "s3cr3t-q");
    let e = update(&mut a, key(KeyCode::Enter));
    match &e[..] {
        [Effect::SignIn {
            method: SignIn::ClientSecret,
            config,
            ..
        }] => {
            assert_eq!(
                config.client_secret.as_ref().map(|s| s.expose()),
                Some("s3cr3t-q")
            );
            assert!(
                !format!("{config:?}").contains("s3cr3t"),
                "Debug never shows it"
            );
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn detail_scrolling_stops_at_the_end_of_the_text() {
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
    let max = a.detail_scroll;
    assert!(max > 0, "the check has more than a screenful at 80x24");
    assert!(max < 60, "bounded by the text: {max}");
    update(&mut a, ch('k'));
    assert_eq!(a.detail_scroll, max - 1, "one key brings it back up");
    // A bigger terminal needs less scrolling.
    update(
        &mut a,
        Msg::Resize {
            width: 200,
            height: 60,
        },
    );
    assert_eq!(a.detail_scroll, 0);
}

#[test]
fn no_debug_output_of_the_model_or_a_message_shows_a_token() {
    let mut a = app();
    update(&mut a, Msg::Paste(token()));
    update(&mut a, key(KeyCode::Down));
    update(&mut a, key(KeyCode::Down)); // Reader
    update(&mut a, key(KeyCode::Enter));
    typed(&mut a, &token()); // being typed, not yet committed
    let sig = token().rsplit('.').next().unwrap_or_default().to_string();
    let dump = format!("{a:?}");
    assert!(!dump.contains(&token()), "the model's Debug shows no token");
    assert!(!dump.contains(&sig), "nor its signature");
    assert!(dump.contains("SecretInput([redacted]"));
    let msg = format!("{:?}", Msg::Paste(token()));
    assert!(!msg.contains("eyJ"), "{msg}");
    let msg = format!(
        "{:?}",
        Msg::TokenFileRead {
            slot: Slot::Diagnosed,
            path: "t".into(),
            result: Ok(token())
        }
    );
    assert!(!msg.contains("eyJ"), "{msg}");
}

#[test]
fn only_moving_things_ask_for_fast_ticks() {
    let mut a = ready_app();
    a.status = None;
    assert!(!a.animating(), "an idle wizard needs no fast ticks");
    a.info("Report written.");
    assert!(a.animating(), "a fresh status line fades with the ticks");
    for _ in 0..crate::tui::app::STATUS_TICKS {
        update(&mut a, Msg::Tick { now: NOW });
    }
    assert!(!a.animating(), "a faded status line needs no ticks");
    a.error("Sign-in failed.");
    assert!(
        !a.animating(),
        "an error stays until replaced: nothing to animate"
    );
    let _ = start_run(&mut a);
    assert!(a.animating(), "the running checks spin");
}

#[test]
fn pasting_the_id_an_error_asked_for_clears_that_error() {
    let mut a = ready_app();
    a.pickers[PickKind::Member.index()].chosen = None;
    a.screen = Screen::Target;
    a.target_focus = 2;
    a.error("Nothing to pick: type part of a name or UPN, or paste the object id.");
    update(&mut a, Msg::Paste(MEMBER.into()));
    assert!(
        a.status.is_none(),
        "{:?}",
        a.status.as_ref().map(|s| &s.text)
    );
}

fn many_scenarios() -> App {
    let rows = (0..30)
        .map(|i| (format!("scenario-{i:02}"), format!("summary {i}")))
        .chain([("distribution-group".to_string(), "A DL".to_string())])
        .collect();
    App::new(
        Config {
            scenarios: Some(rows),
            ..Config::default()
        },
        Theme::default(),
        NOW,
    )
}

#[test]
fn the_scenario_picker_filters_as_you_type_and_jumps() {
    let mut a = many_scenarios();
    update(&mut a, key(KeyCode::End));
    assert_eq!(a.scenario_cursor, 30);
    update(&mut a, key(KeyCode::Home));
    assert_eq!(a.scenario_cursor, 0);
    update(&mut a, key(KeyCode::PageDown));
    assert_eq!(a.scenario_cursor, 10);
    update(&mut a, key(KeyCode::PageUp));
    assert_eq!(a.scenario_cursor, 0);
    // Letters filter (q and j are text here, not quit and down).
    for c in "dist".chars() {
        update(&mut a, ch(c));
    }
    assert!(!a.quit);
    assert_eq!(a.visible_scenarios(), vec![30]);
    let e = update(&mut a, key(KeyCode::Enter));
    assert!(matches!(&e[..], [Effect::StartDemo(n)] if n == "distribution-group"));
    update(&mut a, ch('q'));
    assert!(!a.quit, "q is typed into the filter");
    assert!(a.visible_scenarios().is_empty());
    let e = update(&mut a, key(KeyCode::Enter));
    assert!(e.is_empty());
    update(&mut a, key(KeyCode::Backspace));
    assert_eq!(a.visible_scenarios(), vec![30]);
    update(&mut a, key(KeyCode::Esc));
    assert_eq!(a.visible_scenarios().len(), 31);
    update(&mut a, ch('?'));
    assert!(a.help, "? is still help");
}

#[test]
fn home_and_end_work_in_the_check_and_target_screens() {
    let mut a = finished_app();
    a.viewport = (80, 24);
    update(&mut a, key(KeyCode::Enter));
    assert_eq!(a.screen, Screen::Check);
    update(&mut a, key(KeyCode::End));
    let bottom = a.detail_scroll;
    assert!(bottom > 0, "the check's details are longer than 80x24");
    assert_eq!(bottom, detail::max_scroll(&a));
    update(&mut a, key(KeyCode::Home));
    assert_eq!(a.detail_scroll, 0);

    let mut a = ready_app();
    a.screen = Screen::Target;
    update(&mut a, key(KeyCode::End));
    assert_eq!(a.target_focus, target_rows(a.operation).len() - 1);
    update(&mut a, key(KeyCode::Home));
    assert_eq!(a.target_focus, 0);
}

#[test]
fn opening_a_picker_lists_the_first_page_and_the_au_picker_asks_for_a_name() {
    let mut a = ready_app();
    a.screen = Screen::Target;
    a.operation = OperationKind::AddAuMember;
    a.target_focus = 1;
    let e = update(&mut a, key(KeyCode::Enter));
    assert!(
        matches!(&e[..], [Effect::Search { kind: PickKind::AdministrativeUnit, query, .. }] if query.is_empty()),
        "{e:?}"
    );
    let gen = a.picker(PickKind::AdministrativeUnit).gen;
    update(
        &mut a,
        Msg::SearchDone {
            kind: PickKind::AdministrativeUnit,
            gen,
            result: Ok(Vec::new()),
        },
    );
    update(&mut a, key(KeyCode::Enter));
    let status = a
        .status
        .as_ref()
        .map(|s| s.text.clone())
        .unwrap_or_default();
    assert!(status.contains("administrative unit's name"), "{status}");
    assert!(!status.contains("UPN"), "{status}");
}

#[test]
fn the_demo_header_drops_the_scenario_once_the_target_changes() {
    let mut a = app();
    update(
        &mut a,
        Msg::DemoReady(Box::new(DemoSetup {
            scenario: "distribution-group".into(),
            base_url: "http://127.0.0.1:4567".into(),
            token: Some(Secret::new(token())),
            reader: None,
            target: Operation {
                kind: OperationKind::AddGroupMember,
                group: Some(GROUP.into()),
                member: Some(MEMBER.into()),
                au: None,
                request: None,
            },
        })),
    );
    assert_eq!(a.demo_label().as_deref(), Some("demo: distribution-group"));
    a.pickers[PickKind::Group.index()].chosen = Some(PickItem::bare(MEMBER));
    assert_eq!(a.demo_label().as_deref(), Some("demo tenant"));
}

#[test]
fn a_copy_says_where_the_fallback_file_is() {
    let mut a = finished_app();
    update(
        &mut a,
        Msg::CopiedToFile(Ok("/home/u/.local/state/graph-doctor/clipboard.txt".into())),
    );
    let s = a.status.clone().expect("status");
    assert!(!s.error);
    assert!(
        s.text.contains("clipboard.txt") && s.text.contains("OSC 52"),
        "{}",
        s.text
    );
    update(&mut a, Msg::CopiedToFile(Err("read-only".into())));
    assert!(a.status.as_ref().is_some_and(|s| s.error));
}

#[test]
fn a_click_selects_a_step_and_a_second_opens_it_and_the_wheel_scrolls() {
    use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
    let mut a = finished_app();
    a.viewport = (200, 50);
    a.status = None;
    let mouse = |kind, column, row| {
        Msg::Mouse(MouseEvent {
            kind,
            column,
            row,
            modifiers: KeyModifiers::NONE,
        })
    };
    // Row 1 is the first step (row 0 is the header).
    update(&mut a, mouse(MouseEventKind::Down(MouseButton::Left), 5, 3));
    assert_eq!(a.wizard_cursor, 2);
    assert_eq!(a.screen, Screen::Wizard);
    update(&mut a, mouse(MouseEventKind::Down(MouseButton::Left), 5, 3));
    assert_eq!(a.screen, Screen::Check);
    a.viewport = (80, 24);
    update(&mut a, mouse(MouseEventKind::ScrollDown, 10, 10));
    assert_eq!(a.detail_scroll, 3.min(detail::max_scroll(&a)));
    update(&mut a, mouse(MouseEventKind::ScrollUp, 10, 10));
    assert_eq!(a.detail_scroll, 0);
}

/// A finished run with the history on: the Finished message's effects, and the app.
fn finished_with_history() -> (App, Vec<Effect>) {
    let mut a = ready_app();
    a.history_on = true;
    let gen = match start_run(&mut a)
        .iter()
        .find(|e| matches!(e, Effect::Diagnose { .. }))
    {
        Some(Effect::Diagnose { gen, .. }) => *gen,
        _ => panic!("no diagnose effect"),
    };
    let mut report = crate::checks::report(
        a.operation(),
        CheckId::ALL
            .iter()
            .map(|id| match id {
                CheckId::GroupType => failing_group_type(),
                _ => CheckResult::new(*id, Status::Pass, "holds."),
            })
            .collect(),
    );
    report.generated_at = Some("2026-12-03T17:29:41Z".into());
    report.names.group = Some("Sales DL".into());
    let effects = update(
        &mut a,
        Msg::Finished {
            gen,
            report: Box::new(report),
        },
    );
    (a, effects)
}

#[test]
fn a_finished_live_run_is_remembered_without_its_token() {
    let (a, effects) = finished_with_history();
    let entry = match &effects[..] {
        [Effect::Remember(e)] => e.clone(),
        other => panic!("expected one Remember effect, got {other:?}"),
    };
    assert_eq!(a.history.len(), 1);
    assert_eq!(entry.primary_cause, Some(CheckId::GroupType));
    assert_eq!(entry.place, "127.0.0.1");
    assert_eq!(entry.target(), format!("Sales DL ← {MEMBER}"));
    let file = crate::tui::history::render(&a.history);
    assert!(!file.contains(&token()), "no token in the history file");
    // Without a history (GRAPH_DOCTOR_HISTORY=off), or offline (`open`), nothing is remembered.
    let mut b = finished_app();
    assert!(b.history.is_empty());
    b.endpoint = None;
    b.history_on = true;
    let gen = b.run.gen;
    let report = b.run.report.clone().expect("report");
    let e = update(
        &mut b,
        Msg::Finished {
            gen,
            report: Box::new(report),
        },
    );
    assert!(e.is_empty(), "{e:?}");
    assert!(b.history.is_empty());
}

#[test]
fn a_past_diagnosis_reopens_as_it_was_and_its_target_is_taken_again() {
    let (done, _) = finished_with_history();
    let history = done.history.clone();
    // A new session: Connect, the Recent row, Enter.
    let mut a = app();
    a.set_token(Slot::Diagnosed, Secret::new(token()), "pasted");
    a.history = history;
    a.history_on = true;
    a.connect_focus = ConnectRow::ALL
        .iter()
        .position(|r| *r == ConnectRow::Recent)
        .expect("row");
    update(&mut a, key(KeyCode::Enter));
    assert!(matches!(a.modal, Some(Modal::History { cursor: 0 })));
    let e = update(&mut a, key(KeyCode::Enter));
    assert!(e.is_empty(), "reopening sends nothing: {e:?}");
    assert_eq!(a.screen, Screen::Wizard);
    assert!(!a.run.running);
    let report = a.run.report.as_ref().expect("the past report");
    assert_eq!(report.primary_cause, Some(CheckId::GroupType));
    let i = CheckId::ALL
        .iter()
        .position(|c| *c == CheckId::GroupType)
        .expect("index");
    assert_eq!(a.wizard_cursor, i, "the failing check is highlighted");
    let status = a
        .status
        .as_ref()
        .map(|s| s.text.clone())
        .unwrap_or_default();
    assert!(
        status.contains("Past diagnosis of 2026-12-03 17:29"),
        "{status}"
    );
    // Its target is the wizard's now, named: `r` would run it again live.
    let chosen = a.pickers[PickKind::Group.index()]
        .chosen
        .clone()
        .expect("group");
    assert_eq!(
        (chosen.id.as_str(), chosen.name.as_str()),
        (GROUP, "Sales DL")
    );
    let again = update(&mut a, ch('r'));
    assert!(again.iter().any(|e| matches!(e, Effect::Diagnose { .. })));

    // `t` takes the target to the Target screen instead.
    let mut b = app();
    b.set_token(Slot::Diagnosed, Secret::new(token()), "pasted");
    b.history = done.history.clone();
    b.modal = Some(Modal::History { cursor: 0 });
    update(&mut b, ch('t'));
    assert_eq!(b.screen, Screen::Target);
    assert_eq!(
        b.pickers[PickKind::Member.index()]
            .chosen
            .as_ref()
            .map(|c| c.id.clone()),
        Some(MEMBER.to_string())
    );
}

#[test]
fn the_recent_row_says_when_there_is_nothing_to_open() {
    let mut a = app();
    a.connect_focus = ConnectRow::ALL
        .iter()
        .position(|r| *r == ConnectRow::Recent)
        .expect("row");
    update(&mut a, key(KeyCode::Enter));
    assert!(a.modal.is_none());
    let status = a
        .status
        .as_ref()
        .map(|s| s.text.clone())
        .unwrap_or_default();
    assert!(status.contains("history is off"), "{status}");
    a.history_on = true;
    update(&mut a, key(KeyCode::Enter));
    let status = a
        .status
        .as_ref()
        .map(|s| s.text.clone())
        .unwrap_or_default();
    assert!(status.contains("No diagnoses yet"), "{status}");
}

fn plan_rows() -> Vec<crate::plan::PlanRow> {
    crate::plan::parse(&format!(
        "operation,target,member\nadd-group-member,{GROUP},{MEMBER}\nadd-group-member,{GROUP},{GROUP}\n"
    ))
    .expect("parses")
}

#[test]
fn a_plan_loads_fills_in_row_by_row_and_opens_a_row() {
    let mut a = ready_app();
    a.connect_focus = ConnectRow::ALL
        .iter()
        .position(|r| *r == ConnectRow::Plan)
        .expect("row");
    update(&mut a, key(KeyCode::Enter));
    assert_eq!(a.connect_editing, Some(ConnectRow::Plan));
    update(&mut a, Msg::Paste("/tmp/my plan.csv".into()));
    let effects = update(&mut a, key(KeyCode::Enter));
    let gen = match &effects[..] {
        [Effect::RunPlan { gen, path, input }] => {
            assert_eq!(path, "/tmp/my plan.csv", "spaces in a path are kept");
            assert_eq!(input.token.expose(), token());
            *gen
        }
        other => panic!("expected RunPlan, got {other:?}"),
    };
    assert_eq!(a.screen, Screen::Plan);
    assert!(a.animating(), "the spinner turns while the plan runs");
    update(
        &mut a,
        Msg::PlanLoaded {
            gen,
            result: Ok(plan_rows()),
        },
    );
    assert_eq!(a.plan.as_ref().map(|p| p.progress()), Some((0, 2)));
    // A stale plan's rows are dropped.
    update(
        &mut a,
        Msg::PlanRow {
            gen: gen + 100,
            index: 0,
            report: Box::new(crate::checks::report(Operation::default(), Vec::new())),
        },
    );
    assert_eq!(a.plan.as_ref().map(|p| p.progress()), Some((0, 2)));
    // The second row finishes first; the first is still open to nothing.
    let mut done = finished_app().run.report.expect("report");
    done.operation = plan_rows()[1].operation.clone();
    update(
        &mut a,
        Msg::PlanRow {
            gen,
            index: 1,
            report: Box::new(done.clone()),
        },
    );
    assert_eq!(a.plan.as_ref().map(|p| p.tally()), Some((0, 1, 0)));
    update(&mut a, key(KeyCode::Enter));
    assert_eq!(a.screen, Screen::Plan, "row 1 has no verdict yet");
    update(&mut a, key(KeyCode::Down));
    update(&mut a, key(KeyCode::Enter));
    assert_eq!(a.screen, Screen::Wizard);
    assert_eq!(
        a.run.report.as_ref().and_then(|r| r.primary_cause),
        done.primary_cause
    );
    assert_eq!(
        a.pickers[PickKind::Member.index()]
            .chosen
            .as_ref()
            .map(|c| c.id.clone()),
        Some(GROUP.to_string()),
        "the row's member is the wizard's target now"
    );
    // Esc goes back to the plan, not the Target screen.
    let e = update(&mut a, key(KeyCode::Esc));
    assert_eq!(a.screen, Screen::Plan);
    assert!(e.is_empty(), "{e:?}");
    update(&mut a, Msg::PlanDone { gen });
    assert!(a.plan.as_ref().is_some_and(|p| p.done));
    // Esc on a finished plan: back to Connect, nothing to cancel.
    let e = update(&mut a, key(KeyCode::Esc));
    assert_eq!(a.screen, Screen::Connect);
    assert!(e.is_empty(), "{e:?}");
}

#[test]
fn leaving_a_running_plan_cancels_it_and_a_bad_file_is_one_line() {
    let mut a = ready_app();
    let gen = match &super::plan::load(&mut a, "plan.csv".into())[..] {
        [Effect::RunPlan { gen, .. }] => *gen,
        other => panic!("{other:?}"),
    };
    update(
        &mut a,
        Msg::PlanLoaded {
            gen,
            result: Err("plan.csv: line 3: unknown operation 'add-member'".into()),
        },
    );
    let status = a.status.as_ref().expect("status");
    assert!(status.error);
    assert!(status.text.contains("line 3"), "{}", status.text);
    // A plan still running is cancelled by Esc.
    let gen = match &super::plan::load(&mut a, "plan.csv".into())[..] {
        [Effect::RunPlan { gen, .. }] => *gen,
        other => panic!("{other:?}"),
    };
    update(
        &mut a,
        Msg::PlanLoaded {
            gen,
            result: Ok(plan_rows()),
        },
    );
    let e = update(&mut a, key(KeyCode::Esc));
    assert!(matches!(&e[..], [Effect::CancelPlan]), "{e:?}");
    // Without a token there is nothing to run it with.
    let mut b = app();
    assert!(super::plan::load(&mut b, "plan.csv".into()).is_empty());
    assert!(b.status.as_ref().is_some_and(|s| s.error));
}

#[test]
fn a_plan_ignores_a_pasted_error_and_a_rerun_row_is_cancelled_on_the_way_back() {
    let mut a = ready_app();
    a.observed = Some(crate::explain::parse("HTTP/1.1 403 Forbidden\r\n\r\n{}"));
    let gen = match &super::plan::load(&mut a, "plan.csv".into())[..] {
        [Effect::RunPlan { gen, input, .. }] => {
            assert!(
                input.observed.is_none(),
                "a pasted error is one attempt's, not every row's"
            );
            *gen
        }
        other => panic!("{other:?}"),
    };
    update(
        &mut a,
        Msg::PlanLoaded {
            gen,
            result: Ok(plan_rows()),
        },
    );
    let mut done = finished_app().run.report.expect("report");
    done.operation = plan_rows()[0].operation.clone();
    update(
        &mut a,
        Msg::PlanRow {
            gen,
            index: 0,
            report: Box::new(done.clone()),
        },
    );
    update(&mut a, key(KeyCode::Enter));
    assert!(a.from_plan);
    // `r` runs the row live: it is no longer the plan's row, so Esc cancels it and goes back
    // to the target, as any run.
    let e = update(&mut a, ch('r'));
    assert!(e.iter().any(|e| matches!(e, Effect::Diagnose { .. })));
    assert!(!a.from_plan);
    let e = update(&mut a, key(KeyCode::Esc));
    assert!(
        e.iter().any(|e| matches!(e, Effect::CancelDiagnosis)),
        "{e:?}"
    );
    assert_eq!(a.screen, Screen::Target);
    // Opening a row while a run is in flight cancels that run.
    start_run(&mut a);
    a.screen = Screen::Plan;
    let e = update(&mut a, key(KeyCode::Enter));
    assert!(matches!(&e[..], [Effect::CancelDiagnosis]), "{e:?}");
    assert!(!a.run.running);
    // A plan whose task ended before its file was read stops spinning.
    let gen = match &super::plan::load(&mut a, "plan.csv".into())[..] {
        [Effect::RunPlan { gen, .. }] => *gen,
        other => panic!("{other:?}"),
    };
    update(&mut a, Msg::PlanDone { gen });
    let plan = a.plan.as_ref().expect("plan");
    assert!(plan.done);
    assert_eq!(plan.rows.as_ref().map(Vec::len), Some(0));
}
