//! optim.json: every case feeds given gradients to an optimizer built by name through the
//! registry (`optimizer_from_options` / `optimizer_with_groups`, so an optimizer the registry
//! does not know is a failure), applies the case's `clip` before each step, and compares every
//! param after every step with PyTorch's within the fixtures' tolerance (widened by a quarter of
//! `bf16_drift` where a case gives one: Muon's). A `null` gradient is a param without one that
//! step (skipped, as PyTorch skips it).

use crate::common::{close_tol, load, tensor, Report};
use serde_json::Value;
use std::path::Path;
use tapegrad::optim::{
    clip_grad_norm, clip_grad_value, optimizer_from_options, optimizer_with_groups, Optimizer,
};
use tapegrad::tensor::Param;

/// Runs every case of optim.json.
pub fn run(dir: &Path) -> Report {
    run_file(dir, "optim.json", "optim")
}

/// Runs every case of random_optim.json (random options, groups, shapes and gradients).
pub fn run_random(dir: &Path) -> Report {
    run_file(dir, "random_optim.json", "random_optim")
}

fn run_file(dir: &Path, file: &str, kind: &'static str) -> Report {
    let file = load(dir, file);
    let cases = file["cases"].as_array().cloned().unwrap_or_default();
    Report::run(kind, &cases, check_case)
}

fn tensors(v: &Value, what: &str) -> Result<Vec<tapegrad::tensor::Tensor>, String> {
    v.as_array()
        .ok_or_else(|| format!("{what} is not a list"))?
        .iter()
        .enumerate()
        .map(|(i, t)| tensor(t).map_err(|e| format!("{what}[{i}]: {e}")))
        .collect()
}

/// A step's gradients: a tensor per param, or `null` for a param without one that step.
fn gradients(v: &Value, what: &str) -> Result<Vec<Option<tapegrad::tensor::Tensor>>, String> {
    v.as_array()
        .ok_or_else(|| format!("{what} is not a list"))?
        .iter()
        .enumerate()
        .map(|(i, t)| match t {
            Value::Null => Ok(None),
            t => tensor(t).map(Some).map_err(|e| format!("{what}[{i}]: {e}")),
        })
        .collect()
}

/// Builds the optimizer of a case: one group with `options`, or the case's `groups`, each
/// `{"params": [indices], ...overrides}` over `options`.
fn build(case: &Value, params: &[Param]) -> Result<Box<dyn Optimizer>, String> {
    let name = case["optimizer"].as_str().ok_or("case without optimizer")?;
    let options = case.get("options").cloned().unwrap_or(Value::Null);
    let opt = match case.get("groups") {
        None | Some(Value::Null) => optimizer_from_options(name, params.to_vec(), &options),
        Some(groups) => {
            let groups = groups.as_array().ok_or("groups is not a list")?;
            let mut built = Vec::with_capacity(groups.len());
            for (gi, g) in groups.iter().enumerate() {
                let idx = g["params"]
                    .as_array()
                    .ok_or_else(|| format!("group {gi} without params"))?;
                let mut ps = Vec::with_capacity(idx.len());
                for i in idx {
                    let i = i
                        .as_u64()
                        .ok_or_else(|| format!("group {gi}: bad param index {i}"))?
                        as usize;
                    ps.push(
                        params
                            .get(i)
                            .ok_or_else(|| format!("group {gi}: no param {i}"))?
                            .clone(),
                    );
                }
                built.push((ps, g.clone()));
            }
            optimizer_with_groups(name, built, &options)
        }
    };
    opt.map_err(|e| format!("building {name}: {e}"))
}

/// Applies a case's `clip` (`{"max_norm": x}` or `{"clip_value": x}`) to the gradients.
fn apply_clip(clip: &Value, params: &[Param]) -> Result<(), String> {
    if let Some(max_norm) = clip.get("max_norm").and_then(Value::as_f64) {
        let norm_type = clip.get("norm_type").and_then(Value::as_f64).unwrap_or(2.0);
        clip_grad_norm(params, max_norm, norm_type);
        Ok(())
    } else if let Some(c) = clip.get("clip_value").and_then(Value::as_f64) {
        clip_grad_value(params, c);
        Ok(())
    } else {
        Err(format!("unknown clip {clip}"))
    }
}

fn check_case(case: &Value) -> Result<(), String> {
    let params: Vec<Param> = tensors(&case["params"], "params")?
        .into_iter()
        .enumerate()
        .map(|(i, t)| Param::new(format!("p{i}"), t))
        .collect();
    let mut opt = build(case, &params)?;
    let grads = case["grads"].as_array().ok_or("grads is not a list")?;
    let expected = case["expected"]
        .as_array()
        .ok_or("expected is not a list")?;
    if grads.len() != expected.len() || grads.is_empty() {
        return Err(format!(
            "{} gradient steps, {} expected steps",
            grads.len(),
            expected.len()
        ));
    }
    // Every optimizer steps in train mode (a no-op but for Schedule-Free's).
    opt.train();
    let clip = case.get("clip").filter(|c| !c.is_null());
    // Muon's cases carry the scale of bfloat16 rounding noise in their run: PyTorch's float32
    // accumulation flips a bfloat16 rounding now and then, one element at a time, which moves
    // params by a small fraction of that scale.
    let atol = 1e-4 + case["bf16_drift"].as_f64().unwrap_or(0.0) as f32 / 4.0;
    for (t, (step_grads, step_want)) in grads.iter().zip(expected).enumerate() {
        let gs = gradients(step_grads, &format!("grads[{t}]"))?;
        let want = tensors(step_want, &format!("expected[{t}]"))?;
        if gs.len() != params.len() || want.len() != params.len() {
            return Err(format!("step {t}: wrong number of tensors"));
        }
        for (p, g) in params.iter().zip(gs) {
            p.set_grad(g);
        }
        if let Some(clip) = clip {
            apply_clip(clip, &params)?;
        }
        opt.step().map_err(|e| format!("step {t}: {e}"))?;
        for (i, (p, w)) in params.iter().zip(&want).enumerate() {
            close_tol(&p.value(), w, atol, 1e-4, &format!("step {t} param {i}"))?;
        }
    }
    // Schedule-Free's cases end in eval mode: the params then hold the averaged iterate.
    if let Some(want) = case.get("eval_params").filter(|v| !v.is_null()) {
        opt.eval();
        for (i, (p, w)) in params.iter().zip(tensors(want, "eval_params")?).enumerate() {
            close_tol(&p.value(), &w, atol, 1e-4, &format!("eval param {i}"))?;
        }
    }
    Ok(())
}
