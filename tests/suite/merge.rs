//! Property tests of the overlay merge rule: tables merge deeply, arrays of
//! named tables merge by name, everything else is replaced by the overlay.

use mlpc::spec::load::parse_str;
use mlpc::spec::tree::{Node, merge};
use proptest::prelude::*;
use serde_json::{Value, json};

/// Small TOML documents: scalars, nested tables and arrays of named tables,
/// drawn from a few keys so that base and overlay overlap often.
fn toml_doc() -> impl Strategy<Value = String> {
    let key = prop::sample::select(vec!["a", "b", "c"]);
    let scalar = prop_oneof![
        any::<i32>().prop_map(|i| i.to_string()),
        "[a-z]{0,4}".prop_map(|s| format!("\"{s}\"")),
        any::<bool>().prop_map(|b| b.to_string()),
    ];
    let entry = (key.clone(), scalar.clone()).prop_map(|(k, v)| format!("{k} = {v}\n"));
    // Names are unique within one document, as validation (E101) demands.
    let named = (
        prop::sample::subsequence(vec!["x", "y", "z"], 0..=3),
        key.clone(),
        scalar.clone(),
    )
        .prop_map(|(names, k, v)| {
            names
                .iter()
                .map(|n| format!("[[items]]\nname = \"{n}\"\n{k} = {v}\n"))
                .collect::<String>()
        });
    let table = (
        key,
        prop::collection::vec((prop::sample::select(vec!["p", "q"]), scalar), 0..3),
    )
        .prop_map(|(t, kvs)| {
            let mut s = format!("[t.{t}]\n");
            for (k, v) in kvs {
                s.push_str(&format!("{k} = {v}\n"));
            }
            s
        });
    (
        prop::collection::vec(entry, 0..3),
        prop::collection::vec(table, 0..3),
        named,
    )
        .prop_map(|(e, t, n)| format!("{}{}{}", e.concat(), t.concat(), n))
}

fn parse(text: &str) -> Option<Node> {
    let (_, node, diags) = parse_str("t.toml", text);
    if diags.is_empty() { node } else { None }
}

fn empty() -> Node {
    parse("").unwrap()
}

proptest! {
    #![proptest_config(crate::support::proptest_config(300))]

    #[test]
    fn empty_overlay_is_identity(doc in toml_doc()) {
        if let Some(n) = parse(&doc) {
            prop_assert_eq!(merge(&n, &empty()).to_json(), n.to_json());
        }
    }

    #[test]
    fn merging_onto_empty_gives_the_overlay(doc in toml_doc()) {
        if let Some(n) = parse(&doc) {
            // Named arrays are kept as they are, in order.
            prop_assert_eq!(merge(&empty(), &n).to_json(), n.to_json());
        }
    }

    #[test]
    fn merge_is_deterministic(a in toml_doc(), b in toml_doc()) {
        if let (Some(a), Some(b)) = (parse(&a), parse(&b)) {
            let one = serde_json::to_string(&merge(&a, &b).to_json()).unwrap();
            let two = serde_json::to_string(&merge(&a, &b).to_json()).unwrap();
            prop_assert_eq!(one, two);
        }
    }

    #[test]
    fn later_overlay_wins(a in toml_doc(), b in toml_doc(), c in toml_doc()) {
        if let (Some(a), Some(b), Some(c)) = (parse(&a), parse(&b), parse(&c)) {
            let merged = merge(&merge(&a, &b), &c).to_json();
            // Every top-level scalar the last overlay sets is the merged value.
            for (k, v) in c.to_json().as_object().unwrap() {
                if !v.is_object() && !v.is_array() {
                    prop_assert_eq!(&merged[k], v);
                }
            }
        }
    }

    #[test]
    fn merge_is_associative(a in toml_doc(), b in toml_doc(), c in toml_doc()) {
        if let (Some(a), Some(b), Some(c)) = (parse(&a), parse(&b), parse(&c)) {
            prop_assert_eq!(merge(&merge(&a, &b), &c).to_json(), merge(&a, &merge(&b, &c)).to_json());
        }
    }
}

#[test]
fn named_arrays_merge_by_name_and_keep_base_order() {
    let base =
        parse("[[items]]\nname = \"x\"\nv = 1\nw = 1\n[[items]]\nname = \"y\"\nv = 2\n").unwrap();
    let over = parse("[[items]]\nname = \"z\"\nv = 3\n[[items]]\nname = \"x\"\nv = 9\n").unwrap();
    let merged: Value = merge(&base, &over).to_json();
    assert_eq!(
        merged,
        json!({"items": [{"name": "x", "v": 9, "w": 1}, {"name": "y", "v": 2}, {"name": "z", "v": 3}]})
    );
}

#[test]
fn other_arrays_are_replaced() {
    let base = parse("l = [1, 2, 3]\n").unwrap();
    let over = parse("l = [4]\n").unwrap();
    assert_eq!(merge(&base, &over).to_json(), json!({"l": [4]}));
}

#[test]
fn overlay_values_keep_their_file() {
    let (_, base, _) = parse_str("base.toml", "[p]\na = 1\nb = 2\n");
    let (_, over, _) = parse_str("over.toml", "[p]\nb = 3\n");
    let (base, over) = (base.unwrap(), over.unwrap());
    let merged = merge(&base, &over);
    let b = merged.get("p").unwrap().get("b").unwrap();
    let a = merged.get("p").unwrap().get("a").unwrap();
    assert_eq!(b.loc.file, over.loc.file);
    assert_eq!(a.loc.file, base.loc.file);
}
