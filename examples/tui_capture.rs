//! Regenerates docs/tui-capture.txt (and the README's block is its first capture): the wizard
//! on the `distribution-group` scenario in a pseudo-terminal, read back through a vt100 parser.
//!
//! `cargo build && cargo run --example tui_capture > docs/tui-capture.txt`

// A developer tool: it may fail loudly.
#![allow(clippy::expect_used, clippy::panic, clippy::unwrap_used)]

use std::io::{Read, Write};
use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant};

use portable_pty::{native_pty_system, CommandBuilder, PtySize};

struct Pty {
    parser: vt100::Parser,
    rx: Receiver<Vec<u8>>,
    input: Box<dyn Write + Send>,
    _child: Box<dyn portable_pty::Child + Send + Sync>,
}

impl Pty {
    fn start(cols: u16, rows: u16) -> Pty {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("openpty");
        let exe = std::env::current_exe().expect("exe");
        let bin = exe
            .parent()
            .and_then(|p| p.parent())
            .map(|d| d.join("graph-doctor"))
            .expect("target dir");
        let mut cmd = CommandBuilder::new(bin);
        cmd.args(["demo", "--scenario", "distribution-group"]);
        cmd.env("TERM", "xterm-256color");
        cmd.env(
            "GRAPH_DOCTOR_LOG",
            std::env::temp_dir().join("graph-doctor-capture.log"),
        );
        let child = pair.slave.spawn_command(cmd).expect("spawn");
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().expect("reader");
        let input = pair.master.take_writer().expect("writer");
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            let _m = pair.master;
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                    break;
                }
            }
        });
        Pty {
            parser: vt100::Parser::new(rows, cols, 0),
            rx,
            input,
            _child: child,
        }
    }

    /// Reads until `done` holds and the screen has been quiet for a moment.
    fn settle(&mut self, done: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            match self.rx.recv_timeout(Duration::from_millis(400)) {
                Ok(b) => self.parser.process(&b),
                Err(_) if done(&self.parser.screen().contents()) => break,
                Err(_) if start.elapsed() > Duration::from_secs(30) => {
                    panic!("timed out:\n{}", self.parser.screen().contents())
                }
                Err(_) => {}
            }
        }
        self.parser
            .screen()
            .contents()
            .lines()
            .map(str::trim_end)
            .collect::<Vec<_>>()
            .join("\n")
    }

    fn send(&mut self, s: &str) {
        self.input.write_all(s.as_bytes()).expect("write");
        self.input.flush().expect("flush");
    }
}

fn main() {
    let finished =
        |t: &str| t.contains("verdict fail") && t.contains("? help") && !t.contains("checking");
    let mut p = Pty::start(100, 30);
    println!("$ graph-doctor demo --scenario distribution-group          (100x30: the checks, first failure focused)\n");
    println!("{}", p.settle(finished));
    p.send("\r");
    println!("\n[Enter] opens the failing check: evidence, fix and copyable commands\n");
    println!("{}", p.settle(|t| t.contains("┌ group.type")));
    p.send("q");
    let mut p = Pty::start(80, 24);
    println!("\n$ graph-doctor demo --scenario distribution-group          (80x24: the list alone, Enter opens a check)\n");
    println!("{}", p.settle(finished));
    p.send("?");
    println!("\n[?] lists the keys of the screen it is on\n");
    println!("{}", p.settle(|t| t.contains("Keys: Checks")));
    p.send("x");
    p.send("q");
}
