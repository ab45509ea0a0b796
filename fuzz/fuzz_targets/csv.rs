//! Fuzz target: `tapegrad_fuzz::csv` on every input (see that function for the checks).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = tapegrad_fuzz::csv(data);
});
