//! The three faces of a diff: a colored terminal report, a pull-request
//! comment in Markdown (bounded in size), and stable JSON.

use serde_json::{Value, json};

use super::{Change, ChangeKind, Counts, changed_clusters, counts};
use crate::compile::Compiled;
use crate::cost::{self, Delta};
use crate::graph;
use crate::report::Style;
use crate::spec::side::Side;

/// GitHub refuses comments over 65,536 characters; leave room for a bot's framing.
pub const MARKDOWN_LIMIT: usize = 60_000;
/// No single object's diff takes more than this share of a comment.
const MARKDOWN_OBJECT_LIMIT: usize = 20_000;

/// Everything a report shows.
pub struct Report<'a> {
    pub base: Side,
    pub head: Side,
    pub changes: &'a [Change],
    pub cost: Option<&'a Delta>,
    pub summary_only: bool,
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `5 objects changed across 2 clusters: 2 added, 3 modified` or `no changes`.
pub fn summary_line(changes: &[Change]) -> String {
    if changes.is_empty() {
        return "no changes".into();
    }
    let (_, total) = counts(changes);
    let parts: Vec<String> = ChangeKind::ALL
        .iter()
        .filter(|k| total[k.index()] > 0)
        .map(|k| format!("{} {}", total[k.index()], k.as_str()))
        .collect();
    format!(
        "{} changed across {}: {}",
        plural(changes.len(), "object", "objects"),
        plural(changed_clusters(changes), "cluster", "clusters"),
        parts.join(", ")
    )
}

fn cost_line(d: &Delta) -> String {
    let cur = &d.currency;
    format!(
        "{} {cur} → {} {cur} ({} {cur}); range {}–{} {cur}",
        cost::money(d.base_monthly),
        cost::money(d.head_monthly),
        cost::signed_money(d.delta_monthly),
        cost::money(d.head_min_monthly),
        cost::money(d.head_max_monthly),
    )
}

fn sigil(k: ChangeKind) -> &'static str {
    match k {
        ChangeKind::Added => "+",
        ChangeKind::Removed => "-",
        ChangeKind::Modified => "~",
        ChangeKind::Moved => ">",
    }
}

fn location_note(c: &Change) -> String {
    match (&c.base, &c.head) {
        (Some(b), Some(h)) if c.change == ChangeKind::Moved => {
            if b.layer != h.layer {
                format!("{} → {} ({} → {})", b.path, h.path, b.layer, h.layer)
            } else {
                format!("{} → {}", b.path, h.path)
            }
        }
        _ => c.path().to_string(),
    }
}

// ---------------------------------------------------------------- human

pub fn human(r: &Report<'_>, style: Style) -> String {
    let mut out = String::new();
    out.push_str(&style.bold(&format!(
        "mlpc diff {} → {}",
        r.base.describe(),
        r.head.describe()
    )));
    out.push_str("\n\n");
    if r.summary_only {
        if !r.changes.is_empty() {
            out.push_str(&table_text(r.changes));
            out.push('\n');
        }
    } else {
        for c in r.changes {
            let head = format!(
                "{} {} {} {} {}",
                sigil(c.change),
                c.change.as_str(),
                c.key.cluster,
                c.key.group_kind(),
                c.key.object_name()
            );
            let head = match c.change {
                ChangeKind::Added => style.green(&head),
                ChangeKind::Removed => style.red(&head),
                ChangeKind::Modified => style.yellow(&head),
                ChangeKind::Moved => style.cyan(&head),
            };
            out.push_str(&style.bold(&head));
            out.push_str(&format!(
                "  {}\n",
                style.dim(&format!("[{}] {}", c.layer(), location_note(c)))
            ));
            for line in c.diff.lines() {
                let painted = if line.starts_with("+++") || line.starts_with("---") {
                    style.bold(line)
                } else if line.starts_with('+') {
                    style.green(line)
                } else if line.starts_with('-') {
                    style.red(line)
                } else if line.starts_with("@@") {
                    style.cyan(line)
                } else {
                    line.to_string()
                };
                out.push_str("    ");
                out.push_str(&painted);
                out.push('\n');
            }
            out.push('\n');
        }
    }
    let summary = summary_line(r.changes);
    out.push_str(&if r.changes.is_empty() {
        style.green(&summary)
    } else {
        style.bold(&summary)
    });
    out.push('\n');
    if let Some(d) = r.cost {
        out.push_str(&format!("monthly cost estimate: {}\n", cost_line(d)));
        for (what, lines) in [("cluster", &d.clusters), ("team", &d.teams)] {
            for l in lines.iter() {
                out.push_str(&format!(
                    "  {what} {}: {} → {} ({}){}\n",
                    l.name,
                    cost::money(l.base_monthly),
                    cost::money(l.head_monthly),
                    cost::signed_money(l.delta_monthly),
                    l.reason
                        .as_ref()
                        .map(|r| format!(": {r}"))
                        .unwrap_or_default()
                ));
            }
        }
    }
    out
}

