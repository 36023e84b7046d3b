//! potmac: uniform, power-of-two (PoT) and additive power-of-two (APoT) MAC units and systolic
//! arrays, described in Rust, emitted as Verilog, verified on two simulators and measured with
//! Yosys.
//!
//! Pipeline: [`config`] (YAML → validated [`config::Design`]) → [`hw`] (the bit-exact golden
//! models) → [`emit`] (askama views → Verilog, testbench, vectors) → [`tools`] (Verilator,
//! Icarus, Yosys, nextpnr drivers). [`qat`] trains networks whose weights use the same code
//! tables and exports them as integer models and golden vectors; [`deploy`] runs those models
//! on generated arrays; [`cli`] is the command line on top of everything.
//!
//! Layering (each module uses only modules before it in this list; `tests/layering/`
//! rejects any import cycle): [`quant`] (number formats), [`rng`], [`tools`], [`widths`]
//! (datapath widths and product corners, pure arithmetic over `quant`), [`config`], [`hw`],
//! [`emit`], [`qat`], [`deploy`], and [`cli`], which nothing in the library imports.

pub mod cli;
pub mod config;
pub mod deploy;
pub mod emit;
pub mod hw;
pub mod qat;
pub mod quant;
pub mod rng;
pub mod tools;
pub mod widths;
