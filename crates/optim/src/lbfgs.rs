//! L-BFGS, as PyTorch's `torch.optim.LBFGS` (after minFunc): a quasi-Newton method that
//! builds an inverse-Hessian estimate from the last `history_size` steps and, optionally,
//! finds each step's length by a line search satisfying the strong Wolfe conditions. It sees
//! all its params at once (as one flat vector) and evaluates the loss several times per step,
//! so it steps through [`Optimizer::step_with_closure`]: the closure zeroes the gradients,
//! runs forward and backward, and returns the loss.
//!
//! One `step_with_closure` runs up to `max_iter` iterations (and `max_eval` evaluations):
//! direction `d = -H g` by the two-loop recursion over the stored pairs `(s, y)`; step length
//! `t = lr` (`min(1, 1 / ||g||_1) * lr` on the very first iteration), or the strong-Wolfe
//! search's; stop when `max |g| <= tolerance_grad`, `max |t d| <= tolerance_change`, the loss
//! changes by less than `tolerance_change`, or `g . d > -tolerance_change`. Its history is
//! kept in f64 (PyTorch keeps it in the params' dtype) and saved with the state.
//!
//! ```
//! use tapegrad_optim::{Lbfgs, LbfgsConfig, Optimizer};
//! use tapegrad_tensor::{Param, Tape, Tensor};
//! // Minimize (x - 3)^2 + (y + 1)^2.
//! let p = Param::new("p", Tensor::from_vec(vec![0.0, 0.0], &[2]));
//! let target = Tensor::from_vec(vec![3.0, -1.0], &[2]);
//! let cfg = LbfgsConfig { line_search_fn: Some("strong_wolfe".into()), ..Default::default() };
//! let mut opt = Lbfgs::new(vec![p.clone()], cfg).unwrap();
//! let mut closure = || {
//!     p.zero_grad();
//!     let tape = Tape::new();
//!     let x = tape.param(&p);
//!     let loss = (&x - &tape.constant(target.clone())).square().sum();
//!     loss.backward();
//!     loss.value().item() as f64
//! };
//! opt.step_with_closure(&mut closure).unwrap();
//! let v = p.value().to_vec();
//! assert!((v[0] - 3.0).abs() < 1e-4 && (v[1] + 1.0).abs() < 1e-4);
//! ```

use crate::error::{check, OptimError};
use crate::optimizer::{
    check_distinct, check_step_lrs, GroupRecord, GroupValues, Optimizer, OptimizerState,
    ParamRecord,
};
use crate::state::StateRecord;
use serde::{Deserialize, Serialize};
use tapegrad_tensor::{Param, Tensor};

/// LBFGS's hyperparameters (PyTorch's names and defaults).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LbfgsConfig {
    /// Step length (default 1).
    pub lr: f64,
    /// Iterations per step (default 20).
    pub max_iter: u64,
    /// Loss evaluations per step (default `max_iter * 5 / 4`).
    pub max_eval: Option<u64>,
    /// Stop when the largest gradient element is this small (default 1e-7).
    pub tolerance_grad: f64,
    /// Stop when the loss or the step changes by less than this (default 1e-9).
    pub tolerance_change: f64,
    /// Stored `(s, y)` pairs (default 100).
    pub history_size: usize,
    /// `None` (fixed step length `lr`) or `"strong_wolfe"`.
    pub line_search_fn: Option<String>,
    /// Maximize the objective instead of minimizing it (default false).
    pub maximize: bool,
}

impl Default for LbfgsConfig {
    fn default() -> Self {
        LbfgsConfig {
            lr: 1.0,
            max_iter: 20,
            max_eval: None,
            tolerance_grad: 1e-7,
            tolerance_change: 1e-9,
            history_size: 100,
            line_search_fn: None,
            maximize: false,
        }
    }
}

impl LbfgsConfig {
    fn max_eval(&self) -> u64 {
        self.max_eval.unwrap_or(self.max_iter * 5 / 4)
    }
}

