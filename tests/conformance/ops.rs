//! ops.json: forward values and input gradients of every tensor op.
//!
//! Each case is replayed on a fresh tape: inputs with a reference gradient become leaves, the
//! others (loss targets, class indices) constants; the op named by `op` is applied with its
//! `attrs`; the output is compared with `output`, then `backward_with(grad_output)` gives the
//! gradients compared with `grad_inputs`. An op the runner does not know is a failure.

use crate::common::{close, load, tensor, Report};
use serde_json::Value;
use std::path::Path;
use tapegrad::tensor::{Tape, Tensor, Var};

/// Runs every case of ops.json.
pub fn run(dir: &Path) -> Report {
    let file = load(dir, "ops.json");
    let cases = file["cases"].as_array().cloned().unwrap_or_default();
    Report::run("ops", &cases, check)
}

fn check(case: &Value) -> Result<(), String> {
    let inputs: Vec<Tensor> = case["inputs"]
        .as_array()
        .ok_or("case without inputs")?
        .iter()
        .map(tensor)
        .collect::<Result<_, _>>()?;
    let grad_inputs = case["grad_inputs"]
        .as_array()
        .ok_or("case without grad_inputs")?;
    if grad_inputs.len() != inputs.len() {
        return Err(format!(
            "{} grad_inputs for {} inputs",
            grad_inputs.len(),
            inputs.len()
        ));
    }
    let tape = Tape::new();
    let vars: Vec<Var> = inputs
        .iter()
        .zip(grad_inputs)
        .map(|(x, g)| {
            if g.is_null() {
                tape.constant(x.clone())
            } else {
                tape.leaf(x.clone())
            }
        })
        .collect();
    let op = case["op"].as_str().ok_or("case without op")?;
    let out = apply(op, &case["attrs"], &vars)?;
    close(out.value(), &tensor(&case["output"])?, "output")?;
    let grads = out.backward_with(tensor(&case["grad_output"])?);
    for (i, (v, want)) in vars.iter().zip(grad_inputs).enumerate() {
        if want.is_null() {
            continue;
        }
        let got = grads
            .get(v)
            .cloned()
            .unwrap_or_else(|| Tensor::zeros(v.shape()));
        close(&got, &tensor(want)?, &format!("grad of input {i}"))?;
    }
    Ok(())
}

/// Applies `op` with `attrs` to `v`.
fn apply(op: &str, attrs: &Value, v: &[Var]) -> Result<Var, String> {
    let arity = |n: usize| {
        if v.len() == n {
            Ok(())
        } else {
            Err(format!("{op} takes {n} inputs, the case gives {}", v.len()))
        }
    };
    let unary = ["add", "sub", "mul", "div", "matmul", "mse_loss", "l1_loss"]
        .iter()
        .chain(&["cross_entropy", "bce_with_logits"])
        .all(|&b| b != op);
    arity(if unary { 1 } else { 2 })?;
    let x = &v[0];
    Ok(match op {
        "add" => &v[0] + &v[1],
        "sub" => &v[0] - &v[1],
        "mul" => &v[0] * &v[1],
        "div" => &v[0] / &v[1],
        "matmul" => v[0].matmul(&v[1]),
        "mse_loss" => v[0].mse_loss(&v[1]),
        "l1_loss" => v[0].l1_loss(&v[1]),
        "bce_with_logits" => v[0].bce_with_logits(&v[1]),
        "cross_entropy" => {
            if v[1].requires_grad() {
                return Err("cross_entropy: class indices take no gradient".into());
            }
            v[0].cross_entropy(&class_indices(v[1].value())?)
        }
        "neg" => x.neg(),
        "exp" => x.exp(),
        "log" => x.log(),
        "sqrt" => x.sqrt(),
        "square" => x.square(),
        "abs" => x.abs(),
        "powf" => x.powf(number(attrs, "exponent")?),
        "sigmoid" => x.sigmoid(),
        "tanh" => x.tanh(),
        "relu" => x.relu(),
        "leaky_relu" => x.leaky_relu(number(attrs, "negative_slope")?),
        "softplus" => x.softplus(),
        "gelu" => x.gelu(),
        "add_scalar" => x.add_scalar(number(attrs, "scalar")?),
        "mul_scalar" => x.mul_scalar(number(attrs, "scalar")?),
        "transpose" => x.transpose(),
        "reshape" => x.reshape(&target_shape(attrs, x.value().len())?),
        "sum" => reduce(x, attrs, Var::sum, Var::sum_axis)?,
        "mean" => reduce(x, attrs, Var::mean, Var::mean_axis)?,
        "max" => reduce(x, attrs, Var::max, Var::max_axis)?,
        "softmax" => x.softmax(required_axis(attrs, op)?),
        "log_softmax" => x.log_softmax(required_axis(attrs, op)?),
        // sum(x*x + sigmoid(x)*x, axis=1): x feeds four uses, so its gradient accumulates.
        "composite_reuse" => (&(x * x) + &(&x.sigmoid() * x)).sum_axis(1, false),
        _ => return Err(format!("unknown op {op:?}")),
    })
}

