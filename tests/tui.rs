//! The wizard in a real pseudo-terminal: the binary is started under a pty, keys are typed, and
//! the screen is read back through a vt100 parser. No test sleeps: each waits on the pty's output
//! until the expected text appears, under an overall deadline.

// Test helpers outside #[test] functions may fail loudly.
#![allow(clippy::expect_used, clippy::panic)]

use std::io::{Read, Write};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use portable_pty::{native_pty_system, ChildKiller, CommandBuilder, ExitStatus, PtySize};

const DEADLINE: Duration = Duration::from_secs(30);

/// A running graph-doctor in a pseudo-terminal, with the screen it draws.
struct Session {
    parser: vt100::Parser,
    output: Receiver<Vec<u8>>,
    input: Box<dyn Write + Send>,
    exited: Receiver<std::io::Result<ExitStatus>>,
    killer: Box<dyn ChildKiller + Send + Sync>,
    log: tempfile_path::TempPath,
}

/// A log file per session, removed at the end: the wizard logs to a file, never to the terminal.
mod tempfile_path {
    pub struct TempPath(pub std::path::PathBuf);
    impl Drop for TempPath {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
            let _ = std::fs::remove_file(self.0.with_extension("history.json"));
        }
    }
}

impl Session {
    fn start(args: &[&str], cols: u16, rows: u16) -> Session {
        Session::start_with_env(args, cols, rows, &[])
    }

    fn start_with_env(args: &[&str], cols: u16, rows: u16, env: &[(&str, &str)]) -> Session {
        let pty = native_pty_system();
        let pair = pty
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("openpty");
        // One log per session: tests run in parallel and several start the same command.
        static SESSIONS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = SESSIONS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let log = std::env::temp_dir().join(format!(
            "graph-doctor-tui-test-{}-{n}.log",
            std::process::id()
        ));
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_graph-doctor"));
        cmd.args(args);
        cmd.env("GRAPH_DOCTOR_LOG", &log);
        // Each session keeps its own history (a test that needs two sessions to share one names
        // it in `env`), so parallel tests never write one file.
        let history = log.with_extension("history.json");
        cmd.env("GRAPH_DOCTOR_HISTORY", &history);
        cmd.env("TERM", "xterm-256color");
        cmd.env_remove("GRAPH_DOCTOR_TOKEN");
        cmd.env_remove("GRAPH_DOCTOR_READER_TOKEN");
        cmd.env_remove("NO_COLOR");
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.cwd(std::env::temp_dir());
        let mut child = pair.slave.spawn_command(cmd).expect("spawn graph-doctor");
        drop(pair.slave);
        let killer = child.clone_killer();
        let mut reader = pair.master.try_clone_reader().expect("reader");
        let input = pair.master.take_writer().expect("writer");
        let (tx, output) = channel();
        std::thread::spawn(move || {
            let _master = pair.master;
            let mut buf = [0u8; 8192];
            loop {
                match reader.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        if tx.send(buf[..n].to_vec()).is_err() {
                            break;
                        }
                    }
                }
            }
        });
        let (etx, exited) = channel();
        std::thread::spawn(move || {
            let _ = etx.send(child.wait());
        });
        Session {
            parser: vt100::Parser::new(rows, cols, 0),
            output,
            input,
            exited,
            killer,
            log: tempfile_path::TempPath(log),
        }
    }

    fn screen_text(&self) -> String {
        self.parser.screen().contents()
    }

    /// Feeds output to the parser until `done` holds for the screen, or panics at the deadline
    /// with the screen as it was.
    fn wait_for(&mut self, what: &str, done: impl Fn(&vt100::Screen) -> bool) {
        let start = Instant::now();
        while !done(self.parser.screen()) {
            let left = DEADLINE.saturating_sub(start.elapsed());
            match self.output.recv_timeout(left) {
                Ok(bytes) => self.parser.process(&bytes),
                Err(RecvTimeoutError::Timeout) => {
                    panic!(
                        "timed out waiting for {what}; screen:\n{}",
                        self.screen_text()
                    )
                }
                Err(RecvTimeoutError::Disconnected) => {
                    panic!(
                        "graph-doctor closed the terminal before {what}; screen:\n{}",
                        self.screen_text()
                    )
                }
            }
        }
    }

    fn wait_text(&mut self, text: &str) {
        let t = text.to_string();
        self.wait_for(text, move |s| s.contents().contains(&t));
    }

    fn send(&mut self, keys: &str) {
        self.input.write_all(keys.as_bytes()).expect("type");
        self.input.flush().expect("flush");
    }

    /// Waits for the process to end and for its last output, returning its exit code.
    fn wait_exit(&mut self) -> u32 {
        let status = match self.exited.recv_timeout(DEADLINE) {
            Ok(s) => s.expect("wait"),
            Err(_) => {
                let _ = self.killer.kill();
                panic!("graph-doctor did not exit; screen:\n{}", self.screen_text());
            }
        };
        // Drain what it wrote on the way out (leaving the alternate screen, showing the cursor):
        // the reader ends when the process has exited and the pty is closed.
        while let Ok(bytes) = self.output.recv_timeout(DEADLINE) {
            self.parser.process(&bytes);
        }
        status.exit_code()
    }

    /// The log went to its file, not the terminal, and holds no token.
    fn assert_log_clean(&self) {
        let log = std::fs::read_to_string(&self.log.0).expect("the wizard wrote its log file");
        assert!(!log.is_empty());
        assert!(!log.contains("eyJ"), "no token in the log:\n{log}");
    }

    fn assert_restored(&self) {
        let s = self.parser.screen();
        assert!(!s.alternate_screen(), "the alternate screen was left");
        assert!(!s.hide_cursor(), "the cursor is shown again");
        assert_eq!(
            s.mouse_protocol_mode(),
            vt100::MouseProtocolMode::None,
            "mouse capture is off again"
        );
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = self.killer.kill();
    }
}

