#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| deferwatch::fuzzing::config_file(data));
