//! Computed tables in slides: a fenced block whose info string is `table` names a table
//! the `sim` crate computes (`sim::models::matrix`), and the compiler renders it as an
//! HTML `<table>` with French headers, at build time. A table on a slide is never typed
//! by hand: if a model changes, the slide changes with it.
//!
//! ````markdown
//! ```table
//! name: etcd-fault-tolerance
//! max: 5
//! ```
//!
//! ```table
//! name: failure-matrix
//! system: elasticsearch
//! placements: 2/1, 1/1+t
//! failures: lose_a, lose_b, lose_c
//! form: grid
//! ```
//! ````
//!
//! - `name`: `etcd-fault-tolerance` (cluster size → quorum → failures tolerated, as in
//!   the etcd FAQ), `failure-matrix` (placement × failure) or `kafka-settings` (producer
//!   `acks` × `min.insync.replicas` × unclean election against two failures, computed by
//!   the Kafka model; no other parameter);
//! - `max` (etcd-fault-tolerance): sizes 1 to `max`, 1–9, default 5;
//! - `system` (failure-matrix, required): `etcd` or `kubernetes` (the same rows: stacked
//!   etcd), `elasticsearch`, `kafka`;
//! - `placements` (failure-matrix): the placements to keep, in this order (`3/0`, `2/1`,
//!   `1/1+t`…; as `raftdeck sim --matrix` prints them); default all;
//! - `failures` (failure-matrix): `lose_a`, `lose_b`, `lose_c`, `cut_ab`, `cut_all`, in
//!   this order; default all;
//! - `form` (failure-matrix): `rows` (default: one row per placement and failure) or
//!   `grid` (a row per placement, a column per failure).
//!
//! Both tables are computed once per process and cached: live reload stays fast. A
//! placement without a zone C shows « — » for the loss of zone C rather than an answer.

use crate::params::{block_params, Param};
use std::fmt::Write as _;
use std::sync::OnceLock;

use sim::models::matrix::{self, Failure, KafkaSettingsRow, MatrixRow, ToleranceRow};
use sim::SystemKind;

/// The info string of a computed table's fenced block.
pub const TABLE_INFO: &str = "table";

/// Whether a fenced block's info string asks for a computed table.
pub fn is_table_fence(info: &str) -> bool {
    info.split_whitespace().next() == Some(TABLE_INFO)
}

/// A problem in a `table` block, at a line of the slide file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableError {
    /// 1-based line in the slide file.
    pub line: u32,
    /// What is wrong, and what was expected.
    pub message: String,
}

const NAMES: &str = "etcd-fault-tolerance, failure-matrix, kafka-settings";
const KEYS: &str = "name, max, system, placements, failures, form";
const SYSTEMS: &str = "etcd, kubernetes, elasticsearch, kafka";
const FAILURE_KEYS: [(&str, Failure); 5] = [
    ("lose_a", Failure::LoseA),
    ("lose_b", Failure::LoseB),
    ("lose_c", Failure::LoseC),
    ("cut_ab", Failure::CutAB),
    ("cut_all", Failure::CutAll),
];
/// The largest cluster of the fault-tolerance table (the etcd FAQ's table stops at 9).
const MAX_SIZE: u32 = 9;

fn tolerance_rows() -> &'static [ToleranceRow] {
    static ROWS: OnceLock<Vec<ToleranceRow>> = OnceLock::new();
    ROWS.get_or_init(|| matrix::fault_tolerance_table(MAX_SIZE))
}

/// The computed rows, or why their scenarios did not build (a bug in `sim`, reported at
/// the table's fence rather than shown as rows that never ran).
type Computed<T> = Result<Vec<T>, String>;

fn kafka_settings_rows() -> &'static Computed<KafkaSettingsRow> {
    static ROWS: OnceLock<Computed<KafkaSettingsRow>> = OnceLock::new();
    ROWS.get_or_init(|| matrix::kafka_settings_table().map_err(|error| error.to_string()))
}

fn matrix_rows() -> &'static Computed<MatrixRow> {
    static ROWS: OnceLock<Computed<MatrixRow>> = OnceLock::new();
    ROWS.get_or_init(|| matrix::failure_matrix().map_err(|error| error.to_string()))
}

/// A system of the matrix: its rows' system and its description for the slide.
struct System {
    kind: SystemKind,
    description: &'static str,
}