fn has_scenarios() -> bool {
    !graph_doctor::sim::builtin().is_empty()
}

#[test]
fn q_exits_0_and_restores_the_terminal() {
    let mut s = Session::start(&["tui"], 80, 24);
    s.wait_for("the Connect screen in the alternate screen", |sc| {
        sc.alternate_screen() && sc.contents().contains("Token, decoded offline")
    });
    s.send("q");
    assert_eq!(s.wait_exit(), 0);
    s.assert_restored();
}

#[test]
fn ctrl_c_exits_0_and_restores_the_terminal_even_while_typing() {
    let mut s = Session::start(&["tui"], 100, 30);
    s.wait_text("Token, decoded offline");
    s.send("\r"); // edit the token field: q is text now
    s.wait_text("Enter done");
    s.send("q\x03");
    assert_eq!(s.wait_exit(), 0);
    s.assert_restored();
}

#[test]
fn a_pasted_token_is_summarised_and_never_drawn() {
    use base64::Engine;
    let enc = |v: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v);
    let exp = chrono::Utc::now().timestamp() + 3600;
    let token = format!(
        "{}.{}.{}",
        enc(r#"{"typ":"JWT","alg":"RS256"}"#),
        enc(&format!(
            r#"{{"aud":"https://graph.microsoft.com","scp":"User.Read","upn":"ada@contoso.com","tid":"72f988bf-86f1-41af-91ab-2d7cd011db47","appid":"22222222-2222-2222-2222-222222222222","exp":{exp}}}"#
        )),
        enc("signature-bytes")
    );
    let mut s = Session::start(&["tui"], 100, 30);
    s.wait_text("Token, decoded offline");
    // A bracketed paste, as a terminal sends it.
    s.send(&format!("\x1b[200~{token}\x1b[201~"));
    s.wait_text("ada@contoso.com");
    s.wait_text("delegated");
    let screen = s.screen_text();
    assert!(screen.contains("chars)"), "the token is masked:\n{screen}");
    assert!(
        !screen.contains("eyJ"),
        "no part of the token is on screen:\n{screen}"
    );
    s.send("q");
    assert_eq!(s.wait_exit(), 0);
    s.assert_log_clean();
}

#[test]
fn a_refused_graph_url_is_a_usage_error_before_the_terminal_is_taken() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_graph-doctor"))
        .args(["tui", "--graph-url", "https://graph.example.com"])
        .env(
            "GRAPH_DOCTOR_LOG",
            std::env::temp_dir().join("graph-doctor-tui-refused.log"),
        )
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    assert!(!String::from_utf8_lossy(&out.stdout).contains("\x1b[?1049h"));
}

#[test]
fn demo_shows_the_failing_check_with_its_evidence_and_fix() {
    if !has_scenarios() {
        eprintln!("skipped: this build has no simulated-tenant scenarios");
        return;
    }
    let mut s = Session::start(&["demo", "--scenario", "distribution-group"], 100, 30);
    // The first failing check is focused: its row carries ✘ and its pane the verdict.
    s.wait_for("the failing group.type check", |sc| {
        let text = sc.contents();
        text.contains("verdict fail")
            && text
                .lines()
                .any(|l| l.contains("✘") && l.contains("group.type"))
    });
    // The row is drawn red.
    let screen = s.parser.screen().clone();
    let (row, _) = screen
        .contents()
        .lines()
        .enumerate()
        .find(|(_, l)| l.starts_with('✘') && l.contains("group.type"))
        .map(|(i, l)| (i as u16, l.to_string()))
        .expect("failing row");
    let cell = screen.cell(row, 2).expect("cell");
    assert_eq!(cell.fgcolor(), vt100::Color::Idx(1), "red");
    // Open it: the evidence and the fix are there.
    s.send("\r");
    s.wait_text("┌ group.type");
    s.wait_text("Evidence");
    s.wait_text("Fix");
    // The summary names the primary cause.
    s.send("s");
    s.wait_text("Primary cause: group.type");
    s.send("?");
    s.wait_text("re-run the checks");
    s.send("x");
    s.send("q");
    assert_eq!(s.wait_exit(), 0);
    s.assert_restored();
    s.assert_log_clean();
}

