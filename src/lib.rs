//! potmac: uniform, power-of-two (PoT) and additive power-of-two (APoT) MAC units and systolic
//! arrays, described in Rust, emitted as Verilog, verified on two simulators and measured with
//! Yosys.
//!
//! Pipeline: [`config`] (YAML → validated [`config::Design`]) → [`hw`] (derived widths and the
//! bit-exact golden models) → [`emit`] (askama views → Verilog, testbench, vectors) →
//! [`tools`] (Verilator, Icarus, Yosys, nextpnr drivers). [`qat`] trains networks whose weights
//! use the same code tables and exports them as integer models and golden vectors.

pub mod cli;
pub mod config;
pub mod deploy;
pub mod emit;
pub mod hw;
pub mod qat;
pub mod quant;
pub mod rng;
pub mod tools;
