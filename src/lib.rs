//! potmac: uniform, power-of-two (PoT) and additive power-of-two (APoT) MAC units and systolic
//! arrays, described in Rust, emitted as Verilog, verified on two simulators and measured with
//! Yosys.
//!
//! Pipeline: [`config`] (YAML, or [`config::Design::builder`] → validated [`config::Design`])
//! → [`hw`] (the bit-exact golden models) → [`emit`] (askama views → Verilog, testbench,
//! vectors) → [`tools`] (the [`tools::Simulator`] trait for Icarus and Verilator, the Yosys and
//! nextpnr drivers). [`model`] is the trained-model contract: the integer model, its layer
//! shapes and requantization, the export files (written, read back and checked, with the data
//! set they were trained on) and the lowering of each layer to a GEMM on a generated array.
//! [`train`] trains networks whose weights use the same code tables and freezes them into that
//! model; [`infer`] compiles a model into the accelerator's memories and drives its testbench;
//! [`power`] measures GE area and the switched-capacitance energy proxy of the gate netlists.
//! [`flow`] holds every workflow (generate, sim, synth, power, prove, cycles, infer, qat,
//! import) as a library call with typed options and a typed report, and [`sweep`] runs
//! design-space sweeps over them; [`cli`] is the command line on top of everything (flags,
//! printing, exit codes). Long runs report through [`progress`], which the library implements
//! as a no-op and the binary as progress bars.
//!
//! Layering: the modules sit on floors, and a module imports only its own floor (without
//! cycles) and the floors below; `tests/layering/` enforces both. Vocabulary: [`quant`],
//! [`rng`], [`progress`], [`widths`], [`fsread`], [`config`]; models: [`hw`], [`model`]; engines:
//! [`emit`], [`tools`], [`power`], [`train`], [`infer`]; flows: [`flow`], [`sweep`]; the
//! porch: [`cli`], which nothing in the library imports.
//!
//! # Errors
//!
//! Every error type is a `thiserror` enum, and they all follow one rule: **a message describes
//! its own layer only and never embeds its cause**. A variant that wraps another error marks it
//! `source` (so [`std::error::Error::source`] returns it) and leaves it out of its `#[error]`
//! text; a variant that only forwards another error is `#[error(transparent)]`. To show the
//! whole story, walk the chain: `anyhow`'s `{:#}` does, and that is how the `potmac` binary
//! prints errors (`error: a.yaml: cannot read: No such file or directory (os error 2)`), each
//! cause exactly once.

pub mod cli;
pub mod config;
pub mod emit;
pub mod flow;
pub mod fsread;
pub mod hw;
pub mod infer;
pub mod model;
pub mod power;
pub mod progress;
pub mod quant;
pub mod rng;
pub mod sweep;
pub mod tools;
pub mod train;
pub mod widths;
