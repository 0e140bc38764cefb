//! `deferwatch audit`: sender identity per sending IP, joined with the logs' rdns_* replies.
//! Exits as a monitoring plugin: OK all pass, WARNING warn, CRITICAL fail, UNKNOWN when
//! DNS did not answer or the audit could not run.

use anyhow::Result;

use crate::audit::Audit;
use crate::audit::logs::evidence;
use crate::cli::AuditArgs;
use crate::config::AuditConfig;
use crate::error::{ExitCode, error_line};
use crate::load::{History, load};
use crate::output::write_output;
use crate::query::Lookback;
use crate::render::audit::render_audit;

pub fn run(args: AuditArgs) -> ExitCode {
    let ran = AuditConfig::new(args)
        .map_err(anyhow::Error::from)
        .and_then(|config| {
            let audit = audit(&config)?;
            write_output(config.output.as_deref(), |out, color| {
                Ok(render_audit(config.format, &audit, out, color)?)
            })?;
            Ok(audit.exit_code())
        });
    ran.unwrap_or_else(|err| {
        eprintln!("{}", error_line(&err));
        ExitCode::Unknown
    })
}

fn audit(config: &AuditConfig) -> Result<Audit> {
    let logs = match &config.input {
        Some(input) => {
            let scan = load(
                &input.sources,
                History::since(config.window.from, Lookback::NONE),
            )?;
            let logs = evidence(&scan.aggregates, config.window);
            for field in &logs.unparsable {
                eprintln!(
                    "warning: source IP `{field}` in the logs is not an IP address; not audited"
                );
            }
            Some(logs)
        }
        None => None,
    };
    let inputs = config.identity.inputs(logs, config.window);
    Ok(crate::audit::run(&inputs, &config.identity.dns)?)
}
