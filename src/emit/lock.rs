//! `mlpc.lock`: which files a compile wrote (so the next one removes only
//! those), their digests, and the digests of the inputs they came from.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub const LOCK_FILE: &str = "mlpc.lock";

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Lock {
    pub mlpc_version: String,
    /// sha256 of each input: spec, overlays, policies, blueprint overrides.
    pub inputs: BTreeMap<String, String>,
    /// sha256 of each file written, by path relative to the output root.
    pub files: BTreeMap<String, String>,
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut s = String::with_capacity(64);
    for b in digest {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

impl Lock {
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s.into_bytes()
    }

    /// A lock that cannot be read is treated as absent: mlpc then removes
    /// nothing it cannot prove it wrote.
    pub fn parse(bytes: &[u8]) -> Option<Lock> {
        serde_json::from_slice(bytes).ok()
    }
}
