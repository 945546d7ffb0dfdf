//! The structure property (issue 14): an arbitrary string in any string field
//! of the spec's schema is either refused by validation or compiles to the
//! output the field's harmless value compiles to, with the string in its place
//! byte-exact: no extra file, document, key or list entry. The first two bytes
//! pick the field, the rest (UTF-8) is appended to the field's example value.
#![no_main]

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, OnceLock};

use libfuzzer_sys::fuzz_target;
use mlpc::hostile::{self, FieldPath, MARK, Outcome, Step};
use serde_json::Value;

struct Setup {
    base: Value,
    fields: Vec<FieldPath>,
    baselines: Mutex<HashMap<usize, Option<BTreeMap<String, Vec<Value>>>>>,
}

fn setup() -> &'static Setup {
    static S: OnceLock<Setup> = OnceLock::new();
    S.get_or_init(|| Setup {
        base: hostile::base_spec(
            include_str!("../../ml-platform.toml"),
            include_str!("../../tests/hostile/extra.toml"),
        )
        .expect("base spec"),
        fields: hostile::string_fields(&mlpc::spec::schema::schema_value()),
        baselines: Mutex::new(HashMap::new()),
    })
}

fn prefix(s: &Setup, field: &FieldPath) -> String {
    match field.last() {
        Some(Step::MapKey) => String::new(),
        _ => hostile::get(&s.base, field).unwrap_or_default().to_string(),
    }
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let s = setup();
    let i = u16::from_le_bytes([data[0], data[1]]) as usize % s.fields.len();
    let Ok(tail) = std::str::from_utf8(&data[2..]) else {
        return;
    };
    let field = &s.fields[i];
    let prefix = prefix(s, field);
    let marked = format!("{prefix}{MARK}");
    let value = format!("{prefix}{tail}");
    // The marker must be absent from the value, or the substitution is ambiguous.
    if tail.contains(MARK) || value == marked {
        return;
    }
    let baseline = {
        let mut cache = s.baselines.lock().unwrap();
        cache
            .entry(i)
            .or_insert_with(|| {
                let mut spec = s.base.clone();
                if !hostile::set(&mut spec, field, &marked) {
                    return None;
                }
                match hostile::compile_json(&spec) {
                    Ok(Outcome::Compiled(o)) => Some(o),
                    _ => None,
                }
            })
            .clone()
    };
    // A field whose harmless marked value is refused (an enum, a version, a
    // reference) has no baseline to compare with; a random tail can still
    // form a valid value there ("v0.16.0" + ""), which is not a violation.
    let Some(baseline) = baseline else {
        return;
    };
    if let Err(e) = hostile::check(&s.base, field, Some(&baseline), &marked, &value) {
        panic!("structure property broken: {e}");
    }
});
