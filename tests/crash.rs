//! Crash safety: `ingest` is killed (SIGKILL) at random points, many times, while the logs
//! are appended to, rotated and compressed; then it runs to the end. The store must hold
//! exactly the counts of one clean read of the same bytes.
//!
//! `DEFERWATCH_KILLS` sets the number of kill cycles (default 40).

mod common;

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{run_ok, sample_lines};
use tempfile::TempDir;

/// A small seeded generator, so a failing sequence can be replayed (`DEFERWATCH_SEED`).
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

/// What PowerMTA and logrotate do to the log directory, one step at a time.
struct LogWriter {
    dir: PathBuf,
    header: String,
    /// Every byte of rows still to write, in order.
    pending: String,
    written_in_file: usize,
    rotations: usize,
    /// A rotated plain file waiting to be compressed, then deleted.
    rotated: Option<PathBuf>,
    compressed: bool,
}

impl LogWriter {
    fn live(&self) -> PathBuf {
        self.dir.join("acct.csv")
    }

    fn append(&mut self, bytes: usize) {
        let live = self.live();
        let mut file = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&live)
            .unwrap();
        if self.written_in_file == 0 {
            file.write_all(self.header.as_bytes()).unwrap();
        }
        let n = bytes.min(self.pending.len());
        let n = (n..=self.pending.len())
            .find(|&i| self.pending.is_char_boundary(i))
            .unwrap();
        file.write_all(&self.pending.as_bytes()[..n]).unwrap();
        self.pending.drain(..n);
        self.written_in_file += n;
    }

    /// Finishes the row being written (PowerMTA rotates between rows).
    fn finish_row(&mut self) {
        let end = self
            .pending
            .find('\n')
            .map_or(self.pending.len(), |i| i + 1);
        if self.written_in_file > 0 && end > 0 {
            self.append(end);
        }
    }

    /// Takes the next step of rotation: rename, compress (keeping the plain file a moment,
    /// as logrotate does), delete the plain copy.
    fn rotate_step(&mut self) {
        match (&self.rotated, self.compressed) {
            (None, _) => {
                self.finish_row();
                if self.written_in_file == 0 {
                    return;
                }
                self.rotations += 1;
                let to = self.dir.join(format!("acct-{:04}.csv", self.rotations));
                fs::rename(self.live(), &to).unwrap();
                self.rotated = Some(to);
                self.written_in_file = 0;
            }
            (Some(plain), false) => {
                let gz = PathBuf::from(format!("{}.gz", plain.display()));
                let mut encoder = flate2::write::GzEncoder::new(
                    fs::File::create(&gz).unwrap(),
                    flate2::Compression::fast(),
                );
                encoder.write_all(&fs::read(plain).unwrap()).unwrap();
                encoder.finish().unwrap();
                self.compressed = true;
            }
            (Some(plain), true) => {
                fs::remove_file(plain).unwrap();
                self.rotated = None;
                self.compressed = false;
            }
        }
    }
}

/// The number in the environment variable `name` (a test's knob), or `default`.
fn from_env<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn deferwatch_bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("deferwatch")
}