#[test]
fn demo_without_a_scenario_opens_the_picker_then_the_wizard() {
    if !has_scenarios() {
        eprintln!("skipped: this build has no simulated-tenant scenarios");
        return;
    }
    let mut s = Session::start(&["demo"], 80, 24);
    s.wait_text("The simulated tenant");
    let first = graph_doctor::sim::builtin()
        .first()
        .map(|(n, _)| n.clone())
        .unwrap_or_default();
    s.wait_text(&first);
    s.send("\r");
    // The scenario's name shows while the header has room for it (before the verdict arrives).
    s.wait_for("the first scenario's run", |sc| {
        let t = sc.contents();
        t.contains(&format!("demo: {first}")) || t.contains("3/4 Checks")
    });
    s.wait_for("the run to finish", |sc| sc.contents().contains("verdict "));
    s.send("q");
    assert_eq!(s.wait_exit(), 0);
    s.assert_restored();
}

/// The pickers' live search against the simulated tenant: a pasted id finds the object with its
/// type badge, the start of any word of its display name finds it again, an empty query lists.
#[test]
fn picker_search_finds_the_target_group_by_id_and_by_name() {
    use graph_doctor::tui::picker::{search, PickKind};
    if !has_scenarios() {
        eprintln!("skipped: this build has no simulated-tenant scenarios");
        return;
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let scenario = graph_doctor::sim::Scenario::load("distribution-group").expect("scenario");
        let server = graph_doctor::sim::SimServer::start(
            scenario,
            std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
        )
        .await
        .expect("sim starts");
        let token = server
            .token("reader")
            .or_else(|| server.token("diagnosed"))
            .expect("a token");
        let client = graph_doctor::graph::GraphClient::new(
            graph_doctor::auth::Cloud::Global,
            Some(&server.base_url),
            Duration::from_secs(10),
        )
        .expect("loopback client");
        let group = server.target().group.expect("the scenario names a group");
        let by_id = search(&client, &token, PickKind::Group, &group)
            .await
            .expect("lookup by id");
        let found = by_id.first().expect("one object").clone();
        assert_eq!(found.id, group);
        assert!(
            found.badges.iter().any(|b| b == "distribution"),
            "badges: {:?}",
            found.badges
        );
        let prefix: String = found.name.chars().take(3).collect();
        let by_name = search(&client, &token, PickKind::Group, &prefix)
            .await
            .expect("search by name");
        assert!(by_name.iter().any(|i| i.id == group), "{by_name:?}");
        // Any word of a display name, not only its start: "Member" finds "Ben Member".
        let members = search(&client, &token, PickKind::Member, "Member")
            .await
            .expect("search by a later word");
        assert!(
            members.iter().any(|i| i.name == "Ben Member"),
            "{members:?}"
        );
        // Not a substring inside a word: "ember" is the start of no word.
        let inner = search(&client, &token, PickKind::Member, "ember")
            .await
            .expect("search by a word's middle");
        assert!(!inner.iter().any(|i| i.name == "Ben Member"), "{inner:?}");
        // The UPN's start finds the user too.
        let upn = search(&client, &token, PickKind::Member, "ben@")
            .await
            .expect("search by UPN");
        assert!(upn.iter().any(|i| i.name == "Ben Member"), "{upn:?}");
        // An empty query lists the first page of groups, the target among them.
        let first_page = search(&client, &token, PickKind::Group, "")
            .await
            .expect("first page");
        assert!(first_page.len() > 1, "{first_page:?}");
        assert!(first_page.len() <= 20);
        server.shutdown().await;
    });
}

/// Export writes a report holding no token; "Try it" writes only after the capital-Y
/// confirmation and shows Graph's answer, classified.
#[test]
fn demo_exports_a_report_and_tries_the_write_only_when_confirmed() {
    if !has_scenarios() {
        eprintln!("skipped: this build has no simulated-tenant scenarios");
        return;
    }
    let report = std::env::temp_dir().join(format!(
        "graph-doctor-tui-export-{}.json",
        std::process::id()
    ));
    let _cleanup = tempfile_path::TempPath(report.clone());
    let mut s = Session::start(&["demo", "--scenario", "distribution-group"], 100, 30);
    s.wait_text("verdict fail");
    s.send("e");
    s.wait_text("Export the report");
    s.send("\t"); // JSON
    s.send("\x15"); // Ctrl-U clears the file name
    s.send(&report.display().to_string());
    s.send("\r");
    s.wait_text("Report written to");
    let written = std::fs::read_to_string(&report).expect("the export exists");
    assert!(written.contains("\"primary_cause\": \"group.type\""));
    assert!(!written.contains("eyJ"), "no token in the export");
    // Reports and logs hold claims (upn, oid, tid): readable by their owner only.
    #[cfg(unix)]
    for file in [&report, &s.log.0] {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(file)
            .expect("metadata")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{}", file.display());
    }

    s.send("t");
    s.wait_text("WILL CHANGE THE TENANT");
    s.send("n"); // anything but Y cancels
    s.wait_text("Nothing was changed");
    s.send("t");
    s.wait_text("WILL CHANGE THE TENANT");
    s.send("Y");
    s.wait_text("Graph answered 400");
    s.send("x");
    s.send("q");
    assert_eq!(s.wait_exit(), 0);
    s.assert_restored();
    s.assert_log_clean();
}

