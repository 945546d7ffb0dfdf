//! `-v`: timings and decisions of the pipeline on stderr, for people asking
//! "where does the time go" or "which files did it read". Off by default.

use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Instant;

static LEVEL: AtomicU8 = AtomicU8::new(0);

pub fn set_level(level: u8) {
    LEVEL.store(level, Ordering::Relaxed);
}

pub fn enabled() -> bool {
    LEVEL.load(Ordering::Relaxed) > 0
}

pub fn log(msg: impl FnOnce() -> String) {
    if enabled() {
        eprintln!("mlpc: {}", msg());
    }
}

/// Times a stage and logs it when tracing is on.
pub fn stage<T>(name: &str, f: impl FnOnce() -> T) -> T {
    if !enabled() {
        return f();
    }
    let t = Instant::now();
    let out = f();
    eprintln!("mlpc: {name}: {:.1} ms", t.elapsed().as_secs_f64() * 1000.0);
    out
}