#[test]
fn killed_ingests_never_lose_or_double_count() {
    let kills: usize = from_env("DEFERWATCH_KILLS", 40);
    let seed: u64 = from_env("DEFERWATCH_SEED", 7);
    let mut rng = Rng(seed);
    let tmp = TempDir::new().unwrap();
    let logs = tmp.path().join("logs");
    fs::create_dir(&logs).unwrap();
    let store = tmp.path().join("s.db");
    let lines = sample_lines(4);
    let (header, rows) = lines.split_first().unwrap();
    let header = header.clone();
    let total: usize = rows.iter().map(String::len).sum();
    let mut writer = LogWriter {
        dir: logs.clone(),
        header,
        pending: rows.concat(),
        written_in_file: 0,
        rotations: 0,
        rotated: None,
        compressed: false,
    };
    let step = total / kills.max(1) + 1;
    let mut interrupted = 0;
    for cycle in 0..kills {
        if writer.rotated.is_some() || rng.below(4) == 0 {
            writer.rotate_step();
        }
        writer.append(step / 2 + rng.below(step as u64) as usize);
        let mut child = Command::new(deferwatch_bin())
            .args(["ingest", "--quiet", "--store"])
            .arg(&store)
            .arg(&logs)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        if cycle % 8 == 7 {
            child.wait().unwrap();
            continue;
        }
        std::thread::sleep(Duration::from_micros(rng.below(40_000)));
        if child.try_wait().unwrap().is_none() {
            interrupted += 1;
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
    }
    // The rest of the logs, then ingests that run to their end.
    writer.append(usize::MAX);
    while writer.rotated.is_some() {
        writer.rotate_step();
    }
    for _ in 0..2 {
        let args = [
            "ingest",
            "--quiet",
            "--store",
            store.to_str().unwrap(),
            logs.to_str().unwrap(),
        ];
        run_ok(&args);
    }
    eprintln!(
        "{kills} kill cycles, {interrupted} ingests killed while running, {} rotations",
        writer.rotations
    );
    assert!(
        interrupted > 0,
        "no ingest was killed while running: the test proved nothing"
    );
    let by = "isp,source_ip,vmta,pool,class";
    let from_store = run_ok(&["hourly", "--by", by, "--store", store.to_str().unwrap()]);
    let clean = run_ok(&["hourly", "--by", by, logs.to_str().unwrap()]);
    assert_eq!(from_store, clean);
    assert_rows_match(&logs, &store);
}

/// The row totals agree too (not only the hourly view).
fn assert_rows_match(logs: &Path, store: &Path) {
    let total = |args: &[&str]| -> serde_json::Value {
        let r: serde_json::Value = serde_json::from_str(&run_ok(
            &[&["report", "--format", "json"][..], args].concat(),
        ))
        .unwrap();
        r["input"]["rows"].clone()
    };
    assert_eq!(
        total(&["--store", store.to_str().unwrap()]),
        total(&[logs.to_str().unwrap()])
    );
}

/// An ingest killed while it writes (SIGKILL, the OOM killer, a reboot) left a hot rollback
/// journal, and every `report`/`check --store` failed with "attempt to write a readonly
/// database" until the next ingest. Readers must see the last committed ingest at once.
#[test]
fn readers_see_the_last_commit_after_an_ingest_is_killed() {
    // At most this many kills, until three landed while the ingest was writing.
    let kills: u64 = from_env("DEFERWATCH_READER_KILLS", 60);
    let mut rng = Rng(11);
    let tmp = TempDir::new().unwrap();
    let logs = tmp.path().join("logs");
    let out = logs.to_str().unwrap();
    // A fleet of 2,000 IPs: enough cells that the write takes a while.
    run_ok(&[
        "generate",
        "--days",
        "8",
        "--rows-per-day",
        "30000",
        "--source-ips",
        "2000",
        "--scenario",
        "quiet",
        "--out",
        out,
    ]);
    let later = tmp.path().join("later");
    fs::create_dir(&later).unwrap();
    for day in 28..=31 {
        for kind in ["acct", "diag"] {
            let name = format!("{kind}-2026-10-{day}-0000.csv");
            fs::rename(logs.join(&name), later.join(&name)).unwrap();
        }
    }
    let store = tmp.path().join("s.db");
    let store_name = store.to_str().unwrap();
    let ingest = |paths: &[&Path]| {
        let mut command = Command::new(deferwatch_bin());
        command
            .args([
                "ingest",
                "--quiet",
                "--allow-short-history",
                "--keep-days",
                "30",
                "--store",
            ])
            .arg(&store)
            .args(paths)
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        command
    };
    assert!(ingest(&[&logs]).status().unwrap().success());
    let view = |store: &Path| {
        let store = store.to_str().unwrap();
        let hourly = Command::new(deferwatch_bin())
            .args(["hourly", "--by", "isp,class", "--store", store])
            .output()
            .unwrap();
        let check = Command::new(deferwatch_bin())
            .args(["check", "--day", "2026-10-30", "--store", store])
            .output()
            .unwrap();
        assert!(
            hourly.status.success(),
            "hourly --store failed: {}",
            String::from_utf8_lossy(&hourly.stderr)
        );
        (hourly.stdout, check.stdout, check.status.code())
    };
    let before = view(&store);
    // The state after a whole ingest of the later days (into a copy), and how long it
    // takes: the kills aim at its end, where it writes.
    let copy = tmp.path().join("copy.db");
    fs::copy(&store, &copy).unwrap();
    let started = std::time::Instant::now();
    let timed = Command::new(deferwatch_bin())
        .args([
            "ingest",
            "--quiet",
            "--allow-short-history",
            "--keep-days",
            "30",
            "--store",
        ])
        .arg(&copy)
        .arg(&logs)
        .arg(&later)
        .status()
        .unwrap();
    assert!(timed.success());
    let whole = started.elapsed().as_micros() as u64;
    let after = view(&copy);
    assert_ne!(before.0, after.0);
    let reset = || {
        for suffix in ["", "-wal", "-shm"] {
            fs::remove_file(format!("{store_name}{suffix}")).ok();
        }
        assert!(ingest(&[&logs]).status().unwrap().success());
    };
    let wal_state = || {
        fs::metadata(format!("{store_name}-wal"))
            .map(|m| (m.len(), m.modified().unwrap()))
            .ok()
    };
    let (mut killed_while_writing, mut attempts) = (0, 0);
    let mut delay = whole * 7 / 10;
    while killed_while_writing < 3 && attempts < kills {
        attempts += 1;
        let wal_before = wal_state();
        let mut child = ingest(&[&logs, &later]).spawn().unwrap();
        std::thread::sleep(Duration::from_micros(
            delay * 9 / 10 + rng.below(delay / 5 + 1),
        ));
        if child.try_wait().unwrap().is_some() {
            // It finished: aim earlier, from the state before it.
            child.wait().unwrap();
            delay = delay * 85 / 100;
            reset();
            continue;
        }
        child.kill().unwrap();
        child.wait().unwrap();
        let wrote = wal_state() != wal_before;
        // No ingest in between: the readers see the last committed state, whole.
        let seen = view(&store);
        if seen == after {
            // Killed after its commit: the ingest was complete.
            delay = delay * 85 / 100;
            reset();
            continue;
        }
        assert_eq!(
            seen, before,
            "neither the state before the ingest nor after it"
        );
        if wrote {
            killed_while_writing += 1;
        } else {
            delay = delay * 110 / 100;
        }
    }
    eprintln!("{attempts} kills, {killed_while_writing} while the ingest was writing");
    assert!(
        killed_while_writing > 0,
        "no ingest was killed while writing: the test proved nothing"
    );
    // The next complete ingest holds every row once.
    assert!(ingest(&[&logs, &later]).status().unwrap().success());
    let by = "isp,source_ip,class";
    let from_store = run_ok(&["hourly", "--by", by, "--store", store_name]);
    let all = tmp.path().join("all");
    fs::rename(&later, &all).unwrap();
    let clean = run_ok(&["hourly", "--by", by, out, all.to_str().unwrap()]);
    assert_eq!(from_store, clean);
}
