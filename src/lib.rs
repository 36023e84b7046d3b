//! potmac: uniform, power-of-two (PoT) and additive power-of-two (APoT) MAC units and systolic
//! arrays, described in Rust, emitted as Verilog, verified on two simulators and measured with
//! Yosys.
//!
//! Pipeline: [`config`] (YAML → validated [`config::Design`]) → [`hw`] (the bit-exact golden
//! models) → [`emit`] (askama views → Verilog, testbench, vectors) → [`tools`] (Verilator,
//! Icarus, Yosys, nextpnr drivers). [`model`] is the trained-model contract: the integer
//! model, its layer shapes and requantization, the export files (written, read back and
//! checked, with the data set they were trained on) and the lowering of each layer to a GEMM
//! on a generated array. [`train`] trains networks whose weights use the same code tables
//! (`potmac qat`, `potmac import`) and freezes them into that model; [`infer`] runs whole
//! networks on the generated accelerator; [`power`] measures GE area and the
//! switched-capacitance energy proxy of the gate netlists; [`cli`] is the command line on top
//! of everything. Long runs report through [`progress`], which the library implements as a
//! no-op and the binary as progress bars.
//!
//! Layering (each module uses only modules before it in this list; `tests/layering/`
//! rejects any import cycle): [`quant`] (number formats), [`rng`], [`progress`], [`tools`],
//! [`widths`] (datapath widths and product corners, pure arithmetic over `quant`), [`config`],
//! [`hw`], [`model`] (the trained-model contract: it uses `quant`, `widths`, `config` and `hw` only),
//! [`emit`], [`train`], [`infer`], [`power`], [`sweep`] (design-space sweeps), and [`cli`],
//! which nothing in the library imports.
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
