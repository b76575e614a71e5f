//! Regenerates `assets/graph-permissions/map.txt`, the compact permissions map graph-doctor
//! embeds, from the vendored copy of Microsoft's map in `assets/graph-permissions/source/`.
//!
//! ```sh
//! cargo run --example gen_permission_map            # from the vendored sources
//! cargo run --example gen_permission_map -- DIR     # from another copy (permissions.json and
//!                                                   # provisioningInfo.json in DIR)
//! ```
//!
//! To take a newer map: copy both files from microsoftgraph/microsoft-graph-devx-content
//! (`permissions/new/`) into `assets/graph-permissions/source/`, update the commit in
//! `assets/graph-permissions/README.md`, run this, then `cargo test --test permissions`.

mod generate;

use std::path::PathBuf;

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets/graph-permissions");
    let source = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("source"));
    let read = |name: &str| {
        std::fs::read_to_string(source.join(name))
            .map_err(|e| format!("{}: {e}", source.join(name).display()))
    };
    let result = read("permissions.json").and_then(|perms| {
        let prov = read("provisioningInfo.json")?;
        generate::generate(&perms, &prov)
    });
    let out = root.join("map.txt");
    match result.and_then(|text| {
        std::fs::write(&out, &text).map_err(|e| format!("{}: {e}", out.display()))?;
        Ok(text.len())
    }) {
        Ok(len) => println!("wrote {} ({len} bytes)", out.display()),
        Err(e) => {
            eprintln!("gen_permission_map: {e}");
            std::process::exit(1);
        }
    }
}
