// The checker and the emitter allocate many small values; mimalloc measured
// faster than the system allocator on `mlpc check` (see BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(mlpc::cli::main());
}
