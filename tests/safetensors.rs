//! Weights interchange with PyTorch: `simplenet.safetensors` (written by PyTorch's safetensors
//! writer, see tests/fixtures/reference/README.md) loads into a SimpleNet built here, which
//! then reproduces PyTorch's `probe_output` for `probe_input` from simplenet.json; saving and
//! loading again gives identical outputs. Honours `TAPEGRAD_REFERENCE_DIR` like the
//! conformance runner.

use std::path::{Path, PathBuf};
use tapegrad::nn::{
    children, load_safetensors, load_safetensors_non_strict, read_safetensors, save_safetensors,
    Linear, Module, SafetensorsError,
};
use tapegrad::tensor::{rng_from_seed, Tensor, Var};

struct SimpleNet {
    fc1: Linear,
    fc2: Linear,
}

impl Module for SimpleNet {
    fn forward(&self, x: &Var) -> Var {
        self.fc2.forward(&self.fc1.forward(x).sigmoid())
    }
    children!(fc1, fc2);
}

fn fixture_dir() -> PathBuf {
    match std::env::var_os("TAPEGRAD_REFERENCE_DIR") {
        Some(d) => PathBuf::from(d),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/reference"),
    }
}

fn tensor(v: &serde_json::Value) -> Tensor {
    let shape: Vec<usize> = v["shape"]
        .as_array()
        .expect("shape")
        .iter()
        .map(|d| d.as_u64().expect("dim") as usize)
        .collect();
    let data: Vec<f32> = v["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|x| x.as_f64().expect("number") as f32)
        .collect();
    Tensor::from_vec(data, &shape)
}

fn simplenet_json() -> serde_json::Value {
    let path = fixture_dir().join("simplenet.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).expect("simplenet.json parses")
}

/// A SimpleNet with random weights and the sizes of the fixture's init params.
fn fresh_net(file: &serde_json::Value, seed: u64) -> SimpleNet {
    let w1 = tensor(&file["init_params"]["fc1.weight"]);
    let w2 = tensor(&file["init_params"]["fc2.weight"]);
    let mut rng = rng_from_seed(seed);
    SimpleNet {
        fc1: Linear::new(w1.shape()[1], w1.shape()[0], &mut rng),
        fc2: Linear::new(w2.shape()[1], w2.shape()[0], &mut rng),
    }
}

fn assert_close(got: &Tensor, want: &Tensor) {
    assert_eq!(got.shape(), want.shape());
    for (i, (g, w)) in got.as_slice().iter().zip(want.as_slice()).enumerate() {
        assert!(
            (g - w).abs() <= 1e-4 + 1e-4 * w.abs(),
            "probe_output[{i}]: got {g}, want {w}"
        );
    }
}

fn temp_path(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tapegrad-safetensors-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

#[test]
fn pytorch_weights_reproduce_pytorch_outputs() {
    let file = simplenet_json();
    let net = fresh_net(&file, 1);
    let report = load_safetensors(&net, fixture_dir().join("simplenet.safetensors")).unwrap();
    assert!(report.is_complete(), "{report}");
    assert_eq!(report.loaded.len(), 4);
    // The file holds exactly the init params of simplenet.json, in PyTorch's layout.
    for (name, value) in net.state_dict() {
        assert_eq!(value, tensor(&file["init_params"][&name]), "{name}");
    }
    let out = net.predict(&tensor(&file["probe_input"]));
    assert_close(&out, &tensor(&file["probe_output"]));
}

#[test]
fn save_then_load_gives_identical_outputs() {
    let file = simplenet_json();
    let probe = tensor(&file["probe_input"]);
    let original = fresh_net(&file, 2);
    let path = temp_path("roundtrip.safetensors");
    save_safetensors(&original, &path).unwrap();
    let restored = fresh_net(&file, 3);
    assert_ne!(original.predict(&probe), restored.predict(&probe));
    load_safetensors(&restored, &path).unwrap();
    assert_eq!(original.predict(&probe), restored.predict(&probe));
    // What we write reads back with the same names as PyTorch's file.
    let ours: Vec<String> = read_safetensors(&path)
        .unwrap()
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    let theirs: Vec<String> = read_safetensors(fixture_dir().join("simplenet.safetensors"))
        .unwrap()
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    assert_eq!(ours, theirs);
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn wrong_architecture_is_a_typed_error_listing_the_misfits() {
    struct Wider {
        fc1: Linear,
        out: Linear,
    }
    impl Module for Wider {
        fn forward(&self, x: &Var) -> Var {
            self.out.forward(&self.fc1.forward(x))
        }
        children!(fc1, out);
    }
    let file = simplenet_json();
    let w1 = tensor(&file["init_params"]["fc1.weight"]);
    let mut rng = rng_from_seed(0);
    let net = Wider {
        fc1: Linear::new(w1.shape()[1], w1.shape()[0] + 1, &mut rng),
        out: Linear::new(w1.shape()[0] + 1, 1, &mut rng),
    };
    let path = fixture_dir().join("simplenet.safetensors");
    let before = net.state_dict();
    let err = load_safetensors(&net, &path).unwrap_err();
    let SafetensorsError::Mismatch { report, .. } = &err else {
        panic!("expected a mismatch, got {err}");
    };
    assert_eq!(report.missing, ["out.weight", "out.bias"]);
    assert_eq!(report.unexpected, ["fc2.bias", "fc2.weight"]);
    let mismatched: Vec<&str> = report.mismatched.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(mismatched, ["fc1.bias", "fc1.weight"]);
    assert_eq!(
        net.state_dict(),
        before,
        "a failed strict load changes nothing"
    );
    let report = load_safetensors_non_strict(&net, &path).unwrap();
    assert!(report.loaded.is_empty() && !report.is_complete());
}

#[test]
fn truncated_and_corrupted_files_are_errors() {
    let file = simplenet_json();
    let bytes = std::fs::read(fixture_dir().join("simplenet.safetensors")).unwrap();
    let net = fresh_net(&file, 4);
    let path = temp_path("corrupt.safetensors");
    for len in [0, 1, 7, 8, 9, bytes.len() / 2, bytes.len() - 1] {
        std::fs::write(&path, &bytes[..len]).unwrap();
        let err = load_safetensors(&net, &path).unwrap_err();
        assert!(
            matches!(err, SafetensorsError::Format { .. }),
            "{len}: {err}"
        );
    }
    // Flipping any single header byte: an error or a load, never a panic.
    let header_len = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    for i in 0..(8 + header_len).min(bytes.len()) {
        let mut b = bytes.clone();
        b[i] ^= 0xff;
        std::fs::write(&path, &b).unwrap();
        let _ = load_safetensors_non_strict(&net, &path);
    }
    std::fs::remove_file(&path).unwrap();
}
