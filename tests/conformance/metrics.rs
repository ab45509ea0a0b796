//! metrics.json: scikit-learn's precision, recall, F1 (per class, macro, weighted), confusion
//! matrix and accuracy, and its mean squared error, mean absolute error and R², against
//! tapegrad's `ClassificationReport` and regression metrics on the same inputs, within
//! 1e-9 relative (both accumulate in f64; only the summation order differs).

use crate::case::tensor;
use crate::common::{load, Report};
use serde_json::Value;
use std::path::Path;
use tapegrad::data::metrics::{
    mean_absolute_error, mean_squared_error, r2_score, ClassScore, ClassificationReport,
};

/// Runs every case of metrics.json.
pub fn run(dir: &Path) -> Report {
    let file = load(dir, "metrics.json");
    let cases = file["cases"].as_array().cloned().unwrap_or_default();
    Report::run("metrics", &cases, check)
}

fn check(case: &Value) -> Result<(), String> {
    if case.get("classes").is_some() {
        check_classes(case)
    } else if case.get("targets").is_some() {
        check_values(case)
    } else {
        Err("neither a classification nor a regression case".into())
    }
}

/// A float of the fixture: a number or `"nan"`.
fn float(v: &Value, what: &str) -> Result<f64, String> {
    match v {
        Value::String(s) if s == "nan" => Ok(f64::NAN),
        _ => v.as_f64().ok_or(format!("{what}: not a number")),
    }
}

fn near(got: f64, want: f64, what: &str) -> Result<(), String> {
    let ok = (got.is_nan() && want.is_nan()) || (got - want).abs() <= 1e-12 + 1e-9 * want.abs();
    ok.then_some(())
        .ok_or(format!("{what}: got {got}, scikit-learn {want}"))
}

fn indices(v: &Value, what: &str) -> Result<Vec<usize>, String> {
    v.as_array()
        .ok_or(format!("no {what}"))?
        .iter()
        .map(|x| {
            x.as_u64()
                .map(|x| x as usize)
                .ok_or(format!("{what}: not an index"))
        })
        .collect()
}

fn check_classes(case: &Value) -> Result<(), String> {
    let classes = case["classes"].as_u64().ok_or("no classes")? as usize;
    let p = indices(&case["predictions"], "predictions")?;
    let l = indices(&case["labels"], "labels")?;
    let r = ClassificationReport::new(&p, &l, classes);
    for (field, get) in [
        (
            "precision",
            (|s: &ClassScore| s.precision) as fn(&ClassScore) -> f64,
        ),
        ("recall", |s| s.recall),
        ("f1", |s| s.f1),
    ] {
        let want = case[field].as_array().ok_or(format!("no {field}"))?;
        if want.len() != classes {
            return Err(format!(
                "{field}: {} values for {classes} classes",
                want.len()
            ));
        }
        for (c, w) in want.iter().enumerate() {
            near(
                get(&r.per_class[c]),
                float(w, field)?,
                &format!("{field} of class {c}"),
            )?;
        }
    }
    let support: Vec<u64> = r.per_class.iter().map(|s| s.support).collect();
    let want: Vec<u64> = indices(&case["support"], "support")?
        .iter()
        .map(|&s| s as u64)
        .collect();
    if support != want {
        return Err(format!("support {support:?}, scikit-learn {want:?}"));
    }
    for (avg, got) in [("macro", r.macro_avg), ("weighted", r.weighted_avg)] {
        let w = case[avg].as_array().ok_or(format!("no {avg}"))?;
        let got = [got.precision, got.recall, got.f1];
        if w.len() != 3 {
            return Err(format!("{avg}: expected precision, recall, f1"));
        }
        for ((g, w), name) in got.iter().zip(w).zip(["precision", "recall", "f1"]) {
            near(*g, float(w, avg)?, &format!("{avg} {name}"))?;
        }
    }
    let confusion: Vec<Vec<u64>> = case["confusion"]
        .as_array()
        .ok_or("no confusion")?
        .iter()
        .map(|row| indices(row, "confusion").map(|r| r.iter().map(|&x| x as u64).collect()))
        .collect::<Result<_, _>>()?;
    if r.confusion != confusion {
        return Err(format!(
            "confusion {:?}, scikit-learn {confusion:?}",
            r.confusion
        ));
    }
    near(
        r.accuracy,
        float(&case["accuracy"], "accuracy")?,
        "accuracy",
    )
}

fn check_values(case: &Value) -> Result<(), String> {
    let p = tensor(&case["predictions"])?;
    let t = tensor(&case["targets"])?;
    near(
        mean_squared_error(&p, &t),
        float(&case["mse"], "mse")?,
        "mse",
    )?;
    near(
        mean_absolute_error(&p, &t),
        float(&case["mae"], "mae")?,
        "mae",
    )?;
    near(r2_score(&p, &t), float(&case["r2"], "r2")?, "r2")
}
