//! The fuzz targets' checks (`deferwatch::fuzzing`, run coverage-guided by cargo fuzz in
//! `fuzz/`) on every build, for a bounded time: the inputs of `testdata/`, then mutations of
//! them from a fixed seed, then the inputs fuzzing once crashed on.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use deferwatch::fuzzing;
use deferwatch::generate::Rng;
use deferwatch::read::open::decompress;

/// How long each target runs on mutations, after its seeds.
const MUTATING_FOR: Duration = Duration::from_secs(6);

fn files_under(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files_under(&path, found);
        } else {
            found.push(path);
        }
    }
}

fn content_of(path: &Path) -> Vec<u8> {
    let mut content = Vec::new();
    decompress(Box::new(fs::File::open(path).unwrap()))
        .unwrap()
        .read_to_end(&mut content)
        .unwrap();
    content
}

/// Bytes that fuzzers find trouble with: quotes, separators, line ends, NUL, a BOM, high
/// bytes, digits and the `<>@%` of addresses.
const INTERESTING: &[u8] = b"\"\",\r\n\0\xef\xbb\xbf\xff\x80<>@%=;[]()0123456789 .-:+tT";

/// One mutation of `seed`: a few bytes flipped, inserted, removed or duplicated.
fn mutate(seed: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut data = seed.to_vec();
    for _ in 0..1 + rng.below(8) {
        let at = if data.is_empty() {
            0
        } else {
            rng.below(data.len() + 1)
        };
        match rng.below(5) {
            0 if at < data.len() => data[at] = INTERESTING[rng.below(INTERESTING.len())],
            1 => data.insert(at, INTERESTING[rng.below(INTERESTING.len())]),
            2 if at < data.len() => {
                data.remove(at);
            }
            3 if !data.is_empty() => {
                let from = rng.below(data.len());
                let len = rng.below(64).min(data.len() - from);
                let chunk = data[from..from + len].to_vec();
                data.splice(at.min(data.len())..at.min(data.len()), chunk);
            }
            _ => data.truncate(at),
        }
    }
    data
}

/// Runs `target` on every seed, then on mutations of them for [`MUTATING_FOR`].
fn fuzz(target: fn(&[u8]), seeds: &[Vec<u8>], rng_seed: u64) -> usize {
    for seed in seeds {
        target(seed);
    }
    let mut rng = Rng(rng_seed);
    let start = Instant::now();
    let mut runs = 0;
    while start.elapsed() < MUTATING_FOR {
        let seed = &seeds[rng.below(seeds.len())];
        target(&mutate(seed, &mut rng));
        runs += 1;
    }
    runs
}

fn acct_seeds() -> Vec<Vec<u8>> {
    let mut files = Vec::new();
    files_under(Path::new("testdata/fixtures"), &mut files);
    files_under(Path::new("testdata/sample"), &mut files);
    files
        .iter()
        .filter(|f| f.to_string_lossy().contains(".csv"))
        .map(|f| {
            let mut content = content_of(f);
            content.truncate(16 * 1024);
            content
        })
        .collect()
}

#[test]
fn acct_reader() {
    let runs = fuzz(fuzzing::acct_reader, &acct_seeds(), 1);
    assert!(runs > 100, "only {runs} runs");
}

#[test]
fn reply() {
    let seeds: Vec<Vec<u8>> = fs::read_to_string("testdata/eval/replies.jsonl")
        .unwrap()
        .lines()
        .map(|line| {
            let diag = serde_json::from_str::<serde_json::Value>(line).unwrap()["diag"]
                .as_str()
                .unwrap()
                .to_string();
            format!("John.Doe@example.com\n{diag}").into_bytes()
        })
        .collect();
    let runs = fuzz(fuzzing::reply, &seeds, 2);
    assert!(runs > 100, "only {runs} runs");
}

#[test]
fn pmta_config() {
    let mut files = Vec::new();
    files_under(Path::new("testdata/audit/pmta"), &mut files);
    let mut seeds: Vec<Vec<u8>> = files.iter().map(|f| fs::read(f).unwrap()).collect();
    seeds
        .push(b"include /dev/zero\n<virtual-mta a>\nsmtp-source-host 1.2.3.4 a.example\n".to_vec());
    let runs = fuzz(fuzzing::pmta_config, &seeds, 3);
    assert!(runs > 100, "only {runs} runs");
}

#[test]
fn config_file() {
    let seeds = vec![
        fs::read("testdata/example-config.toml").unwrap(),
        b"[[rule]]\nid = \"x\"\nclass = \"rdns_missing\"\npattern = \"(\"\n".to_vec(),
        b"[[rule]]\nid = \"y\"\nclass = \"other\"\npattern = \".*\"\n".to_vec(),
    ];
    let runs = fuzz(fuzzing::config_file, &seeds, 4);
    assert!(runs > 100, "only {runs} runs");
}

#[test]
fn packed_hour() {
    let cell = |isp, class| deferwatch::store::packed::StoredCell {
        isp,
        source_ip: 300,
        vmta: 2,
        pool: 3,
        kind: 4,
        class,
    };
    let mut seeds = Vec::new();
    for mut cells in [
        vec![],
        vec![(cell(1, 5), 7)],
        vec![(cell(1, 5), 1), (cell(9, 0), 1 << 40)],
    ] {
        let mut seed = vec![cells.len() as u8];
        seed.extend(deferwatch::store::packed::pack(&mut cells));
        seeds.push(seed);
    }
    let runs = fuzz(fuzzing::packed_hour, &seeds, 5);
    assert!(runs > 100, "only {runs} runs");
}

/// Inputs that once hung or crashed a target; crashes fuzzing finds join this list.
/// `include /dev/zero` in a PowerMTA config was read forever, and cargo fuzz found
/// `include ////etc////////?////////*` and `include /*/**/x` walking and reading the
/// whole file system (kernel files that stream without end included).
#[test]
fn inputs_that_must_stay_harmless() {
    fuzzing::pmta_config(b"include /dev/zero\n");
    fuzzing::pmta_config(b"include ////etc////////?////////*\ninclude /*/**//x r\n");
    fuzzing::pmta_config(b"include /proc/*/*\ninclude /sys/kernel/*\n");
}
