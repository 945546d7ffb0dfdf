//! The compile pipeline end to end: load → validate → plan → render → emit.
//! Commands (`compile`, `check`, `diff`, ...) call into here; nothing here prints.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::Serialize;

use crate::emit::lock::{LOCK_FILE, Lock, sha256_hex};
use crate::emit::{self, Placed, Tree, layout};
use crate::error::{Error, Result};
use crate::plan::{self, ClusterPlan, LayerCtx, PlatformPlan};
use crate::policies::{self, PolicySet};
use crate::render::{Blueprints, Renderer};
use crate::spec::load::{self, Disk, Files};
use crate::spec::model::on_cluster;
use crate::spec::revision::Revision;
use crate::spec::side::Side;
use crate::validate::{self, Validated};

/// Load and validate; a spec with errors is [`Error::InvalidSpec`].
pub fn load_validated(files: &dyn Files, spec: &Path) -> Result<Validated> {
    validate::validate(load::load_from(files, spec)?, None)
}

/// The default of `compile --max-objects`: ten times the 200-cluster fleet
/// benchmark would still fit; a tiny spec asking for more is a mistake.
pub const DEFAULT_MAX_OBJECTS: usize = 250_000;

static MAX_OBJECTS: std::sync::atomic::AtomicUsize =
    std::sync::atomic::AtomicUsize::new(DEFAULT_MAX_OBJECTS);

/// Refuse plans estimated above `n` objects before rendering any (process-wide:
/// set once by the CLI).
pub fn set_max_objects(n: usize) {
    MAX_OBJECTS.store(n, std::sync::atomic::Ordering::Relaxed);
}

pub fn max_objects() -> usize {
    MAX_OBJECTS.load(std::sync::atomic::Ordering::Relaxed)
}

/// An upper estimate of the objects a plan renders, cheap enough to refuse a
/// spec before the render spends the memory and time.
pub fn estimate_objects(plan: &PlatformPlan) -> usize {
    plan.clusters
        .iter()
        .map(|c| {
            100 + c.pools.len() * 5
                + c.teams.len() * 16
                + c.serving.models.len() * 4
                + c.serving.runtimes.len() * 2
                + c.tuning.experiments.len() * 2
                + c.training.runtimes.len() * 2
        })
        .sum::<usize>()
        + 10
}

#[derive(Clone, Debug, Default)]
pub struct CompileOptions {
    pub spec: PathBuf,
    pub blueprints: Option<PathBuf>,
    /// Only these clusters (all when empty).
    pub clusters: Vec<String>,
}

pub struct Compiled {
    pub validated: Validated,
    pub plan: PlatformPlan,
    pub tree: Tree,
    pub lock: Lock,
}

/// Compile from the working tree.
pub fn compile(opts: &CompileOptions) -> Result<Compiled> {
    let blueprints = match &opts.blueprints {
        Some(dir) => Blueprints::with_overrides(dir)?,
        None => Blueprints::embedded(),
    };
    compile_with(&Disk, &opts.spec, blueprints, &opts.clusters)
}

/// Compile from any file source (the working tree or a Git revision).
pub fn compile_with(
    files: &dyn Files,
    spec: &Path,
    blueprints: Blueprints,
    only: &[String],
) -> Result<Compiled> {
    let validated = crate::trace::stage("load + validate", || load_validated(files, spec))?;
    let policy_set = policies::load(files, &validated.loaded.root)?;
    let known = validated.cluster_names();
    for c in only {
        if !known.contains(c) {
            return Err(Error::Usage(crate::diag::unknown_name(
                "--cluster",
                c,
                "cluster",
                known.iter().map(String::as_str),
            )));
        }
    }
    crate::trace::log(|| {
        let inputs: Vec<&str> = validated
            .loaded
            .inputs()
            .map(|f| f.display.as_str())
            .collect();
        format!(
            "inputs: {}; {} policies",
            inputs.join(", "),
            policy_set.policies.len()
        )
    });
    let plan = crate::trace::stage("plan", || plan::plan(&validated, &policy_set.policies));
    let limit = MAX_OBJECTS.load(std::sync::atomic::Ordering::Relaxed);
    let estimate = estimate_objects(&plan);
    if estimate > limit {
        return Err(Error::Usage(format!(
            "this spec would compile to about {estimate} objects ({} clusters), above --max-objects {limit}; check the clusters x teams x models it multiplies, or raise the limit",
            plan.clusters.len()
        )));
    }
    let renderer = Renderer::new(blueprints);
    let tree = crate::trace::stage("render + emit", || build_tree(&renderer, &plan, only))?;
    crate::trace::log(|| {
        format!(
            "{} objects in {} files",
            tree.objects.len(),
            tree.files.len()
        )
    });
    let lock = make_lock(&validated, &policy_set, &renderer.blueprints, &tree);
    let mut tree = tree;
    tree.files.insert(LOCK_FILE.to_string(), lock.to_bytes());
    Ok(Compiled {
        validated,
        plan,
        tree,
        lock,
    })
}

