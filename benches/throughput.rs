//! Throughput of the hot loop: read + classify + aggregate one generated day, in bytes and
//! rows per second; and of the row splitters alone (fast and plain reference).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

use deferwatch::aggregate::Aggregator;
use deferwatch::classify::Classifier;
use deferwatch::generate::{GenerateOptions, generate};
use deferwatch::isp::IspResolver;
use deferwatch::read::acct_csv::{AcctCsv, Splitter};
use deferwatch::read::row::{RowBuf, Split};
use deferwatch::read::source::Source;

/// One generated day (100,000 attempts) of acct files, concatenated, and its record count.
fn one_day() -> (Vec<u8>, u64) {
    let dir = tempfile::tempdir().unwrap();
    let truth = generate(&GenerateOptions {
        out: dir.path().to_path_buf(),
        days: 1,
        rows_per_day: 100_000,
        seed: 7,
        end: chrono::NaiveDate::from_ymd_opt(2026, 10, 31).unwrap(),
        rotate_rows: 1_000_000,
        gzip: false,
        source_ips: deferwatch::generate::DEFAULT_SOURCE_IPS,
        fleet: false,
        scenario: deferwatch::generate::scenario::Scenario::Sample,
    })
    .unwrap();
    let mut data = Vec::new();
    for name in &truth.files {
        data.extend(std::fs::read(dir.path().join(name)).unwrap());
    }
    (data, truth.records)
}

fn bench_read_classify_aggregate(c: &mut Criterion) {
    let (data, records) = one_day();
    let classifier = Classifier::new(&[]).unwrap();
    let resolver = IspResolver::new(&[], &[]);
    let mut group = c.benchmark_group("read_classify_aggregate");
    group.throughput(Throughput::Bytes(data.len() as u64));
    group.bench_function("bytes", |b| {
        b.iter(|| {
            let mut aggregator = Aggregator::new(&classifier, &resolver);
            AcctCsv::default().read("bench".into(), &data[..], &mut aggregator);
            aggregator.aggregates.total_rows()
        })
    });
    group.throughput(Throughput::Elements(records));
    group.bench_function("rows", |b| {
        b.iter(|| {
            let mut aggregator = Aggregator::new(&classifier, &resolver);
            AcctCsv::default().read("bench".into(), &data[..], &mut aggregator);
            aggregator.aggregates.total_rows()
        })
    });
    group.finish();
}

/// Splits every row of `data`; returns the number of fields seen.
fn split_all(splitter: Splitter, data: &[u8]) -> usize {
    let mut row = RowBuf::default();
    let (mut pos, mut fields) = (0, 0);
    loop {
        match splitter.split(&data[pos..], true, &mut row) {
            Split::Row { len, .. } | Split::Blank { len, .. } => {
                fields += row.field_count();
                pos += len;
            }
            Split::Incomplete => return fields,
        }
    }
}

fn bench_splitters(c: &mut Criterion) {
    let (data, _) = one_day();
    let mut group = c.benchmark_group("split_rows");
    group.throughput(Throughput::Bytes(data.len() as u64));
    for (name, splitter) in [("fast", Splitter::Fast), ("plain", Splitter::Plain)] {
        group.bench_function(name, |b| b.iter(|| split_all(splitter, &data)));
    }
    group.finish();
}

criterion_group!(benches, bench_read_classify_aggregate, bench_splitters);
criterion_main!(benches);
