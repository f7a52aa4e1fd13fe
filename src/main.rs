fn main() {
    std::process::exit(rdpdiag::app::main());
}
