//! Test helpers: PyTorch reference cases from `tests/fixtures/reference/ops.json` (see that
//! folder's README for where the numbers come from) and the fixtures' tolerance.

use serde_json::Value;
use std::sync::OnceLock;
use tapegrad_tensor::Tensor;

fn fixture() -> &'static Value {
    static OPS: OnceLock<Value> = OnceLock::new();
    OPS.get_or_init(|| {
        serde_json::from_str(include_str!("../../../tests/fixtures/reference/ops.json"))
            .expect("ops.json parses")
    })
}

/// A fixture tensor `{"shape": [...], "data": [...]}`.
pub fn tensor(v: &Value) -> Tensor {
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

/// The ops.json case `name`: inputs, output, grad_output, grad_inputs (`None` for inputs
/// that take no gradient).
pub fn reference(name: &str) -> (Vec<Tensor>, Tensor, Tensor, Vec<Option<Tensor>>) {
    let case = fixture()["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no case {name} in ops.json"));
    let inputs = case["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(tensor)
        .collect();
    let grads = case["grad_inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (!g.is_null()).then(|| tensor(g)))
        .collect();
    (
        inputs,
        tensor(&case["output"]),
        tensor(&case["grad_output"]),
        grads,
    )
}

/// Asserts `|got - want| <= 1e-4 + 1e-4 |want|` elementwise (the fixtures' tolerance).
pub fn assert_close(got: &Tensor, want: &Tensor, what: &str) {
    assert_eq!(got.shape(), want.shape(), "{what}: shape");
    for (i, (g, w)) in got.as_slice().iter().zip(want.as_slice()).enumerate() {
        assert!(
            (g - w).abs() <= 1e-4 + 1e-4 * w.abs(),
            "{what}[{i}]: got {g}, want {w}"
        );
    }
}
