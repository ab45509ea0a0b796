//! Replays the fuzz corpus (`fuzz/corpus/TARGET/`, checked in) and the crafted inputs of
//! issue 17 (`tests/hostile/`) through the fuzz targets' own checks (`fuzz/src/lib.rs`,
//! included here), on stable Rust, on every `cargo test`: a finding of a fuzzing run, once
//! its input is added to the corpus, stays tested for good.
//!
//! The seed corpus is written by the ignored `write_seed_corpus` below
//! (`cargo test --test fuzz_replay -- --ignored write_seed_corpus`); inputs libFuzzer found
//! worth keeping can be added beside them (see README.md, "Fuzzing").

#[path = "../fuzz/src/lib.rs"]
mod harness;
mod hostile;

use harness::Outcome;
use hostile::Loader;
use std::path::{Path, PathBuf};

const TARGETS: [(&str, Loader); 3] = [
    ("checkpoint", Loader::Checkpoint),
    ("safetensors", Loader::Safetensors),
    ("csv", Loader::Csv),
];

fn corpus_dir(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target)
}

fn run(loader: Loader, bytes: &[u8]) -> Outcome {
    match loader {
        Loader::Checkpoint => harness::checkpoint(bytes),
        Loader::Safetensors => harness::safetensors(bytes),
        Loader::Csv => harness::csv(bytes),
    }
}

/// Runs one input, naming it if a check fails.
fn replay(what: &str, loader: Loader, bytes: &[u8]) -> Outcome {
    std::panic::catch_unwind(|| run(loader, bytes))
        .unwrap_or_else(|_| panic!("{what}: a check failed (see the panic above)"))
}

#[test]
fn corpus_replays_without_a_finding() {
    for (target, loader) in TARGETS {
        let mut files: Vec<PathBuf> = std::fs::read_dir(corpus_dir(target))
            .unwrap_or_else(|e| panic!("fuzz/corpus/{target}: {e}"))
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        let mut loaded = 0;
        for f in &files {
            let bytes = std::fs::read(f).unwrap();
            if replay(&f.display().to_string(), loader, &bytes) == Outcome::Loaded {
                loaded += 1;
            }
        }
        eprintln!("{target}: {} inputs, {loaded} loaded", files.len());
        assert!(
            loaded >= 2,
            "{target}: the seed corpus must hold valid files"
        );
    }
}

#[test]
fn crafted_inputs_replay_as_expected() {
    let loads = [
        "checkpoint: scheduler nested 32 deep",
        "csv: 120,000 columns",
        "csv: 160,000 split names",
        "csv: 200,000 short split names",
        "csv: 250,000 rows of 0,0",
        "safetensors: 20,000 empty tensors",
    ];
    for (what, loader, bytes) in hostile::all() {
        let outcome = replay(what, loader, &bytes);
        assert_eq!(
            outcome == Outcome::Loaded,
            loads.contains(&what),
            "{what}: {outcome:?}"
        );
    }
}

