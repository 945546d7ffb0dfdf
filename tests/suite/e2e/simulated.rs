//! Rung 4 of the verification ladder (issue 16): a simulated cluster. The real
//! control plane plus kube-scheduler, kube-controller-manager, the Kueue manager
//! at the version mlpc pins (its chart's configuration, its webhooks registered)
//! and kwok nodes derived from the compiled node pools (`tests/e2e/cluster sim`).
//!
//! Every team submits batch/v1 Jobs as a member would: the team's LocalQueue
//! label and, per GPU pool of the team, the pod shape the platform gives for it
//! (the pool's ClusterTrainingRuntime: node selector, tolerations, requests), or
//! only the GPU toleration the platform's policy requires, leaving the pool to
//! Kueue's flavors. Each Job must be admitted by Kueue to that pool's flavor,
//! its pod accepted by the namespace's ResourceQuota and bound to a node of the
//! pool. Then what must not run: a Job above the team's quota stays queued; a
//! Job without a queue label is still Kueue's in a team namespace (mlpc's Kueue
//! configuration: `manageJobsWithoutQueueName` on the team namespaces, and a
//! `default` LocalQueue per team), so it runs only on the team's pools; and a
//! Job outside the team namespaces is left alone.
//!
//! Then the way users train: TrainJobs (Kubeflow Trainer v2) on the compiled
//! ClusterTrainingRuntimes, with the Trainer and JobSet controller managers at
//! the versions mlpc pins running (their webhooks registered). Per team, one per
//! runtime on a pool of the team with its queue label and one without: each
//! queued to the team's LocalQueue (the `default` one without a label), admitted
//! by Kueue's TrainJob integration to the runtime pool's flavor, turned into a
//! JobSet and Jobs whose pods the ResourceQuota counts and the scheduler binds
//! to that pool (two pods on two nodes for a TrainJob asking two nodes).

use super::*;
use std::time::{Duration, Instant};

const CLUSTER: &str = "prod-usw2";

/// One object of the compiled tree, by kind, under `clusters/<CLUSTER>`.
fn compiled(out: &Path, kind: &str) -> Vec<Value> {
    object_files(&out.join("clusters").join(CLUSTER))
        .into_iter()
        .map(|p| read_yaml(&p))
        .filter(|o| o["kind"] == kind)
        .collect()
}

fn get_json(cp: &ControlPlane, args: &[&str]) -> Value {
    let mut a = vec!["get"];
    a.extend_from_slice(args);
    a.extend_from_slice(&["-o", "json"]);
    serde_json::from_str(&cp.kubectl_ok(&a)).unwrap()
}

/// Poll `f` every half second until it returns Some, or fail with `what`.
fn wait_for<T>(what: &str, timeout: Duration, mut f: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(start.elapsed() < timeout, "timed out: {what}");
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// The Kueue Workload of Job `name` in `ns` (its owner), if created yet.
fn workload(cp: &ControlPlane, ns: &str, name: &str) -> Option<Value> {
    workload_of(cp, ns, "Job", name)
}

/// The Kueue Workload owned by the `kind` object `name` in `ns`, if created yet.
fn workload_of(cp: &ControlPlane, ns: &str, kind: &str, name: &str) -> Option<Value> {
    let list = get_json(cp, &["workloads.kueue.x-k8s.io", "-n", ns]);
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| {
            w["metadata"]["ownerReferences"]
                .as_array()
                .is_some_and(|o| o.iter().any(|r| r["kind"] == kind && r["name"] == name))
        })
        .cloned()
}

fn condition(o: &Value, kind: &str) -> Option<(String, String)> {
    o["status"]["conditions"]
        .as_array()?
        .iter()
        .find(|c| c["type"] == kind)
        .map(|c| {
            (
                c["status"].as_str().unwrap_or("").to_string(),
                c["message"].as_str().unwrap_or("").to_string(),
            )
        })
}

fn pods_of(cp: &ControlPlane, ns: &str, job: &str) -> Vec<Value> {
    let list = get_json(cp, &["pods", "-n", ns, "-l", &format!("job-name={job}")]);
    list["items"].as_array().unwrap().clone()
}