/// What LBFGS carries from one step to the next (PyTorch's `state[params[0]]`).
#[derive(Clone, Debug, Default, PartialEq)]
struct History {
    func_evals: u64,
    n_iter: u64,
    d: Vec<f64>,
    t: f64,
    old_dirs: Vec<Vec<f64>>,
    old_stps: Vec<Vec<f64>>,
    ro: Vec<f64>,
    h_diag: f64,
    prev_flat_grad: Option<Vec<f64>>,
    prev_loss: f64,
}

/// L-BFGS over its params as one flat vector; step it with
/// [`step_with_closure`](Optimizer::step_with_closure).
#[derive(Clone, Debug)]
pub struct Lbfgs {
    config: LbfgsConfig,
    params: Vec<Param>,
    shapes: Vec<Vec<usize>>,
    history: History,
    values: GroupValues,
}

const NAME: &str = "LBFGS";

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn abs_max(a: &[f64]) -> f64 {
    a.iter().fold(0.0f64, |m, x| m.max(x.abs()))
}

/// PyTorch's `_cubic_interpolate`: the minimizer of the cubic through two points with their
/// slopes, within `bounds` (the points' range by default).
fn cubic_interpolate(
    (x1, f1, g1): (f64, f64, f64),
    (x2, f2, g2): (f64, f64, f64),
    bounds: Option<(f64, f64)>,
) -> f64 {
    let (lo, hi) = bounds.unwrap_or(if x1 <= x2 { (x1, x2) } else { (x2, x1) });
    let d1 = g1 + g2 - 3.0 * (f1 - f2) / (x1 - x2);
    let d2_square = d1 * d1 - g1 * g2;
    if d2_square >= 0.0 {
        let d2 = d2_square.sqrt();
        let min_pos = if x1 <= x2 {
            x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2.0 * d2))
        } else {
            x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2.0 * d2))
        };
        min_pos.max(lo).min(hi)
    } else {
        (lo + hi) / 2.0
    }
}

impl Lbfgs {
    /// LBFGS over `params` (one group: PyTorch's LBFGS has no param groups). Refuses invalid
    /// hyperparameters, an empty list and a param listed twice.
    pub fn new(params: Vec<Param>, config: LbfgsConfig) -> Result<Self, OptimError> {
        check(config.lr >= 0.0, "learning rate", config.lr, "must be >= 0")?;
        check(
            matches!(
                config.line_search_fn.as_deref(),
                None | Some("strong_wolfe")
            ),
            "line_search_fn",
            format!("{:?}", config.line_search_fn),
            "only 'strong_wolfe' is supported",
        )?;
        check(
            config.history_size >= 1,
            "history_size",
            config.history_size,
            "must be >= 1",
        )?;
        if params.is_empty() {
            return Err(OptimError::EmptyParams { optimizer: NAME });
        }
        check_distinct(NAME, [params.as_slice()])?;
        let shapes = params.iter().map(|p| p.shape()).collect();
        Ok(Lbfgs {
            config,
            params,
            shapes,
            history: History::default(),
            values: GroupValues::default(),
        })
    }

    /// The options.
    pub fn config(&self) -> &LbfgsConfig {
        &self.config
    }

    /// Loss evaluations over every step so far (PyTorch's `state["func_evals"]`).
    pub fn func_evals(&self) -> u64 {
        self.history.func_evals
    }

    /// Iterations over every step so far (PyTorch's `state["n_iter"]`).
    pub fn n_iter(&self) -> u64 {
        self.history.n_iter
    }

    fn numel(&self) -> usize {
        self.shapes
            .iter()
            .map(|s| s.iter().product::<usize>())
            .sum()
    }

    /// Every param's gradient, flattened in order (zeros where there is none), negated when
    /// maximizing.
    fn flat_grad(&self) -> Result<Vec<f64>, OptimError> {
        let mut out = Vec::with_capacity(self.numel());
        let sign = if self.config.maximize { -1.0 } else { 1.0 };
        for (p, shape) in self.params.iter().zip(&self.shapes) {
            match p.grad() {
                Some(g) => {
                    if !g.all_finite() {
                        return Err(OptimError::NonFiniteGradient {
                            param: p.name().to_string(),
                            group: 0,
                        });
                    }
                    out.extend(g.as_slice().iter().map(|&x| sign * x as f64));
                }
                None => out.extend(std::iter::repeat_n(0.0, shape.iter().product())),
            }
        }
        Ok(out)
    }

