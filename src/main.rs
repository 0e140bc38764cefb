//! The `deferwatch` binary: parse arguments, run the command, map the result to an exit code.

use clap::Parser;

use deferwatch::cli::Cli;
use deferwatch::error::ExitCode;

fn main() {
    let cli = Cli::parse();
    let code = match deferwatch::cmd::run(cli) {
        Ok(code) => code,
        Err(err) => {
            if is_broken_pipe(&err) {
                ExitCode::Success as i32
            } else {
                eprintln!("deferwatch: {err:#}");
                ExitCode::Error as i32
            }
        }
    };
    std::process::exit(code);
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