/// "Save session" (e, Tab to Session) writes a recording; `graph-doctor open` shows it offline
/// on the same screens, read-only; `check --replay` of it agrees.
#[test]
fn a_saved_session_opens_offline_and_replays() {
    if !has_scenarios() {
        eprintln!("skipped: this build has no simulated-tenant scenarios");
        return;
    }
    let file = std::env::temp_dir().join(format!(
        "graph-doctor-tui-session-{}.session.json",
        std::process::id()
    ));
    let _cleanup = tempfile_path::TempPath(file.clone());
    let mut s = Session::start(&["demo", "--scenario", "distribution-group"], 100, 30);
    s.wait_text("verdict fail");
    s.send("e");
    s.wait_text("Export the report");
    s.send("\t"); // JSON
    s.send("\t"); // Session
    s.wait_text("Session (for graph-doctor open");
    s.send("\x15");
    s.send(&file.display().to_string());
    s.send("\r");
    s.wait_text("Report written to");
    s.send("q");
    assert_eq!(s.wait_exit(), 0);
    let text = std::fs::read_to_string(&file).expect("the session exists");
    assert!(text.contains("\"format\": \"graph-doctor/record\""));
    assert!(text.contains("\"source\": \"tui\""));
    assert!(
        !text.contains("c2ltLXNpZ25hdHVyZS"),
        "no signature in the session"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    let path = file.display().to_string();
    let mut s = Session::start(&["open", &path], 100, 30);
    s.wait_text("offline, read-only");
    s.wait_text("Sales DL");
    s.send("s");
    s.wait_text("group.type");
    s.send("r"); // nothing can be sent: no endpoint
    s.send("q");
    assert_eq!(s.wait_exit(), 0);
    s.assert_restored();

    let out = std::process::Command::new(env!("CARGO_BIN_EXE_graph-doctor"))
        .args(["check", "--replay", &path, "--format", "json"])
        .output()
        .expect("replay");
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["primary_cause"], "group.type");
    assert_eq!(v["replay"]["differs"], false, "{}", v["replay"]);
}

/// Under NO_COLOR the failing check still reads: the ✘ glyph, bold, no colour.
#[test]
fn no_color_keeps_the_glyph_and_drops_the_colour() {
    if !has_scenarios() {
        eprintln!("skipped: this build has no simulated-tenant scenarios");
        return;
    }
    let mut s = Session::start_with_env(
        &["demo", "--scenario", "distribution-group"],
        80,
        24,
        &[("NO_COLOR", "1")],
    );
    s.wait_text("Done: verdict fail");
    let screen = s.parser.screen().clone();
    let row = screen
        .contents()
        .lines()
        .position(|l| l.starts_with('✘') && l.contains("group.type"))
        .expect("the failing row carries ✘") as u16;
    let cell = screen.cell(row, 0).expect("cell");
    assert_eq!(cell.contents(), "✘");
    assert_eq!(cell.fgcolor(), vt100::Color::Default);
    assert!(cell.bold());
    s.send("q");
    assert_eq!(s.wait_exit(), 0);
}

#[test]
fn an_unknown_scenario_is_a_usage_error() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_graph-doctor"))
        .args(["demo", "--scenario", "no-such-scenario"])
        .env(
            "GRAPH_DOCTOR_LOG",
            std::env::temp_dir().join("graph-doctor-tui-unknown-scenario.log"),
        )
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no-such-scenario"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

/// A claims challenge is answered from the wizard: `c` signs in again (device code against the
/// simulated tenant's token endpoint), the code and address are shown while it waits, and the new
/// token becomes the one diagnosed.
#[test]
fn a_claims_challenge_is_answered_with_a_device_code_sign_in() {
    if !has_scenarios() {
        eprintln!("skipped: this build has no simulated-tenant scenarios");
        return;
    }
    let mut s = Session::start(&["demo", "--scenario", "ca-claims-challenge"], 100, 30);
    s.wait_for("the failing ca.claims check", |sc| {
        sc.contents()
            .lines()
            .any(|l| l.starts_with('✘') && l.contains("ca.claims"))
    });
    s.send("c");
    s.wait_text("Answering the conditional access claims challenge");
    s.send("\r"); // device code
    s.wait_text("https://microsoft.com/devicelogin");
    s.wait_text("and enter the code");
    // The simulated tenant approves the code after a few polls; the checks run again.
    s.wait_for("the sign-in to finish", |sc| {
        !sc.contents().contains("and enter the code")
    });
    s.send("\x1b"); // back to Target…
    s.wait_text("Target: what failed");
    s.send("\x1b"); // …and Connect, where the token's source shows
    s.wait_text("device code sign-in");
    s.send("q");
    assert_eq!(s.wait_exit(), 0);
    s.assert_restored();
}

