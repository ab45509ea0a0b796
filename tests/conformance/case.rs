//! Reading fixture tensors and replaying op cases: shared by the conformance runners and the
//! tensor crate's unit tests (which include this file; the includer provides `super::api`
//! and `super::registry`).
//!
//! A fixture tensor is `{"shape": [...], "data": [...]}`, with `"dtype": "int64"` (integer
//! data) or `"bool"` (`true`/`false` data) for index and mask tensors; float data may hold the
//! strings `"nan"`, `"inf"` and `"-inf"` (JSON has no such numbers).

use super::api::{BoolTensor, IntTensor, Tape, Tensor, Var};
use super::registry::{apply, Arg, Out};
use serde_json::Value;

type R<T> = Result<T, String>;

/// A fixture tensor of any dtype.
pub enum Data {
    /// float32 (stored as float64 numbers).
    F(Tensor),
    /// int64.
    I(IntTensor),
    /// bool.
    B(BoolTensor),
}

fn shape_of(v: &Value) -> R<Vec<usize>> {
    v["shape"]
        .as_array()
        .ok_or("tensor without shape")?
        .iter()
        .map(|d| d.as_u64().map(|d| d as usize).ok_or("bad dim".to_string()))
        .collect()
}

fn items<T>(v: &Value, n: usize, f: impl Fn(&Value) -> Option<T>) -> R<Vec<T>> {
    let data = v["data"].as_array().ok_or("tensor without data")?;
    if data.len() != n {
        return Err(format!(
            "tensor data of {} values for {n} elements",
            data.len()
        ));
    }
    data.iter()
        .map(|x| f(x).ok_or(format!("bad element {x}")))
        .collect()
}

/// A float element: a number, or `"nan"`, `"inf"`, `"-inf"`.
fn float(x: &Value) -> Option<f32> {
    match x {
        Value::String(s) => match s.as_str() {
            "nan" => Some(f32::NAN),
            "inf" => Some(f32::INFINITY),
            "-inf" => Some(f32::NEG_INFINITY),
            _ => None,
        },
        v => v.as_f64().map(|x| x as f32),
    }
}

/// A fixture tensor with its dtype.
pub fn data(v: &Value) -> R<Data> {
    let shape = shape_of(v)?;
    let n = shape.iter().product();
    Ok(match v["dtype"].as_str() {
        None | Some("float32") | Some("float64") => {
            Data::F(Tensor::from_vec(items(v, n, float)?, &shape))
        }
        Some("int64") => Data::I(IntTensor::from_vec(items(v, n, Value::as_i64)?, &shape)),
        Some("bool") => Data::B(BoolTensor::from_vec(items(v, n, Value::as_bool)?, &shape)),
        Some(d) => return Err(format!("unknown dtype {d:?}")),
    })
}

/// A float fixture tensor.
pub fn tensor(v: &Value) -> R<Tensor> {
    match data(v)? {
        Data::F(t) => Ok(t),
        _ => Err("expected a float tensor".into()),
    }
}

/// Checks `got` against `want` with the fixtures' tolerance `|got - want| <= 1e-4 + 1e-4 |want|`
/// (NaN matches NaN, an infinity the same infinity).
pub fn close(got: &Tensor, want: &Tensor, what: &str) -> R<()> {
    close_tol(got, want, 1e-4, 1e-4, what)
}

/// Checks `|got - want| <= atol + rtol |want|` elementwise, with matching shapes; NaN matches
/// NaN and an infinity the same infinity.
pub fn close_tol(got: &Tensor, want: &Tensor, atol: f32, rtol: f32, what: &str) -> R<()> {
    if got.shape() != want.shape() {
        return Err(format!(
            "{what}: shape {:?}, want {:?}",
            got.shape(),
            want.shape()
        ));
    }
    for (i, (g, w)) in got.as_slice().iter().zip(want.as_slice()).enumerate() {
        let same_special = (g.is_nan() && w.is_nan()) || (w.is_infinite() && g == w);
        // Negated on purpose: NaN must fail.
        #[allow(clippy::neg_cmp_op_on_partial_ord)]
        if !same_special && !((g - w).abs() <= atol + rtol * w.abs()) {
            return Err(format!("{what}[{i}]: got {g}, want {w}"));
        }
    }
    Ok(())
}

