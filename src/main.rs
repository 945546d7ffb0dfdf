fn main() {
    std::process::exit(mlpc::cli::main());
}
