//! The `deferwatch` binary: parse arguments, run the command, map the result to an exit code.

use clap::Parser;

use deferwatch::cli::Cli;
use deferwatch::error::{ExitCode, error_line};

fn main() {
    let cli = Cli::parse();
    let code = match deferwatch::cmd::run(cli) {
        Ok(code) => code,
        Err(err) if is_broken_pipe(&err) => ExitCode::Success,
        Err(err) => {
            eprintln!("{}", error_line(&err));
            ExitCode::Error
        }
    };
    std::process::exit(code.code());
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
