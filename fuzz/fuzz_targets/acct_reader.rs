#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| deferwatch::fuzzing::acct_reader(data));