/// A batch/v1 Job as a team member writes it: no `suspend` (Kueue's webhook
/// sets it), the LocalQueue label when `queue` is given.
fn job(ns: &str, name: &str, queue: Option<&str>, parallelism: u32, pod: Value) -> Value {
    let mut labels = serde_json::Map::new();
    if let Some(q) = queue {
        labels.insert("kueue.x-k8s.io/queue-name".into(), json!(q));
    }
    let mut pod = pod;
    pod["restartPolicy"] = json!("Never");
    json!({
        "apiVersion": "batch/v1", "kind": "Job",
        "metadata": {"name": name, "namespace": ns, "labels": labels},
        "spec": {
            "parallelism": parallelism, "completions": parallelism, "backoffLimit": 0,
            "template": {"spec": pod},
        },
    })
}

fn create(cp: &ControlPlane, dir: &Path, o: &Value) -> Result<(), String> {
    let f = dir.join(format!(
        "{}-{}.json",
        o["metadata"]["namespace"].as_str().unwrap(),
        o["metadata"]["name"].as_str().unwrap()
    ));
    std::fs::write(&f, serde_json::to_vec_pretty(o).unwrap()).unwrap();
    let r = cp.kubectl(&["create", "-f", &f.to_string_lossy()]);
    if r.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&r.stderr).into_owned())
    }
}

/// A TrainJob as a team member writes it (Trainer v2): a ClusterTrainingRuntime
/// by name, the LocalQueue label when `queue` is given, the runtime's number of
/// nodes unless `nodes` overrides it, nothing else.
fn train_job(
    ns: &str,
    name: &str,
    queue: Option<&str>,
    runtime: &str,
    nodes: Option<u32>,
) -> Value {
    let mut labels = serde_json::Map::new();
    if let Some(q) = queue {
        labels.insert("kueue.x-k8s.io/queue-name".into(), json!(q));
    }
    let mut tj = json!({
        "apiVersion": "trainer.kubeflow.org/v1alpha1", "kind": "TrainJob",
        "metadata": {"name": name, "namespace": ns, "labels": labels},
        "spec": {"runtimeRef": {"name": runtime}},
    });
    if let Some(n) = nodes {
        tj["spec"]["trainer"] = json!({"numNodes": n});
    }
    tj
}

/// A TrainJob to submit: its name, queue label, ClusterTrainingRuntime, the
/// flavor Kueue must admit it to, and its number of nodes if not the runtime's.
type TrainCase<'a> = (String, Option<&'a str>, &'a str, String, Option<u32>);

/// The objects of `kind` labelled as JobSet `jobset`'s (its Jobs, their pods).
fn of_jobset(cp: &ControlPlane, ns: &str, kind: &str, jobset: &str) -> Vec<Value> {
    let list = get_json(
        cp,
        &[
            kind,
            "-n",
            ns,
            "-l",
            &format!("jobset.sigs.k8s.io/jobset-name={jobset}"),
        ],
    );
    list["items"].as_array().unwrap().clone()
}

/// A pod of one GPU that only tolerates the GPU taint (the platform policy's
/// requirement), with limits equal to requests (the required-limits policy).
fn minimal_gpu_pod(tolerations: &Value, image: &str) -> Value {
    let res = json!({"cpu": "1", "memory": "4Gi", "nvidia.com/gpu": "1"});
    json!({
        "tolerations": tolerations,
        "containers": [{
            "name": "train", "image": image, "command": ["python", "train.py"],
            "resources": {"requests": res, "limits": res},
        }],
    })
}

/// The GPU flavors of a ClusterQueue, in its order.
fn gpu_flavors_of(cq: &Value) -> Vec<String> {
    cq["spec"]["resourceGroups"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| {
            g["coveredResources"]
                .as_array()
                .unwrap()
                .contains(&json!("nvidia.com/gpu"))
        })
        .flat_map(|g| g["flavors"].as_array().unwrap().clone())
        .map(|f| f["name"].as_str().unwrap().to_string())
        .collect()
}

fn gpus(pod: &Value) -> u64 {
    pod["containers"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["resources"]["requests"]["nvidia.com/gpu"].as_str())
        .map(|g| g.parse::<u64>().unwrap())
        .sum()
}

