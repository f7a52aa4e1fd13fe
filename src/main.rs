fn main() {
    std::process::exit(rdpdiag::cli::main());
}
