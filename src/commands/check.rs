//! `mlpc check`: the CI gate. Compiles the spec in memory (or reads
//! `--manifests DIR`), validates every object against the schemas and the
//! platform's Gatekeeper policies, and runs the policies' own tests.

use std::path::{Path, PathBuf};

use crate::check::{self, CheckOptions, Object, Policies, manifests, output, policy_tests};
use crate::cli::print_findings;
use crate::compile::{CompileOptions, compile};
use crate::error::{Error, Result};
use crate::report::Style;
use crate::spec::load::Disk;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum CheckFormat {
    Human,
    Json,
    Junit,
}

pub struct CheckArgs {
    pub spec: PathBuf,
    pub manifests: Option<PathBuf>,
    pub schemas: Vec<PathBuf>,
    pub format: CheckFormat,
    pub strict: bool,
    pub clusters: Vec<String>,
    pub blueprints: Option<PathBuf>,
    pub skip_policy_tests: bool,
}

pub fn run(a: &CheckArgs, style: Style) -> Result<i32> {
    for d in &a.schemas {
        if !d.is_dir() {
            return Err(Error::Usage(format!(
                "--schemas {}: not a directory",
                d.display()
            )));
        }
    }
    if a.schemas.is_empty() {
        if a.strict {
            return Err(Error::Usage(
                "--strict needs at least one --schemas DIR".into(),
            ));
        }
        eprintln!(
            "{} no --schemas given: objects are checked against policies only",
            style.yellow("note:")
        );
    }
    let spec_exists = a.spec.is_file();
    let compiled = if spec_exists {
        let opts = CompileOptions {
            spec: a.spec.clone(),
            blueprints: a.blueprints.clone(),
            clusters: a.clusters.clone(),
        };
        match compile(&opts)? {
            Ok(c) => Some(c),
            Err(invalid) => {
                if a.format == CheckFormat::Human {
                    print_findings(
                        &invalid.diagnostics,
                        Some(&invalid.sources),
                        crate::cli::Format::Human,
                        style,
                    );
                } else {
                    // A CI step that parses JSON or JUnit must get that format
                    // even when the spec itself is invalid.
                    let report = spec_findings(&invalid.diagnostics);
                    let text = match a.format {
                        CheckFormat::Junit => output::junit(&report),
                        _ => output::json(&report),
                    };
                    crate::output::write(text.as_bytes());
                }
                return Ok(1);
            }
        }
    } else if a.manifests.is_none() {
        return Err(Error::Usage(format!(
            "{} not found; pass --spec FILE, or --manifests DIR to check a directory of YAML",
            a.spec.display()
        )));
    } else {
        None
    };

    let compiled_objects: Vec<Object> = compiled
        .as_ref()
        .map(|c| Object::from_placed(&c.tree.objects))
        .unwrap_or_default();

    let (objects, mut input_findings, policies) = match &a.manifests {
        None => {
            let policies = Policies::from_objects(&compiled_objects, true);
            (compiled_objects, Vec::new(), policies)
        }
        Some(dir) => {
            let (objects, findings) = manifests::read(dir)?;
            let mut policies = Policies::from_objects(&objects, false);
            // The platform's own policies apply to hand-written manifests too.
            policies.extend(Policies::from_objects(&compiled_objects, false).strictest());
            (objects, findings, policies)
        }
    };

    let opts = CheckOptions {
        schemas: a.schemas.clone(),
        strict: a.strict,
        skip_schemas: false,
    };
    let mut report = check::check(&objects, &policies, &opts);
    report.findings.append(&mut input_findings);
    // The platform rules, over each cluster of the compiled layout: pools
    // come from the plan when there is a spec, else from the tree itself.
    let pools = match &compiled {
        Some(c) if a.manifests.is_none() => check::platform::pools_from_plan(&c.plan),
        _ => check::platform::pools_from_tree(&objects),
    };
    report
        .findings
        .extend(check::platform::check(&objects, &policies, &pools));

    if !a.skip_policy_tests {
        let root = a
            .spec
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));
        let set = if spec_exists {
            crate::policies::load(&Disk, &root)?
        } else {
            crate::policies::embedded()?
        };
        let tests_dir = root.join("policies").join("tests");
        let fixtures = policy_tests::load(if tests_dir.is_dir() && spec_exists {
            Some(&tests_dir)
        } else {
            None
        });
        let (ran, failures) = policy_tests::run(&set.policies, &fixtures);
        report.policy_tests = ran;
        report.findings.extend(failures);
    }
    report.findings.sort();

    let text = match a.format {
        CheckFormat::Human => output::human(&report, style),
        CheckFormat::Json => output::json(&report),
        CheckFormat::Junit => output::junit(&report),
    };
    crate::output::write(text.as_bytes());
    Ok(if report.errors() > 0 { 1 } else { 0 })
}

/// Validation findings of the spec as check findings (source `input`, the
/// spec file and position, the finding code as the rule), so an invalid spec
/// is reported in the format the caller asked for.
fn spec_findings(diags: &[crate::diag::Diagnostic]) -> check::Report {
    let mut findings: Vec<check::Finding> = diags
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
            check::Finding {
                severity: d.severity,
                source: check::Source::Input,
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
    check::Report {
        objects: 0,
        findings,
        policy_tests: 0,
    }
}