/// A reduction over everything (`axis` absent or null) or along one axis, with `keepdim`.
fn reduce(
    x: &Var,
    attrs: &Value,
    all: fn(&Var) -> Var,
    along: fn(&Var, isize, bool) -> Var,
) -> Result<Var, String> {
    let keepdim = match &attrs["keepdim"] {
        Value::Null => false,
        k => k.as_bool().ok_or(format!("keepdim {k} is not a bool"))?,
    };
    Ok(match axis(attrs)? {
        Some(a) => along(x, a, keepdim),
        None if keepdim => all(x).reshape(&vec![1; x.shape().len()]),
        None => all(x),
    })
}

/// `attrs.axis`: absent or null for "all", else an integer (negative counts from the end).
fn axis(attrs: &Value) -> Result<Option<isize>, String> {
    match &attrs["axis"] {
        Value::Null => Ok(None),
        a => a
            .as_i64()
            .map(|a| Some(a as isize))
            .ok_or(format!("axis {a} is not an integer")),
    }
}

fn required_axis(attrs: &Value, op: &str) -> Result<isize, String> {
    axis(attrs)?.ok_or(format!("{op} needs an integer axis"))
}

fn number(attrs: &Value, key: &str) -> Result<f32, String> {
    attrs[key]
        .as_f64()
        .map(|x| x as f32)
        .ok_or(format!("attr {key:?} missing or not a number"))
}

/// `attrs.shape`, with at most one `-1` inferred from the element count as PyTorch does.
fn target_shape(attrs: &Value, len: usize) -> Result<Vec<usize>, String> {
    let dims: Vec<i64> = attrs["shape"]
        .as_array()
        .ok_or("reshape needs a shape")?
        .iter()
        .map(|d| d.as_i64().ok_or(format!("bad dim {d}")))
        .collect::<Result<_, _>>()?;
    let known: i64 = dims.iter().filter(|&&d| d != -1).product();
    let inferred = match dims.iter().filter(|&&d| d == -1).count() {
        0 => 0,
        1 if known > 0 && len as i64 % known == 0 => len as i64 / known,
        _ => return Err(format!("cannot infer shape {dims:?} for {len} elements")),
    };
    dims.iter()
        .map(|&d| {
            let d = if d == -1 { inferred } else { d };
            usize::try_from(d).map_err(|_| format!("bad dim {d}"))
        })
        .collect()
}

/// Class indices stored as floats: each must be a non-negative integer.
fn class_indices(t: &Tensor) -> Result<Vec<usize>, String> {
    t.as_slice()
        .iter()
        .map(|&c| {
            if c >= 0.0 && c.fract() == 0.0 {
                Ok(c as usize)
            } else {
                Err(format!("class index {c} is not a non-negative integer"))
            }
        })
        .collect()
}
