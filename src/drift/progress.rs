//! A one-line progress bar on stderr while clusters are checked: only on a
//! terminal and never in CI, so logs and pipes stay clean.

use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

#[derive(Default)]
struct Counters {
    lists_total: AtomicUsize,
    lists_done: AtomicUsize,
    clusters_total: AtomicUsize,
    clusters_done: AtomicUsize,
    stop: AtomicBool,
}

/// Shared counters; cheap to clone into tasks. A disabled one counts but
/// never draws.
#[derive(Clone)]
pub struct Progress {
    counters: Arc<Counters>,
    drawer: Option<Arc<std::sync::Mutex<Option<std::thread::JoinHandle<()>>>>>,
}

impl Progress {
    /// Draw only when stderr is a terminal and `CI` is unset (and `enabled`).
    pub fn detect(enabled: bool) -> bool {
        enabled && std::io::stderr().is_terminal() && std::env::var_os("CI").is_none()
    }

    pub fn start(clusters: usize, draw: bool) -> Progress {
        let counters = Arc::new(Counters::default());
        counters.clusters_total.store(clusters, Ordering::Relaxed);
        let drawer = draw.then(|| {
            let c = Arc::clone(&counters);
            let handle = std::thread::spawn(move || {
                while !c.stop.load(Ordering::Relaxed) {
                    draw_line(&c);
                    std::thread::sleep(Duration::from_millis(120));
                }
                let mut err = std::io::stderr().lock();
                let _ = write!(err, "\r\x1b[2K");
                let _ = err.flush();
            });
            Arc::new(std::sync::Mutex::new(Some(handle)))
        });
        Progress { counters, drawer }
    }

    pub fn add_lists(&self, n: usize) {
        self.counters.lists_total.fetch_add(n, Ordering::Relaxed);
    }

    pub fn list_done(&self) {
        self.counters.lists_done.fetch_add(1, Ordering::Relaxed);
    }

    pub fn cluster_done(&self) {
        self.counters.clusters_done.fetch_add(1, Ordering::Relaxed);
    }

    /// Stop drawing and clear the line.
    pub fn finish(&self) {
        self.counters.stop.store(true, Ordering::Relaxed);
        if let Some(d) = &self.drawer
            && let Ok(mut guard) = d.lock()
            && let Some(h) = guard.take()
        {
            let _ = h.join();
        }
    }
}

fn draw_line(c: &Counters) {
    let total = c.lists_total.load(Ordering::Relaxed);
    let done = c.lists_done.load(Ordering::Relaxed).min(total);
    let ct = c.clusters_total.load(Ordering::Relaxed);
    let cd = c.clusters_done.load(Ordering::Relaxed);
    const WIDTH: usize = 28;
    let filled = (done * WIDTH).checked_div(total).unwrap_or(0);
    let bar = format!("{}{}", "#".repeat(filled), "-".repeat(WIDTH - filled));
    let mut err = std::io::stderr().lock();
    let _ = write!(
        err,
        "\r\x1b[2Kdrift [{bar}] {done}/{total} resource types, {cd}/{ct} clusters"
    );
    let _ = err.flush();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_without_drawing() {
        let p = Progress::start(2, false);
        p.add_lists(3);
        p.list_done();
        p.cluster_done();
        p.finish();
        assert_eq!(p.counters.lists_done.load(Ordering::Relaxed), 1);
        assert_eq!(p.counters.clusters_done.load(Ordering::Relaxed), 1);
    }
}
