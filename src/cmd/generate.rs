//! `deferwatch generate`: seeded sample logs with injected incidents and ground truth.

use anyhow::Result;
use chrono::NaiveDate;

use crate::cli::GenerateArgs;
use crate::error::Error;
use crate::generate::{GenerateOptions, generate};

pub fn run(args: GenerateArgs) -> Result<()> {
    let end = NaiveDate::parse_from_str(&args.end, "%Y-%m-%d").map_err(|_| {
        Error::Usage(format!(
            "--end `{}` is not a date; write YYYY-MM-DD",
            args.end
        ))
    })?;
    if args.days == 0 {
        return Err(Error::Usage("--days must be at least 1".into()).into());
    }
    let truth = generate(&GenerateOptions {
        out: args.out.clone(),
        days: args.days,
        rows_per_day: args.rows_per_day,
        seed: args.seed,
        end,
        rotate_rows: args.rotate_rows,
        gzip: args.gzip,
        source_ips: args.source_ips,
    })?;
    eprintln!(
        "wrote {} rows in {} files ({} bytes) to {}; ground truth in truth.json and truth-hourly.txt",
        truth.records,
        truth.files.len(),
        truth.bytes,
        args.out.display()
    );
    Ok(())
}