#[test]
fn explain_on_a_terminal_asks_for_the_paste_instead_of_waiting_in_silence() {
    let mut s = Session::start(&["explain"], 100, 30);
    s.wait_text("Paste the error response");
    s.send("HTTP/1.1 403 Forbidden\r{\"error\":{\"code\":\"Authorization_RequestDenied\",\"message\":\"Insufficient privileges to complete the operation.\"}}\r\x04");
    let code = s.wait_exit();
    assert_eq!(
        code,
        3,
        "an ambiguous 403 is inconclusive; screen:\n{}",
        s.screen_text()
    );
    let screen = s.screen_text();
    assert!(
        screen.contains("graph-doctor check"),
        "the report follows the paste:\n{screen}"
    );
}

#[test]
fn a_failing_request_typed_on_the_connect_screen_shows_its_permissions() {
    let mut s = Session::start(&["tui"], 120, 40);
    s.wait_text("Token, decoded offline");
    // Token → Token file → Reader → Sign in → Paste the error → Paste a failing request.
    s.send("\x1b[B\x1b[B\x1b[B\x1b[B\x1b[B");
    s.wait_text("Type or paste METHOD URL");
    s.send("\r");
    s.wait_text("Enter looks it up");
    s.send("GET /users/8b1e7ab2-1c2d-4e5f-8a9b-0c1d2e3f4a5b/memberOf\r");
    s.wait_text("Template: GET /users/{id}/memberof");
    s.wait_text("Least privileged  Directory.Read.All");
    s.send("\x1b");
    s.wait_for("the modal closed", |sc| {
        !sc.contents().contains("Enter diagnoses")
    });
    s.send("q");
    assert_eq!(s.wait_exit(), 0);
    s.assert_restored();
}

/// Home, End, PgUp, PgDn as a terminal sends them.
const HOME: &str = "\x1b[H";
const END: &str = "\x1b[F";
const PGDN: &str = "\x1b[6~";

/// The row of the screen the selection marker is on.
fn selected_row(sc: &vt100::Screen) -> String {
    sc.contents()
        .lines()
        .find(|l| l.contains("▶ "))
        .unwrap_or_default()
        .to_string()
}

/// Issue 16, item 3: the 76-entry scenario picker jumps with Home/End/PgDn and filters as you
/// type; Enter starts the one the filter left.
#[test]
fn the_scenario_picker_jumps_and_filters() {
    if !has_scenarios() {
        eprintln!("skipped: this build has no simulated-tenant scenarios");
        return;
    }
    let all = graph_doctor::sim::builtin();
    let first = all.first().map(|(n, _)| n.clone()).unwrap_or_default();
    let last = all.last().map(|(n, _)| n.clone()).unwrap_or_default();
    let mut s = Session::start(&["demo"], 80, 24);
    s.wait_text("type to filter");
    s.send(END);
    s.wait_for("the last scenario selected", |sc| {
        selected_row(sc).contains(&last)
    });
    s.send(HOME);
    s.wait_for("the first scenario selected", |sc| {
        selected_row(sc).contains(&first)
    });
    s.send(PGDN);
    let tenth = all.get(10).map(|(n, _)| n.clone()).unwrap_or_default();
    s.wait_for("ten scenarios down", |sc| selected_row(sc).contains(&tenth));
    // `q` and `j` are letters of the filter here, not quit and down.
    s.send("distribution-gro");
    s.wait_text("for “distribution-gro”");
    s.wait_for("the filtered scenario selected", |sc| {
        selected_row(sc).contains("distribution-group")
    });
    s.send("\r");
    // At 80 columns the header gives the scenario's name up for the verdict; the failing check
    // is the distribution group's.
    s.wait_for("the distribution group's run", |sc| {
        let t = sc.contents();
        t.contains("verdict fail") && t.contains("Sales DL")
    });
    s.send("q");
    assert_eq!(s.wait_exit(), 0);
    s.assert_restored();
}

/// The step rows of a Checks screen: each ends with a check id.
fn step_rows(text: &str) -> Vec<(String, graph_doctor::report::CheckId)> {
    text.lines()
        .filter_map(|l| {
            let t = l.trim_end();
            graph_doctor::report::CheckId::ALL
                .iter()
                .find(|id| {
                    t.ends_with(&format!(" {}", id.as_str()))
                        || t.contains(&format!(" {} │", id.as_str()))
                        || t.contains(&format!(" {}│", id.as_str()))
                })
                .map(|id| (t.to_string(), *id))
        })
        .collect()
}

