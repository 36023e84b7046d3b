//! `potmac cycles CONFIG... --gemm M,K,N`: the analytic cycle count of a GEMM on each array
//! design (the formula of `docs/arrays.md`, which the generated testbenches check against the
//! RTL cycle by cycle).

use super::common::{load_designs, FormatArg};
use super::format::{Format, Record, RecordWriter};
use super::ui::Ui;
use super::Verdict;
use crate::flow::cycles::CycleRow;
use crate::hw::array::GemmShape;
use anyhow::Result;
use serde_json::Value;
use std::path::PathBuf;

/// Arguments of `potmac cycles`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Array design config files (YAML with an `array` section).
    #[arg(required = true)]
    configs: Vec<PathBuf>,
    /// GEMM dimensions `M,K,N`: X is M×K, W is K×N (repeatable).
    #[arg(long, required = true)]
    gemm: Vec<GemmShape>,
    #[command(flatten)]
    format: FormatArg,
}

/// Run `potmac cycles`.
pub fn run(a: &Args, ui: &Ui) -> Result<Verdict> {
    let designs = load_designs(&a.configs)?;
    let rows = crate::flow::cycles::run(&designs, &a.configs, &a.gemm)?;
    if a.format.format == Format::Table {
        writeln!(
            ui,
            "| design | array | dataflow | M,K,N | tiles | period | latency | cycles | MACs | utilization |"
        )?;
        writeln!(ui, "|---|---|---|---|---|---|---|---|---|---|")?;
    }
    let mut records = RecordWriter::new(ui, a.format.format);
    for row in &rows {
        let (arr, g, r) = (&row.array, &row.gemm, &row.report);
        if a.format.format == Format::Table {
            writeln!(
                ui,
                "| {} | {}x{} | {} | {},{},{} | {} | {} | {} | {} | {} | {:.4} |",
                row.design,
                arr.rows,
                arr.cols,
                arr.dataflow.name(),
                g.m,
                g.k,
                g.n,
                r.tiles,
                r.period,
                r.latency,
                r.total,
                r.macs,
                r.utilization
            )?;
        } else {
            records.write(&record(row))?;
        }
    }
    Ok(Verdict::Pass)
}

/// The fields of one result, as CSV columns and JSON keys.
fn record(row: &CycleRow) -> Record {
    let (arr, g, r) = (&row.array, &row.gemm, &row.report);
    vec![
        ("design", Value::from(row.design.as_str())),
        ("array", Value::from(format!("{}x{}", arr.rows, arr.cols))),
        ("dataflow", Value::from(arr.dataflow.name())),
        ("m", Value::from(g.m)),
        ("k", Value::from(g.k)),
        ("n", Value::from(g.n)),
        ("tiles", Value::from(r.tiles)),
        ("period", Value::from(r.period)),
        ("latency", Value::from(r.latency)),
        ("cycles", Value::from(r.total)),
        ("macs", Value::from(r.macs)),
        ("utilization", Value::from(r.utilization)),
    ]
}
