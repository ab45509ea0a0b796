//! [`scheduler_from_options`]: a scheduler by PyTorch's class name and keyword options, as
//! sched.json and config files give them.

use super::*;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// The names [`scheduler_from_options`] knows (LambdaLR and MultiplicativeLR take closures
/// and are built in code).
pub const SCHEDULER_NAMES: &[&str] = &[
    "ConstantLR",
    "StepLR",
    "MultiStepLR",
    "ExponentialLR",
    "PolynomialLR",
    "LinearLR",
    "CosineAnnealingLR",
    "CosineAnnealingWarmRestarts",
    "CyclicLR",
    "OneCycleLR",
    "SequentialLR",
    "ChainedScheduler",
    "ReduceLROnPlateau",
    "InverseTimeDecay",
    "LossScaledLR",
    "GradNormScaledLR",
];

fn invalid(scheduler: &'static str, message: impl Into<String>) -> OptimError {
    OptimError::InvalidOptions {
        optimizer: scheduler,
        message: message.into(),
    }
}

fn parse<C: DeserializeOwned>(scheduler: &'static str, options: &Value) -> Result<C, OptimError> {
    let v = match options {
        Value::Null => Value::Object(Default::default()),
        Value::Object(_) => options.clone(),
        other => {
            return Err(invalid(
                scheduler,
                format!("options must be an object, got {other}"),
            ))
        }
    };
    serde_json::from_value(v).map_err(|e| invalid(scheduler, e.to_string()))
}

fn boxed<S: LrScheduler + 'static>(s: S) -> Box<dyn LrScheduler> {
    Box::new(s)
}

/// The children of a composite: `options.schedulers` = `[{"scheduler": name, "options": {...}}, ...]`.
fn children(
    scheduler: &'static str,
    opt: &dyn Optimizer,
    options: &Value,
) -> Result<Vec<Box<dyn LrScheduler>>, OptimError> {
    let list = options
        .get("schedulers")
        .and_then(Value::as_array)
        .ok_or_else(|| {
            invalid(
                scheduler,
                "needs `schedulers`: a list of {\"scheduler\", \"options\"}",
            )
        })?;
    list.iter()
        .enumerate()
        .map(|(i, c)| {
            let name = c.get("scheduler").and_then(Value::as_str).ok_or_else(|| {
                invalid(
                    scheduler,
                    format!("schedulers[{i}] has no \"scheduler\" name"),
                )
            })?;
            scheduler_from_options(name, opt, c.get("options").unwrap_or(&Value::Null))
        })
        .collect()
}

fn check_keys(
    scheduler: &'static str,
    options: &Value,
    allowed: &[&str],
) -> Result<(), OptimError> {
    if let Some(map) = options.as_object() {
        if let Some(k) = map.keys().find(|k| !allowed.contains(&k.as_str())) {
            return Err(invalid(scheduler, format!("unknown option '{k}'")));
        }
    }
    Ok(())
}

/// A scheduler over `opt` by PyTorch's class name (`"StepLR"`) and keyword options
/// (`{"step_size": 7, "gamma": 0.5}`); options left out take PyTorch's defaults. SequentialLR
/// takes `{"schedulers": [{"scheduler": "LinearLR", "options": {...}}, ...], "milestones": [...]}`,
/// ChainedScheduler the same without milestones. An unknown name or option is an error.
///
/// ```
/// use tapegrad_optim::sched::scheduler_from_options;
/// use tapegrad_optim::{Sgd, SgdConfig};
/// let opt = Sgd::new(vec![], SgdConfig { lr: 0.1, ..Default::default() }).unwrap();
/// let s = scheduler_from_options("CosineAnnealingLR", &opt, &serde_json::json!({"T_max": 10})).unwrap();
/// assert_eq!(s.name(), "CosineAnnealingLR");
/// assert!(scheduler_from_options("NoSuchLR", &opt, &serde_json::json!({})).is_err());
/// ```
pub fn scheduler_from_options(
    name: &str,
    opt: &dyn Optimizer,
    options: &Value,
) -> Result<Box<dyn LrScheduler>, OptimError> {
    Ok(match name {
        "ConstantLR" => boxed(ConstantLR::new(
            opt,
            parse(ConstantLRConfig::NAME, options)?,
        )?),
        "StepLR" => boxed(StepLR::new(opt, parse(StepLRConfig::NAME, options)?)?),
        "MultiStepLR" => boxed(MultiStepLR::new(
            opt,
            parse(MultiStepLRConfig::NAME, options)?,
        )?),
        "ExponentialLR" => boxed(ExponentialLR::new(
            opt,
            parse(ExponentialLRConfig::NAME, options)?,
        )?),
        "PolynomialLR" => boxed(PolynomialLR::new(
            opt,
            parse(PolynomialLRConfig::NAME, options)?,
        )?),
        "LinearLR" => boxed(LinearLR::new(opt, parse(LinearLRConfig::NAME, options)?)?),
        "CosineAnnealingLR" => boxed(CosineAnnealingLR::new(
            opt,
            parse(CosineAnnealingLRConfig::NAME, options)?,
        )?),
        "CosineAnnealingWarmRestarts" => boxed(CosineAnnealingWarmRestarts::new(
            opt,
            parse("CosineAnnealingWarmRestarts", options)?,
        )?),
        "CyclicLR" => boxed(CyclicLR::new(opt, parse("CyclicLR", options)?)?),
        "OneCycleLR" => boxed(OneCycleLR::new(opt, parse("OneCycleLR", options)?)?),
        "ReduceLROnPlateau" => boxed(ReduceLROnPlateau::new(
            opt,
            parse("ReduceLROnPlateau", options)?,
        )?),
        "InverseTimeDecay" => boxed(InverseTimeDecay::new(
            opt,
            parse(InverseTimeDecayConfig::NAME, options)?,
        )?),
        "LossScaledLR" => boxed(LossScaledLR::new(
            opt,
            parse(LossScaledLRConfig::NAME, options)?,
        )?),
        "GradNormScaledLR" => boxed(GradNormScaledLR::new(
            opt,
            parse(GradNormScaledLRConfig::NAME, options)?,
        )?),
        "SequentialLR" => {
            const N: &str = "SequentialLR";
            check_keys(N, options, &["schedulers", "milestones"])?;
            let milestones: Vec<u64> =
                serde_json::from_value(options.get("milestones").cloned().unwrap_or(Value::Null))
                    .map_err(|e| invalid(N, format!("milestones: {e}")))?;
            boxed(SequentialLR::new(children(N, opt, options)?, milestones)?)
        }
        "ChainedScheduler" => {
            const N: &str = "ChainedScheduler";
            check_keys(N, options, &["schedulers"])?;
            boxed(ChainedScheduler::new(children(N, opt, options)?)?)
        }
        "LambdaLR" | "MultiplicativeLR" => {
            return Err(invalid(
                "scheduler_from_options",
                format!("{name} takes a closure; build it in code with {name}::new"),
            ))
        }
        other => {
            return Err(invalid(
                "scheduler_from_options",
                format!(
                    "unknown scheduler '{other}' (known: {})",
                    SCHEDULER_NAMES.join(", ")
                ),
            ))
        }
    })
}