/// Each step row shows its title whole, or its first words and `…`: never a word cut in two.
fn assert_no_split_title(rows: &[(String, graph_doctor::report::CheckId)]) {
    for (row, id) in rows {
        let title = graph_doctor::checks::spec(*id).title;
        if row.contains(title) {
            continue;
        }
        let after_glyph = row
            .get(row.find(' ').map_or(0, |i| i + 1)..)
            .unwrap_or_default();
        let head = after_glyph.split('…').next().unwrap_or_default().trim_end();
        assert!(
            row.contains('…') && title.starts_with(head) && title[head.len()..].starts_with(' '),
            "{id}: the title is cut mid-word: {row}"
        );
    }
}

/// Issue 16, item 12: at 80x24 the tally, the status and the key hints all stay, the header
/// fits, and no title is split mid-word.
#[test]
fn at_80x24_the_checks_keep_their_tally_hints_and_whole_words() {
    if !has_scenarios() {
        eprintln!("skipped: this build has no simulated-tenant scenarios");
        return;
    }
    let mut s = Session::start(&["demo", "--scenario", "distribution-group"], 80, 24);
    s.wait_for("the finished run", |sc| {
        let t = sc.contents();
        t.contains("verdict fail") && t.contains("primary cause") && !t.contains("checking ")
    });
    let text = s.screen_text();
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0].contains("3/4 Checks"),
        "the header fits: {}",
        lines[0]
    );
    assert!(
        lines
            .last()
            .is_some_and(|l| l.contains("? help") && l.contains("q quit")),
        "the key hints stay:\n{text}"
    );
    assert!(
        text.contains("✘ 1 fail") || text.contains("✘1"),
        "the tally stays:\n{text}"
    );
    let rows = step_rows(&text);
    assert!(rows.len() >= 18, "most steps show:\n{text}");
    assert_no_split_title(&rows);
    // Open the failing check: its URL is broken after punctuation, the key hints stay.
    s.send("\r");
    s.wait_text("┌ group.type");
    let text = s.screen_text();
    assert!(
        text.lines().last().is_some_and(|l| l.contains("? help")),
        "{text}"
    );
    assert!(!text.contains("displayName│"), "{text}");
    s.send("q");
    assert_eq!(s.wait_exit(), 0);
    s.assert_restored();
}

/// Issue 16, item 13: at 200x50 the step list widens so every title shows whole, beside the
/// selected check.
#[test]
fn at_200x50_the_step_list_widens_and_no_title_is_cut() {
    if !has_scenarios() {
        eprintln!("skipped: this build has no simulated-tenant scenarios");
        return;
    }
    let mut s = Session::start(&["demo", "--scenario", "distribution-group"], 200, 50);
    s.wait_for("the finished run, every title drawn", |sc| {
        let t = sc.contents();
        t.contains("✘ 1 fail")
            && graph_doctor::report::CheckId::ALL
                .iter()
                .all(|id| t.contains(graph_doctor::checks::spec(*id).title))
    });
    let text = s.screen_text();
    for id in graph_doctor::report::CheckId::ALL {
        let title = graph_doctor::checks::spec(id).title;
        assert!(text.contains(title), "{title} whole:\n{text}");
    }
    let rows = step_rows(&text);
    assert_eq!(
        rows.len(),
        graph_doctor::report::CheckId::ALL.len(),
        "{text}"
    );
    assert_no_split_title(&rows);
    assert!(text.contains("✘ 1 fail"), "{text}");
    assert!(
        text.lines().last().is_some_and(|l| l.contains("? help")),
        "{text}"
    );
    assert!(
        text.contains("Evidence"),
        "the selected check beside the list:\n{text}"
    );
    s.send("q");
    assert_eq!(s.wait_exit(), 0);
    s.assert_restored();
}

/// Issue 16, item 2, end to end: the member picker lists the first page when opened and finds
/// "Ben Member" by his second word.
#[test]
fn the_member_picker_finds_a_later_word_of_a_name() {
    if !has_scenarios() {
        eprintln!("skipped: this build has no simulated-tenant scenarios");
        return;
    }
    let mut s = Session::start(&["demo", "--scenario", "distribution-group"], 100, 30);
    s.wait_for("the finished run", |sc| sc.contents().contains("verdict "));
    s.send("\x1b");
    s.wait_text("Target: what failed");
    // Home, then down to the Member row (Operation, Group, Member).
    s.send(HOME);
    s.send("\x1b[B\x1b[B");
    s.wait_for("the member row focused", |sc| {
        selected_row(sc).contains("Member")
    });
    s.send("\r");
    s.wait_for("the first page listed", |sc| {
        let t = sc.contents();
        t.contains("members: type to search") && t.contains("Ben Member")
    });
    s.send("Member");
    s.wait_for("Ben Member found", |sc| {
        let t = sc.contents();
        t.contains("result(s) for “Member”") && t.contains("Ben Member")
    });
    s.send("\x1b");
    // Esc and q together would read as Alt-q: wait for the picker to close first.
    s.wait_text("How this works");
    s.send("q");
    assert_eq!(s.wait_exit(), 0);
    s.assert_restored();
}

