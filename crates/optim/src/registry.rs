//! Building optimizers by name (PyTorch's class names) from JSON options, as configuration
//! files, the command-line tool and the conformance tests do:
//!
//! ```
//! use tapegrad_optim::{optimizer_from_options, optimizer_with_groups};
//! use tapegrad_tensor::{Param, Tensor};
//! use serde_json::json;
//! let w = Param::new("w", Tensor::zeros(&[3]));
//! let b = Param::new("b", Tensor::zeros(&[1]));
//! let opt = optimizer_from_options("Adam", vec![w.clone()], &json!({"lr": 0.01})).unwrap();
//! assert_eq!(opt.name(), "Adam");
//! // PyTorch's param groups: each group's overrides laid over the shared defaults.
//! let opt = optimizer_with_groups(
//!     "SGD",
//!     vec![(vec![w], json!({"momentum": 0.9})), (vec![b], json!({"lr": 0.01}))],
//!     &json!({"lr": 0.1}),
//! )
//! .unwrap();
//! assert_eq!((opt.lr(0), opt.lr(1)), (0.1, 0.01));
//! ```
//!
//! Adding an optimizer: its file, plus one `entry::<XKind>()` line in [`REGISTRY`].

use crate::per_param::{merge_options, Algorithm, PerParam};
use crate::{
    AdadeltaKind, AdafactorKind, AdagradKind, AdamKind, AdamWKind, AdamaxKind, AsgdKind, LambKind,
    LarsKind, LionKind, MuonKind, NadamKind, OptimError, Optimizer, RadamKind, RmspropKind,
    RpropKind, ScheduleFreeAdamWKind, SgdKind,
};
use serde_json::Value;
use tapegrad_tensor::Param;

/// Builds an optimizer from groups (params and their option overrides) and shared defaults.
type Build = fn(Vec<(Vec<Param>, Value)>, &Value) -> Result<Box<dyn Optimizer>, OptimError>;

/// One registered optimizer.
struct Entry {
    name: &'static str,
    build: Build,
}

const fn entry<A: Algorithm>() -> Entry {
    Entry {
        name: A::NAME,
        build: build::<A>,
    }
}

/// Every optimizer the registry knows, by PyTorch's class name.
const REGISTRY: &[Entry] = &[
    entry::<SgdKind>(),
    entry::<AdagradKind>(),
    entry::<RmspropKind>(),
    entry::<AdamKind>(),
    entry::<AdamWKind>(),
    entry::<AdadeltaKind>(),
    entry::<NadamKind>(),
    entry::<RadamKind>(),
    entry::<AdamaxKind>(),
    entry::<LarsKind>(),
    entry::<RpropKind>(),
    entry::<AsgdKind>(),
    entry::<AdafactorKind>(),
    entry::<MuonKind>(),
    entry::<LionKind>(),
    entry::<LambKind>(),
    entry::<ScheduleFreeAdamWKind>(),
    Entry {
        name: "LBFGS",
        build: build_lbfgs,
    },
];

/// LBFGS: one group only (PyTorch's has no param groups), options laid over its defaults.
fn build_lbfgs(
    groups: Vec<(Vec<Param>, Value)>,
    defaults: &Value,
) -> Result<Box<dyn Optimizer>, OptimError> {
    let invalid = |message: String| OptimError::InvalidOptions {
        optimizer: "LBFGS",
        message,
    };
    let mut groups = groups.into_iter();
    let (Some((params, overrides)), None) = (groups.next(), groups.next()) else {
        return Err(invalid(
            "LBFGS doesn't support per-parameter options (parameter groups)".into(),
        ));
    };
    let mut merged = serde_json::to_value(crate::LbfgsConfig::default()).expect("serializes");
    for layer in [defaults, &overrides] {
        match layer {
            Value::Object(map) => {
                for (k, v) in map.iter().filter(|(k, _)| *k != "params") {
                    if merged.get(k).is_none() {
                        return Err(invalid(format!("unknown option '{k}'")));
                    }
                    merged[k] = v.clone();
                }
            }
            Value::Null => {}
            other => return Err(invalid(format!("options must be an object, got {other}"))),
        }
    }
    let config = serde_json::from_value(merged).map_err(|e| invalid(e.to_string()))?;
    Ok(Box::new(crate::Lbfgs::new(params, config)?))
}

