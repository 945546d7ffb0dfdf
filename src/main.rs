//! The `mlpc` binary: the command line over the `mlpc` library. `cli` parses
//! the arguments and decides the exit code; `commands` holds one module per
//! subcommand.

mod cli;
mod commands;

// The checker and the emitter allocate many small values; mimalloc measured
// faster than the system allocator on `mlpc check` (see BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(cli::main());
}