/// The fixture's inputs as op arguments on `tape`: float inputs with a reference gradient
/// become leaves, the others constants.
pub fn arguments(tape: &Tape, inputs: &[Value], grad_inputs: &[Value]) -> R<Vec<Arg>> {
    if grad_inputs.len() != inputs.len() {
        return Err(format!(
            "{} grad_inputs for {} inputs",
            grad_inputs.len(),
            inputs.len()
        ));
    }
    inputs
        .iter()
        .zip(grad_inputs)
        .map(|(x, g)| {
            Ok(match data(x)? {
                Data::F(t) if g.is_null() => Arg::F(tape.constant(t)),
                Data::F(t) => Arg::F(tape.leaf(t)),
                Data::I(t) => Arg::I(t),
                Data::B(t) => Arg::B(t),
            })
        })
        .collect()
}

/// Compares an op's result with the fixture's `output` and, for float results, returns the
/// scalar whose backward feeds `grad_output` (`Σ_k sum(out_k · grad_output_k)`, or the output
/// itself with `backward_with`), or `None` when nothing takes a gradient.
pub fn check_output(out: Out, want: &Value, grad_out: &Value) -> R<Option<(Var, Option<Tensor>)>> {
    match out {
        Out::F(v) => {
            close(v.value(), &tensor(want)?, "output")?;
            let seed = if grad_out.is_null() {
                None
            } else {
                Some(tensor(grad_out)?)
            };
            Ok(Some((v, seed)))
        }
        Out::Many(vs) => {
            let (wants, gouts) = (
                want.as_array()
                    .ok_or("output must be a list for a multi-output op")?,
                grad_out.as_array().ok_or("grad_output must be a list")?,
            );
            if wants.len() != vs.len() || gouts.len() != vs.len() {
                return Err(format!(
                    "{} outputs, the case has {}",
                    vs.len(),
                    wants.len()
                ));
            }
            let mut total: Option<Var> = None;
            for (k, (v, (w, g))) in vs.iter().zip(wants.iter().zip(gouts)).enumerate() {
                close(v.value(), &tensor(w)?, &format!("output {k}"))?;
                let term = (v * &v.constant_like(tensor(g)?)).sum();
                total = Some(match total {
                    None => term,
                    Some(t) => &t + &term,
                });
            }
            Ok(total.map(|t| (t, None)))
        }
        Out::I(t) => match data(want)? {
            Data::I(w) if w == t => Ok(None),
            _ => Err(format!(
                "int output {:?} differs from the fixture's",
                t.as_slice()
            )),
        },
        Out::B(t) => match data(want)? {
            Data::B(w) if w == t => Ok(None),
            _ => Err(format!(
                "bool output {:?} differs from the fixture's",
                t.as_slice()
            )),
        },
    }
}

/// Replays one case of ops.json: the op with its attrs on the inputs, the output, then the
/// gradient of every input that has a reference gradient.
pub fn check_op_case(case: &Value) -> R<()> {
    let inputs = case["inputs"].as_array().ok_or("case without inputs")?;
    let grad_inputs = case["grad_inputs"]
        .as_array()
        .ok_or("case without grad_inputs")?;
    let tape = Tape::new();
    let args = arguments(&tape, inputs, grad_inputs)?;
    let op = case["op"].as_str().ok_or("case without op")?;
    let out = apply(op, &args, &case["attrs"])?;
    let Some((root, seed)) = check_output(out, &case["output"], &case["grad_output"])? else {
        return Ok(());
    };
    if grad_inputs.iter().all(Value::is_null) {
        return Ok(());
    }
    if !root.requires_grad() {
        return Err("the output takes no gradient, but the case has reference gradients".into());
    }
    let grads = match seed {
        Some(g) => root.backward_with(g),
        None => root.backward(),
    };
    for (i, (a, want)) in args.iter().zip(grad_inputs).enumerate() {
        let (Arg::F(v), false) = (a, want.is_null()) else {
            continue;
        };
        let got = grads
            .get(v)
            .cloned()
            .unwrap_or_else(|| Tensor::zeros(v.shape()));
        close(&got, &tensor(want)?, &format!("grad of input {i}"))?;
    }
    Ok(())
}