fn build<A: Algorithm>(
    groups: Vec<(Vec<Param>, Value)>,
    defaults: &Value,
) -> Result<Box<dyn Optimizer>, OptimError> {
    if groups.is_empty() {
        return Err(OptimError::InvalidOptions {
            optimizer: A::NAME,
            message: "no parameter groups given".into(),
        });
    }
    let defaults = merge_options::<A>(&A::Config::default(), defaults)?;
    let groups = groups
        .into_iter()
        .map(|(params, overrides)| Ok((params, merge_options::<A>(&defaults, &overrides)?)))
        .collect::<Result<Vec<_>, OptimError>>()?;
    Ok(Box::new(PerParam::<A>::with_groups(defaults, groups)?))
}

fn lookup(name: &str) -> Result<&'static Entry, OptimError> {
    REGISTRY
        .iter()
        .find(|e| e.name == name)
        .or_else(|| REGISTRY.iter().find(|e| e.name.eq_ignore_ascii_case(name)))
        .ok_or_else(|| OptimError::InvalidOptions {
            optimizer: "registry",
            message: format!(
                "unknown optimizer '{name}' (known: {})",
                optimizer_names().join(", ")
            ),
        })
}

/// The names of every registered optimizer (PyTorch's class names: `"SGD"`, `"Adam"`, ...).
pub fn optimizer_names() -> Vec<&'static str> {
    REGISTRY.iter().map(|e| e.name).collect()
}

/// The optimizer called `name` (PyTorch's class name, matched case-insensitively when not
/// exact) over `params` in one group, with `options` as JSON with PyTorch's keyword names;
/// options left out take PyTorch's defaults. An unknown name or option, or an invalid value,
/// is an error.
pub fn optimizer_from_options(
    name: &str,
    params: Vec<Param>,
    options: &Value,
) -> Result<Box<dyn Optimizer>, OptimError> {
    optimizer_with_groups(name, vec![(params, Value::Null)], options)
}

/// The optimizer called `name` over parameter groups, as PyTorch's
/// `Adam([{"params": ..., "lr": ...}, ...], **defaults)`: each group is its params and the
/// options it overrides (a `"params"` key in the overrides is ignored), laid over `defaults`,
/// which are in turn laid over PyTorch's defaults. At least one group is needed.
pub fn optimizer_with_groups(
    name: &str,
    groups: Vec<(Vec<Param>, Value)>,
    defaults: &Value,
) -> Result<Box<dyn Optimizer>, OptimError> {
    (lookup(name)?.build)(groups, defaults)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use tapegrad_tensor::Tensor;

    fn w() -> Vec<Param> {
        vec![Param::new("w", Tensor::zeros(&[1, 1]))]
    }

    #[test]
    fn every_name_builds_and_names_match() {
        for name in optimizer_names() {
            let opt = optimizer_from_options(name, w(), &json!({})).unwrap();
            assert_eq!(opt.name(), name);
        }
        assert_eq!(
            optimizer_from_options("adamw", w(), &Value::Null)
                .unwrap()
                .name(),
            "AdamW"
        );
    }

    #[test]
    fn unknown_name_and_option() {
        let e = optimizer_from_options("Adamm", vec![], &json!({}))
            .err()
            .unwrap();
        assert!(e.to_string().contains("unknown optimizer 'Adamm'"), "{e}");
        let e = optimizer_from_options("Adam", w(), &json!({"momentum": 0.9}))
            .err()
            .unwrap();
        assert!(e.to_string().contains("unknown option 'momentum'"), "{e}");
        let e = optimizer_with_groups("Adam", vec![], &json!({}))
            .err()
            .unwrap();
        assert!(e.to_string().contains("no parameter groups"), "{e}");
    }

    #[test]
    fn groups_override_defaults_independently() {
        let p = || Param::new("p", Tensor::zeros(&[1]));
        let opt = optimizer_with_groups(
            "Adam",
            vec![
                (vec![p()], json!({"params": [0], "weight_decay": 0.1})),
                (vec![p(), p()], json!({"lr": 0.5})),
            ],
            &json!({"lr": 0.01, "betas": [0.8, 0.9]}),
        )
        .unwrap();
        assert_eq!(opt.num_groups(), 2);
        assert_eq!(opt.group_params(1).len(), 2);
        let g0 = opt.group_options(0);
        let g1 = opt.group_options(1);
        assert_eq!(
            (g0["lr"].as_f64(), g0["weight_decay"].as_f64()),
            (Some(0.01), Some(0.1))
        );
        // Group 1 does not inherit group 0's override.
        assert_eq!(
            (g1["lr"].as_f64(), g1["weight_decay"].as_f64()),
            (Some(0.5), Some(0.0))
        );
        assert_eq!(g1["betas"], json!([0.8, 0.9]));
        let e = optimizer_with_groups("Adam", vec![(vec![p()], json!({"lr": -1.0}))], &json!({}))
            .err()
            .unwrap();
        assert!(e.to_string().contains("invalid learning rate: -1"), "{e}");
    }
}
