//! [`scheduler_from_options`]: a scheduler by PyTorch's class name and keyword options, as
//! sched.json and configuration files give them. One table, one line per scheduler (a
//! [`Rule`] schedule is `rule::<XConfig>()`), the same shape as the optimizers' registry.

use super::*;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// Builds a scheduler on an optimizer from options (without `last_epoch`) and `last_epoch`.
type Build = fn(&mut dyn Optimizer, &Value, i64) -> Result<Box<dyn LrScheduler>, OptimError>;

/// One registered scheduler.
struct Entry {
    name: &'static str,
    build: Build,
}

const fn rule<R: Rule + DeserializeOwned>() -> Entry {
    Entry {
        name: R::NAME,
        build: build_rule::<R>,
    }
}

const fn entry(name: &'static str, build: Build) -> Entry {
    Entry { name, build }
}

/// Every scheduler the registry knows, by PyTorch's class name (LambdaLR and
/// MultiplicativeLR take closures and are built in code).
const REGISTRY: &[Entry] = &[
    rule::<ConstantLRConfig>(),
    rule::<StepLRConfig>(),
    rule::<MultiStepLRConfig>(),
    rule::<ExponentialLRConfig>(),
    rule::<PolynomialLRConfig>(),
    rule::<LinearLRConfig>(),
    rule::<CosineAnnealingLRConfig>(),
    rule::<SwalrConfig>(),
    entry("CosineAnnealingWarmRestarts", build_warm_restarts),
    entry("CyclicLR", build_cyclic),
    entry("OneCycleLR", build_one_cycle),
    entry("SequentialLR", build_sequential),
    entry("ChainedScheduler", build_chained),
    entry("ReduceLROnPlateau", build_plateau),
    rule::<InverseTimeDecayConfig>(),
    rule::<LossScaledLRConfig>(),
    rule::<GradNormScaledLRConfig>(),
];

fn invalid(scheduler: &'static str, message: impl Into<String>) -> OptimError {
    OptimError::InvalidOptions {
        optimizer: scheduler,
        message: message.into(),
    }
}

fn parse<C: DeserializeOwned>(scheduler: &'static str, options: &Value) -> Result<C, OptimError> {
    serde_json::from_value(options.clone()).map_err(|e| invalid(scheduler, e.to_string()))
}

fn build_rule<R: Rule + DeserializeOwned>(
    opt: &mut dyn Optimizer,
    options: &Value,
    last_epoch: i64,
) -> Result<Box<dyn LrScheduler>, OptimError> {
    let rule: R = parse(R::NAME, options)?;
    Ok(Box::new(Scheduled::with_last_epoch(opt, rule, last_epoch)?))
}

fn build_warm_restarts(
    opt: &mut dyn Optimizer,
    options: &Value,
    last_epoch: i64,
) -> Result<Box<dyn LrScheduler>, OptimError> {
    let c = parse("CosineAnnealingWarmRestarts", options)?;
    Ok(Box::new(CosineAnnealingWarmRestarts::with_last_epoch(
        opt, c, last_epoch,
    )?))
}

fn build_cyclic(
    opt: &mut dyn Optimizer,
    options: &Value,
    last_epoch: i64,
) -> Result<Box<dyn LrScheduler>, OptimError> {
    let c = parse("CyclicLR", options)?;
    Ok(Box::new(CyclicLR::with_last_epoch(opt, c, last_epoch)?))
}

fn build_one_cycle(
    opt: &mut dyn Optimizer,
    options: &Value,
    last_epoch: i64,
) -> Result<Box<dyn LrScheduler>, OptimError> {
    let c = parse("OneCycleLR", options)?;
    Ok(Box::new(OneCycleLR::with_last_epoch(opt, c, last_epoch)?))
}

fn build_plateau(
    opt: &mut dyn Optimizer,
    options: &Value,
    last_epoch: i64,
) -> Result<Box<dyn LrScheduler>, OptimError> {
    const N: &str = "ReduceLROnPlateau";
    if last_epoch != -1 {
        return Err(invalid(N, "unknown option 'last_epoch'"));
    }
    Ok(Box::new(ReduceLROnPlateau::new(opt, parse(N, options)?)?))
}

