//! The cost report: the monthly estimate per cluster, pool and team, and
//! against a base revision each line's delta (colored text, a pull-request
//! comment, stable JSON). Base and head lines are paired by [`super::pair`],
//! the pairing [`super::delta`] uses too.

use super::{ClusterCost, Delta, Estimate, money, pair, signed_money};
use crate::report::Style;
use crate::spec::side::Side;

/// What a cost report shows: the head's estimate and, against a base
/// revision, the base's.
pub struct View<'a> {
    pub head: &'a Estimate,
    pub head_side: &'a Side,
    pub base: Option<(&'a Estimate, Side)>,
}

/// One line of the report: a pool, a team, the unallocated rest or a total.
struct Line {
    cluster: String,
    what: &'static str,
    name: String,
    detail: String,
    monthly: f64,
    range: Option<(f64, f64)>,
    /// The base's value of the same line (0 when it did not exist there).
    base: Option<f64>,
}

impl Line {
    /// The change against the base (`+12.50`), empty when there is none or no base.
    fn delta(&self) -> String {
        self.base
            .map(|b| {
                let d = self.monthly - b;
                if super::round2(d) == 0.0 {
                    String::new()
                } else {
                    signed_money(d)
                }
            })
            .unwrap_or_default()
    }
}

fn cluster_lines(c: &ClusterCost) -> Vec<Line> {
    let mut out = Vec::new();
    let line = |what, name: &str, detail: String, monthly, range| Line {
        cluster: c.cluster.clone(),
        what,
        name: name.to_string(),
        detail,
        monthly,
        range,
        base: None,
    };
    for p in &c.pools {
        out.push(line(
            "pool",
            &p.pool,
            format!(
                "{} × {}{}, {} of {}–{} nodes at {}/h{}, expected {} ({})",
                p.instance_type,
                if p.unit == "gpu" {
                    format!("{} GPU", p.units_per_node)
                } else {
                    format!("{} CPU", p.units_per_node)
                },
                if p.spot { " spot" } else { "" },
                p.nodes,
                p.min_nodes,
                p.max_nodes,
                p.hourly_price,
                if p.capped {
                    format!(
                        ", capped at max_nodes: the quotas need {} nodes",
                        p.needed_nodes
                    )
                } else {
                    String::new()
                },
                money(p.expected_monthly),
                if p.expected_nodes == 1 {
                    "1 node".to_string()
                } else {
                    format!("{} nodes", p.expected_nodes)
                }
            ),
            p.monthly,
            Some((p.min_monthly, p.max_monthly)),
        ));
    }
    for t in &c.teams {
        let cpu = t
            .cpu_quota
            .map(|c| format!(", {} CPU", trim_num(c)))
            .unwrap_or_default();
        out.push(line(
            "team",
            &t.team,
            format!(
                "{} GPU{cpu} quota, {:.1}% of the cluster",
                t.gpu_quota,
                t.share * 100.0
            ),
            t.monthly,
            None,
        ));
    }
    if c.control_plane_monthly > 0.0 {
        out.push(line(
            "control plane",
            "",
            "control plane machines (in every figure)".into(),
            c.control_plane_monthly,
            Some((c.control_plane_monthly, c.control_plane_monthly)),
        ));
    }
    out.push(line(
        "unallocated",
        "",
        "no quota claims it".into(),
        c.unallocated_monthly,
        None,
    ));
    out.push(line(
        "total",
        "",
        format!(
            "{} h/month; expected {} at {}% quota use",
            trim_num(c.hours_per_month),
            money(c.expected_monthly),
            trim_num(c.expected_utilization * 100.0)
        ),
        c.monthly,
        Some((c.min_monthly, c.max_monthly)),
    ));
    out
}

