//! sched.json and random_sched.json: every case replayed as generate.py drove PyTorch. The
//! optimizer is built first (SGD with momentum 0.9 at `base_lr`, or the case's `optimizer`
//! with its groups' rates), then the scheduler on it (children of a composite first, in
//! order, as a PyTorch user builds them); `lrs[0]` is the optimizer's rate after that, then
//! per step `opt.step()` and `sched.step(..)` (with `metrics[t]` for metric-driven schedules),
//! comparing every group's rate (and momentum, when the case gives `momenta`) each time.
//! A case with `raises_at: k` expects the k-th scheduler step to fail, as PyTorch's raised
//! (or set a rate that is not finite, which tapegrad refuses); one with `negative_at: k`
//! expects the rates after step k (negative, as PyTorch's) and the optimizer's next step to be
//! refused. Schedulers listed in `pre` are built first and dropped (what resuming with
//! `last_epoch` needs).
//!
//! Rates are compared to `1e-9` relative (plus `1e-15` absolute, for rates at 0): the
//! arithmetic is f64 on both sides, and a 3% error on a rate of 6e-6 must not pass.
//!
//! Closures (LambdaLR, MultiplicativeLR, CyclicLR's `scale_fn`) are given in the fixtures as
//! small named forms that the generator and this runner both implement (see [`lambda`]).

use crate::common::{load, Report};
use serde_json::Value;
use std::path::Path;
use std::sync::Arc;
use tapegrad::optim::sched::{
    scheduler_from_options, ChainedScheduler, CyclicLR, CyclicLRConfig, LambdaLR, LambdaLRConfig,
    LrLambda, LrScheduler, MultiplicativeLR, MultiplicativeLRConfig, ScaleFn, SequentialLR,
};
use tapegrad::optim::{optimizer_with_groups, Optimizer};
use tapegrad::tensor::{Param, Tensor};

/// Runs every case of sched.json.
pub fn run(dir: &Path) -> Report {
    run_file(dir, "sched.json", "sched")
}

/// Runs every case of random_sched.json.
pub fn run_random(dir: &Path) -> Report {
    run_file(dir, "random_sched.json", "random_sched")
}

fn run_file(dir: &Path, file: &str, kind: &'static str) -> Report {
    let file = load(dir, file);
    let cases = file["cases"].as_array().cloned().unwrap_or_default();
    Report::run(kind, &cases, check)
}

fn close(got: f64, want: f64) -> bool {
    (got - want).abs() <= 1e-15 + 1e-9 * want.abs()
}

fn floats(v: &Value, what: &str) -> Result<Vec<f64>, String> {
    v.as_array()
        .ok_or(format!("`{what}` is not a list"))?
        .iter()
        .map(|x| x.as_f64().ok_or(format!("bad number in `{what}`")))
        .collect()
}

/// Per-step rows: a list of numbers (one group) or of lists (every group).
fn rows(v: &Value, what: &str) -> Result<Vec<Vec<f64>>, String> {
    v.as_array()
        .ok_or(format!("`{what}` is not a list"))?
        .iter()
        .map(|r| match r {
            Value::Array(_) => floats(r, what),
            x => Ok(vec![x.as_f64().ok_or(format!("bad number in `{what}`"))?]),
        })
        .collect()
}

/// A closure named in a fixture: `{"kind": "constant", "c": x}` (x), `{"kind": "power",
/// "gamma": g}` (g^t), `{"kind": "inverse", "a": a}` (1 / (1 + a t)), `{"kind": "warmup",
/// "n": n}` (min(1, (t + 1) / n)), `{"kind": "half"}` (1 / 2^(t - 1)). generate.py writes the
/// same forms with the same formulas in Python.
fn lambda(spec: &Value) -> Result<Arc<dyn Fn(f64) -> f64 + Send + Sync>, String> {
    let num = |k: &str| {
        spec[k]
            .as_f64()
            .ok_or(format!("lambda {spec}: `{k}` missing"))
    };
    Ok(
        match spec["kind"].as_str().ok_or("lambda without `kind`")? {
            "constant" => {
                let c = num("c")?;
                Arc::new(move |_| c)
            }
            "power" => {
                let g = num("gamma")?;
                Arc::new(move |t| g.powf(t))
            }
            "inverse" => {
                let a = num("a")?;
                Arc::new(move |t| 1.0 / (1.0 + a * t))
            }
            "warmup" => {
                let n = num("n")?;
                Arc::new(move |t| ((t + 1.0) / n).min(1.0))
            }
            "half" => Arc::new(|t| 1.0 / 2f64.powf(t - 1.0)),
            other => return Err(format!("unknown lambda kind {other:?}")),
        },
    )
}