/// A finished diagnosis is remembered (0600, no token), and a later session reopens it from
/// Connect → Recent as it was, the failing check highlighted, nothing sent.
#[test]
fn a_past_diagnosis_is_reopened_from_the_history_in_a_later_session() {
    if !has_scenarios() {
        eprintln!("skipped: this build has no simulated-tenant scenarios");
        return;
    }
    let history = std::env::temp_dir().join(format!(
        "graph-doctor-tui-test-{}-shared-history.json",
        std::process::id()
    ));
    let _cleanup = tempfile_path::TempPath(history.clone());
    let h = history.to_string_lossy().to_string();
    let env = [("GRAPH_DOCTOR_HISTORY", h.as_str())];
    let mut s =
        Session::start_with_env(&["demo", "--scenario", "distribution-group"], 100, 30, &env);
    s.wait_text("verdict fail");
    s.send("q");
    assert_eq!(s.wait_exit(), 0);
    let text = std::fs::read_to_string(&history).expect("the history was written");
    assert!(text.contains("distribution-group"), "{text}");
    assert!(!text.contains("eyJ"), "no token in the history file");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&history)
            .expect("meta")
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o600);
    }

    // A later session, on another scenario: back to Connect, the Recent row, the entry.
    let mut s = Session::start_with_env(&["demo", "--scenario", "healthy-app"], 100, 30, &env);
    s.wait_text("verdict pass");
    s.send("\x1b");
    s.wait_text("Run the checks");
    s.send("\x1b");
    s.wait_text("Recent");
    s.wait_text("2 past diagnoses");
    for _ in 0..12 {
        s.send("\x1b[B");
    }
    s.wait_for("the Recent row selected", |sc| {
        selected_row(sc).contains("Recent")
    });
    s.send("\r");
    s.wait_text("recent diagnoses, newest first");
    // Newest first: healthy-app, then distribution-group.
    s.send("\x1b[B");
    s.wait_for("the older entry selected", |sc| {
        sc.contents()
            .lines()
            .any(|l| l.contains("▶") && l.contains("fail group.type"))
    });
    s.send("\r");
    s.wait_text("Past diagnosis of");
    s.wait_for("the failing group.type check highlighted", |sc| {
        sc.contents()
            .lines()
            .any(|l| l.contains("✘") && l.contains("group.type"))
            && sc.contents().contains("verdict fail")
    });
    s.send("q");
    assert_eq!(s.wait_exit(), 0);
    s.assert_restored();
}

/// Connect → Plan file: every row of a CSV is diagnosed against the tenant, the table fills in,
/// Enter opens a row's diagnosis with its failing check, Esc comes back to the plan.
#[test]
fn a_plan_is_triaged_in_the_wizard_and_a_row_opens() {
    if !has_scenarios() {
        eprintln!("skipped: this build has no simulated-tenant scenarios");
        return;
    }
    let plan = std::env::temp_dir().join(format!(
        "graph-doctor-tui-test-{}-plan.csv",
        std::process::id()
    ));
    let _cleanup = tempfile_path::TempPath(plan.clone());
    // healthy-app's tenant: Ben can be added to Engineering; Cara already is a member.
    std::fs::write(
        &plan,
        "operation,target,member\n\
         add-group-member,20000000-0000-4000-8000-000000000001,10000000-0000-4000-8000-000000000002\n\
         add-group-member,20000000-0000-4000-8000-000000000001,10000000-0000-4000-8000-000000000003\n\
         add-group-member,Marketing,ben@contoso.com\n",
    )
    .expect("plan");
    let mut s = Session::start(&["demo", "--scenario", "healthy-app"], 100, 30);
    s.wait_text("verdict pass");
    s.send("\x1b");
    s.wait_text("Run the checks");
    s.send("\x1b");
    s.wait_text("Plan file");
    for _ in 0..12 {
        s.send("\x1b[A");
    }
    s.wait_for("the first row selected", |sc| {
        selected_row(sc).contains("Cloud")
    });
    for _ in 0..8 {
        s.send("\x1b[B");
    }
    s.wait_for("the Plan file row selected", |sc| {
        selected_row(sc).contains("Plan file")
    });
    s.send("\r");
    s.send(&plan.to_string_lossy());
    s.send("\r");
    s.wait_text("3/3 diagnosed");
    s.wait_for("the verdicts", |sc| {
        let t = sc.contents();
        // Two groups are named Marketing: that row is not diagnosed, never guessed.
        t.contains("Engineering ← ben@contoso.com")
            && t.contains("member.duplicate")
            && t.contains("name not resolved")
    });
    s.send("\x1b[B");
    s.send("\r");
    s.wait_for("row 2's failing check", |sc| {
        sc.contents()
            .lines()
            .any(|l| l.contains("✘") && l.contains("member.duplicate"))
            && sc.contents().contains("Esc goes back to the plan")
    });
    s.send("\x1b");
    s.wait_text("Plan ");
    s.wait_text("every row diagnosed");
    s.send("q");
    assert_eq!(s.wait_exit(), 0);
    s.assert_restored();
}

