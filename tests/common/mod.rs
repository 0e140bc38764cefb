//! Helpers shared by the integration tests.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// Runs the binary with `args`, asserts it succeeded, and returns its stdout.
pub fn run_ok(args: &[&str]) -> String {
    let out = Command::cargo_bin("deferwatch")
        .unwrap()
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Ingests `inputs` into the store at `store`, without progress output.
#[allow(dead_code, reason = "not every test binary uses it")]
pub fn ingest_quietly(store: &Path, inputs: &[&str]) {
    let store = store.to_str().unwrap();
    run_ok(&[&["ingest", "--quiet", "--store", store][..], inputs].concat());
}

/// Lines of the shipped sample's last `days` days up to 2026-10-31 (acct and diag files,
/// decompressed, in name order): one header, then every row, each with its newline.
#[allow(dead_code, reason = "not every test binary uses it")]
pub fn sample_lines(days: u32) -> Vec<String> {
    let mut names: Vec<PathBuf> = fs::read_dir("testdata/sample")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".csv.gz") && in_last_days(p, days))
        .collect();
    names.sort();
    let mut lines = Vec::new();
    for name in &names {
        let mut text = String::new();
        flate2::read::MultiGzDecoder::new(fs::File::open(name).unwrap())
            .read_to_string(&mut text)
            .unwrap();
        let mut file_lines = text.split_inclusive('\n').map(str::to_string);
        let header = file_lines.next().unwrap();
        if lines.is_empty() {
            lines.push(header);
        }
        lines.extend(file_lines);
    }
    lines
}

/// Whether a sample file (`acct-2026-10-31-0000.csv.gz`) is from the last `days` days.
#[allow(dead_code, reason = "used by sample_lines only")]
fn in_last_days(path: &Path, days: u32) -> bool {
    let name = path.file_name().unwrap().to_string_lossy();
    let day: u32 = name[13..15].parse().unwrap();
    &name[5..12] == "2026-10" && day > 31 - days
}