/// LambdaLR's and MultiplicativeLR's `lr_lambda`: one form, or a list (one per group).
fn lambdas(spec: &Value) -> Result<LambdaLRConfig, String> {
    let step =
        |f: Arc<dyn Fn(f64) -> f64 + Send + Sync>| -> LrLambda { Arc::new(move |t| f(t as f64)) };
    match spec {
        Value::Array(list) => Ok(LambdaLRConfig::per_group(
            list.iter()
                .map(|s| lambda(s).map(step))
                .collect::<Result<_, _>>()?,
        )),
        s => Ok(LambdaLRConfig::All(step(lambda(s)?))),
    }
}

/// Builds scheduler `name` on `opt` from fixture options (closures included).
fn build(
    name: &str,
    options: &Value,
    opt: &mut dyn Optimizer,
) -> Result<Box<dyn LrScheduler>, String> {
    let err = |e: tapegrad::optim::OptimError| format!("building {name}: {e}");
    let children = |opt: &mut dyn Optimizer| -> Result<Vec<Box<dyn LrScheduler>>, String> {
        options["schedulers"]
            .as_array()
            .ok_or(format!("{name} without `schedulers`"))?
            .iter()
            .map(|c| {
                let child = c["scheduler"].as_str().ok_or("child without `scheduler`")?;
                build(child, &c["options"], opt)
            })
            .collect()
    };
    let last_epoch = options["last_epoch"].as_i64().unwrap_or(-1);
    Ok(match name {
        "LambdaLR" => Box::new(
            LambdaLR::with_last_epoch(opt, lambdas(&options["lr_lambda"])?, last_epoch)
                .map_err(err)?,
        ),
        "MultiplicativeLR" => Box::new(
            MultiplicativeLR::with_last_epoch(
                opt,
                MultiplicativeLRConfig(lambdas(&options["lr_lambda"])?),
                last_epoch,
            )
            .map_err(err)?,
        ),
        "CyclicLR" if !options["scale_fn"].is_null() => {
            let mut plain = options.clone();
            if let Some(m) = plain.as_object_mut() {
                m.remove("scale_fn");
                m.remove("last_epoch");
            }
            let mut config: CyclicLRConfig =
                serde_json::from_value(plain).map_err(|e| format!("CyclicLR options: {e}"))?;
            let f = lambda(&options["scale_fn"])?;
            config.scale_fn = Some(ScaleFn(f));
            Box::new(CyclicLR::with_last_epoch(opt, config, last_epoch).map_err(err)?)
        }
        "SequentialLR" if needs_runner(options) => {
            let kids = children(opt)?;
            let milestones: Vec<i64> = serde_json::from_value(options["milestones"].clone())
                .map_err(|e| format!("milestones: {e}"))?;
            Box::new(SequentialLR::with_last_epoch(opt, kids, milestones, last_epoch).map_err(err)?)
        }
        "ChainedScheduler" if needs_runner(options) => {
            let kids = children(opt)?;
            Box::new(ChainedScheduler::new(opt, kids).map_err(err)?)
        }
        _ => scheduler_from_options(name, opt, options).map_err(err)?,
    })
}

/// True if a composite has a child (at any depth) only this runner can build (closures).
fn needs_runner(options: &Value) -> bool {
    options["schedulers"].as_array().is_some_and(|kids| {
        kids.iter().any(|c| {
            matches!(
                c["scheduler"].as_str(),
                Some("LambdaLR" | "MultiplicativeLR")
            ) || !c["options"]["scale_fn"].is_null()
                || needs_runner(&c["options"])
        })
    })
}