/// The neighbours of add-member run deep in the wizard too: removing a member of a dynamic
/// group fails group.dynamic, named in the header; the healthy owner addition passes.
#[test]
fn the_remove_and_owner_operations_run_in_the_wizard() {
    if !has_scenarios() {
        eprintln!("skipped: this build has no simulated-tenant scenarios");
        return;
    }
    let mut s = Session::start(
        &["demo", "--scenario", "remove-member-dynamic-group"],
        100,
        30,
    );
    s.wait_for("the failing group.dynamic check", |sc| {
        let t = sc.contents();
        t.contains("remove-group-member · verdict fail")
            && t.lines()
                .any(|l| l.starts_with('✘') && l.contains("group.dynamic"))
            && t.contains("Member is a member to remove")
    });
    s.send("q");
    assert_eq!(s.wait_exit(), 0);
    let mut s = Session::start(&["demo", "--scenario", "healthy-add-group-owner"], 100, 30);
    s.wait_text("add-group-owner · verdict pass");
    s.send("q");
    assert_eq!(s.wait_exit(), 0);
}

/// The explorer at 80x24, end to end against the simulated tenant: `/` on Connect, a prefix of
/// the group's name, its members, a member followed and back, then `d` diagnoses adding the
/// highlighted member to the group and the failing check is drawn red.
#[test]
fn the_explorer_searches_follows_goes_back_and_diagnoses() {
    if !has_scenarios() {
        eprintln!("skipped: this build has no simulated-tenant scenarios");
        return;
    }
    let mut s = Session::start(&["demo", "--scenario", "distribution-group"], 80, 24);
    s.wait_for("the demo's run", |sc| sc.contents().contains("verdict "));
    // Back to Connect (Checks → Target → Connect), then into the explorer.
    s.send("\x1b");
    s.wait_text("Target: what failed");
    s.send("\x1b");
    s.wait_text("Token, decoded offline");
    s.send("/");
    s.wait_text("Search: name, UPN");
    s.send("Sal");
    s.wait_text("Groups · ");
    s.wait_text("Sales DL [distribution]");
    s.wait_text("Administrative units · ");
    // Enter leaves the search bar, Enter again opens the highlighted (first) result.
    s.send("\r");
    s.send("\r");
    s.wait_text("Explore › Sales DL");
    s.wait_text("kind");
    s.wait_text("distribution group");
    // Members, then follow Ben.
    s.send("\t");
    s.wait_text("2 Members (1)");
    s.wait_text("Ben Member");
    s.send("\r");
    s.wait_text("Explore › Sales DL › Ben Member");
    s.wait_text("userPrincipalName");
    // Back along the breadcrumb: the group's Members tab, as it was left.
    s.send("\x7f");
    s.wait_for("the group's page again", |sc| {
        let t = sc.contents();
        t.contains("Explore › Sales DL") && !t.contains("› Ben Member") && t.contains("Ben Member")
    });
    // ? lists the explorer's keys.
    s.send("?");
    s.wait_text("Keys: Explore");
    s.wait_text("back along the breadcrumb");
    s.send(" ");
    // d: Sales DL is the target, Ben the member; the diagnosis runs and fails on group.type.
    s.send("d");
    s.wait_for("the failing group.type check", |sc| {
        let text = sc.contents();
        text.contains("verdict fail")
            && text
                .lines()
                .any(|l| l.contains("✘") && l.contains("group.type"))
    });
    let screen = s.parser.screen().clone();
    let (row, _) = screen
        .contents()
        .lines()
        .enumerate()
        .find(|(_, l)| l.starts_with('✘') && l.contains("group.type"))
        .map(|(i, l)| (i as u16, l.to_string()))
        .expect("failing row");
    assert_eq!(
        screen.cell(row, 2).expect("cell").fgcolor(),
        vt100::Color::Idx(1),
        "the failing check is red"
    );
    // Ben, not the scenario's own member (Cara), was diagnosed: he is already a member.
    assert!(
        screen
            .contents()
            .lines()
            .any(|l| l.starts_with('✘') && l.contains("member.duplicate")),
        "the member picked in the explorer was diagnosed:\n{}",
        screen.contents()
    );
    s.send("q");
    assert_eq!(s.wait_exit(), 0);
    s.assert_restored();
    s.assert_log_clean();
}
