//! `infer`: a trained network (a `potmac qat` or `potmac import` export) on generated hardware.
//! One [`Engine`] interface, two implementations: [`Accelerator`] runs the whole network on the
//! accelerator over the test set of the data set the export names, and [`PerLayer`] checks
//! each layer alone on a bare array with the export's golden samples. Both share loading and
//! checking the export ([`load`]) and the report ([`InferReport`]). [`energy`] runs the
//! accelerator's gate netlist on a standard-cell library for its energy per image.

mod accel;
pub mod energy;
mod layers;
mod report;

pub use accel::Accelerator;
pub use layers::{PerLayer, PREFIX};
pub use report::{InferReport, LayerResult, RunResult, SimResult};

use super::{Result, RunOpts};
use crate::config::ArrayShape;
use crate::model::read::{load_export, Export};
use crate::tools::Sim;
use std::path::{Path, PathBuf};

/// Test images to run: the first N of the test set, or all of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Samples {
    All,
    First(usize),
}

/// What to run and where.
#[derive(Debug, Clone)]
pub struct InferOptions {
    /// The array: the accelerator's (square) or the per-layer arrays'.
    pub array: ArrayShape,
    /// Simulators, in order.
    pub sims: Vec<Sim>,
    /// Test images (the accelerator engine).
    pub samples: Samples,
    /// Images per pass (the accelerator engine).
    pub batch: u32,
    /// Folder with the Fashion-MNIST files (the accelerator engine).
    pub data_dir: Option<PathBuf>,
    /// Percent of cycles (0..=90) the testbench holds the input stream's TVALID and the
    /// output stream's TREADY low, at random (the accelerator engine).
    pub stall: u32,
    /// Simulator runs at once (the accelerator engine): the test images go in runs of up to
    /// 16 batches, each a simulator process; this many run side by side.
    pub jobs: usize,
    /// Output folder, tool timeout, and whether the accelerator's folder is reused as it is.
    pub run: RunOpts,
}

/// An inference engine: runs a verified export on hardware and reports whether every result
/// equals the integer model.
pub trait Engine {
    /// Run `export` as `o` says. A disagreement with the integer model is a failed result in
    /// the report, not an error.
    fn run(&self, export: &Export, o: &InferOptions) -> Result<InferReport>;
}

/// Read and verify an export folder: the model, its manifest (with the data set it names,
/// checked against the model) and its golden samples.
pub fn load(dir: &Path) -> Result<Export> {
    Ok(load_export(dir)?)
}
