//! Spec loading, overlay merge and validation on arbitrary bytes.
//!
//! The input is split at the first `\n%%\n`: before it is `ml-platform.toml`,
//! after it (if present) `environments/staging.toml`, so the merge of an
//! overlay onto the base is exercised too. Everything goes through the real
//! `load_from` with an in-memory `Files`.
#![no_main]

use std::io;
use std::path::{Path, PathBuf};

use libfuzzer_sys::fuzz_target;
use mlpc::spec::load::{Files, load_from};

const MARKER: &[u8] = b"\n%%\n";

struct Mem<'a> {
    base: &'a [u8],
    overlay: Option<&'a [u8]>,
}

impl Files for Mem<'_> {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        if path == Path::new("ml-platform.toml") {
            return Ok(self.base.to_vec());
        }
        match self.overlay {
            Some(o) if path == Path::new("environments/staging.toml") => Ok(o.to_vec()),
            _ => Err(io::Error::from(io::ErrorKind::NotFound)),
        }
    }
    fn list(&self, dir: &Path) -> io::Result<Vec<PathBuf>> {
        if dir == Path::new("environments") && self.overlay.is_some() {
            Ok(vec![PathBuf::from("environments/staging.toml")])
        } else {
            Ok(Vec::new())
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let (base, overlay) = match data.windows(MARKER.len()).position(|w| w == MARKER) {
        Some(i) => (&data[..i], Some(&data[i + MARKER.len()..])),
        None => (data, None),
    };
    let files = Mem { base, overlay };
    match load_from(&files, Path::new("ml-platform.toml")) {
        Ok(loaded) => {
            // Both merge directions of the tree (the merge rule is total).
            if let Some(o) = loaded.overlays.get("staging") {
                let _ = mlpc::spec::tree::merge(o, &loaded.base);
            }
            match mlpc::validate::validate(loaded, None) {
                Ok(v) => {
                    let _ = v.cluster_names();
                }
                Err(e) => assert!(
                    e.diagnostics().next().is_some(),
                    "a failed validation carries diagnostics"
                ),
            }
        }
        Err(e @ mlpc::error::Error::InvalidSpec(_)) => assert!(
            e.diagnostics().next().is_some(),
            "a failed load carries diagnostics"
        ),
        Err(e) => panic!("in-memory reads never fail: {e}"),
    }
});