fn system(key: &str) -> Option<System> {
    match key {
        "etcd" | "kubernetes" => Some(System {
            kind: SystemKind::Kubernetes,
            description: "etcd empilé sur les control planes",
        }),
        "elasticsearch" => Some(System {
            kind: SystemKind::Elasticsearch,
            description: "t : arbitre voting-only en zone C",
        }),
        "kafka" => Some(System {
            kind: SystemKind::Kafka,
            description: "KRaft combiné, RF=3, min.insync.replicas=2, acks=all",
        }),
        _ => None,
    }
}

/// Renders a `table` block's body (the lines after the fence on `fence_line`) as HTML:
/// the table and its `<p class="source">` line; or every problem, each at its line.
pub fn render_table(fence_line: u32, body: &str) -> Result<String, Vec<TableError>> {
    let mut errors = Vec::new();
    let mut params: Vec<(&str, &str, u32)> = Vec::new();
    for param in block_params(body, fence_line + 1) {
        let (line, key, value) = match param {
            Param::Pair { line, key, value } => (line, key, value),
            Param::Malformed { line, text } => {
                errors.push(error(
                    line,
                    format!("expected `key: value` in a table block, found `{text}`"),
                ));
                continue;
            }
        };
        if !KEYS.split(", ").any(|known| known == key) {
            errors.push(error(
                line,
                format!("unknown table parameter `{key}` (expected {KEYS})"),
            ));
        } else if params.iter().any(|(seen, _, _)| *seen == key) {
            errors.push(error(line, format!("table parameter `{key}` given twice")));
        } else {
            params.push((key, value, line));
        }
    }
    let get = |key: &str| {
        params
            .iter()
            .find(|(k, _, _)| *k == key)
            .map(|&(_, v, l)| (v, l))
    };
    let html = match get("name") {
        None => {
            errors.push(error(
                fence_line,
                format!("a `table` block needs `name:` ({NAMES})"),
            ));
            None
        }
        Some(("etcd-fault-tolerance", _)) => {
            refuse_keys(
                &params,
                &["system", "placements", "failures", "form"],
                "etcd-fault-tolerance",
                &mut errors,
            );
            fault_tolerance(get("max"), &mut errors)
        }
        Some(("failure-matrix", _)) => {
            refuse_keys(&params, &["max"], "failure-matrix", &mut errors);
            failure_matrix(fence_line, &get, &mut errors)
        }
        Some(("kafka-settings", _)) => {
            refuse_keys(
                &params,
                &["max", "system", "placements", "failures", "form"],
                "kafka-settings",
                &mut errors,
            );
            match kafka_settings_rows() {
                Ok(rows) => Some(kafka_settings(rows)),
                Err(reason) => {
                    errors.push(error(fence_line, not_built(reason)));
                    None
                }
            }
        }
        Some((other, line)) => {
            errors.push(error(
                line,
                format!("unknown table `{other}` (expected {NAMES})"),
            ));
            None
        }
    };
    match html {
        Some(html) if errors.is_empty() => Ok(html),
        _ => Err(errors),
    }
}

fn error(line: u32, message: impl Into<String>) -> TableError {
    TableError {
        line,
        message: message.into(),
    }
}

fn refuse_keys(
    params: &[(&str, &str, u32)],
    keys: &[&str],
    name: &str,
    errors: &mut Vec<TableError>,
) {
    for &(key, _, line) in params {
        if keys.contains(&key) {
            errors.push(error(
                line,
                format!("table parameter `{key}` does not apply to the `{name}` table"),
            ));
        }
    }
}

fn fault_tolerance(max: Option<(&str, u32)>, errors: &mut Vec<TableError>) -> Option<String> {
    let max = match max {
        None => 5,
        Some((value, line)) => {
            match value.parse::<u32>() {
                Ok(max) if (1..=MAX_SIZE).contains(&max) => max,
                _ => {
                    errors.push(error(
                    line,
                    format!("table `max` must be a cluster size from 1 to {MAX_SIZE}, found `{value}`"),
                ));
                    return None;
                }
            }
        }
    };
    let mut html = String::from(
        "<table class=\"computed\"><thead><tr><th>membres</th><th>quorum</th><th>pannes tolérées</th></tr></thead><tbody>",
    );
    for row in tolerance_rows().iter().take(max as usize) {
        let _ = write!(
            html,
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            row.size, row.majority, row.tolerated
        );
    }
    html.push_str("</tbody></table>\n<p class=\"source computed-source\">Calculé par la simulation raftdeck, identique à la FAQ etcd</p>\n");
    Some(html)
}

