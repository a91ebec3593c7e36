//! libFuzzer entry for [`raftdeck_fuzz::scenario`]; the checks live in the library so the
//! stable harness (`tests/stable.rs`) runs the very same code.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| raftdeck_fuzz::scenario(data));
