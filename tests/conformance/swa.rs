//! swa.json: `AveragedModel` (SWA and EMA) over a Linear(4, 3) fed the same snapshots of the
//! model's params as PyTorch's was; the averaged params (by PyTorch's state-dict names,
//! `module.weight`, ...) after every update, within the fixtures' tolerance.

use crate::common::{close, load, tensor, Report};
use serde_json::Value;
use std::path::Path;
use tapegrad::nn::{AveragedModel, Averaging, Linear, Module};
use tapegrad::tensor::rng_from_seed;

/// Runs every case of swa.json.
pub fn run(dir: &Path) -> Report {
    let file = load(dir, "swa.json");
    let cases = file["cases"].as_array().cloned().unwrap_or_default();
    Report::run("swa", &cases, check)
}

fn check(case: &Value) -> Result<(), String> {
    let averaging = match case["averaging"].as_str() {
        Some("swa") => Averaging::Swa,
        Some("ema") => Averaging::Ema {
            decay: case["decay"].as_f64().ok_or("ema without decay")?,
        },
        other => return Err(format!("unknown averaging {other:?}")),
    };
    let mut rng = rng_from_seed(0);
    let model = Linear::new(4, 3, &mut rng);
    let mut avg = AveragedModel::new(Linear::new(4, 3, &mut rng), averaging);
    let snapshots = case["snapshots"].as_array().ok_or("no snapshots")?;
    let expected = case["expected"].as_array().ok_or("no expected")?;
    for (t, (snap, want)) in snapshots.iter().zip(expected).enumerate() {
        model.weight.set_value(tensor(&snap[0])?);
        let bias = model.bias.as_ref().ok_or("Linear without bias")?;
        bias.set_value(tensor(&snap[1])?);
        avg.update_parameters(&model);
        let got = avg.state_dict();
        let want = want.as_object().ok_or("expected entry is not an object")?;
        if got.len() != want.len() {
            return Err(format!("{} params, PyTorch {}", got.len(), want.len()));
        }
        for (name, value) in &got {
            let w = want.get(name).ok_or(format!("PyTorch has no {name}"))?;
            close(value, &tensor(w)?, &format!("update {t} {name}"))?;
        }
    }
    if Some(avg.n_averaged()) != case["n_averaged"].as_u64() {
        return Err(format!("n_averaged {}", avg.n_averaged()));
    }
    Ok(())
}
