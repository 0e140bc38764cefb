//! `deferwatch generate`: seeded sample logs with injected incidents and ground truth.

use anyhow::Result;

use crate::generate::{GenerateOptions, generate};

pub fn run(options: GenerateOptions) -> Result<()> {
    let truth = generate(&options)?;
    eprintln!(
        "wrote {} rows in {} files ({} bytes) to {}; ground truth in truth.json and truth-hourly.txt",
        truth.records,
        truth.files.len(),
        truth.bytes,
        options.out.display()
    );
    Ok(())
}