/// A cell of the Kafka settings table: acknowledged messages lost on the first line,
/// then (smaller) those left on a single copy and those refused.
fn kafka_cell(lost: u64, single_copy: u64, refused: u64) -> String {
    let headline = if lost > 0 {
        let plural = if lost > 1 { "s" } else { "" };
        format!("<strong>{lost} acquitté{plural} perdu{plural}</strong>")
    } else {
        "0 perdu".to_string()
    };
    let mut details = Vec::new();
    if single_copy > 0 {
        details.push(format!("{single_copy} sur une seule copie"));
    }
    if refused > 0 {
        details.push(format!("{refused} refusés"));
    }
    if details.is_empty() {
        headline
    } else {
        format!("{headline}<br><small>{}</small>", details.join(" · "))
    }
}

/// The message for computed rows whose scenarios did not build.
fn not_built(reason: &str) -> String {
    format!("the table's scenarios did not build (a bug in sim::models::matrix): {reason}")
}

fn kafka_settings(rows: &[KafkaSettingsRow]) -> String {
    let mut html = String::from(
        "<table class=\"computed kafka-settings\"><thead><tr><th>acks</th><th>min.insync</th><th>unclean</th><th>site du leader perdu</th><th>ISR réduit au leader, qui tombe</th></tr></thead><tbody>",
    );
    for row in rows {
        let _ = write!(
            html,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            row.acks,
            row.min_insync,
            if row.unclean { "oui" } else { "non" },
            kafka_cell(row.site_lost, 0, row.site_refused),
            kafka_cell(row.alone_lost, row.alone_single_copy, row.alone_refused),
        );
    }
    html.push_str("</tbody></table>\n<p class=\"source computed-source\">Calculé par le modèle Kafka de raftdeck (RF=3, un broker par site)</p>\n");
    html
}

type Get<'a> = dyn Fn(&str) -> Option<(&'a str, u32)> + 'a;

fn failure_matrix<'a>(
    fence_line: u32,
    get: &Get<'a>,
    errors: &mut Vec<TableError>,
) -> Option<String> {
    let form_grid = match get("form") {
        None | Some(("rows", _)) => false,
        Some(("grid", _)) => true,
        Some((other, line)) => {
            errors.push(error(
                line,
                format!("unknown table form `{other}` (expected rows or grid)"),
            ));
            false
        }
    };
    let failures: Vec<Failure> = match get("failures") {
        None => Failure::ALL.to_vec(),
        Some((value, line)) => list(value)
            .filter_map(|item| {
                let found = FAILURE_KEYS.iter().find(|(key, _)| *key == item);
                if found.is_none() {
                    errors.push(error(
                        line,
                        format!("unknown failure `{item}` (expected lose_a, lose_b, lose_c, cut_ab, cut_all)"),
                    ));
                }
                found.map(|&(_, failure)| failure)
            })
            .collect(),
    };
    let Some((system_key, system_line)) = get("system") else {
        errors.push(error(
            fence_line,
            format!("the `failure-matrix` table needs `system:` ({SYSTEMS}): the whole matrix does not fit on a slide"),
        ));
        return None;
    };
    let Some(system) = system(system_key) else {
        errors.push(error(
            system_line,
            format!("unknown system `{system_key}` (expected {SYSTEMS})"),
        ));
        return None;
    };
    let all = match matrix_rows() {
        Ok(rows) => rows,
        Err(reason) => {
            errors.push(error(fence_line, not_built(reason)));
            return None;
        }
    };
    let rows: Vec<&MatrixRow> = all.iter().filter(|row| row.system == system.kind).collect();
    let mut known: Vec<&str> = Vec::new();
    for row in &rows {
        if !known.contains(&row.placement.as_str()) {
            known.push(&row.placement);
        }
    }
    let placements: Vec<&str> = match get("placements") {
        None => known.clone(),
        Some((value, line)) => list(value)
            .filter(|item| {
                let found = known.contains(item);
                if !found {
                    errors.push(error(
                        line,
                        format!(
                            "unknown placement `{item}` for {system_key} (expected {})",
                            known.join(", ")
                        ),
                    ));
                }
                found
            })
            .collect(),
    };
    let find = |placement: &str, failure: Failure| {
        rows.iter()
            .find(|row| row.placement == placement && row.failure == failure)
            .copied()
    };
    let mut html = String::from("<table class=\"computed\"><thead><tr>");
    if form_grid {
        html.push_str("<th>placement</th>");
        for failure in &failures {
            let _ = write!(html, "<th>{}</th>", short_label(*failure));
        }
        html.push_str("</tr></thead><tbody>");
        for placement in &placements {
            let _ = write!(html, "<tr><td>{}</td>", escape(placement));
            for &failure in &failures {
                // A placement without a zone C cannot lose it: say so, do not answer.
                let cell = if !placement_has(placement, failure) {
                    "—".to_owned()
                } else {
                    find(placement, failure).map_or_else(String::new, grid_cell)
                };
                let _ = write!(html, "<td>{cell}</td>");
            }
            html.push_str("</tr>");
        }
    } else {
        html.push_str("<th>placement</th><th>panne</th><th>écritures acceptées</th><th>reprise</th><th>données acquittées perdues</th></tr></thead><tbody>");
        for placement in &placements {
            for &failure in &failures {
                if !placement_has(placement, failure) {
                    continue;
                }
                if let Some(row) = find(placement, failure) {
                    let _ = write!(
                        html,
                        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                        escape(&row.placement),
                        failure_label(failure),
                        yes_no(row.writes_accepted),
                        seconds(row.recovery_ms),
                        lost(row.acknowledged_lost)
                    );
                }
            }
        }
    }
    html.push_str("</tbody></table>\n");
    let lacks_c = failures.contains(&Failure::LoseC)
        && placements
            .iter()
            .any(|placement| !placement_has(placement, Failure::LoseC));
    let legend = if form_grid && lacks_c {
        "oui (délai de reprise) ; — : pas de zone C"
    } else if form_grid {
        "oui (délai de reprise)"
    } else {
        "reprise : de la panne aux écritures de nouveau acceptées"
    };
    let _ = writeln!(
        html,
        "<p class=\"source computed-source\">Calculé par la simulation raftdeck : {}. {legend}</p>",
        system.description
    );
    Some(html)
}

