//! The sender identity audit against a real authoritative DNS server (Knot DNS) on
//! 127.0.0.1 serving `testdata/audit/*.zone`: one sending IP per outcome, each reported
//! exactly. Also a server that never answers. No traffic leaves loopback.

use std::collections::BTreeMap;
use std::net::{TcpListener, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command as Process, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::Command;
use serde_json::Value;
use tempfile::TempDir;

const ZONES: [&str; 3] = [
    "example.test",
    "113.0.203.in-addr.arpa",
    "8.b.d.0.1.0.0.2.ip6.arpa",
];

/// A knotd serving the test zones on a free loopback port; stopped when dropped.
struct Knot {
    child: Child,
    port: u16,
    _dir: TempDir,
}

impl Drop for Knot {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn knotd() -> Option<PathBuf> {
    ["/usr/sbin/knotd", "/usr/local/sbin/knotd"]
        .into_iter()
        .map(PathBuf::from)
        .find(|path| path.exists())
}

/// A port free for both UDP and TCP on 127.0.0.1 (at the time of asking).
fn free_port() -> u16 {
    loop {
        let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
        let port = udp.local_addr().unwrap().port();
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}

/// A DNS query for the SOA of `example.test` (RD set), to see whether the server answers.
fn soa_query() -> Vec<u8> {
    let mut packet = vec![0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0];
    for label in ["example", "test"] {
        packet.push(label.len() as u8);
        packet.extend_from_slice(label.as_bytes());
    }
    packet.extend_from_slice(&[0, 0, 6, 0, 1]);
    packet
}

fn answers_on(port: u16) -> bool {
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    socket
        .set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    socket.send_to(&soa_query(), ("127.0.0.1", port)).unwrap();
    let mut reply = [0u8; 512];
    socket
        .recv(&mut reply)
        .is_ok_and(|n| n >= 12 && reply[..2] == [0x12, 0x34])
}

fn start_knot(knotd: &Path) -> Knot {
    let zones = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/audit");
    for _ in 0..5 {
        let dir = TempDir::new().unwrap();
        let port = free_port();
        std::fs::create_dir(dir.path().join("db")).unwrap();
        let zone_list: String = ZONES.iter().map(|z| format!("  - domain: {z}\n")).collect();
        // The zone files are only read: no journal, never written back.
        let config = format!(
            "server:\n    rundir: \"{run}\"\n    listen: 127.0.0.1@{port}\n    pidfile: \"{run}/knot.pid\"\n\
             log:\n  - target: stderr\n    any: warning\n\
             database:\n    storage: \"{run}/db\"\n\
             template:\n  - id: default\n    storage: \"{zones}\"\n    file: \"%s.zone\"\n    journal-content: none\n    zonefile-sync: -1\n    zonefile-load: whole\n\
             zone:\n{zone_list}",
            run = dir.path().display(),
            zones = zones.display(),
        );
        let config_path = dir.path().join("knot.conf");
        std::fs::write(&config_path, config).unwrap();
        let child = Process::new(knotd)
            .arg("-c")
            .arg(&config_path)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut knot = Knot {
            child,
            port,
            _dir: dir,
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if answers_on(port) {
                return knot;
            }
            if knot.child.try_wait().unwrap().is_some() {
                break; // the port was taken meanwhile: try another
            }
        }
    }
    panic!("knotd did not start serving the test zones");
}

/// The test server, or `None` (with a note) where Knot is not installed; `.ci/run` installs
/// it and sets DEFERWATCH_REQUIRE_KNOT so that CI never skips.
fn knot() -> Option<Knot> {
    match knotd() {
        Some(path) => Some(start_knot(&path)),
        None if std::env::var_os("DEFERWATCH_REQUIRE_KNOT").is_some() => {
            panic!("knotd is not installed (apt-get install knot)")
        }
        None => {
            eprintln!("skipped: no knotd installed (bash .ci/run installs it)");
            None
        }
    }
}

fn audit(port: u16, args: &[&str]) -> (i32, String) {
    let resolver = format!("127.0.0.1:{port}");
    let output = Command::cargo_bin("deferwatch")
        .unwrap()
        .args(["audit", "--resolver", &resolver])
        .args(args)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.is_empty() || !stderr.contains("error"),
        "stderr: {stderr}"
    );
    (
        output.status.code().unwrap(),
        String::from_utf8(output.stdout).unwrap(),
    )
}

/// IP -> (verdict, the verdicts of its checks that are not skipped).
fn verdicts(json: &Value) -> BTreeMap<String, (String, BTreeMap<String, String>)> {
    json["ips"]
        .as_array()
        .unwrap()
        .iter()
        .map(|ip| {
            let checks = ip["checks"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|c| c["verdict"] != "skip")
                .map(|c| {
                    (
                        c["id"].as_str().unwrap().to_string(),
                        c["verdict"].as_str().unwrap().to_string(),
                    )
                })
                .collect();
            (
                ip["ip"].as_str().unwrap().to_string(),
                (ip["verdict"].as_str().unwrap().to_string(), checks),
            )
        })
        .collect()
}

fn expect(
    verdict: &str,
    not_pass: &[(&str, &str)],
    checked: &[&str],
) -> (String, BTreeMap<String, String>) {
    let mut checks: BTreeMap<String, String> = checked
        .iter()
        .map(|id| (id.to_string(), "pass".to_string()))
        .collect();
    for (id, v) in not_pass {
        checks.insert(id.to_string(), v.to_string());
    }
    (verdict.to_string(), checks)
}

const ALL: &[&str] = &[
    "ptr",
    "ptr_generic",
    "fcrdns",
    "ehlo_match",
    "ehlo_resolves",
    "shared_ehlo",
    "in_config",
    "rdns_replies",
];

#[test]
fn audit_reports_each_outcome_of_the_test_zones_exactly() {
    let Some(server) = knot() else { return };
    let (code, out) = audit(
        server.port,
        &[
            "--pmta-config",
            "testdata/audit/pmta/config",
            "--format",
            "json",
            "testdata/audit/acct-audit.csv",
        ],
    );
    let json: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(code, 2, "a failing IP gives exit 2");
    let without = |skipped: &[&str]| -> Vec<&str> {
        ALL.iter()
            .copied()
            .filter(|id| !skipped.contains(id))
            .collect()
    };
    let no_ptr = without(&["ptr_generic", "fcrdns", "ehlo_match"]);
    let no_ehlo = without(&["ehlo_match", "ehlo_resolves", "shared_ehlo"]);
    let expected = BTreeMap::from([
        ("203.0.113.10".to_string(), expect("pass", &[], ALL)),
        (
            "203.0.113.11".to_string(),
            expect(
                "fail",
                &[("ptr", "fail"), ("rdns_replies", "warn")],
                &no_ptr,
            ),
        ),
        (
            "203.0.113.12".to_string(),
            expect("warn", &[("ptr", "warn")], ALL),
        ),
        (
            "203.0.113.13".to_string(),
            expect("warn", &[("ptr_generic", "warn")], ALL),
        ),
        (
            "203.0.113.14".to_string(),
            expect("fail", &[("fcrdns", "fail")], ALL),
        ),
        (
            "203.0.113.15".to_string(),
            expect("warn", &[("ehlo_match", "warn")], ALL),
        ),
        ("203.0.113.16".to_string(), expect("pass", &[], ALL)),
        (
            "203.0.113.17".to_string(),
            expect(
                "warn",
                &[("ehlo_match", "warn"), ("shared_ehlo", "warn")],
                ALL,
            ),
        ),
        (
            "203.0.113.18".to_string(),
            expect(
                "fail",
                &[("ehlo_match", "warn"), ("ehlo_resolves", "fail")],
                ALL,
            ),
        ),
        (
            "203.0.113.19".to_string(),
            expect("warn", &[("rdns_replies", "warn")], ALL),
        ),
        (
            "203.0.113.20".to_string(),
            expect("warn", &[("in_config", "warn")], &no_ehlo),
        ),
        ("2001:db8::10".to_string(), expect("pass", &[], ALL)),
        (
            "2001:db8::25".to_string(),
            expect("fail", &[("ptr", "fail")], &no_ptr),
        ),
    ]);
    let got = verdicts(&json);
    for (ip, want) in &expected {
        assert_eq!(got.get(ip), Some(want), "{ip}");
    }
    assert_eq!(got.len(), expected.len());

    let by_ip = |ip: &str| {
        json["ips"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["ip"] == ip)
            .unwrap()
            .clone()
    };
    let missing = by_ip("203.0.113.11");
    assert_eq!(
        missing["summary"],
        "no PTR; 48 rdns_missing deferrals and 1 bounce at gmail and microsoft since 2026-10-20"
    );
    assert_eq!(
        missing["checks"][0]["dig"][0],
        format!("dig @127.0.0.1 -p {} -x 203.0.113.11 +short", server.port)
    );
    let fixed = by_ip("203.0.113.19");
    assert!(
        fixed["summary"]
            .as_str()
            .unwrap()
            .starts_with("DNS looks right now, yet 2 rdns_mismatch deferrals at gmail"),
        "{fixed}"
    );
    let v6 = by_ip("2001:db8::25");
    let explanation = v6["checks"][0]["explanation"].as_str().unwrap();
    assert!(
        explanation.contains("ip6.arpa NXDOMAIN") && explanation.contains("disable IPv6 sending"),
        "{explanation}"
    );
    assert_eq!(by_ip("203.0.113.12")["ptr"].as_array().unwrap().len(), 2);
    assert_eq!(by_ip("203.0.113.17")["pools"][0], "pool-b");
    assert_eq!(
        json["totals"],
        serde_json::json!({"pass": 3, "warn": 6, "unknown": 0, "fail": 4})
    );
}

#[test]
fn audit_output_formats_snapshots() {
    let Some(server) = knot() else { return };
    let port = server.port.to_string();
    for format in ["table", "markdown", "html"] {
        let (code, out) = audit(
            server.port,
            &[
                "--pmta-config",
                "testdata/audit/pmta/config",
                "--format",
                format,
                "testdata/audit/acct-audit.csv",
            ],
        );
        assert_eq!(code, 2);
        // The server's port changes from run to run.
        let out = out.replace(&format!("127.0.0.1:{port}"), "127.0.0.1:PORT");
        let out = out.replace(&format!("-p {port} "), "-p PORT ");
        insta::assert_snapshot!(format!("audit_{format}"), out);
    }
}

#[test]
fn audit_of_hand_given_ips_and_its_exit_codes() {
    let Some(server) = knot() else { return };
    let (code, out) = audit(server.port, &["--ip", "203.0.113.10=MTA10.example.test."]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("pass    203.0.113.10  all checks pass"),
        "{out}"
    );
    let (code, out) = audit(
        server.port,
        &["--ip", "203.0.113.13", "--format", "markdown"],
    );
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("| 203.0.113.13 | warn | ip-203-0-113-13.example.test |"),
        "{out}"
    );
    let (code, out) = audit(server.port, &["--ip", "203.0.113.14", "--format", "html"]);
    assert_eq!(code, 2);
    assert!(
        out.contains("<section id=\"identity\">") && out.contains("203.0.113.99, not 203.0.113.14")
    );
}

#[test]
fn the_daily_review_ends_with_the_identity_audit() {
    let Some(server) = knot() else { return };
    let resolver = format!("127.0.0.1:{}", server.port);
    let review = |format: &str| {
        let output = Command::cargo_bin("deferwatch")
            .unwrap()
            .args(["report", "--format", format, "--resolver", &resolver])
            .args([
                "--pmta-config",
                "testdata/audit/pmta/config",
                "testdata/sample",
            ])
            .output()
            .unwrap();
        assert!(output.status.success(), "{output:?}");
        String::from_utf8(output.stdout).unwrap()
    };
    let json: Value = serde_json::from_str(&review("json")).unwrap();
    let identity = &json["identity"];
    assert_eq!(identity["from"], "2026-10-25T00:00:00Z");
    assert_eq!(identity["to"], "2026-11-01T00:00:00Z");
    // The sample's injected incident: 203.0.113.14 loses its PTR at gmail and microsoft.
    let lost = identity["ips"]
        .as_array()
        .unwrap()
        .iter()
        .find(|ip| ip["ip"] == "203.0.113.14")
        .unwrap();
    let summary = lost["summary"].as_str().unwrap();
    assert!(
        summary.starts_with("FCrDNS fails; ")
            && summary.contains("rdns_missing deferrals at gmail and microsoft"),
        "{summary}"
    );
    assert!(review("markdown").contains("## Sender identity"));
    assert!(review("html").contains("<section id=\"identity\">"));
    let table = review("table");
    assert!(table.contains("Sender identity: 12 IP(s)"), "{table}");
    // The section fits 80 columns, but for dig commands and words longer than a line.
    let section = &table[table.find("Sender identity:").unwrap()..table.find("\nInput").unwrap()];
    for line in section.lines() {
        let fits = line.chars().count() <= 80
            || line.contains("$ dig")
            || line.split_whitespace().count() == 1;
        assert!(fits, "{line}");
    }
}

#[test]
fn check_counts_identity_failures() {
    let Some(server) = knot() else { return };
    let resolver = format!("127.0.0.1:{}", server.port);
    let output = Command::cargo_bin("deferwatch")
        .unwrap()
        .args([
            "check",
            "--resolver",
            &resolver,
            "--ip",
            "203.0.113.10=mta10.example.test",
        ])
        .arg("testdata/audit/acct-audit.csv")
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    // The logs' 203.0.113.11 has no PTR: CRITICAL, named in the summary and the details.
    assert_eq!(output.status.code(), Some(2), "{stdout}");
    assert!(
        stdout.starts_with("DEFERWATCH CRITICAL - 2026-10-30: 203.0.113.11 no PTR"),
        "{stdout}"
    );
    assert!(
        stdout.contains("alert: 203.0.113.11: no PTR; 28 rdns_missing deferrals"),
        "{stdout}"
    );
    assert!(!stdout.contains("203.0.113.10:"), "{stdout}");
}

#[test]
fn a_server_that_never_answers_gives_unknown_per_ip_and_the_run_finishes() {
    // Bound and never read: queries go unanswered until they time out.
    let silent = UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let _tcp = TcpListener::bind(("127.0.0.1", port));
    let started = Instant::now();
    let (code, out) = audit(
        port,
        &[
            "--ip",
            "203.0.113.10=mta10.example.test",
            "--ip",
            "2001:db8::10",
            "--dns-timeout",
            "0.5",
            "--dns-attempts",
            "2",
            "--format",
            "json",
        ],
    );
    assert_eq!(code, 3, "unknown: the DNS did not answer");
    let json: Value = serde_json::from_str(&out).unwrap();
    for ip in json["ips"].as_array().unwrap() {
        assert_eq!(ip["verdict"], "unknown", "{ip}");
        assert_eq!(ip["checks"][0]["id"], "ptr");
        assert!(
            ip["checks"][0]["explanation"]
                .as_str()
                .unwrap()
                .contains("timed out"),
            "{ip}"
        );
    }
    assert!(started.elapsed() < Duration::from_secs(60));
    drop(silent);
}

#[test]
fn audit_errors_say_what_to_do_and_exit_3() {
    let output = Command::cargo_bin("deferwatch")
        .unwrap()
        .args(["audit", "--resolver", "127.0.0.1:9"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("give --pmta-config FILE"), "{stderr}");
    let output = Command::cargo_bin("deferwatch")
        .unwrap()
        .args(["audit", "--pmta-config", "testdata/audit/nowhere.conf"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(3));
}

/// The lines a PowerMTA config has that the audit cannot use (a range, a template
/// placeholder, an include of a file on another machine) are warnings with file and line;
/// the audit still runs, and the range covers the IPs of the logs inside it.
#[test]
fn config_lines_the_audit_cannot_use_do_not_stop_it() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    std::fs::write(
        &config,
        "<virtual-mta ranged>\n  smtp-source-host 203.0.113.20/30 mta20.example.test\n</virtual-mta>\nsmtp-source-host {{ sending_ip }} {{ ehlo }}\ninclude /etc/pmta/not-on-this-machine.conf\n",
    )
    .unwrap();
    // Nothing answers DNS here: the verdicts are unknown, but the inventory is complete.
    let port = free_port();
    let output = Command::cargo_bin("deferwatch")
        .unwrap()
        .args([
            "audit",
            "--resolver",
            &format!("127.0.0.1:{port}"),
            "--dns-timeout",
            "1",
        ])
        .arg("--pmta-config")
        .arg(&config)
        .args(["--format", "json", "testdata/audit/acct-audit.csv"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("config:4: smtp-source-host"), "{stderr}");
    assert!(
        stderr.contains("config:5: cannot read included file"),
        "{stderr}"
    );
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    let ip = json["ips"]
        .as_array()
        .unwrap()
        .iter()
        .find(|ip| ip["ip"] == "203.0.113.20")
        .expect("the logs' IP inside the range");
    assert_eq!(ip["found_in"], serde_json::json!(["config", "logs"]));
    assert_eq!(ip["ehlo"], serde_json::json!(["mta20.example.test"]));
    assert_eq!(ip["vmtas"], serde_json::json!(["ranged"]));
    let outside = json["ips"]
        .as_array()
        .unwrap()
        .iter()
        .find(|ip| ip["ip"] == "203.0.113.10")
        .unwrap();
    assert_eq!(outside["found_in"], serde_json::json!(["logs"]));
}
