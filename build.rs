//! Links the `deferwatch` binary as a position-dependent executable on Linux.
//!
//! A position-independent one makes the loader patch about 130,000 pointers of the
//! binary's data at every start (polars, the time-zone tables): 2.4 ms of a 20 ms report
//! on a small file, measured with `benches/startup.sh`. A fixed load address is what Go
//! builds by default; shared libraries, the heap and the stack keep their randomisation.

fn main() {
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let env = std::env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    if os == "linux" && env == "gnu" {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