/// How many sites a placement label names: `2/1` two, `1/1/1` three, `1/1+t` three (the
/// tiebreaker's zone C).
fn placement_sites(placement: &str) -> usize {
    let (nodes, tiebreaker) = match placement.split_once('+') {
        Some((nodes, _)) => (nodes, 1),
        None => (placement, 0),
    };
    nodes.split('/').count() + tiebreaker
}

/// Whether `failure` can happen to `placement`: losing zone C needs a zone C.
fn placement_has(placement: &str, failure: Failure) -> bool {
    failure != Failure::LoseC || placement_sites(placement) >= 3
}

/// A failure in words, for a row of the table.
pub fn failure_label(failure: Failure) -> &'static str {
    match failure {
        Failure::LoseA => "perte du site A",
        Failure::LoseB => "perte du site B",
        Failure::LoseC => "perte du site C",
        Failure::CutAB => "coupure A–B",
        Failure::CutAll => "tout coupé",
    }
}

/// A matrix row's system, as the CLI's table names it.
fn system_label(kind: SystemKind) -> &'static str {
    match kind {
        SystemKind::Etcd | SystemKind::Kubernetes => "etcd / Kubernetes",
        SystemKind::Elasticsearch => "Elasticsearch",
        SystemKind::Kafka => "Kafka (KRaft combiné, RF=3, min.insync=2, acks=all)",
        SystemKind::Multisite => "deux clusters",
    }
}

/// The failure matrix as a Markdown table (French headers, like the slides;
/// `raftdeck sim --matrix`).
pub fn matrix_markdown(rows: &[MatrixRow]) -> String {
    let mut text = String::from(
        "| Système | Placement | Panne | Écritures acceptées | Reprise | Écritures acquittées perdues |\n| --- | --- | --- | --- | ---: | ---: |\n",
    );
    for row in rows {
        let _ = writeln!(
            text,
            "| {} | {} | {} | {} | {} | {} |",
            system_label(row.system),
            row.placement,
            failure_label(row.failure),
            if row.writes_accepted { "oui" } else { "non" },
            seconds(row.recovery_ms),
            row.acknowledged_lost
        );
    }
    text
}

