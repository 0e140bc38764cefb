//! The `deferwatch` binary: parse arguments, run the command, map the result to an exit code.

use clap::Parser;

use deferwatch::cli::Cli;
use deferwatch::error::ExitCode;

fn main() {
    let cli = Cli::parse();
    let code = match deferwatch::cmd::run(cli) {
        Ok(()) => ExitCode::Success,
        Err(err) => {
            if is_broken_pipe(&err) {
                ExitCode::Success
            } else {
                eprintln!("deferwatch: {err:#}");
                ExitCode::Error
            }
        }
    };
    std::process::exit(code as i32);
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