fn table_text(changes: &[Change]) -> String {
    let (rows, total) = counts(changes);
    let mut table: Vec<[String; 6]> = vec![[
        "CLUSTER".into(),
        "LAYER".into(),
        "ADDED".into(),
        "REMOVED".into(),
        "MODIFIED".into(),
        "MOVED".into(),
    ]];
    let row = |a: &str, b: &str, n: &Counts| -> [String; 6] {
        [
            a.to_string(),
            b.to_string(),
            n[0].to_string(),
            n[1].to_string(),
            n[2].to_string(),
            n[3].to_string(),
        ]
    };
    for (c, l, n) in &rows {
        table.push(row(c, l, n));
    }
    table.push(row("total", "", &total));
    let mut widths = [0usize; 6];
    for r in &table {
        for (i, cell) in r.iter().enumerate() {
            widths[i] = widths[i].max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for r in &table {
        let mut line = String::new();
        for (i, cell) in r.iter().enumerate() {
            if i < 2 {
                line.push_str(&format!("{cell:<w$}  ", w = widths[i]));
            } else {
                line.push_str(&format!("{cell:>w$}  ", w = widths[i]));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

// ------------------------------------------------------------- markdown

fn md_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('|', "\\|")
}

/// A code fence longer than any backtick run in `text`.
fn fence(text: &str) -> String {
    let mut longest = 0;
    let mut run = 0;
    for ch in text.chars() {
        if ch == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    "`".repeat((longest + 1).max(3))
}

fn details(c: &Change) -> String {
    let title = format!(
        "{} <code>{}</code> · <code>{}</code> · <code>{}</code> · {}",
        match c.change {
            ChangeKind::Added => "➕",
            ChangeKind::Removed => "➖",
            ChangeKind::Modified => "✏️",
            ChangeKind::Moved => "🔀",
        },
        md_escape(&c.key.cluster),
        md_escape(&c.key.group_kind()),
        md_escape(&c.key.object_name()),
        c.change.as_str()
    );
    let mut body = String::new();
    if c.change == ChangeKind::Moved {
        body.push_str(&format!("Moved: `{}`\n\n", location_note(c)));
    }
    if !c.diff.is_empty() {
        let mut diff = String::new();
        let mut omitted = 0;
        for line in c.diff.lines() {
            if omitted > 0 || diff.len() + line.len() + 1 > MARKDOWN_OBJECT_LIMIT {
                omitted += 1;
                continue;
            }
            diff.push_str(line);
            diff.push('\n');
        }
        let f = fence(&diff);
        body.push_str(&format!("{f}diff\n{diff}{f}\n"));
        if omitted > 0 {
            body.push_str(&format!(
                "\n_{} of this diff left out._\n",
                plural(omitted, "line", "lines")
            ));
        }
    }
    format!("<details>\n<summary>{title}</summary>\n\n{body}\n</details>\n")
}

/// [`markdown`], and a picture of the head when clusters, pools, teams or
/// models changed: a picture beats a table there. It must not push the
/// comment over the size limit.
pub fn markdown_with_topology(r: &Report<'_>, base: &Compiled, head: &Compiled) -> String {
    let mut text = markdown(r);
    if graph::topology(&base.plan) != graph::topology(&head.plan) {
        let picture = graph::mermaid(&head.plan, &graph::present_layers(head));
        let section = format!(
            "\n#### Platform topology changed: the head revision\n\n```mermaid\n{picture}```\n"
        );
        if text.len() + section.len() <= MARKDOWN_LIMIT {
            text.push_str(&section);
        } else {
            text.push_str("\nPlatform topology changed; the picture is too large for this comment: run `mlpc graph`.\n");
        }
    }
    text
}

pub fn markdown(r: &Report<'_>) -> String {
    let mut head = String::new();
    head.push_str(&format!("### mlpc diff: {}\n\n", summary_line(r.changes)));
    head.push_str(&format!(
        "Base {} → head {}.\n\n",
        r.base.describe_md(),
        r.head.describe_md()
    ));
    if !r.changes.is_empty() {
        let (rows, total) = counts(r.changes);
        head.push_str("| Cluster | Layer | Added | Removed | Modified | Moved |\n");
        head.push_str("|:--|:--|--:|--:|--:|--:|\n");
        for (c, l, n) in &rows {
            head.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} |\n",
                md_escape(c),
                md_escape(l),
                n[0],
                n[1],
                n[2],
                n[3]
            ));
        }
        head.push_str(&format!(
            "| **Total** | | **{}** | **{}** | **{}** | **{}** |\n\n",
            total[0], total[1], total[2], total[3]
        ));
    }
    if let Some(d) = r.cost {
        head.push_str(&format!("**Monthly cost estimate:** {}\n\n", cost_line(d)));
        if !d.clusters.is_empty() || !d.teams.is_empty() {
            head.push_str(&format!(
                "| Cost change | Base ({c}) | Head ({c}) | Delta ({c}) |\n|:--|--:|--:|--:|\n",
                c = md_escape(&d.currency)
            ));
            for (what, lines) in [("cluster", &d.clusters), ("team", &d.teams)] {
                for l in lines.iter() {
                    head.push_str(&format!(
                        "| {what} `{}`{} | {} | {} | {} |\n",
                        md_escape(&l.name),
                        l.reason
                            .as_ref()
                            .map(|r| format!(" — {}", md_escape(r)))
                            .unwrap_or_default(),
                        cost::money(l.base_monthly),
                        cost::money(l.head_monthly),
                        cost::signed_money(l.delta_monthly)
                    ));
                }
            }
            head.push('\n');
        }
    }
    if r.summary_only || r.changes.is_empty() {
        return head;
    }
    let mut out = head;
    // Room for the note about what was left out.
    let reserve = 300;
    let mut shown = 0;
    for c in r.changes {
        let block = details(c);
        if out.chars().count() + block.chars().count() + reserve > MARKDOWN_LIMIT {
            break;
        }
        out.push_str(&block);
        shown += 1;
    }
    let left = r.changes.len() - shown;
    if left > 0 {
        out.push_str(&format!(
            "\n_{} left out to keep this comment under 60,000 characters; run `mlpc diff --base {}` to see them all._\n",
            plural(left, "object's diff", "objects' diffs"),
            r.base.rev
        ));
    }
    out
}

// ----------------------------------------------------------------- json

pub fn json(r: &Report<'_>) -> Value {
    let (_, total) = counts(r.changes);
    let changes: Vec<Value> = r
        .changes
        .iter()
        .map(|c| {
            let mut v = json!({
                "cluster": c.key.cluster,
                "apiVersion": c.api_version,
                "group": c.key.group,
                "kind": c.key.kind,
                "namespace": if c.key.namespace.is_empty() { Value::Null } else { json!(c.key.namespace) },
                "name": c.key.name,
                "change": c.change.as_str(),
                "layer": c.layer(),
                "path": c.path(),
                "lines_added": c.lines_added,
                "lines_removed": c.lines_removed,
                "diff": if r.summary_only { Value::Null } else { json!(c.diff) },
            });
            if c.change == ChangeKind::Moved
                && let (Some(b), Some(obj)) = (&c.base, v.as_object_mut())
            {
                obj.insert("from".into(), json!({"path": b.path, "layer": b.layer}));
            }
            v
        })
        .collect();
    json!({
        "base": r.base.rev,
        "base_commit": r.base.commit,
        "head": r.head.rev,
        "head_commit": r.head.commit,
        "summary": {
            "total": r.changes.len(),
            "added": total[0],
            "removed": total[1],
            "modified": total[2],
            "moved": total[3],
            "clusters": changed_clusters(r.changes),
        },
        "changes": changes,
        "cost": r.cost,
    })
}
