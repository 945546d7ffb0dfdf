//! YAML: `parse_stream` on arbitrary text never panics, and the canonical
//! writer round-trips every value it produced: `parse_stream(to_yaml(v)) == [v]`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mlpc::yaml::{parse_stream, to_yaml};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(docs) = parse_stream(text) else {
        return;
    };
    for v in docs {
        let out = to_yaml(&v);
        match parse_stream(&out) {
            Ok(back) => assert_eq!(back, vec![v.clone()], "round trip of {v:?} via\n{out}"),
            Err(e) => panic!("to_yaml wrote invalid YAML for {v:?}: {e}\n{out}"),
        }
        // Deterministic: the same value gives the same bytes.
        assert_eq!(to_yaml(&v), out);
    }
});
