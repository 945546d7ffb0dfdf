//! `mlpc check`: every object against its upstream schema (strict) and the
//! platform's Gatekeeper policies, offline; plus the policies' own tests.

pub mod manifests;
pub mod output;
pub mod platform;
pub mod policy;
pub mod policy_tests;
pub mod reach;
pub mod schemas;

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use rayon::prelude::*;
use serde::Serialize;
use serde_json::Value;

use crate::diag::Severity;
use policy::{Constraint, Template};
use schemas::{Lookup, SchemaStore};

/// An object to check and where it came from.
#[derive(Clone, Debug)]
pub struct Object {
    pub value: Value,
    /// File path (relative to the checked root) shown in reports.
    pub file: String,
    /// The cluster it belongs to, when checking a compiled spec.
    pub cluster: Option<String>,
}

impl Object {
    /// The objects of a compile, each with its file and cluster.
    pub fn from_placed(placed: &[crate::emit::Placed]) -> Vec<Object> {
        placed
            .iter()
            .map(|p| Object {
                value: p.object.clone(),
                file: p.path.clone(),
                cluster: Some(p.cluster.clone()),
            })
            .collect()
    }
}

#[derive(Clone, Debug, Serialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    Input,
    Schema,
    Policy,
    PolicyTest,
    /// Cross-object platform rules (E185–W196, E217).
    Platform,
}

/// One problem found; the JSON output is an array of these (see README).
#[derive(Clone, Debug, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct Finding {
    pub severity: Severity,
    pub source: Source,
    pub cluster: Option<String>,
    pub file: String,
    #[serde(rename = "apiVersion")]
    pub api_version: String,
    pub kind: String,
    pub namespace: Option<String>,
    pub name: String,
    /// JSON path of the failing field (`.spec.containers[0].image`), `.` for the object.
    pub path: String,
    pub message: String,
    /// Schema file, constraint (`Kind/name`) or policy test that reported it.
    pub rule: String,
}

