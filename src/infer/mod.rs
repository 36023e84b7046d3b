//! A trained network on the generated accelerator, end to end (`potmac infer`): an exported
//! integer model is compiled into the accelerator's memories ([`program`]), the test images
//! stream through the whole network in RTL simulation in passes of a batch ([`sim`]), and every
//! image's logits, class and every pass's cycle count are compared with the integer model and
//! the analytic cycle model ([`compare`]). On the first disagreement the failing pass is run
//! again with every layer's outputs printed, to name the first layer that differs.

pub mod compare;
pub mod plan;
pub mod program;
pub mod sim;
pub mod usage;

pub use compare::{check_pass, first_bad_layer, Disagreement, Expected};
pub use program::{accel_design, compile, Program};
pub use sim::{parse_output, AccelSim, SimOutput};
pub use usage::{layer_usage, LayerUsage};

/// Errors of `potmac infer` (messages never repeat their `source`: see the crate docs,
/// "Errors"). All of them are input, configuration or tool errors (exit code 2); a hardware
/// result that differs from the integer model is a [`Disagreement`], not an error.
#[derive(Debug, thiserror::Error)]
pub enum InferError {
    /// The model uses something the accelerator does not implement.
    #[error("{0}")]
    Unsupported(String),
    /// The model does not fit the accelerator's memories.
    #[error("{0}")]
    Fit(String),
    /// The derived accelerator design is invalid.
    #[error("deriving the accelerator design")]
    Config(#[from] crate::config::ConfigError),
    /// Writing the run's files failed.
    #[error("writing {path}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    /// A simulator failed to build or run.
    #[error("simulating the accelerator")]
    Tool(#[from] crate::tools::ToolError),
    /// The testbench's output could not be read (or its run ended without a result line).
    #[error("{log}: {message}")]
    Output { log: String, message: String },
}