    fn values_now(&self) -> Vec<Tensor> {
        self.params.iter().map(|p| p.value()).collect()
    }

    fn set_values(&self, values: &[Tensor]) {
        for (p, v) in self.params.iter().zip(values) {
            p.set_value(v.clone());
        }
    }

    /// `params += step * update`, computed in f64 and rounded once.
    fn add_scaled(&self, step: f64, update: &[f64]) {
        let mut offset = 0;
        for p in &self.params {
            p.with_slot(|slot| {
                let v = slot.value.as_slice_mut();
                for (x, u) in v.iter_mut().zip(&update[offset..]) {
                    *x = (*x as f64 + step * u) as f32;
                }
                offset += v.len();
            });
        }
    }

    /// The loss (negated when maximizing) of the closure.
    fn evaluate(&self, closure: &mut dyn FnMut() -> f64) -> Result<f64, OptimError> {
        let loss = closure();
        if !loss.is_finite() {
            return Err(OptimError::InvalidHyperparameter {
                name: "loss",
                value: loss.to_string(),
                reason: "LBFGS's closure returned a non-finite loss".into(),
            });
        }
        Ok(if self.config.maximize { -loss } else { loss })
    }

    /// Loss and gradient at `x + t d`, then back to `x` (PyTorch's `_directional_evaluate`).
    fn directional(
        &self,
        closure: &mut dyn FnMut() -> f64,
        x: &[Tensor],
        t: f64,
        d: &[f64],
    ) -> Result<(f64, Vec<f64>), OptimError> {
        self.add_scaled(t, d);
        let outcome = self
            .evaluate(closure)
            .and_then(|loss| Ok((loss, self.flat_grad()?)));
        self.set_values(x);
        outcome
    }

