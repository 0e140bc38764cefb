//! The `deferwatch` binary: parse arguments, run the command, map the result to an exit code.

use clap::Parser;

use deferwatch::cli::Cli;
use deferwatch::error::{ExitCode, error_line};

fn main() {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // A monitoring system runs `check`: whatever is wrong, it gets a plugin result.
        Err(err) if err.use_stderr() && subcommand_is("check") => {
            let rendered = err.render().to_string();
            let reason = rendered
                .lines()
                .next()
                .unwrap_or_default()
                .trim_start_matches("error: ");
            let hint = "see `deferwatch check --help`";
            deferwatch::cmd::print_plugin_result(
                ExitCode::Unknown,
                &[format!("{reason}; {hint}"), rendered.trim_end().to_string()],
            );
            std::process::exit(ExitCode::Unknown.code());
        }
        // Help and version go to stdout and exit 0; a usage error is an error like any
        // other (exit 1), and for `audit`, whose 2 means "fail", it is unknown (3).
        Err(err) if !err.use_stderr() => err.exit(),
        Err(err) => {
            let _ = err.print();
            let code = if subcommand_is("audit") {
                ExitCode::Unknown
            } else {
                ExitCode::Error
            };
            std::process::exit(code.code());
        }
    };
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

/// Whether the command line asks for the subcommand `name`.
fn subcommand_is(name: &str) -> bool {
    std::env::args_os().nth(1).is_some_and(|arg| arg == name)
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