impl Compiled {
    /// The platform check (E185–W196) of this compile, on its objects and
    /// its plan's pools.
    pub fn platform_check(&self) -> crate::check::Report {
        use crate::check::{Object, Policies, Report, platform};
        let objects = Object::from_placed(&self.tree.objects);
        let policies = Policies::from_objects(&objects, true);
        let findings = platform::check(&objects, &policies, &platform::pools_from_plan(&self.plan));
        Report {
            objects: objects.len(),
            findings,
            policy_tests: 0,
        }
    }
}

/// One revision compiled, with how reports and messages name it.
pub struct CompiledAt {
    pub side: Side,
    pub label: String,
    pub compiled: Compiled,
}

/// Compile revision `rev` of the spec (the working tree when `None`); `what`
/// names the side in messages (`base`, `head`). `blueprints` is read at the
/// revision too; a revision without that directory uses the embedded set,
/// which is said in `notes` (for stderr, even when the compile then fails).
pub fn compile_at(
    what: &str,
    rev: Option<&str>,
    spec: &Path,
    blueprints: Option<&Path>,
    notes: &mut Vec<String>,
) -> Result<CompiledAt> {
    let at = Revision::open(what, rev)?;
    let bp = match (blueprints, at.git()) {
        (None, _) => Blueprints::embedded(),
        (Some(dir), None) => Blueprints::with_overrides(dir)?,
        (Some(dir), Some(git)) => match git.texts_under(dir).map_err(|e| at.context(e))? {
            Some(texts) => Blueprints::with_texts(texts),
            None => {
                notes.push(format!(
                    "{} has no {}; using the embedded blueprints",
                    at.label,
                    dir.display()
                ));
                Blueprints::embedded()
            }
        },
    };
    let compiled = compile_with(at.files(), spec, bp, &[]).map_err(|e| at.context(e))?;
    Ok(CompiledAt {
        side: at.side,
        label: at.label,
        compiled,
    })
}

/// Revisions `base` and `head` (the working tree when `None`) compiled side
/// by side; when either spec has errors, every error of both. `notes` as
/// for [`compile_at`], the base's first.
pub fn compile_both(
    base: &str,
    head: Option<&str>,
    spec: &Path,
    blueprints: Option<&Path>,
    notes: &mut Vec<String>,
) -> Result<(CompiledAt, CompiledAt)> {
    let (mut base_notes, mut head_notes) = (Vec::new(), Vec::new());
    let (b, h) = rayon::join(
        || compile_at("base", Some(base), spec, blueprints, &mut base_notes),
        || compile_at("head", head, spec, blueprints, &mut head_notes),
    );
    notes.append(&mut base_notes);
    notes.append(&mut head_notes);
    crate::error::both(b, h)
}

/// What a layer's templates see: the cluster's plan and the layer itself
/// (`layer.install_wave`, ...).
#[derive(Serialize)]
struct LayerView<'a> {
    #[serde(flatten)]
    plan: &'a ClusterPlan,
    layer: &'a LayerCtx,
}

/// A layer that holds objects for the cluster, with its directory as Argo CD
/// reads it.
#[derive(Serialize)]
struct PresentLayer {
    #[serde(flatten)]
    layer: LayerCtx,
    path: String,
}