/// The children of a composite, built in order on `opt`: `options.schedulers` =
/// `[{"scheduler": name, "options": {...}}, ...]`.
fn children(
    scheduler: &'static str,
    opt: &mut dyn Optimizer,
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
    if let Some(k) = options
        .as_object()
        .and_then(|m| m.keys().find(|k| !allowed.contains(&k.as_str())))
    {
        return Err(invalid(scheduler, format!("unknown option '{k}'")));
    }
    Ok(())
}

fn build_sequential(
    opt: &mut dyn Optimizer,
    options: &Value,
    last_epoch: i64,
) -> Result<Box<dyn LrScheduler>, OptimError> {
    const N: &str = "SequentialLR";
    check_keys(N, options, &["schedulers", "milestones"])?;
    let milestones: Vec<i64> =
        serde_json::from_value(options.get("milestones").cloned().unwrap_or(Value::Null))
            .map_err(|e| invalid(N, format!("milestones: {e}")))?;
    let kids = children(N, opt, options)?;
    Ok(Box::new(SequentialLR::with_last_epoch(
        opt, kids, milestones, last_epoch,
    )?))
}

fn build_chained(
    opt: &mut dyn Optimizer,
    options: &Value,
    last_epoch: i64,
) -> Result<Box<dyn LrScheduler>, OptimError> {
    const N: &str = "ChainedScheduler";
    if last_epoch != -1 {
        return Err(invalid(N, "unknown option 'last_epoch'"));
    }
    check_keys(N, options, &["schedulers"])?;
    let kids = children(N, opt, options)?;
    Ok(Box::new(ChainedScheduler::new(opt, kids)?))
}

/// The names [`scheduler_from_options`] knows, in registry order.
pub fn scheduler_names() -> Vec<&'static str> {
    REGISTRY.iter().map(|e| e.name).collect()
}

/// A scheduler on `opt` by PyTorch's class name (`"StepLR"`) and keyword options
/// (`{"step_size": 7, "gamma": 0.5}`), built as PyTorch's constructor would: it sets `opt`'s
/// rates for step 0. Options left out take PyTorch's defaults; `last_epoch` is accepted where
/// PyTorch's constructor takes it. SequentialLR takes `{"schedulers": [{"scheduler":
/// "LinearLR", "options": {...}}, ...], "milestones": [...]}` (its children are built on `opt`
/// in order, as a PyTorch user builds them), ChainedScheduler the same without milestones. An
/// unknown name or option is an error.
///
/// ```
/// use tapegrad_optim::sched::scheduler_from_options;
/// use tapegrad_optim::{Optimizer, Sgd, SgdConfig};
/// use tapegrad_tensor::{Param, Tensor};
/// let mut opt = Sgd::new(vec![Param::new("w", Tensor::zeros(&[1]))], SgdConfig { lr: 0.1, ..Default::default() }).unwrap();
/// let s = scheduler_from_options("CosineAnnealingLR", &mut opt, &serde_json::json!({"T_max": 10})).unwrap();
/// assert_eq!(s.name(), "CosineAnnealingLR");
/// assert!(scheduler_from_options("NoSuchLR", &mut opt, &serde_json::json!({})).is_err());
/// ```
pub fn scheduler_from_options(
    name: &str,
    opt: &mut dyn Optimizer,
    options: &Value,
) -> Result<Box<dyn LrScheduler>, OptimError> {
    let entry = REGISTRY.iter().find(|e| e.name == name).ok_or_else(|| {
        let hint = if name == "LambdaLR" || name == "MultiplicativeLR" {
            format!("{name} takes a closure; build it in code with {name}::new")
        } else {
            format!(
                "unknown scheduler '{name}' (known: {})",
                scheduler_names().join(", ")
            )
        };
        invalid("scheduler_from_options", hint)
    })?;
    let mut options = match options {
        Value::Null => serde_json::Map::new(),
        Value::Object(m) => m.clone(),
        other => {
            return Err(invalid(
                "scheduler_from_options",
                format!("{name}: options must be an object, got {other}"),
            ))
        }
    };
    let last_epoch = match options.remove("last_epoch") {
        None => -1,
        Some(v) => v.as_i64().ok_or_else(|| {
            invalid(
                "scheduler_from_options",
                format!("{name}: last_epoch must be an integer, got {v}"),
            )
        })?,
    };
    (entry.build)(opt, &Value::Object(options), last_epoch)
}
