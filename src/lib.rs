//! potmac: uniform, power-of-two (PoT) and additive power-of-two (APoT) MAC units and systolic
//! arrays, described in Rust, emitted as Verilog, verified on two simulators and measured with
//! Yosys.
//!
//! Pipeline: [`config`] (YAML → validated [`config::Design`]) → [`hw`] (derived widths and the
//! bit-exact golden models) → [`emit`] (askama views → Verilog, testbench, vectors) →
//! [`tools`] (Verilator, Icarus, Yosys, nextpnr drivers).

pub mod cli;
pub mod qat;
pub mod quant;
