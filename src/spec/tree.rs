//! A TOML value tree that remembers where every key and value came from.
//!
//! The typed [`crate::spec::Spec`] is built from this tree after overlays are
//! merged; diagnostics map a JSON-pointer-like path back to the file, line and
//! column of the value, which may live in an overlay file.

use std::collections::BTreeMap;

use toml::de::{DeTable, DeValue};

use super::source::{FileId, Loc};

#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub value: Value,
    pub loc: Loc,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// Keys keep the location of the key itself next to the value node.
    Table(BTreeMap<String, (Loc, Node)>),
    Array(Vec<Node>),
    String(String),
    Integer(i64),
    Float(f64),
    Boolean(bool),
    Datetime(String),
}

/// One step of a path into the tree.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Seg {
    Key(String),
    Index(usize),
}

impl From<&str> for Seg {
    fn from(s: &str) -> Self {
        Seg::Key(s.to_string())
    }
}
impl From<usize> for Seg {
    fn from(i: usize) -> Self {
        Seg::Index(i)
    }
}

/// Render a path the way a TOML user reads it: `teams[2].quota.gpu`.
pub fn path_to_string(path: &[Seg]) -> String {
    let mut out = String::new();
    for seg in path {
        match seg {
            Seg::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Seg::Index(i) => {
                out.push_str(&format!("[{i}]"));
            }
        }
    }
    out
}

impl Node {
    pub fn from_toml(table: &toml::Spanned<DeTable<'_>>, file: FileId) -> Node {
        let span = table.span();
        Node {
            value: table_from_de(table.get_ref(), file),
            loc: Loc {
                file,
                start: span.start,
                end: span.end,
            },
        }
    }

    pub fn empty_table(file: FileId) -> Node {
        Node {
            value: Value::Table(BTreeMap::new()),
            loc: Loc {
                file,
                start: 0,
                end: 0,
            },
        }
    }

    pub fn as_table(&self) -> Option<&BTreeMap<String, (Loc, Node)>> {
        match &self.value {
            Value::Table(t) => Some(t),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn get(&self, key: &str) -> Option<&Node> {
        self.as_table().and_then(|t| t.get(key)).map(|(_, n)| n)
    }

    /// The node at `path`, or the deepest existing ancestor (so that a
    /// diagnostic about a missing key points at the table that lacks it).
    pub fn lookup(&self, path: &[Seg]) -> (&Node, bool) {
        let mut node = self;
        for seg in path {
            let next = match (seg, &node.value) {
                (Seg::Key(k), Value::Table(t)) => t.get(k).map(|(_, n)| n),
                (Seg::Index(i), Value::Array(a)) => a.get(*i),
                _ => None,
            };
            match next {
                Some(n) => node = n,
                None => return (node, false),
            }
        }
        (node, true)
    }

    /// Location of the key that names the last segment of `path`, if any.
    pub fn key_loc(&self, path: &[Seg]) -> Option<Loc> {
        let (last, parent) = path.split_last()?;
        let (parent, found) = self.lookup(parent);
        if !found {
            return None;
        }
        match (last, &parent.value) {
            (Seg::Key(k), Value::Table(t)) => t.get(k).map(|(l, _)| *l),
            _ => None,
        }
    }

    /// Convert to JSON (datetimes become strings) for schema validation and serde.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.value {
            Value::Table(t) => J::Object(
                t.iter()
                    .map(|(k, (_, n))| (k.clone(), n.to_json()))
                    .collect(),
            ),
            Value::Array(a) => J::Array(a.iter().map(Node::to_json).collect()),
            Value::String(s) => J::String(s.clone()),
            Value::Integer(i) => J::from(*i),
            Value::Float(f) => serde_json::Number::from_f64(*f)
                .map(J::Number)
                .unwrap_or(J::Null),
            Value::Boolean(b) => J::Bool(*b),
            Value::Datetime(d) => J::String(d.clone()),
        }
    }

