//! No input makes spec loading, merging or validation panic: arbitrary bytes,
//! TOML-shaped noise, deep nesting, very large files.

use std::path::Path;

use mlpc::spec::load::{MAX_SPEC_BYTES, parse_bytes};
use mlpc::spec::source::SourceMap;
use proptest::prelude::*;

fn run_all(bytes: Vec<u8>) {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("ml-platform.toml");
    std::fs::write(&spec, &bytes).unwrap();
    let mut sources = SourceMap::default();
    let _ = parse_bytes(Path::new("x.toml"), bytes, &mut sources);
    if let Ok(loaded) = mlpc::spec::load::load(&spec) {
        let _ = mlpc::validate::validate(loaded, None);
    }
}

/// Fragments of real specs glued together at random.
fn toml_noise() -> impl Strategy<Value = String> {
    let frag = prop::sample::select(vec![
        "[platform]\n",
        "name = \"p\"\n",
        "domain = \"d\"\n",
        "[gitops]\n",
        "repo_url = \"https://x/y.git\"\n",
        "[[clusters]]\n",
        "name = \"c\"\n",
        "environment = \"e\"\n",
        "provider = \"aws\"\n",
        "region = \"r\"\n",
        "[[node_pools]]\n",
        "gpu = { type = \"g\", count = 0 }\n",
        "min_nodes = 5\n",
        "max_nodes = 1\n",
        "[[teams]]\n",
        "quota = { gpu = 4294967295, cpu = \"x\" }\n",
        "[[serving.models]]\n",
        "team = \"t\"\n",
        "canary = { percent = -5, storage_uri = \"\" }\n",
        "[[tuning.experiments]]\n",
        "parameters = []\n",
        "hourly_price = nan\n",
        "wave = -1\n",
        "= =\n",
        "[\n",
        "\"\\u0000\"\n",
        "x = [[[]]]\n",
        "é = 1\n",
        "clusters = []\n",
        "[components]\nkserve = \"v\"\n",
        "cpu = 1e400\n",
    ]);
    prop::collection::vec(frag, 0..40).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(crate::support::proptest_config(200))]

    #[test]
    fn arbitrary_bytes_do_not_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        run_all(bytes);
    }

    #[test]
    fn toml_noise_does_not_panic(text in toml_noise()) {
        run_all(text.into_bytes());
    }
}

#[test]
fn deep_nesting_is_refused_cleanly() {
    for open in ["[", "{a="] {
        let text = format!("x = {}", open.repeat(100_000));
        let mut sources = SourceMap::default();
        let (node, diags) = parse_bytes(Path::new("deep.toml"), text.into_bytes(), &mut sources);
        assert!(node.is_none());
        assert_eq!(diags[0].code, "E006", "{:?}", diags[0]);
    }
}

#[test]
fn huge_file_is_refused_cleanly() {
    let bytes = vec![b'#'; MAX_SPEC_BYTES + 1];
    let mut sources = SourceMap::default();
    let (node, diags) = parse_bytes(Path::new("huge.toml"), bytes, &mut sources);
    assert!(node.is_none());
    assert_eq!(diags[0].code, "E006");
}

#[test]
fn binary_garbage_is_a_utf8_error() {
    let mut sources = SourceMap::default();
    let (node, diags) = parse_bytes(
        Path::new("bin.toml"),
        vec![0xff, 0xfe, 0x00, 0x9f],
        &mut sources,
    );
    assert!(node.is_none());
    assert_eq!(diags[0].code, "E006");
}

#[test]
fn empty_file_reports_missing_keys() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("ml-platform.toml");
    std::fs::write(&spec, "").unwrap();
    let loaded = mlpc::spec::load::load(&spec).unwrap();
    let err = mlpc::validate::validate(loaded, None).unwrap_err();
    let codes: Vec<&str> = err.diagnostics().map(|d| d.code).collect();
    assert!(codes.contains(&"E004"), "{codes:?}");
}

#[test]
fn thousands_of_entries_validate() {
    let mut text = String::from(
        "[platform]\nname = \"big\"\ndomain = \"big.example\"\n[gitops]\nrepo_url = \"https://git.example/big.git\"\n[[clusters]]\nname = \"c1\"\nenvironment = \"prod\"\nprovider = \"aws\"\nregion = \"us-east-1\"\n",
    );
    for i in 0..3000 {
        text.push_str(&format!(
            "[[teams]]\nname = \"team-{i}\"\nowners = [\"o@x\"]\n"
        ));
    }
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("ml-platform.toml");
    std::fs::write(&spec, text).unwrap();
    let loaded = mlpc::spec::load::load(&spec).unwrap();
    let v = mlpc::validate::validate(loaded, None).expect("valid");
    assert_eq!(v.envs["prod"].teams.len(), 3000);
}
