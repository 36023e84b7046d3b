//! `cycles`: the analytic cycle count of GEMMs on array designs (the formula of the arrays
//! chapter, which the generated testbenches check against the RTL cycle by cycle).

use super::{usage, Result};
use crate::config::Design;
use crate::hw::array::{cycles, CycleReport, GemmShape};
use std::path::PathBuf;

/// One GEMM on one design.
#[derive(Debug, Clone, PartialEq)]
pub struct CycleRow {
    pub design: String,
    pub array: crate::config::ArrayShape,
    pub gemm: GemmShape,
    pub report: CycleReport,
}

/// Every GEMM on every design (`sources` names each design's config in errors): each design
/// must be an array whose accumulators hold every GEMM's K.
pub fn run(designs: &[Design], sources: &[PathBuf], gemms: &[GemmShape]) -> Result<Vec<CycleRow>> {
    for (d, p) in designs.iter().zip(sources) {
        if d.array.is_none() {
            return usage(format!(
                "{}: `{}` has no `array` section",
                p.display(),
                d.name
            ));
        }
        if let Some(g) = gemms.iter().find(|g| g.k > d.max_dot_length) {
            return usage(format!(
                "{}: K = {} exceeds max_dot_length {}: the accumulators would overflow",
                p.display(),
                g.k,
                d.max_dot_length
            ));
        }
    }
    Ok(designs
        .iter()
        .flat_map(|d| {
            let arr = d.array.expect("checked above");
            gemms.iter().map(move |g| CycleRow {
                design: d.name.clone(),
                array: arr,
                gemm: *g,
                report: cycles(&arr, *g),
            })
        })
        .collect())
}
