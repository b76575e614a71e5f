//! Embeds the simulated tenant's scenarios: generates `$OUT_DIR/scenarios.rs`, a sorted list of
//! `(name, text)` for every `assets/scenarios/*.json`, so adding a scenario is dropping a file in.

use std::fmt::Write as _;
use std::path::Path;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = Path::new("assets/scenarios");
    println!("cargo:rerun-if-changed=assets/scenarios");
    let mut names = Vec::new();
    if dir.is_dir() {
        for entry in std::fs::read_dir(dir)? {
            let path = entry?.path();
            if path.extension().and_then(|e| e.to_str()) == Some("json") {
                if let Some(stem) = path.file_stem().and_then(|s| s.to_str()) {
                    names.push(stem.to_string());
                }
            }
        }
    }
    names.sort();
    let mut out = String::from("/// Every embedded scenario file: (file stem, JSON text), sorted.\npub static FILES: &[(&str, &str)] = &[\n");
    for name in &names {
        writeln!(
            out,
            "    ({name:?}, include_str!(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/assets/scenarios/{name}.json\"))),"
        )?;
    }
    out.push_str("];\n");
    let dest = Path::new(&std::env::var("OUT_DIR")?).join("scenarios.rs");
    std::fs::write(dest, out)?;
    Ok(())
}