    /// Visit every node with its path (depth first, keys in sorted order).
    pub fn walk<'a>(&'a self, path: &mut Vec<Seg>, f: &mut dyn FnMut(&[Seg], &'a Node)) {
        f(path, self);
        match &self.value {
            Value::Table(t) => {
                for (k, (_, n)) in t {
                    path.push(Seg::Key(k.clone()));
                    n.walk(path, f);
                    path.pop();
                }
            }
            Value::Array(a) => {
                for (i, n) in a.iter().enumerate() {
                    path.push(Seg::Index(i));
                    n.walk(path, f);
                    path.pop();
                }
            }
            _ => {}
        }
    }
}

fn loc_of(span: std::ops::Range<usize>, file: FileId) -> Loc {
    Loc {
        file,
        start: span.start,
        end: span.end,
    }
}

fn table_from_de(table: &DeTable<'_>, file: FileId) -> Value {
    let mut out = BTreeMap::new();
    for (k, v) in table.iter() {
        out.insert(
            k.get_ref().to_string(),
            (loc_of(k.span(), file), node_from_de(v, file)),
        );
    }
    Value::Table(out)
}

fn node_from_de(v: &toml::Spanned<DeValue<'_>>, file: FileId) -> Node {
    let value = match v.get_ref() {
        DeValue::String(s) => Value::String(s.to_string()),
        DeValue::Integer(i) => match i64::from_str_radix(i.as_str(), i.radix()) {
            Ok(n) => Value::Integer(n),
            // Out of i64 range: keep it visible as a float rather than failing silently.
            Err(_) => Value::Float(i.as_str().parse::<f64>().unwrap_or(f64::MAX)),
        },
        DeValue::Float(f) => Value::Float(parse_toml_float(f.as_str())),
        DeValue::Boolean(b) => Value::Boolean(*b),
        DeValue::Datetime(d) => Value::Datetime(d.to_string()),
        DeValue::Array(a) => Value::Array(a.iter().map(|e| node_from_de(e, file)).collect()),
        DeValue::Table(t) => table_from_de(t, file),
    };
    Node {
        value,
        loc: loc_of(v.span(), file),
    }
}

fn parse_toml_float(s: &str) -> f64 {
    let cleaned: String = s.chars().filter(|c| *c != '_').collect();
    match cleaned.as_str() {
        "inf" | "+inf" => f64::INFINITY,
        "-inf" => f64::NEG_INFINITY,
        "nan" | "+nan" | "-nan" => f64::NAN,
        other => other.parse().unwrap_or(0.0),
    }
}

/// Whether every element is a table with a string `name` (the merge-by-name case).
fn named_tables(items: &[Node]) -> bool {
    !items.is_empty()
        && items
            .iter()
            .all(|n| n.get("name").and_then(Node::as_str).is_some())
}

/// Merge `overlay` onto `base`, the one rule of mlpc overlays:
/// tables merge deeply, arrays of tables that all have a `name` merge by name
/// (base order kept, new names appended in overlay order), anything else is
/// replaced by the overlay's value.
pub fn merge(base: &Node, overlay: &Node) -> Node {
    match (&base.value, &overlay.value) {
        (Value::Table(b), Value::Table(o)) => {
            let mut out = b.clone();
            for (k, (kloc, ov)) in o {
                let merged = match b.get(k) {
                    Some((_, bv)) => merge(bv, ov),
                    None => ov.clone(),
                };
                out.insert(k.clone(), (*kloc, merged));
            }
            Node {
                value: Value::Table(out),
                loc: base.loc,
            }
        }
        (Value::Array(b), Value::Array(o)) if named_tables(b) && named_tables(o) => {
            let mut out: Vec<Node> = b.clone();
            for item in o {
                let name = item.get("name").and_then(Node::as_str);
                match out
                    .iter()
                    .position(|e| e.get("name").and_then(Node::as_str) == name)
                {
                    Some(i) => out[i] = merge(&out[i], item),
                    None => out.push(item.clone()),
                }
            }
            Node {
                value: Value::Array(out),
                loc: overlay.loc,
            }
        }
        _ => overlay.clone(),
    }
}
