//! Command-line front ends (thin wrappers over the library).

pub mod qat;
