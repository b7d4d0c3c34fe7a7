//! The `iotlabel` command line: a thin shell over the library.

use std::process::ExitCode;

mod cli;

fn main() -> ExitCode {
    cli::run()
}