#[test]
fn example_gpu_jobs_of_every_team_are_admitted_and_bound_to_their_pool() {
    let _guard = lock();
    let started = Instant::now();
    let spec = repo().join("ml-platform.toml");
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    compile_spec(&spec, &out);
    let cp = ControlPlane::up(CLUSTER, tmp.path(), &spec);
    run_script(&[
        "sim",
        &cp.dir.to_string_lossy(),
        &spec.to_string_lossy(),
        CLUSTER,
    ]);

    // The whole compiled tree of the cluster, in sync-wave order, through
    // Kueue's webhooks: nothing rejected.
    let namespaces = namespaces_made_by_controllers(&out, &spec);
    let r = apply(
        &cp,
        namespaces.get(CLUSTER).unwrap_or(&BTreeSet::new()),
        &workload_items(&out, CLUSTER),
    );
    assert!(r.rejected.is_empty(), "{:#?}", r.rejected);
    println!(
        "{CLUSTER}: applied {} objects with the simulation running",
        r.applied
    );

    // What the compiled tree says: flavors → pools, runtimes → pod shapes.
    let flavor_pool: BTreeMap<String, String> = compiled(&out, "ResourceFlavor")
        .iter()
        .filter_map(|f| {
            Some((
                f["metadata"]["name"].as_str()?.to_string(),
                f["spec"]["nodeLabels"]["mlpc.io/pool"]
                    .as_str()?
                    .to_string(),
            ))
        })
        .collect();
    let gpu_toleration = compiled(&out, "ResourceFlavor")
        .iter()
        .find_map(|f| f["spec"].get("tolerations").cloned())
        .expect("a GPU flavor with tolerations");
    let runtime_pod: BTreeMap<String, Value> = compiled(&out, "ClusterTrainingRuntime")
        .iter()
        .map(|r| {
            let pod =
                r["spec"]["template"]["spec"]["replicatedJobs"][0]["template"]["spec"]["template"]
                    ["spec"]
                    .clone();
            (
                pod["nodeSelector"]["mlpc.io/pool"]
                    .as_str()
                    .unwrap()
                    .to_string(),
                pod,
            )
        })
        .collect();
    let image = runtime_pod.values().next().expect("a training runtime")["containers"][0]["image"]
        .as_str()
        .unwrap()
        .to_string();
    let cluster_queues: BTreeMap<String, Value> = compiled(&out, "ClusterQueue")
        .into_iter()
        .map(|q| (q["metadata"]["name"].as_str().unwrap().to_string(), q))
        .collect();
    let node_pool: BTreeMap<String, String> = get_json(&cp, &["nodes"])["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["metadata"]["name"].as_str().unwrap().to_string(),
                n["metadata"]["labels"]["mlpc.io/pool"]
                    .as_str()
                    .unwrap_or("")
                    .to_string(),
            )
        })
        .collect();

    let jobs_dir = tmp.path().join("jobs");
    std::fs::create_dir_all(&jobs_dir).unwrap();
    let mut admitted = Vec::new();
    let local_queues = compiled(&out, "LocalQueue");
    let (defaults, named): (Vec<&Value>, Vec<&Value>) = local_queues
        .iter()
        .partition(|q| q["metadata"]["name"] == "default");
    assert_eq!(
        (named.len(), defaults.len()),
        (3, 3),
        "a named and a default LocalQueue per team"
    );
    for lq in &named {
        let ns = lq["metadata"]["namespace"].as_str().unwrap();
        let queue = lq["metadata"]["name"].as_str().unwrap();
        let cq = &cluster_queues[lq["spec"]["clusterQueue"].as_str().unwrap()];
        let gpu_flavors = gpu_flavors_of(cq);
        assert!(!gpu_flavors.is_empty(), "{ns}: no GPU flavor");
        // Per pool, the platform's pod shape for it; then one that leaves the
        // pool to Kueue (its first flavor with room: the first listed).
        let mut cases: Vec<(String, Value, String)> = gpu_flavors
            .iter()
            .map(|f| {
                let pool = &flavor_pool[f];
                let pod = runtime_pod.get(pool).cloned().unwrap_or_else(|| {
                    let mut p = minimal_gpu_pod(&gpu_toleration, &image);
                    p["nodeSelector"] = json!({"mlpc.io/pool": pool});
                    p
                });
                (format!("{ns}-{pool}"), pod, f.clone())
            })
            .collect();
        cases.push((
            format!("{ns}-any-gpu"),
            minimal_gpu_pod(&gpu_toleration, &image),
            gpu_flavors[0].clone(),
        ));
        for (name, pod, flavor) in cases {
            let want_gpus = gpus(&pod);
            create(&cp, &jobs_dir, &job(ns, &name, Some(queue), 1, pod))
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            let w = wait_for(&format!("{name} admitted"), Duration::from_secs(60), || {
                let w = workload(&cp, ns, &name)?;
                (condition(&w, "Admitted")?.0 == "True").then_some(w)
            });
            let assigned = &w["status"]["admission"]["podSetAssignments"][0]["flavors"];
            assert_eq!(
                assigned["nvidia.com/gpu"].as_str(),
                Some(flavor.as_str()),
                "{name}: {w:#}"
            );
            assert_eq!(
                w["status"]["admission"]["clusterQueue"],
                cq["metadata"]["name"]
            );
            // The ResourceQuota admitted the pod (it exists) and the scheduler
            // bound it to a node of the flavor's pool; kwok runs it.
            let pod = wait_for(&format!("{name} running"), Duration::from_secs(60), || {
                pods_of(&cp, ns, &name)
                    .into_iter()
                    .find(|p| p["status"]["phase"] == "Running")
            });
            let node = pod["spec"]["nodeName"].as_str().unwrap();
            assert_eq!(
                node_pool[node], flavor_pool[&flavor],
                "{name}: bound to {node}"
            );
            // The quota counts the pod's GPUs (once the quota controller has
            // forgotten the previous shape's pods).
            let used = wait_for(
                &format!("{name} counted by the ResourceQuota"),
                Duration::from_secs(60),
                || {
                    let quota = get_json(&cp, &["resourcequota", "-n", ns]);
                    let used =
                        quota["items"][0]["status"]["used"]["requests.nvidia.com/gpu"].clone();
                    (used == json!(want_gpus.to_string())).then_some(used)
                },
            );
            println!(
                "{name}: admitted by ClusterQueue {} to flavor {flavor}, pod on {node}, quota used {used} GPUs",
                w["status"]["admission"]["clusterQueue"]
            );
            admitted.push((name.clone(), flavor.clone(), node.to_string()));
            // Done: free the quota for the next shape.
            cp.kubectl_ok(&[
                "delete",
                "job",
                &name,
                "-n",
                ns,
                "--cascade=foreground",
                "--wait=true",
            ]);
            wait_for(&format!("{name} gone"), Duration::from_secs(60), || {
                (workload(&cp, ns, &name).is_none() && pods_of(&cp, ns, &name).is_empty())
                    .then_some(())
            });
        }
    }
    assert_eq!(admitted.len(), 9, "{admitted:#?}");

    // TrainJobs (Trainer v2), the way users train on the platform: per team, one
    // per ClusterTrainingRuntime on a pool of the team, with the team's queue,
    // and one without a queue label, which Kueue gives the team's `default`
    // LocalQueue. Kueue's TrainJob integration admits its Workload to the
    // runtime pool's flavor; Trainer turns it into a JobSet, JobSet into Jobs,
    // whose pods the ResourceQuota accepts and the scheduler binds to that pool.
    let runtimes: Vec<(String, String, Value, u64)> = compiled(&out, "ClusterTrainingRuntime")
        .iter()
        .map(|r| {
            let pod =
                &r["spec"]["template"]["spec"]["replicatedJobs"][0]["template"]["spec"]["template"]
                    ["spec"];
            (
                r["metadata"]["name"].as_str().unwrap().to_string(),
                pod["nodeSelector"]["mlpc.io/pool"]
                    .as_str()
                    .unwrap()
                    .to_string(),
                pod.clone(),
                r["spec"]["mlPolicy"]["numNodes"].as_u64().unwrap_or(1),
            )
        })
        .collect();
    let mut trained = Vec::new();
    for lq in &named {
        let ns = lq["metadata"]["namespace"].as_str().unwrap();
        let queue = lq["metadata"]["name"].as_str().unwrap();
        let cq = &cluster_queues[lq["spec"]["clusterQueue"].as_str().unwrap()];
        let flavors = gpu_flavors_of(cq);
        let mut cases: Vec<TrainCase> = runtimes
            .iter()
            .filter_map(|(rt, pool, _, _)| {
                let flavor = flavors.iter().find(|f| &flavor_pool[*f] == pool)?;
                Some((
                    format!("{ns}-train-{rt}"),
                    Some(queue),
                    rt.as_str(),
                    flavor.clone(),
                    None,
                ))
            })
            .collect();
        let Some(first) = cases.first().cloned() else {
            println!("{ns}: no ClusterTrainingRuntime on a pool of the team, no TrainJob");
            continue;
        };
        cases.push((format!("{ns}-train-no-queue"), None, first.2, first.3, None));
        // Multi-node: two L4 nodes for nlp (8 GPUs, 86 CPU, 344 GiB: within its
        // quota, where two A100 pods' 2046 GiB are not).
        if ns == "nlp"
            && let Some(l4) = cases.iter().find(|c| c.2 == "torch-l4").cloned()
        {
            cases.push((
                format!("{ns}-train-2-nodes"),
                Some(queue),
                l4.2,
                l4.3,
                Some(2),
            ));
        }
        for (name, label, rt, flavor, num_nodes) in cases {
            let runtime = runtimes.iter().find(|r| r.0 == rt).unwrap();
            let want_gpus = gpus(&runtime.2);
            let want_pods = num_nodes.map_or(runtime.3, u64::from);
            create(&cp, &jobs_dir, &train_job(ns, &name, label, rt, num_nodes))
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            let w = wait_for(
                &format!("{name} admitted"),
                Duration::from_secs(120),
                || {
                    let w = workload_of(&cp, ns, "TrainJob", &name)?;
                    (condition(&w, "Admitted")?.0 == "True").then_some(w)
                },
            );
            let want_queue = label.unwrap_or("default");
            assert_eq!(w["spec"]["queueName"], want_queue, "{name}: {w:#}");
            assert_eq!(
                w["status"]["admission"]["clusterQueue"], cq["metadata"]["name"],
                "{name}: {w:#}"
            );
            let assignments = w["status"]["admission"]["podSetAssignments"]
                .as_array()
                .unwrap();
            assert!(
                assignments
                    .iter()
                    .any(|a| a["flavors"]["nvidia.com/gpu"].as_str() == Some(flavor.as_str())),
                "{name}: not admitted to {flavor}: {w:#}"
            );
            let tj = get_json(&cp, &["trainjob", &name, "-n", ns]);
            assert_eq!(
                tj["metadata"]["labels"]["kueue.x-k8s.io/queue-name"], want_queue,
                "{tj:#}"
            );
            // Trainer's JobSet (named as the TrainJob), JobSet's Jobs, their pods.
            wait_for(&format!("{name}: JobSet"), Duration::from_secs(120), || {
                let r = cp.kubectl(&["get", "jobset", &name, "-n", ns, "-o", "json"]);
                r.status.success().then_some(())
            });
            let jobs = wait_for(&format!("{name}: Jobs"), Duration::from_secs(120), || {
                let jobs = of_jobset(&cp, ns, "jobs", &name);
                (!jobs.is_empty()).then_some(jobs)
            });
            let pods = wait_for(
                &format!("{name}: pods running"),
                Duration::from_secs(120),
                || {
                    let pods = of_jobset(&cp, ns, "pods", &name);
                    (pods.len() as u64 == want_pods
                        && pods.iter().all(|p| p["status"]["phase"] == "Running"))
                    .then_some(pods)
                },
            );
            let nodes: Vec<&str> = pods
                .iter()
                .map(|p| p["spec"]["nodeName"].as_str().unwrap())
                .collect();
            for n in &nodes {
                assert_eq!(node_pool[*n], flavor_pool[&flavor], "{name}: bound to {n}");
            }
            // One node each (a pod asks for all of a node's GPUs).
            assert_eq!(
                nodes.iter().collect::<BTreeSet<_>>().len(),
                nodes.len(),
                "{name}: {nodes:?}"
            );
            let want_used = want_gpus * pods.len() as u64;
            wait_for(
                &format!("{name} counted by the ResourceQuota"),
                Duration::from_secs(120),
                || {
                    let quota = get_json(&cp, &["resourcequota", "-n", ns]);
                    let used = &quota["items"][0]["status"]["used"]["requests.nvidia.com/gpu"];
                    (*used == json!(want_used.to_string())).then_some(())
                },
            );
            println!(
                "{name}: TrainJob on {rt} queued to {ns}/{want_queue}, admitted to {flavor}; JobSet, {} Job(s), pods on {nodes:?}, quota used {want_used} GPUs",
                jobs.len()
            );
            trained.push(name.clone());
            cp.kubectl_ok(&[
                "delete",
                "trainjob",
                &name,
                "-n",
                ns,
                "--cascade=foreground",
                "--wait=true",
            ]);
            wait_for(&format!("{name} gone"), Duration::from_secs(120), || {
                (workload_of(&cp, ns, "TrainJob", &name).is_none()
                    && of_jobset(&cp, ns, "pods", &name).is_empty())
                .then_some(())
            });
        }
    }
    assert!(
        trained.len() >= 2 * named.len(),
        "a queued and an unlabelled TrainJob per team: {trained:#?}"
    );

    // Above the team's quota: three whole A100 nodes for vision (24 GPUs; its
    // nominal quota plus borrowing limit on that flavor is less). It stays
    // queued, suspended, without pods.
    let a100 = runtime_pod["gpu-a100"].clone();
    let mut big = minimal_gpu_pod(&a100["tolerations"], &image);
    big["nodeSelector"] = a100["nodeSelector"].clone();
    let res = json!({"cpu": "1", "memory": "4Gi", "nvidia.com/gpu": "8"});
    big["containers"][0]["resources"] = json!({"requests": res, "limits": res});
    create(
        &cp,
        &jobs_dir,
        &job("vision", "vision-over-quota", Some("vision-queue"), 3, big),
    )
    .unwrap();
    let w = wait_for(
        "vision-over-quota evaluated",
        Duration::from_secs(60),
        || {
            let w = workload(&cp, "vision", "vision-over-quota")?;
            condition(&w, "QuotaReserved").map(|c| (w, c))
        },
    );
    std::thread::sleep(Duration::from_secs(5));
    let w2 = workload(&cp, "vision", "vision-over-quota").unwrap();
    assert_eq!(
        condition(&w2, "QuotaReserved").unwrap().0,
        "False",
        "{:#}",
        w.0
    );
    assert_ne!(condition(&w2, "Admitted").map(|c| c.0), Some("True".into()));
    let j = get_json(&cp, &["job", "vision-over-quota", "-n", "vision"]);
    assert_eq!(j["spec"]["suspend"], json!(true), "{j:#}");
    assert!(pods_of(&cp, "vision", "vision-over-quota").is_empty());
    println!(
        "vision-over-quota: pending: {}",
        condition(&w2, "QuotaReserved").unwrap().1
    );

    // Without a queue label, in a team namespace: Kueue's webhook gives it the
    // team's `default` LocalQueue and suspends it; it is admitted to the team's
    // only pool (recsys: gpu-l4), although its pod tolerates every GPU pool's
    // taint. (With the chart's configuration it ran at once, unqueued, and the
    // scheduler put it on an H100 node.)
    let l4 = flavor_pool
        .iter()
        .find(|(_, pool)| pool.as_str() == "gpu-l4")
        .map(|(f, _)| f.clone())
        .expect("an L4 flavor");
    create(
        &cp,
        &jobs_dir,
        &job(
            "recsys",
            "recsys-no-queue",
            None,
            1,
            minimal_gpu_pod(&gpu_toleration, &image),
        ),
    )
    .unwrap();
    let w = wait_for("recsys-no-queue admitted", Duration::from_secs(60), || {
        let w = workload(&cp, "recsys", "recsys-no-queue")?;
        (condition(&w, "Admitted")?.0 == "True").then_some(w)
    });
    assert_eq!(w["spec"]["queueName"], "default", "{w:#}");
    assert_eq!(w["status"]["admission"]["clusterQueue"], "recsys", "{w:#}");
    assert_eq!(
        w["status"]["admission"]["podSetAssignments"][0]["flavors"]["nvidia.com/gpu"].as_str(),
        Some(l4.as_str()),
        "{w:#}"
    );
    let j = get_json(&cp, &["job", "recsys-no-queue", "-n", "recsys"]);
    assert_eq!(
        j["metadata"]["labels"]["kueue.x-k8s.io/queue-name"], "default",
        "{j:#}"
    );
    let pod = wait_for("recsys-no-queue running", Duration::from_secs(60), || {
        pods_of(&cp, "recsys", "recsys-no-queue")
            .into_iter()
            .find(|p| p["status"]["phase"] == "Running")
    });
    let node = pod["spec"]["nodeName"].as_str().unwrap();
    assert_eq!(
        node_pool[node], "gpu-l4",
        "recsys-no-queue: bound to {node}"
    );
    println!("recsys-no-queue: queued to recsys/default, admitted to {l4}, pod on {node}");

    // Without a queue label, asking for a pool the team may not use: queued in
    // the team's ClusterQueue, which has no flavor for it, so never admitted.
    let mut h100_pod = minimal_gpu_pod(&gpu_toleration, &image);
    h100_pod["nodeSelector"] = json!({"mlpc.io/pool": "gpu-h100"});
    create(
        &cp,
        &jobs_dir,
        &job("recsys", "recsys-on-h100", None, 1, h100_pod),
    )
    .unwrap();
    wait_for("recsys-on-h100 evaluated", Duration::from_secs(60), || {
        condition(&workload(&cp, "recsys", "recsys-on-h100")?, "QuotaReserved")
    });
    std::thread::sleep(Duration::from_secs(5));
    let w = workload(&cp, "recsys", "recsys-on-h100").unwrap();
    assert_ne!(
        condition(&w, "Admitted").map(|c| c.0),
        Some("True".into()),
        "{w:#}"
    );
    let j = get_json(&cp, &["job", "recsys-on-h100", "-n", "recsys"]);
    assert_eq!(j["spec"]["suspend"], json!(true), "{j:#}");
    assert!(pods_of(&cp, "recsys", "recsys-on-h100").is_empty());
    println!(
        "recsys-on-h100: pending: {}",
        condition(&w, "QuotaReserved").unwrap().1
    );

    // Outside the team namespaces (the platform's own Jobs): not Kueue's. No
    // Workload, not suspended; its pod runs on the CPU pool.
    cp.kubectl_ok(&["create", "namespace", "platform-batch"]);
    let cpu = json!({"cpu": "100m", "memory": "64Mi"});
    create(
        &cp,
        &jobs_dir,
        &job(
            "platform-batch",
            "migrate",
            None,
            1,
            json!({"containers": [{
                "name": "migrate", "image": image, "command": ["true"],
                "resources": {"requests": cpu, "limits": cpu},
            }]}),
        ),
    )
    .unwrap();
    let pod = wait_for(
        "platform-batch/migrate running",
        Duration::from_secs(60),
        || {
            pods_of(&cp, "platform-batch", "migrate")
                .into_iter()
                .find(|p| p["status"]["phase"] == "Running")
        },
    );
    assert!(workload(&cp, "platform-batch", "migrate").is_none());
    let j = get_json(&cp, &["job", "migrate", "-n", "platform-batch"]);
    assert_ne!(j["spec"]["suspend"], json!(true), "{j:#}");
    assert!(
        j["metadata"]["labels"]
            .get("kueue.x-k8s.io/queue-name")
            .is_none(),
        "{j:#}"
    );
    println!(
        "platform-batch/migrate: not Kueue's, pod on {}",
        pod["spec"]["nodeName"].as_str().unwrap_or("?")
    );
    println!("simulated cluster test: {:?}", started.elapsed());
}
