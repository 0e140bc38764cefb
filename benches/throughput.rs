//! Throughput of the hot loop: read + classify + aggregate one generated day, in bytes and
//! rows per second.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

use deferwatch::aggregate::Aggregator;
use deferwatch::classify::Classifier;
use deferwatch::generate::{GenerateOptions, generate};
use deferwatch::isp::IspResolver;
use deferwatch::read::read_stream;

fn bench_read_classify_aggregate(c: &mut Criterion) {
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
    })
    .unwrap();
    let mut data = Vec::new();
    for name in &truth.files {
        data.extend(std::fs::read(dir.path().join(name)).unwrap());
    }
    let classifier = Classifier::new(&[]).unwrap();
    let resolver = IspResolver::new(&[], &[]);
    let mut group = c.benchmark_group("read_classify_aggregate");
    group.throughput(Throughput::Bytes(data.len() as u64));
    group.bench_function("bytes", |b| {
        b.iter(|| {
            let mut aggregator = Aggregator::new(&classifier, &resolver);
            read_stream("bench".into(), &data[..], &mut aggregator);
            aggregator.aggregates.total_rows()
        })
    });
    group.throughput(Throughput::Elements(truth.records));
    group.bench_function("rows", |b| {
        b.iter(|| {
            let mut aggregator = Aggregator::new(&classifier, &resolver);
            read_stream("bench".into(), &data[..], &mut aggregator);
            aggregator.aggregates.total_rows()
        })
    });
    group.finish();
}

criterion_group!(benches, bench_read_classify_aggregate);
criterion_main!(benches);
