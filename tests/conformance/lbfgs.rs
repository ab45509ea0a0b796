//! lbfgs.json: LBFGS through the optim registry on the objectives generate.py drove PyTorch's
//! with (Rosenbrock over three (x, y) pairs; a Linear(3, 6) -> tanh -> Linear(6, 1) MSE
//! model), one `step_with_closure` per recorded step: the params after each step, the loss it
//! returned, and the evaluation and iteration counts at the end must match PyTorch's.
//!
//! tapegrad computes the objective and its gradient in f32 (PyTorch in f64) and LBFGS's
//! history in f64: params are compared with the fixtures' tolerance widened by four times the
//! case's `f32_param_drift` (how far PyTorch's own float32 run ends from its float64 run:
//! Rosenbrock's valley makes long runs float32-sensitive), losses to 1e-3 relative (the
//! SimpleNet bound) widened the same way by the case's `f32_losses`.

use crate::common::{close_tol, load, tensor, Report};
use serde_json::Value;
use std::path::Path;
use tapegrad::optim::optimizer_from_options;
use tapegrad::tensor::{Param, Tape, Tensor, Var};

/// Runs every case of lbfgs.json.
pub fn run(dir: &Path) -> Report {
    let file = load(dir, "lbfgs.json");
    let cases = file["cases"].as_array().cloned().unwrap_or_default();
    Report::run("lbfgs", &cases, check)
}

fn tensors(v: &Value, what: &str) -> Result<Vec<Tensor>, String> {
    v.as_array()
        .ok_or(format!("{what} is not a list"))?
        .iter()
        .map(tensor)
        .collect()
}

/// A case's loss on a fresh tape, from its params.
type Objective = Box<dyn Fn(&Tape, &[Param]) -> Var>;

/// The objective of a case.
fn objective(case: &Value) -> Result<Objective, String> {
    match case["problem"].as_str().ok_or("case without `problem`")? {
        "rosenbrock" => Ok(Box::new(|tape, p| {
            let (a, b) = (tape.param(&p[0]), tape.param(&p[1]));
            let ones = tape.constant(Tensor::ones(a.shape()));
            let inner = &b - &a.square();
            (&inner.square().mul_scalar(100.0) + &(&ones - &a).square()).sum()
        })),
        "mlp" => {
            let (x, y) = (tensor(&case["X"])?, tensor(&case["y"])?);
            Ok(Box::new(move |tape, p| {
                let v: Vec<Var> = p.iter().map(|p| tape.param(p)).collect();
                let h = tape.constant(x.clone()).linear(&v[0], Some(&v[1])).tanh();
                h.linear(&v[2], Some(&v[3]))
                    .mse_loss(&tape.constant(y.clone()))
            }))
        }
        other => Err(format!("unknown problem {other:?}")),
    }
}

fn check(case: &Value) -> Result<(), String> {
    let params: Vec<Param> = tensors(&case["init"], "init")?
        .into_iter()
        .enumerate()
        .map(|(i, t)| Param::new(format!("p{i}"), t))
        .collect();
    let f = objective(case)?;
    let mut opt = optimizer_from_options("LBFGS", params.clone(), &case["options"])
        .map_err(|e| format!("building LBFGS: {e}"))?;
    let expected = case["expected"]
        .as_array()
        .ok_or("case without `expected`")?;
    let losses = case["losses"].as_array().ok_or("case without `losses`")?;
    let drift = case["f32_param_drift"].as_f64().unwrap_or(0.0) as f32;
    for (t, (want, want_loss)) in expected.iter().zip(losses).enumerate() {
        let mut closure = || {
            for p in &params {
                p.zero_grad();
            }
            let tape = Tape::new();
            let loss = f(&tape, &params);
            loss.backward();
            loss.value().item() as f64
        };
        let got_loss = opt
            .step_with_closure(&mut closure)
            .map_err(|e| format!("step {t}: {e}"))?;
        let want_loss = want_loss.as_f64().ok_or("bad loss")?;
        // Widened, as the params are, by four times how far PyTorch's float32 run's loss is.
        let loss_drift = case["f32_losses"][t]
            .as_f64()
            .map_or(0.0, |l| (l - want_loss).abs());
        if (got_loss - want_loss).abs() > 1e-3 * want_loss.abs() + 1e-6 + 4.0 * loss_drift {
            return Err(format!("step {t}: loss {got_loss}, want {want_loss}"));
        }
        for (i, (p, w)) in params.iter().zip(tensors(want, "expected")?).enumerate() {
            close_tol(
                &p.value(),
                &w,
                1e-4 + 4.0 * drift,
                1e-4,
                &format!("step {t} param {i}"),
            )?;
        }
    }
    // The same iterations and evaluations, read from the saved state (PyTorch's n_iter and
    // func_evals), in float64 or, where float32 changes a line-search decision, as PyTorch's
    // own float32 run counts them (`f32_counts`).
    let state = opt.state();
    let record = state.groups[0].params[0]
        .state
        .as_ref()
        .ok_or("no LBFGS state after the steps")?;
    let func_evals = record.scalar("func_evals").map_err(|e| e.to_string())?;
    let got = (Some(record.step), Some(func_evals as u64));
    let f64_counts = (case["n_iter"].as_u64(), case["func_evals"].as_u64());
    let f32_counts = (
        case["f32_counts"][0].as_u64(),
        case["f32_counts"][1].as_u64(),
    );
    if got != f64_counts && got != f32_counts {
        return Err(format!(
            "n_iter {}, func_evals {func_evals}; PyTorch: {f64_counts:?} (float32: {f32_counts:?})",
            record.step
        ));
    }
    Ok(())
}
