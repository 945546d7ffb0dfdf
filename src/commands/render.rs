//! `mlpc render --cluster NAME`: one cluster's manifests as a single YAML
//! stream on stdout, for Argo CD config management plugins (teams that do not
//! commit `out/` let Argo CD run mlpc at sync time).

use std::path::PathBuf;

use mlpc::compile::{CompileOptions, compile};
use mlpc::emit::layout;
use mlpc::report::Style;

use super::{CommandError, CommandResult, Outcome};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Scope {
    /// The objects of the workload cluster (`clusters/<cluster>/`).
    Workload,
    /// The cluster's Argo CD Applications and Cluster API objects (management cluster).
    Management,
}

#[derive(clap::Args, Debug, Clone)]
#[command(
    after_help = "Examples:\n  mlpc render --cluster prod-usw2 | kubectl apply --dry-run=server -f -\n  mlpc render --cluster prod-usw2 --scope management"
)]
pub struct RenderArgs {
    #[arg(long, default_value = "ml-platform.toml")]
    pub spec: PathBuf,
    #[arg(long)]
    pub cluster: String,
    #[arg(long, value_enum, default_value = "workload")]
    pub scope: Scope,
    #[arg(long)]
    pub blueprints: Option<PathBuf>,
}

pub fn run(a: &RenderArgs, _style: Style) -> CommandResult {
    let compiled = compile(&CompileOptions {
        spec: a.spec.clone(),
        blueprints: a.blueprints.clone(),
        clusters: vec![a.cluster.clone()],
    })?;
    let prefixes: Vec<String> = match a.scope {
        Scope::Workload => vec![layout::workload_prefix(&a.cluster)],
        Scope::Management => layout::management_prefixes(&a.cluster).to_vec(),
    };
    let mut files: Vec<&String> = compiled
        .tree
        .files
        .keys()
        .filter(|k| {
            prefixes.iter().any(|p| k.starts_with(p.as_str())) && !k.ends_with("kustomization.yaml")
        })
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(CommandError::Usage(format!(
            "cluster {} has no {:?} objects",
            a.cluster, a.scope
        )));
    }
    let mut out = Vec::new();
    for (i, f) in files.iter().enumerate() {
        if i > 0 {
            out.extend_from_slice(b"---\n");
        }
        out.extend_from_slice(&compiled.tree.files[*f]);
    }
    mlpc::output::write(&out);
    Ok(Outcome::Clean)
}