    /// PyTorch's `_strong_wolfe`: a step length along `d` from `t`, with the loss and
    /// gradient there and the evaluations it took.
    #[allow(clippy::too_many_arguments)]
    fn strong_wolfe(
        &self,
        closure: &mut dyn FnMut() -> f64,
        x: &[Tensor],
        mut t: f64,
        d: &[f64],
        f: f64,
        g: &[f64],
        gtd: f64,
        max_ls: i64,
    ) -> Result<(f64, Vec<f64>, f64, u64), OptimError> {
        let (c1, c2, tolerance_change) = (1e-4, 0.9, 1e-9);
        let d_norm = abs_max(d);
        let (mut f_new, mut g_new) = self.directional(closure, x, t, d)?;
        let mut evals = 1u64;
        let mut gtd_new = dot(&g_new, d);
        let (mut t_prev, mut f_prev, mut g_prev, mut gtd_prev) = (0.0, f, g.to_vec(), gtd);
        let mut done = false;
        let mut ls_iter = 0i64;
        let mut bracket: Vec<f64> = Vec::new();
        let mut bracket_f: Vec<f64> = Vec::new();
        let mut bracket_g: Vec<Vec<f64>> = Vec::new();
        let mut bracket_gtd: Vec<f64> = Vec::new();
        while ls_iter < max_ls {
            if f_new > f + c1 * t * gtd || (ls_iter > 1 && f_new >= f_prev) {
                bracket = vec![t_prev, t];
                bracket_f = vec![f_prev, f_new];
                bracket_g = vec![g_prev.clone(), g_new.clone()];
                bracket_gtd = vec![gtd_prev, gtd_new];
                break;
            }
            if gtd_new.abs() <= -c2 * gtd {
                bracket = vec![t];
                bracket_f = vec![f_new];
                bracket_g = vec![g_new.clone()];
                done = true;
                break;
            }
            if gtd_new >= 0.0 {
                bracket = vec![t_prev, t];
                bracket_f = vec![f_prev, f_new];
                bracket_g = vec![g_prev.clone(), g_new.clone()];
                bracket_gtd = vec![gtd_prev, gtd_new];
                break;
            }
            let min_step = t + 0.01 * (t - t_prev);
            let max_step = t * 10.0;
            let tmp = t;
            t = cubic_interpolate(
                (t_prev, f_prev, gtd_prev),
                (t, f_new, gtd_new),
                Some((min_step, max_step)),
            );
            t_prev = tmp;
            f_prev = f_new;
            g_prev = g_new.clone();
            gtd_prev = gtd_new;
            (f_new, g_new) = self.directional(closure, x, t, d)?;
            evals += 1;
            gtd_new = dot(&g_new, d);
            ls_iter += 1;
        }
        if ls_iter == max_ls {
            bracket = vec![0.0, t];
            bracket_f = vec![f, f_new];
            bracket_g = vec![g.to_vec(), g_new.clone()];
        }
        let mut insuf_progress = false;
        let (mut low, mut high) = if bracket_f[0] <= bracket_f[bracket_f.len() - 1] {
            (0, 1)
        } else {
            (1, 0)
        };
        while !done && ls_iter < max_ls {
            if (bracket[1] - bracket[0]).abs() * d_norm < tolerance_change {
                break;
            }
            t = cubic_interpolate(
                (bracket[0], bracket_f[0], bracket_gtd[0]),
                (bracket[1], bracket_f[1], bracket_gtd[1]),
                None,
            );
            let (bmax, bmin) = (bracket[0].max(bracket[1]), bracket[0].min(bracket[1]));
            let eps = 0.1 * (bmax - bmin);
            if (bmax - t).min(t - bmin) < eps {
                if insuf_progress || t >= bmax || t <= bmin {
                    t = if (t - bmax).abs() < (t - bmin).abs() {
                        bmax - eps
                    } else {
                        bmin + eps
                    };
                    insuf_progress = false;
                } else {
                    insuf_progress = true;
                }
            } else {
                insuf_progress = false;
            }
            (f_new, g_new) = self.directional(closure, x, t, d)?;
            evals += 1;
            gtd_new = dot(&g_new, d);
            ls_iter += 1;
            if f_new > f + c1 * t * gtd || f_new >= bracket_f[low] {
                bracket[high] = t;
                bracket_f[high] = f_new;
                bracket_g[high] = g_new.clone();
                bracket_gtd[high] = gtd_new;
                (low, high) = if bracket_f[0] <= bracket_f[1] {
                    (0, 1)
                } else {
                    (1, 0)
                };
            } else {
                if gtd_new.abs() <= -c2 * gtd {
                    done = true;
                } else if gtd_new * (bracket[high] - bracket[low]) >= 0.0 {
                    bracket[high] = bracket[low];
                    bracket_f[high] = bracket_f[low];
                    bracket_g[high] = bracket_g[low].clone();
                    bracket_gtd[high] = bracket_gtd[low];
                }
                bracket[low] = t;
                bracket_f[low] = f_new;
                bracket_g[low] = g_new.clone();
                bracket_gtd[low] = gtd_new;
            }
        }
        Ok((bracket_f[low], bracket_g[low].clone(), bracket[low], evals))
    }

