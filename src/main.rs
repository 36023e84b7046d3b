//! The `potmac` binary: a thin shell over the library. Exit codes: 0 pass, 1 verification
//! failure (a mismatch, a lint warning, a failed check), 2 usage, config or tool error.

use std::process::ExitCode;

fn main() -> ExitCode {
    potmac::cli::main()
}