/// etcd's fault-tolerance table as Markdown (French headers; `raftdeck sim --matrix`).
pub fn fault_tolerance_markdown(rows: &[ToleranceRow]) -> String {
    let mut text = String::from(
        "| Taille du cluster | Majorité | Pannes tolérées |\n| ---: | ---: | ---: |\n",
    );
    for row in rows {
        let _ = writeln!(
            text,
            "| {} | {} | {} |",
            row.size, row.majority, row.tolerated
        );
    }
    text
}

/// A failure as a grid column header: short, the columns are narrow.
fn short_label(failure: Failure) -> &'static str {
    match failure {
        Failure::LoseA => "sans A",
        Failure::LoseB => "sans B",
        Failure::LoseC => "sans C",
        Failure::CutAB => "A–B coupé",
        Failure::CutAll => "tout coupé",
    }
}

fn list(value: &str) -> impl Iterator<Item = &str> {
    value
        .split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
}

fn yes_no(yes: bool) -> &'static str {
    if yes {
        "oui"
    } else {
        "<strong>non</strong>"
    }
}

fn lost(count: u64) -> String {
    if count == 0 {
        "aucune".to_string()
    } else {
        format!("<strong>{count}</strong>")
    }
}

fn grid_cell(row: &MatrixRow) -> String {
    let mut cell = yes_no(row.writes_accepted).to_string();
    if let (true, Some(ms)) = (row.writes_accepted, row.recovery_ms) {
        // A grid cell is narrow: whole seconds from 10 s on (`33 s`, not `33,0 s`).
        let shown = if ms >= 10_000 {
            format!("{} s", (ms + 500) / 1000)
        } else {
            seconds(Some(ms))
        };
        if ms > 0 {
            let _ = write!(cell, " ({})", shown.replace(' ', "\u{a0}"));
        }
    }
    if row.acknowledged_lost > 0 {
        let _ = write!(cell, ", <strong>{} perdues</strong>", row.acknowledged_lost);
    }
    cell
}

