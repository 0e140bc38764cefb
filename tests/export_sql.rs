//! The Parquet export is the way into DuckDB, Spark and Trino for fleets beyond one
//! machine: the SQL shipped for the daily review's ISP table (docs/sql/daily-isp.sql), run
//! by DuckDB over the export, gives `report`'s numbers.

mod common;

use std::path::Path;
use std::process::Command;

use common::{ingest_quietly, run_ok};
use tempfile::TempDir;

/// Whether DuckDB's Python module is installed; `.ci/run` installs it and sets
/// DEFERWATCH_REQUIRE_DUCKDB so that CI never skips.
fn have_duckdb() -> bool {
    let found = Command::new("python3")
        .args(["-c", "import duckdb"])
        .status()
        .is_ok_and(|s| s.success());
    if !found && std::env::var_os("DEFERWATCH_REQUIRE_DUCKDB").is_some() {
        panic!("DuckDB's Python module is not installed (python3 -m pip install duckdb)");
    }
    if !found {
        eprintln!("skipped: no DuckDB (bash .ci/run installs it)");
    }
    found
}

/// The rows of docs/sql/daily-isp.sql over the Parquet files `glob`, for `day`, as JSON.
fn duckdb_isp_table(glob: &str, day: &str) -> Vec<serde_json::Value> {
    let script = r#"
import duckdb, json, sys
con = duckdb.connect()
con.execute("SET VARIABLE deferwatch_parquet = " + repr(sys.argv[1]))
con.execute("SET VARIABLE deferwatch_day = DATE " + repr(sys.argv[2]))
cur = con.execute(open("docs/sql/daily-isp.sql").read())
names = [d[0] for d in cur.description]
print(json.dumps([dict(zip(names, row)) for row in cur.fetchall()]))
"#;
    let out = Command::new("python3")
        .args(["-c", script, glob, day])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn the_shipped_sql_over_the_parquet_export_gives_the_reviews_isp_table() {
    if !have_duckdb() {
        return;
    }
    let dir = TempDir::new().unwrap();
    let logs = dir.path().join("logs");
    run_ok(&[
        "generate",
        "--out",
        path(&logs),
        "--days",
        "16",
        "--rows-per-day",
        "4000",
        "--source-ips",
        "40",
        "--seed",
        "11",
    ]);
    let store = dir.path().join("s.db");
    ingest_quietly(&store, &[path(&logs)]);
    let parquet = dir.path().join("parquet");
    run_ok(&[
        "export",
        "--store",
        path(&store),
        "--format",
        "parquet",
        "--out",
        path(&parquet),
    ]);
    let glob = format!("{}/*/*.parquet", parquet.display());
    let days = days_of(&parquet);
    // The second day (one day of history), one in the middle, and the last.
    for day in [&days[1], &days[days.len() / 2], &days[days.len() - 1]] {
        let review: serde_json::Value = serde_json::from_str(&run_ok(&[
            "report",
            "--format",
            "json",
            "--tz",
            "UTC",
            "--day",
            day,
            "--store",
            path(&store),
        ]))
        .unwrap();
        let isps = review["isps"].as_array().unwrap();
        let sql = duckdb_isp_table(&glob, day);
        assert_eq!(sql.len(), isps.len(), "{day}: {sql:?}");
        for (row, group) in sql.iter().zip(isps) {
            assert_eq!(row["isp"], group["isp"], "{day}");
            for count in [
                "attempts",
                "delivered",
                "deferred",
                "bounced",
                "queue_deferrals",
            ] {
                assert_eq!(row[count], group[count], "{day} {} {count}", group["isp"]);
            }
            for rate in [
                "deferral_rate",
                "bounce_rate",
                "prev_day_deferral_rate",
                "rolling_7d_deferral_rate",
            ] {
                let (a, b) = (row[rate].as_f64(), group[rate].as_f64());
                let same = match (a, b) {
                    (Some(a), Some(b)) => (a - b).abs() < 1e-12,
                    (a, b) => a == b,
                };
                assert!(
                    same,
                    "{day} {} {rate}: SQL {a:?}, report {b:?}",
                    group["isp"]
                );
            }
        }
    }
}

/// The UTC days of an export, from its partitions.
fn days_of(parquet: &Path) -> Vec<String> {
    let mut days: Vec<String> = std::fs::read_dir(parquet)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().replace("day=", ""))
        .collect();
    days.sort();
    days
}