    /// PyTorch's `LBFGS.step(closure)`. On an error (a non-finite gradient or loss) the params
    /// are left where the last complete iteration put them and the history is not updated.
    fn run(&mut self, closure: &mut dyn FnMut() -> f64) -> Result<f64, OptimError> {
        check_step_lrs(self)?;
        let c = self.config.clone();
        let max_eval = c.max_eval();
        let mut h = self.history.clone();
        let orig_loss = closure();
        let mut loss = self.evaluate(&mut || orig_loss)?;
        let mut current_evals = 1u64;
        h.func_evals += 1;
        let mut flat_grad = self.flat_grad()?;
        if abs_max(&flat_grad) <= c.tolerance_grad {
            self.history = h;
            return Ok(orig_loss);
        }
        let mut n_iter = 0u64;
        while n_iter < c.max_iter {
            n_iter += 1;
            h.n_iter += 1;
            if h.n_iter == 1 {
                h.d = flat_grad.iter().map(|g| -g).collect();
                h.old_dirs.clear();
                h.old_stps.clear();
                h.ro.clear();
                h.h_diag = 1.0;
            } else {
                let prev = h
                    .prev_flat_grad
                    .as_ref()
                    .expect("set after the first iteration");
                let y: Vec<f64> = flat_grad.iter().zip(prev).map(|(a, b)| a - b).collect();
                let s: Vec<f64> = h.d.iter().map(|d| d * h.t).collect();
                let ys = dot(&y, &s);
                if ys > 1e-10 {
                    if h.old_dirs.len() == c.history_size {
                        h.old_dirs.remove(0);
                        h.old_stps.remove(0);
                        h.ro.remove(0);
                    }
                    h.h_diag = ys / dot(&y, &y);
                    h.old_dirs.push(y);
                    h.old_stps.push(s);
                    h.ro.push(1.0 / ys);
                }
                let num_old = h.old_dirs.len();
                let mut al = vec![0.0; num_old];
                let mut q: Vec<f64> = flat_grad.iter().map(|g| -g).collect();
                for i in (0..num_old).rev() {
                    al[i] = dot(&h.old_stps[i], &q) * h.ro[i];
                    for (q, y) in q.iter_mut().zip(&h.old_dirs[i]) {
                        *q -= al[i] * y;
                    }
                }
                let mut r: Vec<f64> = q.iter().map(|q| q * h.h_diag).collect();
                for (i, al_i) in al.iter().enumerate() {
                    let be_i = dot(&h.old_dirs[i], &r) * h.ro[i];
                    for (r, s) in r.iter_mut().zip(&h.old_stps[i]) {
                        *r += (al_i - be_i) * s;
                    }
                }
                h.d = r;
            }
            h.prev_flat_grad = Some(flat_grad.clone());
            h.prev_loss = loss;
            h.t = if h.n_iter == 1 {
                let l1: f64 = flat_grad.iter().map(|g| g.abs()).sum();
                (1.0f64).min(1.0 / l1) * c.lr
            } else {
                c.lr
            };
            let gtd = dot(&flat_grad, &h.d);
            if gtd > -c.tolerance_change {
                break;
            }
            let mut ls_func_evals = 0;
            let opt_cond;
            if c.line_search_fn.is_some() {
                let x = self.values_now();
                let max_ls = max_eval as i64 - current_evals as i64;
                let (f, g, t, evals) =
                    self.strong_wolfe(closure, &x, h.t, &h.d, loss, &flat_grad, gtd, max_ls)?;
                (loss, flat_grad, h.t, ls_func_evals) = (f, g, t, evals);
                self.add_scaled(h.t, &h.d);
                opt_cond = abs_max(&flat_grad) <= c.tolerance_grad;
            } else {
                self.add_scaled(h.t, &h.d);
                if n_iter != c.max_iter {
                    loss = self.evaluate(closure)?;
                    flat_grad = self.flat_grad()?;
                    opt_cond = abs_max(&flat_grad) <= c.tolerance_grad;
                    ls_func_evals = 1;
                } else {
                    opt_cond = false;
                }
            }
            current_evals += ls_func_evals;
            h.func_evals += ls_func_evals;
            if n_iter == c.max_iter
                || current_evals >= max_eval
                || opt_cond
                || abs_max(&h.d) * h.t.abs() <= c.tolerance_change
                || (loss - h.prev_loss).abs() < c.tolerance_change
            {
                break;
            }
        }
        self.history = h;
        Ok(orig_loss)
    }
}

