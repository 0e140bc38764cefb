//! The hourly aggregates as Parquet files partitioned by UTC day (`day=YYYY-MM-DD/`), the
//! Hive layout DuckDB, Spark and Trino read directly.

use std::fs::File;
use std::path::{Path, PathBuf};

use polars::prelude::*;

use super::frame::{cells_frame, cols};
use crate::aggregate::Aggregates;
use crate::error::Error;
use crate::timefmt::day_string;

/// One Parquet file written.
#[derive(Debug, Clone)]
pub struct Written {
    pub path: PathBuf,
    pub rows: usize,
}

/// Writes one `day=YYYY-MM-DD/part-0.parquet` per UTC day under `out`, replacing the files
/// of those days. Columns: `hour` (the hour's start, a UTC timestamp without zone), `isp`, `source_ip`, `vmta`, `pool`,
/// `class` (null on delivered rows), `delivered`, `deferred`, `bounced`, `queue_deferrals`.
pub fn export_parquet(aggregates: &Aggregates, out: &Path) -> Result<Vec<Written>, Error> {
    let cells = cells_frame(aggregates)?.with_names()?;
    let hour_ms = (col(cols::HOUR) * lit(3_600_000i64))
        .cast(DataType::Datetime(
            TimeUnit::Milliseconds,
            Some(TimeZone::UTC),
        ))
        .alias(cols::HOUR);
    let cells = cells
        .lazy()
        .with_column(hour_ms)
        .sort([cols::HOUR, cols::ISP, cols::SOURCE_IP], Default::default())
        .collect()?;
    let mut days: Vec<i32> = cells.column(cols::DAY)?.i32()?.iter().flatten().collect();
    days.sort_unstable();
    days.dedup();
    let mut written = Vec::new();
    for day in days {
        let mut part = cells
            .clone()
            .lazy()
            .filter(col(cols::DAY).eq(lit(day)))
            .drop(by_name([cols::DAY], true, false))
            .collect()?;
        let dir = out.join(format!("day={}", day_string(i64::from(day))));
        let path = dir.join("part-0.parquet");
        write_file(&dir, &path, &mut part).map_err(|source| Error::Io {
            path: path.display().to_string(),
            source,
        })?;
        written.push(Written {
            path,
            rows: part.height(),
        });
    }
    Ok(written)
}

/// Writes through a temporary file renamed into place, so readers never see half a file.
fn write_file(dir: &Path, path: &Path, frame: &mut DataFrame) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let temp = dir.join(format!(".part-0.parquet.tmp-{}", std::process::id()));
    let file = File::create(&temp)?;
    ParquetWriter::new(file)
        .finish(frame)
        .map_err(std::io::Error::other)?;
    std::fs::rename(&temp, path)
}
