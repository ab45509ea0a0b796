//! random_ops.json: seeded random graphs of ops (chains and DAGs, `gen/random_ops.py`),
//! replayed step by step through the op registry on one tape: the output and the gradient of
//! every input are compared with PyTorch's, with the ops' tolerance.
//!
//! A step's arguments are `{"input": i}` (a float input, a leaf), `{"step": k}` (the value of an
//! earlier step: float, or a mask made by a comparison) or `{"tensor": ...}` (an int64 or bool
//! constant stored in the step).

use crate::case::{close, data, tensor, Data};
use crate::common::{load, Report};
use crate::registry::{apply, Arg, Out};
use serde_json::Value;
use std::path::Path;
use tapegrad::tensor::{Tape, Tensor, Var};

/// Runs every graph of random_ops.json.
pub fn run(dir: &Path) -> Report {
    let file = load(dir, "random_ops.json");
    let cases = file["cases"].as_array().cloned().unwrap_or_default();
    Report::run("random_ops", &cases, check)
}

fn check(case: &Value) -> Result<(), String> {
    let tape = Tape::new();
    let inputs: Vec<Var> = case["inputs"]
        .as_array()
        .ok_or("case without inputs")?
        .iter()
        .map(|x| tensor(x).map(|t| tape.leaf(t)))
        .collect::<Result<_, _>>()?;
    let mut values: Vec<Arg> = Vec::new();
    for (k, step) in case["steps"]
        .as_array()
        .ok_or("case without steps")?
        .iter()
        .enumerate()
    {
        let args: Vec<Arg> = step["args"]
            .as_array()
            .ok_or("step without args")?
            .iter()
            .map(|r| argument(r, &inputs, &values, &tape))
            .collect::<Result<_, _>>()?;
        let op = step["op"].as_str().ok_or("step without op")?;
        let out = apply(op, &args, &step["attrs"]).map_err(|e| format!("step {k}: {e}"))?;
        values.push(match out {
            Out::F(v) => Arg::F(v),
            Out::I(t) => Arg::I(t),
            Out::B(t) => Arg::B(t),
            Out::Many(_) => return Err(format!("step {k}: {op} has several outputs")),
        });
    }
    let Some(Arg::F(out)) = values.last() else {
        return Err("the last step must give a float value".into());
    };
    close(out.value(), &tensor(&case["output"])?, "output")?;
    let grads = out.backward_with(tensor(&case["grad_output"])?);
    let want = case["grad_inputs"]
        .as_array()
        .ok_or("case without grad_inputs")?;
    for (i, (x, w)) in inputs.iter().zip(want).enumerate() {
        let got = grads
            .get(x)
            .cloned()
            .unwrap_or_else(|| Tensor::zeros(x.shape()));
        close(&got, &tensor(w)?, &format!("grad of input {i}"))?;
    }
    Ok(())
}

fn argument(r: &Value, inputs: &[Var], values: &[Arg], tape: &Tape) -> Result<Arg, String> {
    if let Some(i) = r["input"].as_u64() {
        let x = inputs.get(i as usize).ok_or(format!("no input {i}"))?;
        return Ok(Arg::F(x.clone()));
    }
    if let Some(k) = r["step"].as_u64() {
        return values
            .get(k as usize)
            .cloned()
            .ok_or(format!("no step {k} yet"));
    }
    Ok(match data(&r["tensor"])? {
        Data::F(t) => Arg::F(tape.constant(t)),
        Data::I(t) => Arg::I(t),
        Data::B(t) => Arg::B(t),
    })
}