/// What the `gitops` templates see: the plan, the layers that hold objects for
/// this cluster (each gets an Application) and the cluster's directories.
#[derive(Serialize)]
struct GitopsView<'a> {
    #[serde(flatten)]
    plan: &'a ClusterPlan,
    present_layers: Vec<PresentLayer>,
    /// Its Cluster API objects (`management/<cluster>`), as Argo CD reads it.
    management_path: String,
}

/// What the `platform` templates see: the plan and the leaf Application the
/// fleet ApplicationSet generates from each file of a cluster's
/// `management/argocd/<cluster>/`.
#[derive(Serialize)]
struct PlatformView<'a> {
    #[serde(flatten)]
    plan: &'a PlatformPlan,
    generated: GeneratedApp,
}

/// A generated leaf Application: its name, labels and spec are Go template
/// expressions (`{{ .metadata.name }}`, ...) the ApplicationSet's Git files
/// generator fills from the file; `files` is where those files are.
#[derive(Serialize)]
struct GeneratedApp {
    files: String,
    name: String,
    labels: BTreeMap<String, String>,
    template_patch: String,
}

impl GeneratedApp {
    fn new(plan: &PlatformPlan) -> GeneratedApp {
        let from_file = |k: &str| {
            (
                k.to_string(),
                format!("{{{{ index .metadata.labels \"{k}\" }}}}"),
            )
        };
        GeneratedApp {
            files: layout::repo_path(
                &plan.gitops.path,
                &format!("{}/application-*.yaml", layout::apps_dir("*")),
            ),
            name: "{{ .metadata.name }}".into(),
            labels: BTreeMap::from([
                (
                    emit::MANAGED_BY.0.to_string(),
                    emit::MANAGED_BY.1.to_string(),
                ),
                (emit::PLATFORM_LABEL.to_string(), plan.platform.name.clone()),
                from_file(emit::CLUSTER_LABEL),
                from_file(emit::LAYER_LABEL),
                from_file(plan::WAVE_LABEL),
                from_file(plan::STAGE_LABEL),
            ]),
            // The leaf's own spec (source, destination, sync policy) replaces the template's.
            template_patch: "spec: {{ toJson .spec }}\n".into(),
        }
    }
}

/// Render every cluster (in parallel: clusters are independent) and place the objects.
pub fn build_tree(renderer: &Renderer, plan: &PlatformPlan, only: &[String]) -> Result<Tree> {
    let platform = &plan.platform.name;
    let selected: Vec<&ClusterPlan> = plan
        .clusters
        .iter()
        .filter(|c| on_cluster(only, &c.cluster.name))
        .collect();
    let per_cluster: Vec<Result<Vec<(String, Placed)>>> = selected
        .par_iter()
        .map(|c| render_cluster(renderer, c, platform))
        .collect();
    let mut tree = Tree::default();
    let view = PlatformView {
        plan,
        generated: GeneratedApp::new(plan),
    };
    for objects in renderer.render_group("platform", &view)? {
        let mut o = objects.object;
        emit::add_labels(&mut o, platform, "fleet", "gitops");
        tree.place(
            &layout::fleet_dir(),
            Placed {
                path: String::new(),
                object: o,
                cluster: "fleet".into(),
                layer: "gitops".into(),
                template: objects.template,
            },
        )?;
    }
    for result in per_cluster {
        for (dir, placed) in result? {
            tree.place(&dir, placed)?;
        }
    }
    tree.add_kustomizations();
    Ok(tree)
}

