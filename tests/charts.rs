//! Charts (PNG and SVG, every kind, empty scopes) and the HTML daily review, checked as a
//! reader would: the PNG decodes at the requested size with the series colours, the SVG
//! parses with its series and labels, and headless Chromium renders the page.

mod common;

use std::collections::HashSet;
use std::fs;
use std::path::Path;
use std::process::Command as Process;

use common::{ingest_quietly, run_ok};
use tempfile::TempDir;

fn chart(dir: &Path, name: &str, args: &[&str]) -> std::path::PathBuf {
    let out = dir.join(name);
    let all = [
        &["chart", "-o", out.to_str().unwrap()][..],
        args,
        &["testdata/sample"],
    ]
    .concat();
    run_ok(&all);
    out
}

/// Decodes a PNG into (width, height, RGB pixels).
fn decode_png(path: &Path) -> (u32, u32, Vec<[u8; 3]>) {
    let decoder = png::Decoder::new(fs::File::open(path).unwrap());
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.color_type.samples();
    let pixels = buf[..info.buffer_size()]
        .chunks(channels)
        .map(|p| [p[0], p[1], p[2]])
        .collect();
    (info.width, info.height, pixels)
}

fn count_color(pixels: &[[u8; 3]], color: [u8; 3]) -> usize {
    pixels.iter().filter(|p| **p == color).count()
}

#[test]
fn rate_png_has_the_requested_size_and_every_series() {
    let dir = TempDir::new().unwrap();
    let png = chart(
        dir.path(),
        "ms.png",
        &["--isp", "microsoft", "--width", "1000", "--height", "500"],
    );
    let (w, h, pixels) = decode_png(&png);
    assert_eq!((w, h), (1000, 500));
    let rate = count_color(&pixels, [21, 101, 192]);
    let rolling = count_color(&pixels, [239, 108, 0]);
    let attempts = count_color(&pixels, [144, 164, 174]);
    assert!(
        rate > 200 && rolling > 200 && attempts > 2000,
        "{rate} {rolling} {attempts}"
    );
    // Rates in the upper panel, attempts in the lower one.
    let rows_of = |color: [u8; 3]| -> Vec<u32> {
        (0..pixels.len())
            .filter(|i| pixels[*i] == color)
            .map(|i| i as u32 / w)
            .collect()
    };
    assert!(rows_of([21, 101, 192]).iter().all(|y| *y < h * 70 / 100));
    assert!(rows_of([144, 164, 174]).iter().all(|y| *y > h * 65 / 100));
    // The spike hours (13-16 UTC on the last day) are shaded as alerts: the shade is a
    // pale red, found only in the upper panel.
    let alert_shade = pixels
        .iter()
        .filter(|p| p[0] > 240 && p[1] < 225 && p[1] > 200 && p[2] < 225)
        .count();
    assert!(alert_shade > 500, "{alert_shade}");
}

/// Element names, text contents and colours of an SVG, after checking it parses.
fn svg_summary(path: &Path) -> (Vec<String>, HashSet<String>, Vec<String>) {
    let text = fs::read_to_string(path).unwrap();
    let doc = roxmltree::Document::parse(&text).expect("well-formed SVG");
    let mut texts = Vec::new();
    let mut colors = HashSet::new();
    let mut elements = Vec::new();
    for node in doc.descendants().filter(|n| n.is_element()) {
        elements.push(node.tag_name().name().to_string());
        if node.tag_name().name() == "text" {
            texts.push(node.text().unwrap_or("").trim().to_string());
        }
        for attr in ["fill", "stroke"] {
            if let Some(c) = node.attribute(attr) {
                colors.insert(c.to_ascii_lowercase());
            }
        }
    }
    (texts, colors, elements)
}

#[test]
fn rate_svg_names_its_scope_series_and_axes() {
    let dir = TempDir::new().unwrap();
    let svg = chart(
        dir.path(),
        "ip.svg",
        &[
            "--isp",
            "gmail",
            "--source-ip",
            "203.0.113.14",
            "--from",
            "2026-10-24",
            "--to",
            "2026-11-01",
        ],
    );
    let (texts, colors, _) = svg_summary(&svg);
    let title = &texts[0];
    assert_eq!(
        title,
        "Deferral rate: gmail, IP 203.0.113.14, 2026-10-24 00:00 to 2026-11-01 00:00 UTC"
    );
    for label in [
        "hourly deferral rate",
        "7-day rolling rate",
        "same hour, previous day",
        "alert hour",
        "deferral rate",
        "attempts / hour",
        "hour (UTC)",
        "Oct 31",
    ] {
        assert!(
            texts.iter().any(|t| t == label),
            "{label} missing from {texts:?}"
        );
    }
    assert!(texts.iter().any(|t| t.ends_with('%')), "a percent axis");
    for color in ["#1565c0", "#ef6c00", "#787878"] {
        assert!(colors.contains(color), "{color} missing from {colors:?}");
    }
}