/// A duration in French: `0 s`, `12,3 s`, `jamais` (not within the run).
fn seconds(ms: Option<u64>) -> String {
    match ms {
        None => "jamais".to_string(),
        Some(0) => "0 s".to_string(),
        Some(ms) => format!("{},{} s", ms / 1000, (ms % 1000) / 100),
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cli_markdown_has_a_line_per_row_with_french_words() {
        let rows = matrix_rows().as_ref().expect("the matrix builds");
        let table = matrix_markdown(rows);
        assert_eq!(table.lines().count(), rows.len() + 2);
        assert!(table.contains("| etcd / Kubernetes | 2/1 | perte du site A | non |"));
        let tolerance = fault_tolerance_markdown(tolerance_rows());
        assert!(tolerance.contains("| 3 | 2 | 1 |"), "{tolerance}");
    }

    fn messages(body: &str) -> Vec<String> {
        render_table(10, body)
            .unwrap_err()
            .into_iter()
            .map(|e| format!("{}: {}", e.line, e.message))
            .collect()
    }

    #[test]
    fn the_fault_tolerance_table_is_the_etcd_faq() {
        let html = render_table(1, "name: etcd-fault-tolerance\nmax: 9\n").unwrap();
        assert!(html.contains("<th>membres</th><th>quorum</th><th>pannes tolérées</th>"));
        assert!(html.contains("<tr><td>1</td><td>1</td><td>0</td></tr>"));
        assert!(html.contains("<tr><td>4</td><td>3</td><td>1</td></tr>"));
        assert!(html.contains("<tr><td>9</td><td>5</td><td>4</td></tr>"));
        assert!(html.contains("identique à la FAQ etcd"));
        let default = render_table(1, "name: etcd-fault-tolerance").unwrap();
        assert_eq!(default.matches("<tr><td>").count(), 5);
    }

    #[test]
    fn the_matrix_is_filtered_by_system_placement_and_failure() {
        let html = render_table(
            1,
            "name: failure-matrix\nsystem: kubernetes\nplacements: 2/1, 1/1/1\nfailures: lose_a, cut_ab\n",
        )
        .unwrap();
        assert_eq!(html.matches("<tr><td>").count(), 4, "{html}");
        assert!(html.contains("<tr><td>2/1</td><td>perte du site A</td><td><strong>non</strong></td><td>jamais</td><td>aucune</td></tr>"), "{html}");
        assert!(html.contains("<th>données acquittées perdues</th>"));
        assert!(html.contains("<p class=\"source computed-source\">Calculé par la simulation"));

        let grid = render_table(
            1,
            "name: failure-matrix\nsystem: elasticsearch\nplacements: 2/1, 1/1+t\nfailures: lose_a, lose_b\nform: grid\n",
        )
        .unwrap();
        assert!(
            grid.contains("<th>placement</th><th>sans A</th><th>sans B</th>"),
            "{grid}"
        );
        assert!(
            grid.contains("<tr><td>2/1</td><td><strong>non</strong></td><td>oui"),
            "{grid}"
        );
        assert!(grid.contains("<tr><td>1/1+t</td><td>oui"), "{grid}");
    }

    #[test]
    fn a_placement_without_zone_c_does_not_answer_for_zone_c() {
        let grid = render_table(
            1,
            "name: failure-matrix\nsystem: elasticsearch\nplacements: 2/1, 1/1+t\nfailures: lose_b, lose_c\nform: grid\n",
        )
        .unwrap();
        let two_sites = grid
            .split("<tr>")
            .find(|row| row.starts_with("<td>2/1</td>"))
            .expect("the 2/1 row");
        assert!(two_sites.ends_with("<td>—</td></tr>"), "{two_sites}");
        let tiebreaker = grid
            .split("<tr>")
            .find(|row| row.starts_with("<td>1/1+t</td>"))
            .and_then(|row| row.split("</tr>").next())
            .expect("the 1/1+t row");
        assert!(!tiebreaker.contains("—"), "{tiebreaker}");
        assert!(grid.contains("— : pas de zone C"), "{grid}");
        let rows = render_table(
            1,
            "name: failure-matrix\nsystem: kubernetes\nplacements: 2/1, 1/1/1\nfailures: lose_c\n",
        )
        .unwrap();
        assert_eq!(rows.matches("<tr><td>").count(), 1, "{rows}");
        assert!(rows.contains("<tr><td>1/1/1</td>"), "{rows}");
    }

    #[test]
    fn the_kafka_settings_table_is_computed_by_the_model() {
        let html = render_table(1, "name: kafka-settings\n").unwrap();
        assert_eq!(html.matches("<tr><td>").count(), 4);
        // acks=all + min.insync=2: nothing lost in either failure, refusals instead.
        let safe = html
            .split("<tr>")
            .find(|row| row.starts_with("<td>all</td><td>2</td>"))
            .expect("the safe row");
        assert_eq!(safe.matches("0 perdu").count(), 2, "{safe}");
        assert!(safe.contains("refusés"), "{safe}");
        // Unclean election: acknowledged messages lost.
        let unclean = html
            .split("<tr>")
            .find(|row| row.contains("<td>oui</td>"))
            .expect("the unclean row");
        assert!(unclean.contains("acquittés perdus</strong>"), "{unclean}");
        assert_eq!(
            messages("name: kafka-settings\nmax: 3\n"),
            ["12: table parameter `max` does not apply to the `kafka-settings` table"]
        );
    }

    #[test]
    fn errors_name_the_line_of_the_parameter() {
        assert_eq!(
            messages("name: failure-matrix\nsystem: mongodb\n"),
            ["12: unknown system `mongodb` (expected etcd, kubernetes, elasticsearch, kafka)"]
        );
        let errors = messages("name: failure-matrix\ncolour: red\nsystem: kafka\nplacements: 2/1, 4/4\nfailures: lose_d\nform: pie\nmax: 3\n");
        assert_eq!(errors.len(), 5, "{errors:#?}");
        assert!(errors[0].starts_with("12: unknown table parameter `colour`"));
        assert!(errors[1].starts_with("17: table parameter `max` does not apply"));
        assert!(errors[2].starts_with("16: unknown table form `pie`"));
        assert!(errors[3].starts_with("15: unknown failure `lose_d`"));
        assert!(
            errors[4]
                .starts_with("14: unknown placement `4/4` for kafka (expected 2/1, 1/1/1, 2/2/1)"),
            "{}",
            errors[4]
        );
        assert_eq!(
            messages("name: etcd-quorum\n"),
            ["11: unknown table `etcd-quorum` (expected etcd-fault-tolerance, failure-matrix, kafka-settings)"]
        );
        assert!(messages("max: 3\n")[0].starts_with("10: a `table` block needs `name:`"));
        assert!(messages("name: etcd-fault-tolerance\nmax: 12\n")[0]
            .starts_with("12: table `max` must be"));
        assert!(messages("name: failure-matrix\n")[0]
            .starts_with("10: the `failure-matrix` table needs `system:`"));
    }
}