fn trim_num(v: f64) -> String {
    let s = format!("{v:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn fleet_lines(e: &Estimate) -> Vec<Line> {
    let mut out: Vec<Line> = e.clusters.iter().flat_map(cluster_lines).collect();
    for t in &e.teams {
        out.push(Line {
            cluster: "all clusters".into(),
            what: "team",
            name: t.team.clone(),
            detail: String::new(),
            monthly: t.monthly,
            range: None,
            base: None,
        });
    }
    out.push(Line {
        cluster: "all clusters".into(),
        what: "total",
        name: String::new(),
        detail: String::new(),
        monthly: e.monthly,
        range: Some((e.min_monthly, e.max_monthly)),
        base: None,
    });
    out
}

/// Head lines with their base values, plus lines only the base has.
fn lines(v: &View<'_>) -> Vec<Line> {
    let head = fleet_lines(v.head);
    let Some((base, _)) = &v.base else {
        return head;
    };
    let (both, gone) = pair(fleet_lines(base), head, |l| {
        (l.cluster.clone(), l.what, l.name.clone())
    });
    let mut head: Vec<Line> = both
        .into_iter()
        .map(|(mut l, b)| {
            l.base = Some(b.map_or(0.0, |b| b.monthly));
            l
        })
        .collect();
    // Lines gone at head: shown with a zero estimate, before the fleet totals.
    let fleet_start = head
        .iter()
        .position(|l| l.cluster == "all clusters")
        .unwrap_or(head.len());
    let gone: Vec<Line> = gone
        .into_iter()
        .map(|mut l| {
            l.base = Some(l.monthly);
            l.monthly = 0.0;
            l.range = None;
            l.detail = "removed".into();
            l
        })
        .collect();
    head.splice(fleet_start..fleet_start, gone);
    head
}

fn delta_of(v: &View<'_>) -> Option<Delta> {
    v.base.as_ref().map(|(b, _)| super::delta(b, v.head))
}

fn headline(v: &View<'_>) -> String {
    let e = v.head;
    let cur = &e.currency;
    let mut s = format!(
        "{} {cur}/month at full quotas, expected {} {cur} (range {}–{} {cur})",
        money(e.monthly),
        money(e.expected_monthly),
        money(e.min_monthly),
        money(e.max_monthly)
    );
    if let Some(d) = delta_of(v) {
        s.push_str(&format!(
            ", {} {cur} against {}",
            signed_money(d.delta_monthly),
            v.base
                .as_ref()
                .map(|(_, s)| s.rev.as_str())
                .unwrap_or_default()
        ));
    }
    s
}

pub fn human(v: &View<'_>, style: Style) -> String {
    let with_base = v.base.is_some();
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut header = vec![
        "CLUSTER".to_string(),
        "".into(),
        "NAME".into(),
        "MONTHLY".into(),
        "RANGE".into(),
    ];
    if with_base {
        header.push("DELTA".into());
    }
    header.push("DETAIL".into());
    rows.push(header);
    for l in lines(v) {
        let mut r = vec![
            l.cluster.clone(),
            l.what.to_string(),
            l.name.clone(),
            money(l.monthly),
            l.range
                .map(|(a, b)| format!("{}–{}", money(a), money(b)))
                .unwrap_or_default(),
        ];
        if with_base {
            r.push(l.delta());
        }
        r.push(l.detail.clone());
        rows.push(r);
    }
    let n = rows[0].len();
    let mut widths = vec![0usize; n];
    for r in &rows {
        for (i, c) in r.iter().enumerate() {
            widths[i] = widths[i].max(c.chars().count());
        }
    }
    let numeric = |i: usize| i == 3 || i == 4 || (with_base && i == 5);
    let mut out = String::new();
    out.push_str(&style.bold(&format!(
        "mlpc cost: {} ({})",
        v.head_side.rev, v.head.currency
    )));
    out.push('\n');
    for (ri, r) in rows.iter().enumerate() {
        let mut line = String::new();
        for (i, c) in r.iter().enumerate() {
            let pad = widths[i].saturating_sub(c.chars().count());
            let cell = if numeric(i) {
                format!("{}{c}", " ".repeat(pad))
            } else if i + 1 == n {
                c.clone()
            } else {
                format!("{c}{}", " ".repeat(pad))
            };
            let cell = if ri > 0 && with_base && i == 5 && c.starts_with('+') {
                style.red(&cell)
            } else if ri > 0 && with_base && i == 5 && c.starts_with('-') {
                style.green(&cell)
            } else {
                cell
            };
            line.push_str(&cell);
            line.push_str("  ");
        }
        let line = line.trim_end().to_string();
        out.push_str(&if ri == 0 || r[1] == "total" {
            style.bold(&line)
        } else {
            line
        });
        out.push('\n');
    }
    for c in &v.head.clusters {
        out.push_str(&style.dim(&format!(
            "OpenCost prices of {} ({}/h, from the same pools): each pool's nodes at the pool's price (spot pools at theirs){}; other nodes CPU {}, RAM {}/GiB, spot CPU {}, spot RAM {}/GiB\n",
            c.cluster,
            c.currency,
            gpu_types_note(c),
            c.opencost.cpu_hourly,
            c.opencost.ram_gib_hourly,
            c.opencost.spot_cpu_hourly,
            c.opencost.spot_ram_gib_hourly
        )));
    }
    for n in notes(v) {
        out.push_str(&style.dim(&format!("note: {n}\n")));
    }
    out.push_str(&style.bold(&format!("total: {}", headline(v))));
    out.push('\n');
    out
}

pub fn markdown(v: &View<'_>) -> String {
    let with_base = v.base.is_some();
    let cur = &v.head.currency;
    let mut out = format!("### mlpc cost: {}\n\n", headline(v));
    if let Some((_, side)) = &v.base {
        out.push_str(&format!(
            "Base `{}`{} → head {}.\n\n",
            side.rev,
            side.commit
                .as_deref()
                .map(|c| format!(" (`{}`)", &c[..7.min(c.len())]))
                .unwrap_or_default(),
            if v.head_side.commit.is_some() {
                format!("`{}`", v.head_side.rev)
            } else {
                "the working tree".into()
            }
        ));
    }
    out.push_str(&format!(
        "| Cluster | | Name | Monthly ({cur}) | Range ({cur}) |{} Detail |\n|:--|:--|:--|--:|--:|{}:--|\n",
        if with_base { format!(" Delta ({cur}) |") } else { String::new() },
        if with_base { "--:|" } else { "" }
    ));
    for l in lines(v) {
        let bold = |s: String| {
            if l.what == "total" && !s.is_empty() {
                format!("**{s}**")
            } else {
                s
            }
        };
        let delta = l.delta();
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} |{} {} |\n",
            l.cluster,
            l.what,
            if l.name.is_empty() {
                String::new()
            } else {
                format!("`{}`", l.name)
            },
            bold(money(l.monthly)),
            l.range
                .map(|(a, b)| format!("{}–{}", money(a), money(b)))
                .unwrap_or_default(),
            if with_base {
                format!(" {} |", bold(delta))
            } else {
                String::new()
            },
            l.detail.replace('|', "\\|")
        ));
    }
    out.push('\n');
    for n in notes(v) {
        out.push_str(&format!("- {}\n", n.replace('|', "\\|")));
    }
    out
}

