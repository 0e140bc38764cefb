//! Helpers shared by the integration tests.

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
