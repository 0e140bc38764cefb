#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| deferwatch::fuzzing::pmta_config(data));
