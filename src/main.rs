//! The `switchboard` command: CLI parsing, logging and exit codes; hands
//! over to the runtime.

mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = cli::Args::parse();
    cli::run(args)
}
