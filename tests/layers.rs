//! The layers of `src/` only point down. Each top-level module has a floor; a file may use a
//! module on a lower floor, or one listed after it on its own floor, never one above. Test code
//! (`#[cfg(test)]` modules, which start at the end of a file by convention) is left out: a test
//! may drive any layer.
//!
//! The floors, top to bottom (docs/architecture.md says what each is for):
//! main → cli → tui → plan, record → engine → explain → checks → graph, sim → auth → knowledge → report,
//! secret, logging.
//!
//! [`KNOWN`] lists the imports that still point up, each with the work that removes it (none
//! today). The test fails when a new one appears, and also when a listed one is gone (so the list
//! only shrinks).

// Test helpers outside #[test] functions may fail loudly.
#![allow(clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;
use std::path::Path;

/// Floors, top first. Modules on one floor may use the ones after them on that floor.
const FLOORS: &[&[&str]] = &[
    &["main"],
    &["cli"],
    &["tui"],
    &["plan", "record"],
    &["engine"],
    &["explain"],
    &["checks"],
    &["graph", "sim"],
    &["auth"],
    &["knowledge"],
    &["report", "secret", "logging"],
];

/// Imports that still point up: (file, module it uses).
const KNOWN: &[(&str, &str)] = &[];

/// (floor, position on the floor) of a top-level module.
fn rank(module: &str) -> Option<(usize, usize)> {
    FLOORS
        .iter()
        .enumerate()
        .find_map(|(f, mods)| mods.iter().position(|m| *m == module).map(|p| (f, p)))
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src").flatten() {
        let p = entry.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// The module a file belongs to: `src/engine/gather.rs` → `engine`, `src/cli.rs` → `cli`.
fn module_of(rel: &str) -> String {
    let rest = rel.trim_start_matches("src/");
    let first = rest.split('/').next().unwrap_or(rest);
    first.trim_end_matches(".rs").to_string()
}

/// Every `crate::X` named outside test code and comments.
fn used_modules(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for line in text.lines() {
        let code = line.trim_start();
        if code.starts_with("#[cfg(test)]") {
            break;
        }
        if code.starts_with("//") {
            continue;
        }
        let code = code.split("//").next().unwrap_or(code);
        let mut rest = code;
        while let Some(i) = rest.find("crate::") {
            let after = &rest[i + "crate::".len()..];
            let name: String = after
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                out.insert(name);
            }
            rest = after;
        }
    }
    out
}

#[test]
fn imports_only_point_down() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    files.sort();
    let mut up = BTreeSet::new();
    let mut unplaced = BTreeSet::new();
    for f in &files {
        let rel = f
            .strip_prefix(root)
            .expect("under the manifest dir")
            .to_string_lossy()
            .replace('\\', "/");
        let module = module_of(&rel);
        // Test-only files (`tests.rs`, declared under `#[cfg(test)]`) may drive any layer.
        if module == "lib" || rel.ends_with("/tests.rs") {
            continue;
        }
        let Some(from) = rank(&module) else {
            unplaced.insert(module);
            continue;
        };
        let text = std::fs::read_to_string(f).expect("read source");
        for used in used_modules(&text) {
            if used == module {
                continue;
            }
            let Some(to) = rank(&used) else {
                unplaced.insert(used);
                continue;
            };
            // Down a floor, or later on the same floor.
            if to.0 > from.0 || (to.0 == from.0 && to.1 > from.1) {
                continue;
            }
            up.insert((rel.clone(), used));
        }
    }
    assert!(
        unplaced.is_empty(),
        "modules with no floor in tests/layers.rs: {unplaced:?} (give each a floor)"
    );
    let known: BTreeSet<(String, String)> = KNOWN
        .iter()
        .map(|(f, m)| (f.to_string(), m.to_string()))
        .collect();
    let new: Vec<_> = up.difference(&known).collect();
    let gone: Vec<_> = known.difference(&up).collect();
    assert!(
        new.is_empty(),
        "imports that point up a layer (move the code to the right layer): {new:?}"
    );
    assert!(
        gone.is_empty(),
        "these known exceptions are fixed: remove them from KNOWN in tests/layers.rs: {gone:?}"
    );
}

#[test]
fn the_scanner_sees_imports_and_skips_tests_and_comments() {
    let text = "use crate::auth::Cloud;\n// crate::tui in a comment\nlet x = crate::report::SCHEMA; // crate::cli\n#[cfg(test)]\nmod tests { use crate::sim::SimServer; }\n";
    let got: Vec<String> = used_modules(text).into_iter().collect();
    assert_eq!(got, vec!["auth".to_string(), "report".to_string()]);
    assert_eq!(module_of("src/engine/gather.rs"), "engine");
    assert_eq!(module_of("src/cli.rs"), "cli");
    assert!(rank("engine") < rank("explain"));
}