/// `, per GPU nvidia-a100 2.9, nvidia-h100 spot 1.2`: the GPU prices
/// OpenCost's price list gives each GPU type and capacity.
fn gpu_types_note(c: &ClusterCost) -> String {
    if c.gpu_types.is_empty() {
        return String::new();
    }
    let per: Vec<String> = c
        .gpu_types
        .iter()
        .map(|g| {
            let spot = if g.spot { " spot" } else { "" };
            format!("{}{spot} {}", g.gpu_type, g.hourly)
        })
        .collect();
    format!(", per GPU {}", per.join(", "))
}

/// What the figures leave out, and why team lines moved against their quotas.
fn notes(v: &View<'_>) -> Vec<String> {
    let mut out = Vec::new();
    for c in &v.head.clusters {
        for u in &c.unpriced {
            out.push(format!("{}: not priced: {u}", c.cluster));
        }
    }
    if let Some(d) = delta_of(v) {
        for c in &d.clusters {
            if let Some(r) = &c.reason {
                out.push(format!(
                    "cluster {} {}: {r}",
                    c.name,
                    signed_money(c.delta_monthly)
                ));
            }
        }
        for t in &d.teams {
            if let Some(r) = &t.reason {
                out.push(format!(
                    "team {} {}: {r}",
                    t.name,
                    signed_money(t.delta_monthly)
                ));
            }
        }
    }
    out
}

pub fn json(v: &View<'_>) -> serde_json::Value {
    let mut j = serde_json::json!({
        "head": v.head_side.rev,
        "head_commit": v.head_side.commit,
        "currency": v.head.currency,
        "estimate": v.head,
    });
    if let (Some((b, side)), Some(obj)) = (&v.base, j.as_object_mut()) {
        obj.insert("base".into(), serde_json::json!(side.rev));
        obj.insert("base_commit".into(), serde_json::json!(side.commit));
        obj.insert("base_estimate".into(), serde_json::json!(b));
        obj.insert("delta".into(), serde_json::json!(super::delta(b, v.head)));
    }
    j
}
