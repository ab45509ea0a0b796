//! sched.json: every case through [`scheduler_from_options`], on an SGD (lr = `base_lr`,
//! momentum 0.9) over one param, exactly as generate.py drove PyTorch: `lrs[0]` is the rate
//! after construction, then per step `opt.step()`, `sched.step(metrics[t])`, apply, compare.
//! Rates are compared in f64 with the fixtures' tolerance `1e-4 + 1e-4 |want|`.

use crate::common::{load, Report};
use serde_json::Value;
use std::path::Path;
use tapegrad::optim::sched::scheduler_from_options;
use tapegrad::optim::{Optimizer, Sgd, SgdConfig};
use tapegrad::tensor::{Param, Tensor};

fn close(got: f64, want: f64) -> bool {
    (got - want).abs() <= 1e-4 + 1e-4 * want.abs()
}

fn check(case: &Value) -> Result<(), String> {
    let kind = case["scheduler"]
        .as_str()
        .ok_or("case without `scheduler`")?;
    let base = case["base_lr"].as_f64().ok_or("case without `base_lr`")?;
    let lrs: Vec<f64> = case["lrs"]
        .as_array()
        .ok_or("case without `lrs`")?
        .iter()
        .map(|x| x.as_f64().ok_or("bad rate in `lrs`"))
        .collect::<Result<_, _>>()?;
    let steps = case["steps"]
        .as_u64()
        .map(|s| s as usize)
        .unwrap_or(lrs.len().saturating_sub(1));
    if lrs.len() != steps + 1 {
        return Err(format!("{} rates for {steps} steps", lrs.len()));
    }
    let metrics: Option<Vec<f64>> = match &case["metrics"] {
        Value::Null => None,
        Value::Array(a) => Some(
            a.iter()
                .map(|x| x.as_f64().ok_or("bad metric"))
                .collect::<Result<_, _>>()?,
        ),
        _ => return Err("`metrics` is not a list".into()),
    };
    if metrics.as_ref().is_some_and(|m| m.len() < steps) {
        return Err("fewer metrics than steps".into());
    }
    let p = Param::new("p", Tensor::zeros(&[1]));
    let config = SgdConfig {
        lr: base,
        momentum: 0.9,
        ..Default::default()
    };
    let mut opt = Sgd::new(vec![p.clone()], config).map_err(|e| e.to_string())?;
    let mut sched = scheduler_from_options(kind, &opt, &case["options"])
        .map_err(|e| format!("building {kind}: {e}"))?;
    sched.apply(&mut opt);
    let mut got = opt.lr(0);
    if !close(got, lrs[0]) {
        return Err(format!("initial rate: got {got}, want {}", lrs[0]));
    }
    for t in 0..steps {
        p.set_grad(Some(Tensor::ones(&[1])));
        opt.step().map_err(|e| e.to_string())?;
        let metric = metrics.as_ref().map(|m| m[t]);
        sched
            .step(metric)
            .map_err(|e| format!("step {}: {e}", t + 1))?;
        sched.apply(&mut opt);
        got = opt.lr(0);
        if !close(got, lrs[t + 1]) {
            return Err(format!(
                "after step {}: got {got}, want {}",
                t + 1,
                lrs[t + 1]
            ));
        }
    }
    Ok(())
}

/// Runs every case of sched.json.
pub fn run(dir: &Path) -> Report {
    let file = load(dir, "sched.json");
    let cases = file["cases"].as_array().cloned().unwrap_or_default();
    Report::run("sched", &cases, check)
}
