//! The `iotlabel` command line: a thin shell over the library.

use std::process::ExitCode;

mod cli;

// mimalloc, not glibc's malloc: `iotlabel issue` allocates on every core at once, and glibc's
// malloc/free took about a quarter of a 1000-label batch's CPU (perf, issue 14); figures in
// README ("Batch issuing").
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    cli::run()
}