impl Finding {
    pub fn about(
        obj: &Object,
        severity: Severity,
        source: Source,
        path: String,
        message: String,
        rule: String,
    ) -> Finding {
        let s = |p: &str| {
            obj.value
                .pointer(p)
                .and_then(Value::as_str)
                .map(str::to_string)
        };
        Finding {
            severity,
            source,
            cluster: obj.cluster.clone(),
            file: obj.file.clone(),
            api_version: s("/apiVersion").unwrap_or_default(),
            kind: s("/kind").unwrap_or_default(),
            namespace: s("/metadata/namespace"),
            name: s("/metadata/name").unwrap_or_default(),
            path,
            message,
            rule,
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct CheckOptions {
    pub schemas: Vec<PathBuf>,
    /// Objects without a schema are errors, and open schemas are closed.
    pub strict: bool,
    /// Skip schema validation (policies only).
    pub skip_schemas: bool,
}

/// The result of a check run.
#[derive(Debug, Default, Serialize)]
pub struct Report {
    pub objects: usize,
    pub findings: Vec<Finding>,
    pub policy_tests: usize,
}

impl Report {
    /// The findings of a spec that does not compile as check findings
    /// (source `input`, the spec file and position, the finding code as the
    /// rule), so an invalid spec is reported in the format the caller asked for.
    pub fn of_invalid_spec(diags: &[crate::diag::Diagnostic]) -> Report {
        let mut findings: Vec<Finding> = diags
            .iter()
            .map(|d| {
                let (file, message) = match &d.position {
                    Some(p) => (p.file.clone(), format!("{p}: {}", d.message)),
                    None => ("ml-platform.toml".to_string(), d.message.clone()),
                };
                let message = match &d.hint {
                    Some(h) => format!("{message} (hint: {h})"),
                    None => message,
                };
                Finding {
                    severity: d.severity,
                    source: Source::Input,
                    cluster: None,
                    file,
                    api_version: String::new(),
                    kind: String::new(),
                    namespace: None,
                    name: d.path.clone().unwrap_or_default(),
                    path: d.path.clone().unwrap_or_else(|| ".".into()),
                    message,
                    rule: d.code.to_string(),
                }
            })
            .collect();
        findings.sort();
        Report {
            objects: 0,
            findings,
            policy_tests: 0,
        }
    }

    pub fn errors(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .count()
    }
    pub fn warnings(&self) -> usize {
        self.findings.len() - self.errors()
    }
}

/// Templates and constraints, per cluster (`None`: applies to every object).
#[derive(Clone, Default)]
pub struct Policies {
    pub templates: HashMap<String, Template>,
    pub constraints: Vec<(Option<String>, Constraint)>,
    pub problems: Vec<Finding>,
}

impl Policies {
    /// Collect ConstraintTemplates and Constraints from a set of objects.
    pub fn from_objects(objects: &[Object], per_cluster: bool) -> Policies {
        let mut p = Policies::default();
        for o in objects {
            if o.value.get("kind").and_then(Value::as_str) == Some("ConstraintTemplate") {
                match Template::from_object(&o.value) {
                    Ok(t) => {
                        p.templates.entry(t.kind.clone()).or_insert(t);
                    }
                    Err(msg) => p.problems.push(Finding::about(
                        o,
                        Severity::Error,
                        Source::Policy,
                        ".spec.targets[0].rego".into(),
                        msg,
                        "ConstraintTemplate".into(),
                    )),
                }
            }
        }
        for o in objects {
            if crate::emit::layout::api_group(&o.value) == "constraints.gatekeeper.sh" {
                let c = Constraint::from_object(&o.value);
                let cluster = if per_cluster { o.cluster.clone() } else { None };
                p.constraints.push((cluster, c));
            }
        }
        p
    }

    /// Merge constraints seen in several clusters into one set, keeping the
    /// strictest enforcement of each (`deny` over `warn` over `dryrun`).
    pub fn strictest(mut self) -> Policies {
        let rank = |e: &str| match e {
            "deny" => 2,
            "warn" => 1,
            _ => 0,
        };
        let mut best: BTreeMap<(String, String), Constraint> = BTreeMap::new();
        for (_, c) in self.constraints.drain(..) {
            let key = (c.kind.clone(), c.name.clone());
            match best.get(&key) {
                Some(prev) if rank(&prev.enforcement) >= rank(&c.enforcement) => {}
                _ => {
                    best.insert(key, c);
                }
            }
        }
        self.constraints = best.into_values().map(|c| (None, c)).collect();
        self
    }

    pub fn extend(&mut self, other: Policies) {
        for (k, t) in other.templates {
            self.templates.entry(k).or_insert(t);
        }
        self.constraints.extend(other.constraints);
        self.problems.extend(other.problems);
    }
}

/// Check objects against schemas and policies. Schemas of constraint kinds
/// come from their templates, as Gatekeeper derives them.
pub fn check(objects: &[Object], policies: &Policies, opts: &CheckOptions) -> Report {
    let store = SchemaStore::new(&opts.schemas, opts.strict);
    for t in policies.templates.values() {
        store.add_extra(
            "constraints.gatekeeper.sh/v1beta1",
            &t.kind,
            &policy::constraint_schema(t.parameters_schema.as_ref()),
            &format!("ConstraintTemplate {}", t.name),
        );
    }
    let check_schemas = !opts.skip_schemas && store.has_dirs();
    let mut findings: Vec<Finding> = objects
        .par_chunks(256)
        .flat_map_iter(|chunk| {
            // regorus values are not shareable across threads: each chunk gets
            // its own engines and converted parameters.
            let mut templates = policies.templates.clone();
            let params: Vec<regorus::Value> = policies
                .constraints
                .iter()
                .map(|(_, c)| policy::parameters_value(&c.parameters))
                .collect();
            let mut out = Vec::new();
            for o in chunk {
                if check_schemas {
                    schema_findings(&store, o, opts.strict, &mut out);
                }
                policy_findings(&mut templates, &policies.constraints, &params, o, &mut out);
            }
            out
        })
        .collect();
    findings.extend(policies.problems.iter().cloned());
    findings.sort();
    findings.dedup();
    Report {
        objects: objects.len(),
        findings,
        policy_tests: 0,
    }
}

fn schema_findings(store: &SchemaStore, o: &Object, strict: bool, out: &mut Vec<Finding>) {
    let api = o
        .value
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let kind = o
        .value
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or_default();
    match store.lookup(api, kind) {
        Lookup::Found { validator, file } => {
            let rule = file.display().to_string();
            for e in schemas::validate(&validator, &o.value) {
                out.push(Finding::about(
                    o,
                    Severity::Error,
                    Source::Schema,
                    e.path,
                    e.message,
                    rule.clone(),
                ));
            }
        }
        Lookup::Missing => {
            let sev = if strict {
                Severity::Error
            } else {
                Severity::Warning
            };
            out.push(Finding::about(
                o,
                sev,
                Source::Schema,
                ".".into(),
                format!("no schema for {kind} ({api}) in the schema directories"),
                "schema lookup".into(),
            ));
        }
        Lookup::Broken(msg) => {
            out.push(Finding::about(
                o,
                Severity::Error,
                Source::Schema,
                ".".into(),
                format!("schema unusable: {msg}"),
                "schema lookup".into(),
            ));
        }
    }
}

fn policy_findings(
    templates: &mut HashMap<String, Template>,
    constraints: &[(Option<String>, Constraint)],
    params: &[regorus::Value],
    o: &Object,
    out: &mut Vec<Finding>,
) {
    let mut prepared: Option<policy::Prepared> = None;
    for ((cluster, c), p) in constraints.iter().zip(params) {
        if cluster.is_some() && cluster != &o.cluster {
            continue;
        }
        if !c.matches(&o.value) {
            continue;
        }
        let Some(t) = templates.get_mut(&c.kind) else {
            continue;
        };
        let sev = if c.enforcement == "deny" {
            Severity::Error
        } else {
            Severity::Warning
        };
        let input = prepared
            .get_or_insert_with(|| policy::Prepared::new(&o.value))
            .input(p);
        match t.evaluate_input(input) {
            Ok(msgs) => {
                for m in msgs {
                    out.push(Finding::about(
                        o,
                        sev,
                        Source::Policy,
                        ".".into(),
                        format!("{m} ({})", c.enforcement),
                        format!("{}/{}", c.kind, c.name),
                    ));
                }
            }
            Err(e) => out.push(Finding::about(
                o,
                Severity::Error,
                Source::Policy,
                ".".into(),
                e,
                format!("{}/{}", c.kind, c.name),
            )),
        }
    }
}