#[test]
fn class_and_ip_charts_show_their_series() {
    let dir = TempDir::new().unwrap();
    let classes = chart(
        dir.path(),
        "classes.svg",
        &[
            "--isp",
            "gmail",
            "--kind",
            "classes",
            "--from",
            "2026-10-24",
            "--to",
            "2026-11-01",
        ],
    );
    let (texts, colors, _) = svg_summary(&classes);
    assert!(texts.iter().any(|t| t == "rdns_missing"));
    assert!(texts.iter().any(|t| t == "rate_limited"));
    assert!(colors.contains("#b71c1c"), "rdns_missing's colour");
    assert!(colors.contains("#1e88e5"), "rate_limited's colour");

    let ips = chart(dir.path(), "ips.svg", &["--isp", "gmail", "--kind", "ips"]);
    let (texts, _, elements) = svg_summary(&ips);
    for ip in ["203.0.113.10", "203.0.113.14", "203.0.113.15"] {
        assert!(texts.iter().any(|t| t == ip), "{ip} row label");
    }
    assert!(
        elements.iter().filter(|e| *e == "rect").count() > 500,
        "one cell per IP and hour"
    );
    let png = chart(dir.path(), "ips.png", &["--isp", "gmail", "--kind", "ips"]);
    let (_, _, pixels) = decode_png(&png);
    // The IP without a PTR is deep red for days: the darkest reds of the scale are there.
    let deep = pixels
        .iter()
        .filter(|p| p[0] > 170 && p[1] < 60 && p[2] < 60)
        .count();
    assert!(deep > 1000, "{deep}");
}

#[test]
fn an_empty_scope_says_so() {
    let dir = TempDir::new().unwrap();
    let svg = chart(dir.path(), "none.svg", &["--isp", "no-such-isp"]);
    let (texts, _, _) = svg_summary(&svg);
    assert!(
        texts.iter().any(|t| t == "no data for this scope"),
        "{texts:?}"
    );
    let png = chart(
        dir.path(),
        "none.png",
        &[
            "--isp",
            "gmail",
            "--from",
            "2020-01-01",
            "--to",
            "2020-01-02",
        ],
    );
    let (w, h, pixels) = decode_png(&png);
    assert_eq!((w, h), (1200, 600));
    assert!(pixels.iter().any(|p| p[0] < 128), "the message is drawn");
}

#[test]
fn svg_structure_snapshot() {
    let dir = TempDir::new().unwrap();
    let svg = chart(
        dir.path(),
        "snap.svg",
        &[
            "--isp",
            "microsoft",
            "--from",
            "2026-10-31T10:00:00Z",
            "--to",
            "2026-10-31T20:00:00Z",
        ],
    );
    let (texts, mut colors, elements) = svg_summary(&svg);
    let mut counts = std::collections::BTreeMap::new();
    for e in &elements {
        *counts.entry(e.clone()).or_insert(0) += 1;
    }
    colors.retain(|c| c.starts_with('#'));
    let mut colors: Vec<String> = colors.into_iter().collect();
    colors.sort();
    insta::assert_snapshot!(format!(
        "elements: {counts:?}\ncolors: {colors:?}\ntexts:\n{}",
        texts.join("\n")
    ));
}

#[test]
fn html_review_is_self_contained_and_escaped() {
    let dir = TempDir::new().unwrap();
    let logs = dir.path().join("acct.csv");
    let header = "type,timeLogged,timeQueued,orig,rcpt,orcpt,dsnAction,dsnStatus,dsnDiag,dsnMta,bounceCat,srcType,srcMta,dlvType,dlvSourceIp,dlvDestinationIp,dlvEsmtpAvailable,dlvSize,vmta,jobId,envId,queue,vmtaPool\n";
    let mut text = header.to_string();
    for hour in 0..24 {
        text.push_str(&format!(
            "t,2026-10-31 {hour:02}:10:00+0000,2026-10-31 {hour:02}:00:00+0000,b@x.example,secret.person@gmail.com,,,4.0.0,\"smtp;451 <script>alert(1)</script> odd reply\",gmail-smtp-in.l.google.com (142.250.102.27),,smtp,,smtp,203.0.113.10,,,100,vmta-1,,,gmail.com/vmta-1,pool-a\n"
        ));
        text.push_str(&format!(
            "d,2026-10-31 {hour:02}:20:00+0000,2026-10-31 {hour:02}:00:00+0000,b@x.example,secret.person@gmail.com,,,2.0.0,smtp;250 ok,gmail-smtp-in.l.google.com (142.250.102.27),,smtp,,smtp,203.0.113.10,,,100,vmta-1,,,gmail.com/vmta-1,pool-a\n"
        ));
    }
    fs::write(&logs, text).unwrap();
    let html = run_ok(&["report", "--format", "html", logs.to_str().unwrap()]);
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "the reply is shown as text"
    );
    assert!(
        !html.to_ascii_lowercase().contains("<script"),
        "no script element"
    );
    assert!(!html.contains("secret.person"), "no recipient local part");
    assert!(
        !html.contains("http://") && !html.contains("https://") && !html.contains("src="),
        "no external requests"
    );
}

