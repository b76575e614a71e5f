fn main() {
    std::process::exit(graph_doctor::cli::main());
}
