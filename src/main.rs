//! The graph-doctor binary: a thin wrapper; everything happens in [`graph_doctor::cli::main`].

fn main() {
    std::process::exit(graph_doctor::cli::main());
}
