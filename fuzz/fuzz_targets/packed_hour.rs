#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| deferwatch::fuzzing::packed_hour(data));
