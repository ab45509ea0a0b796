//! `tapegrad`: look inside checkpoints and safetensors files, and export a checkpoint's weights
//! for PyTorch.
//!
//! ```text
//! tapegrad inspect FILE                        format, tensors, optimizer, scheduler, metadata
//! tapegrad convert CHECKPOINT OUT.safetensors  the weights, with PyTorch's names
//! ```
//! On a corrupt, truncated or foreign file: a one-line error on stderr and exit status 1.
#![warn(missing_docs)]

mod convert;
mod inspect;

use std::process::ExitCode;

const USAGE: &str =
    "usage: tapegrad inspect FILE\n       tapegrad convert CHECKPOINT OUT.safetensors";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["inspect", file] => inspect::run(file),
        ["convert", ckpt, out] => convert::run(ckpt, out),
        ["-h"] | ["--help"] | ["help"] => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(text) => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {}", e.replace('\n', " "));
            ExitCode::from(1)
        }
    }
}
