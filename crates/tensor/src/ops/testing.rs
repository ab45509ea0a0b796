//! Test helpers shared by the op files: PyTorch reference cases from the copied fixture
//! `tests/fixtures/reference/ops.json` (computed by PyTorch, see that folder's README), and a
//! gradient check with default tolerances.

use crate::{gradcheck, GradcheckOptions, Tape, Tensor, Var};
use serde_json::Value;
use std::sync::OnceLock;

fn fixture() -> &'static Value {
    static OPS: OnceLock<Value> = OnceLock::new();
    OPS.get_or_init(|| {
        serde_json::from_str(include_str!(
            "../../../../tests/fixtures/reference/ops.json"
        ))
        .expect("ops.json parses")
    })
}

/// A fixture tensor `{"shape": [...], "data": [...]}` as a `Tensor`.
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

/// Asserts `got` is within the fixtures' tolerance `1e-4 + 1e-4 * |want|` of `want`.
pub fn assert_close(got: &Tensor, want: &Tensor, what: &str) {
    assert_eq!(got.shape(), want.shape(), "{what}: shape");
    for (i, (g, w)) in got.as_slice().iter().zip(want.as_slice()).enumerate() {
        assert!(
            (g - w).abs() <= 1e-4 + 1e-4 * w.abs(),
            "{what}[{i}]: got {g}, want {w}"
        );
    }
}

/// Runs the fixture case `name` through `f` (inputs with a reference gradient become leaves,
/// the others constants) and checks the output and every input gradient.
pub fn check_reference(name: &str, f: impl Fn(&[Var]) -> Var) {
    let case = fixture()["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no case {name} in ops.json"));
    let tape = Tape::new();
    let grad_inputs = case["grad_inputs"].as_array().expect("grad_inputs");
    let vars: Vec<Var> = case["inputs"]
        .as_array()
        .expect("inputs")
        .iter()
        .zip(grad_inputs)
        .map(|(x, g)| {
            if g.is_null() {
                tape.constant(tensor(x))
            } else {
                tape.leaf(tensor(x))
            }
        })
        .collect();
    let out = f(&vars);
    assert_close(
        out.value(),
        &tensor(&case["output"]),
        &format!("{name} output"),
    );
    let grads = out.backward_with(tensor(&case["grad_output"]));
    for (i, (v, g)) in vars.iter().zip(grad_inputs).enumerate() {
        if !g.is_null() {
            let got = grads
                .get(v)
                .cloned()
                .unwrap_or_else(|| Tensor::zeros(v.shape()));
            assert_close(&got, &tensor(g), &format!("{name} grad of input {i}"));
        }
    }
}

/// The inputs of fixture case `name`.
pub fn inputs(name: &str) -> Vec<Tensor> {
    let case = fixture()["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no case {name} in ops.json"));
    case["inputs"]
        .as_array()
        .expect("inputs")
        .iter()
        .map(tensor)
        .collect()
}

/// Asserts that `f`'s gradients at `inputs` pass a finite-difference check.
pub fn assert_gradcheck(f: impl Fn(&[Var]) -> Var, inputs: &[Tensor]) {
    let report = gradcheck(f, inputs, &GradcheckOptions::default());
    assert!(report.passed(), "gradient check failed: {report:?}");
}