fn render_cluster(
    renderer: &Renderer,
    c: &ClusterPlan,
    platform: &str,
) -> Result<Vec<(String, Placed)>> {
    let name = &c.cluster.name;
    let mut out = Vec::new();
    let mut place = |dir: String, layer: &str, r: crate::render::Rendered| {
        let mut o = r.object;
        emit::add_labels(&mut o, platform, name, layer);
        out.push((
            dir,
            Placed {
                path: String::new(),
                object: o,
                cluster: name.clone(),
                layer: layer.to_string(),
                template: r.template,
            },
        ));
    };
    for r in renderer.render_group("management", c)? {
        place(layout::management_dir(name), "management", r);
    }
    let mut present = Vec::new();
    // The bootstrap add-ons (CNI, cloud controller, CSI, ...) come first: the
    // other layers need nodes that are Ready.
    for layer in std::iter::once(&c.bootstrap).chain(&c.layers) {
        let mut has_objects = false;
        for r in renderer.render_group(&layer.name, &LayerView { plan: c, layer })? {
            if layout::is_argocd_object(&r.object) {
                place(layout::apps_dir(name), &layer.name, r);
            } else {
                has_objects = true;
                place(layout::layer_dir(name, &layer.dir), &layer.name, r);
            }
        }
        if has_objects {
            present.push(PresentLayer {
                layer: layer.clone(),
                path: layout::repo_path(&c.gitops.path, &layout::layer_dir(name, &layer.dir)),
            });
        }
    }
    let ctx = GitopsView {
        plan: c,
        present_layers: present,
        management_path: layout::repo_path(&c.gitops.path, &layout::management_dir(name)),
    };
    for r in renderer.render_group("gitops", &ctx)? {
        let dir = if r.template.contains("cluster-apps") {
            layout::apps_dir(name)
        } else {
            layout::fleet_dir()
        };
        place(dir, "gitops", r);
    }
    label_stages(c, &mut out)?;
    let management = layout::management_dir(name);
    let mut objects: Vec<&mut serde_json::Value> = out
        .iter_mut()
        .filter(|(d, _)| *d == management)
        .map(|(_, p)| &mut p.object)
        .collect();
    emit::templates::name_by_content(&mut objects);
    Ok(out)
}

/// Label each leaf Application of the cluster (`management/argocd/<cluster>/`)
/// with its stage, the sync wave the fleet ApplicationSet's RollingSync steps
/// select it by; a leaf whose wave is in no step would never sync: refused.
fn label_stages(c: &ClusterPlan, out: &mut [(String, Placed)]) -> Result<()> {
    let dir = layout::apps_dir(&c.cluster.name);
    let stages = plan::fleet::stages(c);
    for (d, p) in out.iter_mut().filter(|(d, _)| *d == dir) {
        let o = &mut p.object;
        if o.get("kind").and_then(serde_json::Value::as_str) != Some("Application") {
            continue;
        }
        let wave = o
            .pointer("/metadata/annotations/argocd.argoproj.io~1sync-wave")
            .and_then(serde_json::Value::as_str)
            .and_then(|w| w.parse::<usize>().ok());
        let name = o
            .pointer("/metadata/name")
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default()
            .to_string();
        let Some(wave) = wave.filter(|w| stages.contains(w)) else {
            return Err(Error::NoStage {
                application: name,
                dir: d.clone(),
                stages,
            });
        };
        if let Some(l) = o
            .pointer_mut("/metadata/labels")
            .and_then(serde_json::Value::as_object_mut)
        {
            l.insert(plan::fleet::STAGE_LABEL.into(), wave.to_string().into());
        }
    }
    Ok(())
}

fn make_lock(v: &Validated, policies: &PolicySet, blueprints: &Blueprints, tree: &Tree) -> Lock {
    let mut inputs = BTreeMap::new();
    for f in v.loaded.inputs() {
        inputs.insert(f.display.clone(), sha256_hex(f.text.as_bytes()));
    }
    for (path, bytes) in &policies.inputs {
        inputs.insert(path.clone(), sha256_hex(bytes));
    }
    for rel in &blueprints.overridden {
        if let Some(text) = blueprints.files.get(rel) {
            inputs.insert(format!("blueprints/{rel}"), sha256_hex(text.as_bytes()));
        }
    }
    Lock {
        mlpc_version: env!("CARGO_PKG_VERSION").to_string(),
        inputs,
        files: tree
            .files
            .iter()
            .filter(|(k, _)| k.as_str() != LOCK_FILE)
            .map(|(k, v)| (k.clone(), sha256_hex(v)))
            .collect(),
    }
}
