//! The PR comment stays under GitHub's limit: the summary and the table are
//! always there, the details are trimmed and the comment says how many.

use mlpc::diff::render::{self, MARKDOWN_LIMIT, Report};
use mlpc::diff::{ChangeKind, Options, diff_objects};
use mlpc::emit::Placed;
use mlpc::spec::side::Side;
use serde_json::json;

fn placed(cluster: &str, i: usize, payload: &str) -> Placed {
    Placed {
        path: format!("clusters/{cluster}/05-serving/configmap-ns-cm-{i}.yaml"),
        object: json!({
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": format!("cm-{i}"), "namespace": "ns"},
            "data": {"big": payload, "i": i.to_string()},
        }),
        cluster: cluster.into(),
        layer: "serving".into(),
        template: "serving/objects.yaml.j2".into(),
    }
}

fn side(rev: &str) -> Side {
    Side {
        rev: rev.into(),
        commit: Some("0123456789abcdef0123456789abcdef01234567".into()),
    }
}

fn big(tag: &str) -> String {
    (0..40)
        .map(|l| format!("line {l} of {tag} with some padding text"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn large_comments_are_trimmed_with_a_count() {
    let (old, new) = (big("old"), big("new"));
    let base: Vec<Placed> = (0..300).map(|i| placed("c1", i, &old)).collect();
    let head: Vec<Placed> = (0..300).map(|i| placed("c1", i, &new)).collect();
    let changes = diff_objects(&base, &head, &Options::default());
    assert_eq!(changes.len(), 300);
    assert!(changes.iter().all(|c| c.change == ChangeKind::Modified));
    let md = render::markdown(&Report {
        base: side("main"),
        head: side("feature"),
        changes: &changes,
        cost: None,
        summary_only: false,
    });
    assert!(md.chars().count() <= MARKDOWN_LIMIT, "{}", md.len());
    assert!(md.starts_with("### mlpc diff: 300 objects changed across 1 cluster: 300 modified\n"));
    assert!(md.contains("| c1 | serving | 0 | 0 | 300 | 0 |"));
    let shown = md.matches("<details>").count();
    assert!(shown > 0 && shown < 300, "{shown}");
    assert_eq!(md.matches("</details>").count(), shown);
    assert!(
        md.contains(&format!(
            "_{} objects' diffs left out to keep this comment under 60,000 characters; run `mlpc diff --base main` to see them all._",
            300 - shown
        )),
        "{}",
        &md[md.len() - 400..]
    );
}

#[test]
fn small_comments_are_whole_and_fences_survive_backticks() {
    let base = vec![placed("c1", 0, "plain")];
    let head = vec![placed("c1", 0, "has ``` a fence")];
    let changes = diff_objects(&base, &head, &Options::default());
    let md = render::markdown(&Report {
        base: side("main"),
        head: Side::working_tree(),
        changes: &changes,
        cost: None,
        summary_only: false,
    });
    assert!(
        md.contains("Base `main` (`0123456`) → head the working tree."),
        "{md}"
    );
    assert!(md.contains("````diff\n"), "{md}");
    assert!(!md.contains("left out"), "{md}");
}

#[test]
fn one_huge_object_is_cut_not_everything() {
    let huge_old: String = (0..5000).map(|l| format!("old {l}\n")).collect();
    let huge_new: String = (0..5000).map(|l| format!("new {l}\n")).collect();
    let base = vec![placed("a", 0, &huge_old), placed("b", 1, "x")];
    let head = vec![placed("a", 0, &huge_new), placed("b", 1, "y")];
    let changes = diff_objects(&base, &head, &Options::default());
    let md = render::markdown(&Report {
        base: side("main"),
        head: side("feature"),
        changes: &changes,
        cost: None,
        summary_only: false,
    });
    assert!(md.chars().count() <= MARKDOWN_LIMIT);
    assert_eq!(md.matches("<details>").count(), 2, "both objects are shown");
    assert!(md.contains("lines of this diff left out._"));
}

#[test]
fn moves_are_not_removes_plus_adds() {
    let base = vec![placed("c1", 0, "same")];
    let mut moved = placed("c1", 0, "same");
    moved.path = "clusters/c1/06-tenancy/configmap-ns-cm-0.yaml".into();
    moved.layer = "tenancy".into();
    let changes = diff_objects(&base, &[moved], &Options::default());
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0].change, ChangeKind::Moved);
    let v = render::json(&Report {
        base: side("main"),
        head: side("feature"),
        changes: &changes,
        cost: None,
        summary_only: false,
    });
    assert_eq!(v["changes"][0]["change"], "moved");
    assert_eq!(v["changes"][0]["from"]["layer"], "serving");
    assert_eq!(v["changes"][0]["layer"], "tenancy");
    assert_eq!(v["summary"]["moved"], 1);
}
