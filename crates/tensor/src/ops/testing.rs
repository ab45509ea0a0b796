//! Test helpers shared by the op files: PyTorch reference cases from the copied fixture
//! `tests/fixtures/reference/ops.json` (computed by PyTorch, see that folder's README), replayed
//! through the conformance runner's own op registry and case runner (included from
//! `tests/conformance/`, so the unit tests and the conformance test apply an op the same way),
//! and a gradient check with default tolerances.

use crate::{gradcheck, GradcheckOptions, Tape, Tensor, Var};
use serde_json::Value;
use std::sync::OnceLock;

/// The names the shared registry and case runner use.
mod api {
    pub(crate) use crate::{BoolTensor, GeluApproximate, IntTensor, Tape, Tensor, Var};
}
#[allow(dead_code)]
#[path = "../../../../tests/conformance/case.rs"]
mod case;
#[allow(dead_code)]
#[path = "../../../../tests/conformance/registry.rs"]
mod registry;

pub use case::tensor as parse_tensor;

fn fixture() -> &'static Value {
    static OPS: OnceLock<Value> = OnceLock::new();
    OPS.get_or_init(|| {
        serde_json::from_str(include_str!(
            "../../../../tests/fixtures/reference/ops.json"
        ))
        .expect("ops.json parses")
    })
}

fn cases() -> &'static [Value] {
    fixture()["cases"].as_array().expect("cases")
}

fn case(name: &str) -> &'static Value {
    cases()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no case {name} in ops.json"))
}

/// A fixture float tensor.
pub fn tensor(v: &Value) -> Tensor {
    parse_tensor(v).expect("a float fixture tensor")
}

/// Asserts `got` is within the fixtures' tolerance `1e-4 + 1e-4 * |want|` of `want`.
pub fn assert_close(got: &Tensor, want: &Tensor, what: &str) {
    if let Err(e) = case::close(got, want, what) {
        panic!("{e}");
    }
}

/// Replays every fixture case of op `op` (at least one must exist) through the shared
/// registry, checking outputs and gradients against PyTorch's.
pub fn check_cases(op: &str) {
    let mine: Vec<&Value> = cases().iter().filter(|c| c["op"] == op).collect();
    assert!(!mine.is_empty(), "no case of op {op} in ops.json");
    for c in mine {
        if let Err(e) = case::check_op_case(c) {
            panic!("{}: {e}", c["name"]);
        }
    }
}

/// Runs the fixture case `name` through `f` (inputs with a reference gradient become leaves,
/// the others constants) and checks the output and every input gradient.
pub fn check_reference(name: &str, f: impl Fn(&[Var]) -> Var) {
    let case = case(name);
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

/// The float inputs of fixture case `name`.
pub fn inputs(name: &str) -> Vec<Tensor> {
    case(name)["inputs"]
        .as_array()
        .expect("inputs")
        .iter()
        .filter_map(|v| parse_tensor(v).ok())
        .collect()
}

/// Asserts that `f`'s gradients at `inputs` pass a finite-difference check.
pub fn assert_gradcheck(f: impl Fn(&[Var]) -> Var, inputs: &[Tensor]) {
    let report = gradcheck(f, inputs, &GradcheckOptions::default());
    assert!(report.passed(), "gradient check failed: {report}");
}