/// The Chromium binary, if installed (`.ci/run` installs the Debian package).
fn installed_chromium() -> Option<&'static str> {
    ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|bin| {
            Process::new(bin)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
}

/// The browser, or `None` (with a note) where none is installed; `.ci/run` installs it and
/// sets DEFERWATCH_REQUIRE_CHROMIUM so that CI never skips.
fn chromium() -> Option<&'static str> {
    match installed_chromium() {
        Some(browser) => Some(browser),
        None if std::env::var_os("DEFERWATCH_REQUIRE_CHROMIUM").is_some() => {
            panic!("chromium is not installed (apt-get install chromium fonts-dejavu-core)")
        }
        None => {
            eprintln!("skipped: no chromium installed (bash .ci/run installs it)");
            None
        }
    }
}

#[test]
fn html_review_renders_in_headless_chromium() {
    let Some(browser) = chromium() else { return };
    let dir = TempDir::new().unwrap();
    let page = dir.path().join("review.html");
    run_ok(&[
        "report",
        "--format",
        "html",
        "--output",
        page.to_str().unwrap(),
        "testdata/sample",
    ]);
    let url = format!("file://{}", page.display());
    let profile = format!("--user-data-dir={}", dir.path().join("profile").display());
    let common_args = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        profile.as_str(),
    ];
    let dom = Process::new(browser)
        .args(common_args)
        .args(["--dump-dom", &url])
        .output()
        .unwrap();
    let dom = String::from_utf8_lossy(&dom.stdout);
    assert!(
        dom.contains("deferwatch daily review 2026-10-31"),
        "{dom:.500}"
    );
    assert!(dom.contains("203.0.113.14"));
    let shot = dir.path().join("shot.png");
    let status = Process::new(browser)
        .args(common_args)
        .arg(format!("--screenshot={}", shot.display()))
        .args(["--window-size=1280,1600", &url])
        .output()
        .unwrap();
    assert!(shot.exists(), "{}", String::from_utf8_lossy(&status.stderr));
    let (w, h, pixels) = decode_png(&shot);
    assert_eq!((w, h), (1280, 1600));
    let distinct: HashSet<[u8; 3]> = pixels.iter().copied().collect();
    assert!(
        distinct.len() > 50,
        "the page is not blank ({} colours)",
        distinct.len()
    );
    let alert_rows = count_color(&pixels, [0xff, 0xeb, 0xee]);
    assert!(
        alert_rows > 1000,
        "highlighted rows are visible ({alert_rows} px)"
    );
}

/// A chart from a store marks the incidents a chart from the logs marks: the store is read
/// with the history the incident search needs, not only the rolling week's.
#[test]
fn a_chart_from_a_store_marks_what_one_from_the_logs_marks() {
    let dir = tempfile::TempDir::new().unwrap();
    let store = dir.path().join("s.db");
    ingest_quietly(&store, &["testdata/sample"]);
    for isp in ["gmail", "microsoft"] {
        let from_logs = dir.path().join(format!("{isp}-logs.svg"));
        let from_store = dir.path().join(format!("{isp}-store.svg"));
        run_ok(&[
            "chart",
            "--isp",
            isp,
            "-o",
            from_logs.to_str().unwrap(),
            "testdata/sample",
        ]);
        run_ok(&[
            "chart",
            "--isp",
            isp,
            "--store",
            store.to_str().unwrap(),
            "-o",
            from_store.to_str().unwrap(),
        ]);
        assert_eq!(
            std::fs::read_to_string(&from_store).unwrap(),
            std::fs::read_to_string(&from_logs).unwrap(),
            "{isp}"
        );
    }
}