/// The optimizer of a case: SGD (momentum 0.9) at `base_lr`, or `optimizer` =
/// `{"name", "options", "group_lrs": [...]}` (one param per group).
fn optimizer(case: &Value) -> Result<Box<dyn Optimizer>, String> {
    let spec = &case["optimizer"];
    let (name, options, lrs) = if spec.is_null() {
        let base = case["base_lr"].as_f64().ok_or("case without `base_lr`")?;
        ("SGD", serde_json::json!({"momentum": 0.9}), vec![base])
    } else {
        (
            spec["name"].as_str().ok_or("optimizer without `name`")?,
            spec["options"].clone(),
            floats(&spec["group_lrs"], "group_lrs")?,
        )
    };
    let groups = lrs
        .iter()
        .enumerate()
        .map(|(i, lr)| {
            let p = Param::new(format!("p{i}"), Tensor::zeros(&[1]));
            (vec![p], serde_json::json!({ "lr": lr }))
        })
        .collect();
    optimizer_with_groups(name, groups, &options).map_err(|e| format!("optimizer: {e}"))
}

fn compare(
    opt: &dyn Optimizer,
    lrs: &[f64],
    momenta: Option<&Vec<f64>>,
    when: &str,
) -> Result<(), String> {
    if lrs.len() != opt.num_groups() {
        return Err(format!(
            "{when}: {} rates for {} groups",
            lrs.len(),
            opt.num_groups()
        ));
    }
    for (g, &want) in lrs.iter().enumerate() {
        let got = opt.lr(g);
        if !close(got, want) {
            return Err(format!("{when}: group {g} rate {got}, want {want}"));
        }
    }
    for (g, &want) in momenta.into_iter().flatten().enumerate() {
        let got = opt
            .momentum(g)
            .ok_or(format!("{when}: group {g} has no momentum"))?;
        if !close(got, want) {
            return Err(format!("{when}: group {g} momentum {got}, want {want}"));
        }
    }
    Ok(())
}

fn check(case: &Value) -> Result<(), String> {
    let kind = case["scheduler"]
        .as_str()
        .ok_or("case without `scheduler`")?;
    let lrs = rows(&case["lrs"], "lrs")?;
    let momenta = match &case["momenta"] {
        Value::Null => None,
        m => Some(rows(m, "momenta")?),
    };
    let raises_at = case["raises_at"].as_u64().map(|k| k as usize);
    let negative_at = case["negative_at"].as_u64().map(|k| k as usize);
    let steps = match (raises_at, negative_at) {
        (Some(k), _) => k - 1,
        (None, Some(k)) => k,
        (None, None) => case["steps"].as_u64().ok_or("case without `steps`")? as usize,
    };
    if lrs.len() != steps + 1 || momenta.as_ref().is_some_and(|m| m.len() != steps + 1) {
        return Err(format!("{} rates for {steps} steps", lrs.len()));
    }
    let metrics = match &case["metrics"] {
        Value::Null => None,
        m => Some(floats(m, "metrics")?),
    };
    if metrics
        .as_ref()
        .is_some_and(|m| m.len() < steps + raises_at.map_or(0, |_| 1))
    {
        return Err("fewer metrics than steps".into());
    }
    let mut opt = optimizer(case)?;
    // Schedulers built (and dropped) first, as PyTorch users sometimes do: a scheduler built
    // with `last_epoch` needs the `initial_lr` an earlier one left in the groups.
    for p in case["pre"].as_array().into_iter().flatten() {
        let name = p["scheduler"].as_str().ok_or("`pre` without `scheduler`")?;
        build(name, &p["options"], opt.as_mut())?;
    }
    let mut sched = build(kind, &case["options"], opt.as_mut())?;
    compare(
        opt.as_ref(),
        &lrs[0],
        momenta.as_ref().map(|m| &m[0]),
        "after construction",
    )?;
    let total = steps + raises_at.map_or(0, |_| 1);
    for t in 0..total {
        for p in opt.params() {
            p.set_grad(Some(Tensor::ones(&[1])));
        }
        opt.step()
            .map_err(|e| format!("optimizer step {}: {e}", t + 1))?;
        let metric = metrics.as_ref().map(|m| m[t]);
        let outcome = sched.step_metric(opt.as_mut(), metric);
        if raises_at == Some(t + 1) {
            return match outcome {
                Err(_) => Ok(()),
                Ok(()) => Err(format!("step {}: PyTorch raised, tapegrad did not", t + 1)),
            };
        }
        outcome.map_err(|e| format!("step {}: {e}", t + 1))?;
        compare(
            opt.as_ref(),
            &lrs[t + 1],
            momenta.as_ref().map(|m| &m[t + 1]),
            &format!("after step {}", t + 1),
        )?;
    }
    if negative_at.is_some() && opt.step().is_ok() {
        return Err("the optimizer stepped with a negative rate".into());
    }
    Ok(())
}