impl Optimizer for Lbfgs {
    fn name(&self) -> &'static str {
        NAME
    }

    /// LBFGS needs its closure: this refuses, pointing at
    /// [`step_with_closure`](Optimizer::step_with_closure).
    fn step(&mut self) -> Result<(), OptimError> {
        Err(OptimError::InvalidOptions {
            optimizer: NAME,
            message: "LBFGS re-evaluates the loss: step it with step_with_closure(&mut closure)"
                .into(),
        })
    }

    fn step_with_closure(&mut self, closure: &mut dyn FnMut() -> f64) -> Result<f64, OptimError> {
        self.run(closure)
    }

    fn zero_grad(&self) {
        for p in &self.params {
            p.zero_grad();
        }
    }

    fn num_groups(&self) -> usize {
        1
    }

    fn group_params(&self, group: usize) -> &[Param] {
        assert!(group == 0, "no parameter group {group} (LBFGS has 1)");
        &self.params
    }

    fn lr(&self, group: usize) -> f64 {
        assert!(group == 0, "no parameter group {group} (LBFGS has 1)");
        self.config.lr
    }

    fn write_lr(&mut self, group: usize, lr: f64) {
        assert!(group == 0, "no parameter group {group} (LBFGS has 1)");
        self.config.lr = lr;
    }

    fn momentum(&self, _group: usize) -> Option<f64> {
        None
    }

    fn set_momentum(&mut self, _group: usize, momentum: f64) -> Result<(), OptimError> {
        Err(OptimError::InvalidHyperparameter {
            name: "momentum",
            value: momentum.to_string(),
            reason: "LBFGS has no momentum to set".into(),
        })
    }

    fn group_value(&self, _group: usize, key: &str) -> Option<f64> {
        self.values.get(key)
    }

    fn set_group_value(&mut self, _group: usize, key: &str, value: f64) {
        self.values.set(key, value);
    }

    fn group_options(&self, _group: usize) -> serde_json::Value {
        serde_json::to_value(&self.config).expect("configs serialize")
    }

    fn state(&self) -> OptimizerState {
        let h = &self.history;
        let mut record = StateRecord {
            step: h.n_iter,
            scalars: vec![
                ("func_evals".into(), h.func_evals as f64),
                ("t".into(), h.t),
                ("H_diag".into(), h.h_diag),
                ("prev_loss".into(), h.prev_loss),
                ("history".into(), h.old_dirs.len() as f64),
            ],
            ..Default::default()
        };
        record.wide.push(("d".into(), h.d.clone()));
        record.wide.push(("ro".into(), h.ro.clone()));
        if let Some(p) = &h.prev_flat_grad {
            record.wide.push(("prev_flat_grad".into(), p.clone()));
        }
        for (i, (y, s)) in h.old_dirs.iter().zip(&h.old_stps).enumerate() {
            record.wide.push((format!("old_dirs.{i}"), y.clone()));
            record.wide.push((format!("old_stps.{i}"), s.clone()));
        }
        let params = self
            .params
            .iter()
            .zip(&self.shapes)
            .enumerate()
            .map(|(i, (p, shape))| ParamRecord {
                name: p.name().to_string(),
                shape: shape.clone(),
                state: (i == 0 && h.n_iter > 0).then(|| record.clone()),
            })
            .collect();
        OptimizerState {
            optimizer: NAME.into(),
            groups: vec![GroupRecord {
                options: serde_json::to_string(&self.config).expect("configs serialize"),
                params,
                values: self.values.0.clone(),
            }],
        }
    }

    fn load_state(&mut self, state: &OptimizerState) -> Result<(), OptimError> {
        let mismatch = |m: String| Err(OptimError::StateMismatch(m));
        if state.optimizer != NAME {
            return mismatch(format!("saved by {}, loading into {NAME}", state.optimizer));
        }
        let [group] = state.groups.as_slice() else {
            return mismatch(format!("{} groups saved, LBFGS has 1", state.groups.len()));
        };
        let config: LbfgsConfig =
            serde_json::from_str(&group.options).map_err(|e| OptimError::InvalidOptions {
                optimizer: NAME,
                message: e.to_string(),
            })?;
        if group.params.len() != self.params.len()
            || group
                .params
                .iter()
                .zip(&self.shapes)
                .any(|(r, s)| &r.shape != s)
        {
            return mismatch("LBFGS: the saved params differ in number or shape".into());
        }
        let n = self.numel();
        let history = match group.params.first().and_then(|p| p.state.as_ref()) {
            None => History::default(),
            Some(r) => {
                let count = r.scalar("history")?;
                if !(count >= 0.0 && count <= config.history_size as f64 && count.fract() == 0.0) {
                    return mismatch(format!("LBFGS: history of {count} pairs"));
                }
                let count = count as usize;
                let mut old_dirs = Vec::with_capacity(count);
                let mut old_stps = Vec::with_capacity(count);
                for i in 0..count {
                    old_dirs.push(r.wide_buffer(&format!("old_dirs.{i}"), n)?);
                    old_stps.push(r.wide_buffer(&format!("old_stps.{i}"), n)?);
                }
                let prev_flat_grad = r
                    .wide
                    .iter()
                    .any(|(k, _)| k == "prev_flat_grad")
                    .then(|| r.wide_buffer("prev_flat_grad", n))
                    .transpose()?;
                History {
                    func_evals: r.scalar("func_evals")? as u64,
                    n_iter: r.step,
                    d: r.wide_buffer("d", n)?,
                    t: r.scalar("t")?,
                    old_dirs,
                    old_stps,
                    ro: r.wide_buffer("ro", count)?,
                    h_diag: r.scalar("H_diag")?,
                    prev_flat_grad,
                    prev_loss: r.scalar("prev_loss")?,
                }
            }
        };
        self.config = config;
        self.history = history;
        self.values = GroupValues(group.values.clone());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tapegrad_tensor::Tape;

    /// Rosenbrock's function of (p[0], p[1]), as a closure for `step_with_closure`.
    fn rosenbrock(p: &Param) -> impl FnMut() -> f64 + '_ {
        move || {
            p.zero_grad();
            let tape = Tape::new();
            let v = tape.param(p);
            let (x, y) = (v.value().to_vec()[0], v.value().to_vec()[1]);
            // f = 100 (y - x^2)^2 + (1 - x)^2, gradient by hand (a test of the optimizer).
            let f = 100.0 * (y - x * x).powi(2) + (1.0 - x).powi(2);
            let gx = -400.0 * x * (y - x * x) - 2.0 * (1.0 - x);
            let gy = 200.0 * (y - x * x);
            p.set_grad(Some(Tensor::from_vec(vec![gx, gy], &[2])));
            f as f64
        }
    }

    #[test]
    fn resumes_exactly_and_refuses_a_plain_step() {
        let cfg = LbfgsConfig {
            max_iter: 4,
            history_size: 3,
            line_search_fn: Some("strong_wolfe".into()),
            ..Default::default()
        };
        let a = Param::new("p", Tensor::from_vec(vec![-1.2, 1.0], &[2]));
        let mut opt = Lbfgs::new(vec![a.clone()], cfg.clone()).unwrap();
        assert!(opt.step().is_err());
        for _ in 0..3 {
            opt.step_with_closure(&mut rosenbrock(&a)).unwrap();
        }
        let json = serde_json::to_string(&opt.state()).unwrap();
        let b = Param::new("p", a.value());
        let mut resumed = Lbfgs::new(vec![b.clone()], cfg).unwrap();
        resumed
            .load_state(&serde_json::from_str(&json).unwrap())
            .unwrap();
        for _ in 0..3 {
            opt.step_with_closure(&mut rosenbrock(&a)).unwrap();
            resumed.step_with_closure(&mut rosenbrock(&b)).unwrap();
        }
        assert_eq!(a.value().to_vec(), b.value().to_vec());
        assert_eq!(opt.state(), resumed.state());
        let f = |v: Vec<f32>| 100.0 * (v[1] - v[0] * v[0]).powi(2) + (1.0 - v[0]).powi(2);
        assert!(
            f(a.value().to_vec()) < f(vec![-1.2, 1.0]) / 10.0,
            "{:?}",
            a.value()
        );
    }

    #[test]
    fn a_non_finite_loss_is_an_error() {
        let a = Param::new("p", Tensor::from_vec(vec![0.5, 0.5], &[2]));
        let mut opt = Lbfgs::new(vec![a.clone()], LbfgsConfig::default()).unwrap();
        let mut nan = || {
            a.set_grad(Some(Tensor::ones(&[2])));
            f64::NAN
        };
        assert!(opt.step_with_closure(&mut nan).is_err());
        assert_eq!(a.value().to_vec(), vec![0.5, 0.5]);
    }
}
