//! `mlpc check`: the CI gate. Compiles the spec in memory (or reads
//! `--manifests DIR`), validates every object against the schemas and the
//! platform's Gatekeeper policies, and runs the policies' own tests.

use std::path::{Path, PathBuf};

use mlpc::check::{self, CheckOptions, Object, Policies, manifests, output, policy_tests};
use mlpc::compile::{CompileOptions, compile};
use mlpc::report::Style;
use mlpc::spec::load::Disk;

use super::{CommandError, CommandResult, Outcome, print};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum CheckFormat {
    Human,
    Json,
    Junit,
}

#[derive(clap::Args, Debug, Clone)]
#[command(
    after_help = "Examples:\n  mlpc check --schemas ../shared/schemas\n  mlpc check --manifests k8s/ --schemas schemas/ --strict --format junit > check.xml"
)]
pub struct CheckArgs {
    #[arg(long, default_value = "ml-platform.toml")]
    pub spec: PathBuf,
    /// Check this directory of YAML files instead of the compiled spec.
    #[arg(long)]
    pub manifests: Option<PathBuf>,
    /// Schema directories (repeatable): <group>/<kind>_<version>.json and <kind>-<group>-<version>.json layouts.
    #[arg(long = "schemas")]
    pub schemas: Vec<PathBuf>,
    #[arg(long, value_enum, default_value = "human")]
    pub format: CheckFormat,
    /// Objects without a schema are errors; open schemas reject unknown fields.
    #[arg(long)]
    pub strict: bool,
    /// Only these clusters of the spec (repeatable).
    #[arg(long = "cluster")]
    pub clusters: Vec<String>,
    #[arg(long)]
    pub blueprints: Option<PathBuf>,
    /// Do not run the policies' allowed/denied example tests.
    #[arg(long)]
    pub skip_policy_tests: bool,
}

pub fn run(a: &CheckArgs, style: Style) -> CommandResult {
    for d in &a.schemas {
        if !d.is_dir() {
            return Err(CommandError::Usage(format!(
                "--schemas {}: not a directory",
                d.display()
            )));
        }
    }
    if a.schemas.is_empty() {
        if a.strict {
            return Err(CommandError::Usage(
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
        Some(compile(&CompileOptions {
            spec: a.spec.clone(),
            blueprints: a.blueprints.clone(),
            clusters: a.clusters.clone(),
        })?)
    } else if a.manifests.is_none() {
        return Err(CommandError::Usage(format!(
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
            mlpc::policies::load(&Disk, &root)?
        } else {
            mlpc::policies::embedded()?
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

    print(&match a.format {
        CheckFormat::Human => output::human(&report, style),
        CheckFormat::Json => output::json(&report),
        CheckFormat::Junit => output::junit(&report),
    });
    Ok(Outcome::findings_if(report.errors() > 0))
}