/// Writes the seed corpus: small valid files of each kind, exercising every section and
/// option of the formats. Run by hand; the files are checked in.
#[test]
#[ignore = "writes fuzz/corpus; run by hand when the formats change"]
fn write_seed_corpus() {
    use serde_json::json;
    use tapegrad::checkpoint::{to_bytes, Checkpoint};
    use tapegrad::nn::{to_safetensors_bytes, Linear};
    use tapegrad::optim::optimizer_from_options;
    use tapegrad::optim::sched::SchedulerState;
    use tapegrad::tensor::{rng_from_seed, Param, Tensor};

    let write = |target: &str, name: &str, bytes: &[u8]| {
        let dir = corpus_dir(target);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(name), bytes).unwrap();
    };

    // Checkpoints.
    let named = vec![
        (
            "fc.weight".to_string(),
            Param::new("weight", Tensor::from_vec(vec![0.5; 6], &[2, 3])),
        ),
        (
            "fc.bias".to_string(),
            Param::new("bias", Tensor::from_vec(vec![-1.0, 1.0], &[2])),
        ),
    ];
    let params: Vec<Param> = named.iter().map(|(_, p)| p.clone()).collect();
    let mut opt = optimizer_from_options("Adam", params.clone(), &json!({"lr": 0.01})).unwrap();
    for _ in 0..2 {
        for p in &params {
            p.set_grad(Some(Tensor::ones(&p.shape())));
        }
        opt.step().unwrap();
    }
    let mut child = serde_json::to_value(SchedulerState::default()).unwrap();
    child["scheduler"] = "StepLR".into();
    let mut parent = child.clone();
    parent["scheduler"] = "SequentialLR".into();
    parent["children"] = json!([child.clone(), child]);
    let mut cp = Checkpoint::from_params(&named);
    cp.optimizer = Some(opt.state());
    cp.scheduler = Some(serde_json::from_value(parent).unwrap());
    cp.epoch = 1;
    cp.step = 2;
    cp.rngs.push(("shuffle".into(), rng_from_seed(1)));
    cp.metadata.push(("note".into(), "seed".into()));
    write(
        "checkpoint",
        "adam_sequential.ckpt",
        &to_bytes(&cp).unwrap(),
    );
    write(
        "checkpoint",
        "empty.ckpt",
        &to_bytes(&Checkpoint::default()).unwrap(),
    );
    let odd = vec![
        ("empty".to_string(), Param::new("e", Tensor::zeros(&[0, 3]))),
        ("scalar".to_string(), Param::new("s", Tensor::scalar(2.5))),
    ];
    write(
        "checkpoint",
        "odd_shapes.ckpt",
        &to_bytes(&Checkpoint::from_params(&odd)).unwrap(),
    );

    // safetensors: a Linear(3, 2) (names "weight", "bias"), other dtypes, metadata, ints.
    let mut rng = rng_from_seed(2);
    write(
        "safetensors",
        "linear.safetensors",
        &to_safetensors_bytes(&Linear::new(3, 2, &mut rng)).unwrap(),
    );
    let file = |header: &str, data: &[u8]| hostile::safetensors::file(header, data);
    write(
        "safetensors",
        "dtypes.safetensors",
        &file(
            r#"{"__metadata__":{"format":"pt"},"weight":{"dtype":"F16","shape":[2,3],"data_offsets":[0,12]},"bias":{"dtype":"BF16","shape":[2],"data_offsets":[12,16]},"x":{"dtype":"F64","shape":[1],"data_offsets":[16,24]}}"#,
            &[
                0x00, 0x3c, 0x00, 0xc0, 0x55, 0x35, 0x01, 0x00, 0x00, 0x7c, 0x00, 0x00, 0x80, 0x3f,
                0x00, 0x40, 0, 0, 0, 0, 0, 0, 0xf8, 0x3f,
            ],
        ),
    );
    write(
        "safetensors",
        "int.safetensors",
        &file(
            r#"{"steps":{"dtype":"I32","shape":[1],"data_offsets":[0,4]}}"#,
            &[1, 0, 0, 0],
        ),
    );

    // CSV: plain; byte-order mark, CRLF, quotes, blank lines; the digits file's start.
    write(
        "csv",
        "small.csv",
        b"label,split,a,b\n1,train,0.5,2\n0,test,1,3\n",
    );
    write(
        "csv",
        "quoted.csv",
        b"\xEF\xBB\xBFlabel,\"split\",\"a, b\",c\r\n\r\n2,\"train\",\" 1.5 \",-3e2\r\n0,\"te\"\"st\",\"4\",1\r\n1,valid,7,8\r\n",
    );
    let digits =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("data/digits.csv"))
            .unwrap();
    let head: Vec<&str> = digits.lines().take(12).collect();
    write(
        "csv",
        "digits_head.csv",
        format!("{}\n", head.join("\n")).as_bytes(),
    );
}
