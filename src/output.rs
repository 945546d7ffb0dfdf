//! Standard output that cannot fail silently: a full disk (`> /dev/full`) or
//! a closed pipe makes the command exit 2 with a message, never a panic and
//! never exit 0 with a truncated report.

use std::io::Write;
use std::sync::Mutex;

static FAILED: Mutex<Option<String>> = Mutex::new(None);

fn record(e: &std::io::Error) {
    if let Ok(mut f) = FAILED.lock()
        && f.is_none()
    {
        *f = Some(e.to_string());
    }
}

/// Write `bytes` to stdout and flush; a failure is remembered for [`finish`].
pub fn write(bytes: &[u8]) {
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(bytes).and_then(|_| out.flush()) {
        record(&e);
    }
}

/// `print!`/`println!` panic when stdout fails: turn that panic into exit 2.
pub fn install_panic_hook() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let msg = info.payload_as_str().unwrap_or_default();
        if msg.starts_with("failed printing to stdout") {
            let why = msg.split_once(": ").map(|(_, w)| w).unwrap_or(msg);
            eprintln!("error: cannot write to stdout: {why}");
            std::process::exit(2);
        }
        default(info);
    }));
}

/// The exit code once everything is printed: 2 when any write to stdout failed.
pub fn finish(code: i32) -> i32 {
    if let Err(e) = std::io::stdout().lock().flush() {
        record(&e);
    }
    match FAILED.lock().ok().and_then(|f| f.clone()) {
        Some(why) => {
            eprintln!("error: cannot write to stdout: {why}");
            2
        }
        None => code,
    }
}
