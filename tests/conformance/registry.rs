//! The op registry: how the fixtures' op names map onto tapegrad's API, one line per op.
//! Adding an op is one file under `crates/tensor/src/ops/`, one line here and one `case(...)`
//! line in `tests/fixtures/gen/ops.py`; a fixture op missing from this table fails, it is never
//! skipped.
//!
//! Shared by the conformance runners (`ops.json`, `random_ops.json`) and the tensor crate's
//! unit tests (`check_cases`), which include this file; the includer provides `super::api`
//! (the tensor crate's public names).

use super::api::{BoolTensor, GeluApproximate, IntTensor, Var};
use serde_json::Value;

/// An op's argument: a float value on the tape, an index tensor or a mask.
#[derive(Clone)]
pub enum Arg {
    /// A float tensor (leaf or constant).
    F(Var),
    /// An int64 tensor (indices, class targets).
    I(IntTensor),
    /// A bool tensor (masks, conditions).
    B(BoolTensor),
}

/// An op's result.
pub enum Out {
    /// One float value.
    F(Var),
    /// Several float values (split, chunk).
    Many(Vec<Var>),
    /// An int64 tensor (argmax, argmin).
    I(IntTensor),
    /// A bool tensor (comparisons).
    B(BoolTensor),
}

impl From<Var> for Out {
    fn from(v: Var) -> Out {
        Out::F(v)
    }
}

/// One application of an op: its arguments and its attributes (`attrs` of the fixture).
pub struct Call<'a> {
    /// The op's name.
    pub op: &'a str,
    /// The arguments, in the fixture's order.
    pub args: &'a [Arg],
    /// The attributes.
    pub attrs: &'a Value,
}

type R<T> = Result<T, String>;

impl Call<'_> {
    /// Float argument `i`.
    pub fn f(&self, i: usize) -> R<&Var> {
        match self.args.get(i) {
            Some(Arg::F(v)) => Ok(v),
            _ => Err(format!("{}: argument {i} must be a float tensor", self.op)),
        }
    }

    /// Int argument `i`.
    pub fn i(&self, i: usize) -> R<&IntTensor> {
        match self.args.get(i) {
            Some(Arg::I(v)) => Ok(v),
            _ => Err(format!("{}: argument {i} must be an int64 tensor", self.op)),
        }
    }

    /// Bool argument `i`.
    pub fn b(&self, i: usize) -> R<&BoolTensor> {
        match self.args.get(i) {
            Some(Arg::B(v)) => Ok(v),
            _ => Err(format!("{}: argument {i} must be a bool tensor", self.op)),
        }
    }

    /// Every argument as a float value (cat, stack).
    pub fn all_f(&self) -> R<Vec<&Var>> {
        (0..self.args.len()).map(|i| self.f(i)).collect()
    }

    fn get(&self, key: &str) -> &Value {
        &self.attrs[key]
    }

    /// An integer attribute.
    pub fn int(&self, key: &str) -> R<i64> {
        self.get(key).as_i64().ok_or(format!(
            "{}: attr {key:?} missing or not an integer",
            self.op
        ))
    }

    /// An integer attribute that may be null.
    pub fn opt_int(&self, key: &str) -> R<Option<i64>> {
        match self.get(key) {
            Value::Null => Ok(None),
            _ => self.int(key).map(Some),
        }
    }

    /// A non-negative integer attribute.
    pub fn usize(&self, key: &str) -> R<usize> {
        usize::try_from(self.int(key)?).map_err(|e| format!("{}: attr {key:?}: {e}", self.op))
    }

    /// A list of integers (or a single integer).
    pub fn ints(&self, key: &str) -> R<Vec<i64>> {
        match self.get(key) {
            Value::Array(a) => a
                .iter()
                .map(|d| {
                    d.as_i64()
                        .ok_or(format!("{}: bad {key} entry {d}", self.op))
                })
                .collect(),
            v => v
                .as_i64()
                .map(|d| vec![d])
                .ok_or(format!("{}: attr {key:?} missing or not integers", self.op)),
        }
    }

    /// An axis list: absent or null for "all" (an empty list), else an int or a list of ints.
    pub fn dims(&self, key: &str) -> R<Vec<isize>> {
        match self.get(key) {
            Value::Null => Ok(Vec::new()),
            _ => Ok(self.ints(key)?.into_iter().map(|d| d as isize).collect()),
        }
    }

    /// A float attribute (`"inf"`, `"-inf"` and `"nan"` are read as such).
    pub fn f32(&self, key: &str) -> R<f32> {
        self.opt_f32(key)?
            .ok_or(format!("{}: attr {key:?} missing", self.op))
    }

    /// A float attribute that may be absent or null.
    pub fn opt_f32(&self, key: &str) -> R<Option<f32>> {
        match self.get(key) {
            Value::Null => Ok(None),
            Value::String(s) => match s.as_str() {
                "inf" => Ok(Some(f32::INFINITY)),
                "-inf" => Ok(Some(f32::NEG_INFINITY)),
                "nan" => Ok(Some(f32::NAN)),
                _ => Err(format!("{}: attr {key:?} = {s:?} is not a number", self.op)),
            },
            v => v
                .as_f64()
                .map(|x| Some(x as f32))
                .ok_or(format!("{}: attr {key:?} is not a number", self.op)),
        }
    }

    /// A bool attribute, false when absent.
    pub fn flag(&self, key: &str) -> R<bool> {
        match self.get(key) {
            Value::Null => Ok(false),
            v => v
                .as_bool()
                .ok_or(format!("{}: attr {key:?} is not a bool", self.op)),
        }
    }

    /// The reduction axes: `dim` (or the older `axis`), null or absent for all.
    pub fn reduce_dims(&self) -> R<Vec<isize>> {
        if self.get("dim").is_null() {
            self.dims("axis")
        } else {
            self.dims("dim")
        }
    }

    /// The single reduction axis, `None` for all.
    pub fn reduce_dim(&self) -> R<Option<isize>> {
        let key = if self.get("dim").is_null() {
            "axis"
        } else {
            "dim"
        };
        Ok(self.opt_int(key)?.map(|d| d as isize))
    }

    /// `keepdim`, false when absent.
    pub fn keepdim(&self) -> R<bool> {
        self.flag("keepdim")
    }
}

/// An op: its name, how many arguments it takes (`None`: any number, at least one) and how
/// to apply it.
pub type OpFn = fn(&Call) -> R<Out>;

/// Every op the fixtures use, one line each.
pub const OPS: &[(&str, Option<usize>, OpFn)] = &[
    // elementwise binary, with broadcasting
    ("add", Some(2), |c| Ok((c.f(0)? + c.f(1)?).into())),
    ("sub", Some(2), |c| Ok((c.f(0)? - c.f(1)?).into())),
    ("mul", Some(2), |c| Ok((c.f(0)? * c.f(1)?).into())),
    ("div", Some(2), |c| Ok((c.f(0)? / c.f(1)?).into())),
    ("pow", Some(2), |c| Ok(c.f(0)?.pow(c.f(1)?).into())),
    ("maximum", Some(2), |c| Ok(c.f(0)?.maximum(c.f(1)?).into())),
    ("minimum", Some(2), |c| Ok(c.f(0)?.minimum(c.f(1)?).into())),
    // elementwise unary
    ("neg", Some(1), |c| Ok(c.f(0)?.neg().into())),
    ("exp", Some(1), |c| Ok(c.f(0)?.exp().into())),
    ("expm1", Some(1), |c| Ok(c.f(0)?.expm1().into())),
    ("log", Some(1), |c| Ok(c.f(0)?.log().into())),
    ("log1p", Some(1), |c| Ok(c.f(0)?.log1p().into())),
    ("sqrt", Some(1), |c| Ok(c.f(0)?.sqrt().into())),
    ("square", Some(1), |c| Ok(c.f(0)?.square().into())),
    ("abs", Some(1), |c| Ok(c.f(0)?.abs().into())),
    ("sign", Some(1), |c| Ok(c.f(0)?.sign().into())),
    ("sin", Some(1), |c| Ok(c.f(0)?.sin().into())),
    ("cos", Some(1), |c| Ok(c.f(0)?.cos().into())),
    ("erf", Some(1), |c| Ok(c.f(0)?.erf().into())),
    ("powf", Some(1), |c| {
        Ok(c.f(0)?.powf(c.f32("exponent")?).into())
    }),
    ("clamp", Some(1), |c| {
        Ok(c.f(0)?.clamp(c.opt_f32("min")?, c.opt_f32("max")?).into())
    }),
    ("sigmoid", Some(1), |c| Ok(c.f(0)?.sigmoid().into())),
    ("tanh", Some(1), |c| Ok(c.f(0)?.tanh().into())),
    ("relu", Some(1), |c| Ok(c.f(0)?.relu().into())),
    ("leaky_relu", Some(1), |c| {
        Ok(c.f(0)?.leaky_relu(c.f32("negative_slope")?).into())
    }),
    ("softplus", Some(1), |c| {
        let beta = c.opt_f32("beta")?.unwrap_or(1.0);
        let threshold = c.opt_f32("threshold")?.unwrap_or(20.0);
        Ok(c.f(0)?.softplus_with(beta, threshold).into())
    }),
    ("gelu", Some(1), |c| {
        let approximate = match c.attrs["approximate"].as_str() {
            None | Some("none") => GeluApproximate::None,
            Some("tanh") => GeluApproximate::Tanh,
            Some(a) => return Err(format!("gelu: unknown approximate {a:?}")),
        };
        Ok(c.f(0)?.gelu_with(approximate).into())
    }),
    ("add_scalar", Some(1), |c| {
        Ok(c.f(0)?.add_scalar(c.f32("scalar")?).into())
    }),
    ("mul_scalar", Some(1), |c| {
        Ok(c.f(0)?.mul_scalar(c.f32("scalar")?).into())
    }),
    // comparisons (bool results) and selection by a mask
    ("gt", Some(2), |c| Ok(Out::B(c.f(0)?.gt(c.f(1)?)))),
    ("ge", Some(2), |c| Ok(Out::B(c.f(0)?.ge(c.f(1)?)))),
    ("lt", Some(2), |c| Ok(Out::B(c.f(0)?.lt(c.f(1)?)))),
    ("le", Some(2), |c| Ok(Out::B(c.f(0)?.le(c.f(1)?)))),
    ("eq", Some(2), |c| Ok(Out::B(c.f(0)?.eq(c.f(1)?)))),
    ("ne", Some(2), |c| Ok(Out::B(c.f(0)?.ne(c.f(1)?)))),
    ("where", Some(3), |c| {
        Ok(Var::where_cond(c.b(0)?, c.f(1)?, c.f(2)?).into())
    }),
    ("masked_fill", Some(2), |c| {
        Ok(c.f(0)?.masked_fill(c.b(1)?, c.f32("value")?).into())
    }),
    // selection by indices and ranges
    ("index_select", Some(2), |c| {
        Ok(c.f(0)?.index_select(c.int("dim")? as isize, c.i(1)?).into())
    }),
    ("embedding", Some(2), |c| {
        Ok(c.f(1)?.embedding(c.i(0)?).into())
    }),
    ("gather", Some(2), |c| {
        Ok(c.f(0)?.gather(c.int("dim")? as isize, c.i(1)?).into())
    }),
    ("scatter_add", Some(3), |c| {
        Ok(c.f(0)?
            .scatter_add(c.int("dim")? as isize, c.i(1)?, c.f(2)?)
            .into())
    }),
    ("narrow", Some(1), |c| {
        Ok(c.f(0)?
            .narrow(
                c.int("dim")? as isize,
                c.int("start")? as isize,
                c.usize("length")?,
            )
            .into())
    }),
    ("slice", Some(1), |c| {
        let (s, e) = (c.opt_int("start")?, c.opt_int("end")?);
        let step = c.opt_int("step")?.unwrap_or(1) as usize;
        Ok(c.f(0)?
            .slice(
                c.int("dim")? as isize,
                s.map(|s| s as isize),
                e.map(|e| e as isize),
                step,
            )
            .into())
    }),
    ("cat", None, |c| {
        Ok(Var::cat(&c.all_f()?, c.int("dim")? as isize).into())
    }),
    ("stack", None, |c| {
        Ok(Var::stack(&c.all_f()?, c.int("dim")? as isize).into())
    }),
    ("split", Some(1), |c| {
        let dim = c.int("dim")? as isize;
        Ok(Out::Many(match &c.attrs["split_size"] {
            Value::Array(_) => c.f(0)?.split_sizes(
                &c.ints("split_size")?
                    .iter()
                    .map(|&s| s as usize)
                    .collect::<Vec<_>>(),
                dim,
            ),
            _ => c.f(0)?.split(c.usize("split_size")?, dim),
        }))
    }),
    ("chunk", Some(1), |c| {
        Ok(Out::Many(
            c.f(0)?.chunk(c.usize("chunks")?, c.int("dim")? as isize),
        ))
    }),
    // shape
    ("reshape", Some(1), |c| {
        let x = c.f(0)?;
        Ok(
            x.reshape(&target_shape(&c.ints("shape")?, x.value().len())?)
                .into(),
        )
    }),
    ("transpose", Some(1), |c| match c.opt_int("dim0")? {
        None => Ok(c.f(0)?.t().into()),
        Some(d0) => Ok(c
            .f(0)?
            .transpose(d0 as isize, c.int("dim1")? as isize)
            .into()),
    }),
    ("permute", Some(1), |c| {
        Ok(c.f(0)?.permute(&c.dims("dims")?).into())
    }),
    ("squeeze", Some(1), |c| match &c.attrs["dim"] {
        Value::Null => Ok(c.f(0)?.squeeze_all().into()),
        _ => Ok(c.f(0)?.squeeze(&c.dims("dim")?).into()),
    }),
    ("unsqueeze", Some(1), |c| {
        Ok(c.f(0)?.unsqueeze(c.int("dim")? as isize).into())
    }),
    ("flatten", Some(1), |c| {
        Ok(c.f(0)?
            .flatten(c.int("start_dim")? as isize, c.int("end_dim")? as isize)
            .into())
    }),
    ("expand", Some(1), |c| {
        Ok(c.f(0)?.expand(&c.dims("sizes")?).into())
    }),
    ("broadcast_to", Some(1), |c| {
        let shape: Vec<usize> = c.ints("shape")?.iter().map(|&d| d as usize).collect();
        Ok(c.f(0)?.broadcast_to(&shape).into())
    }),
    // reductions
    ("sum", Some(1), |c| {
        Ok(c.f(0)?.sum_axes(&c.reduce_dims()?, c.keepdim()?).into())
    }),
    ("mean", Some(1), |c| {
        Ok(c.f(0)?.mean_axes(&c.reduce_dims()?, c.keepdim()?).into())
    }),
    ("prod", Some(1), |c| {
        Ok(c.f(0)?.prod_axes(&c.reduce_dims()?, c.keepdim()?).into())
    }),
    ("max", Some(1), |c| match c.reduce_dim()? {
        None => Ok(c.f(0)?.max().into()),
        Some(d) => Ok(c.f(0)?.max_axis(d, c.keepdim()?).into()),
    }),
    ("min", Some(1), |c| match c.reduce_dim()? {
        None => Ok(c.f(0)?.min().into()),
        Some(d) => Ok(c.f(0)?.min_axis(d, c.keepdim()?).into()),
    }),
    ("amax", Some(1), |c| {
        Ok(c.f(0)?.amax(&c.reduce_dims()?, c.keepdim()?).into())
    }),
    ("amin", Some(1), |c| {
        Ok(c.f(0)?.amin(&c.reduce_dims()?, c.keepdim()?).into())
    }),
    ("var", Some(1), |c| variance(c, false)),
    ("std", Some(1), |c| variance(c, true)),
    ("logsumexp", Some(1), |c| {
        Ok(c.f(0)?.logsumexp(&c.reduce_dims()?, c.keepdim()?).into())
    }),
    ("norm", Some(1), |c| {
        Ok(c.f(0)?
            .norm(c.f32("p")?, &c.reduce_dims()?, c.keepdim()?)
            .into())
    }),
    ("argmax", Some(1), |c| {
        Ok(Out::I(c.f(0)?.argmax(c.reduce_dim()?, c.keepdim()?)))
    }),
    ("argmin", Some(1), |c| {
        Ok(Out::I(c.f(0)?.argmin(c.reduce_dim()?, c.keepdim()?)))
    }),
    ("cumsum", Some(1), |c| {
        Ok(c.f(0)?.cumsum(c.int("dim")? as isize).into())
    }),
    ("softmax", Some(1), |c| {
        Ok(c.f(0)?.softmax(required(c.reduce_dim()?, c.op)?).into())
    }),
    ("log_softmax", Some(1), |c| {
        Ok(c.f(0)?.log_softmax(required(c.reduce_dim()?, c.op)?).into())
    }),
    // linear algebra
    ("matmul", Some(2), |c| Ok(c.f(0)?.matmul(c.f(1)?).into())),
    ("linear", None, |c| {
        let bias = if c.args.len() > 2 {
            Some(c.f(2)?)
        } else {
            None
        };
        Ok(c.f(0)?.linear(c.f(1)?, bias).into())
    }),
    // losses
    ("mse_loss", Some(2), |c| {
        Ok(c.f(0)?.mse_loss(c.f(1)?).into())
    }),
    ("l1_loss", Some(2), |c| Ok(c.f(0)?.l1_loss(c.f(1)?).into())),
    ("bce_with_logits", Some(2), |c| {
        Ok(c.f(0)?.bce_with_logits(c.f(1)?).into())
    }),
    ("cross_entropy", Some(2), |c| {
        Ok(c.f(0)?.cross_entropy(c.i(1)?).into())
    }),
    // sum(x*x + sigmoid(x)*x, axis=1): x feeds four uses, so its gradient accumulates.
    ("composite_reuse", Some(1), |c| {
        let x = c.f(0)?;
        Ok((&(x * x) + &(&x.sigmoid() * x)).sum_axis(1, false).into())
    }),
];

fn required(d: Option<isize>, op: &str) -> R<isize> {
    d.ok_or(format!("{op} needs an integer dim"))
}

/// var / std: `dim` null means PyTorch's `dim=None` (all elements, its own gradient rule).
fn variance(c: &Call, std: bool) -> R<Out> {
    let x = c.f(0)?;
    let corr = c.opt_f32("correction")?.unwrap_or(1.0);
    let dims = c.reduce_dims()?;
    Ok(match (dims.is_empty(), std) {
        (true, false) => x.var(corr),
        (true, true) => x.std(corr),
        (false, false) => x.var_axes(&dims, corr, c.keepdim()?),
        (false, true) => x.std_axes(&dims, corr, c.keepdim()?),
    }
    .into())
}

/// A reshape target with at most one `-1` inferred from the element count, as PyTorch.
fn target_shape(dims: &[i64], len: usize) -> R<Vec<usize>> {
    let known: i64 = dims.iter().filter(|&&d| d != -1).product();
    let inferred = match dims.iter().filter(|&&d| d == -1).count() {
        0 => 0,
        1 if known > 0 && len as i64 % known == 0 => len as i64 / known,
        _ => return Err(format!("cannot infer shape {dims:?} for {len} elements")),
    };
    dims.iter()
        .map(|&d| {
            let d = if d == -1 { inferred } else { d };
            usize::try_from(d).map_err(|_| format!("bad dim {d}"))
        })
        .collect()
}

/// Applies op `op` to `args` with `attrs`; an unknown op or a wrong number of arguments is an
/// error.
pub fn apply(op: &str, args: &[Arg], attrs: &Value) -> R<Out> {
    let Some((_, arity, f)) = OPS.iter().find(|(name, _, _)| *name == op) else {
        return Err(format!(
            "unknown op {op:?} (add it to tests/conformance/registry.rs)"
        ));
    };
    match arity {
        Some(n) if args.len() != *n => {
            return Err(format!(
                "{op} takes {n} inputs, the case gives {}",
                args.len()
            ))
        }
        None if args.is_empty() => return Err(format!("{op} needs at least one input")),
        _ => {}
    }
    f(&Call { op, args, attrs })
}
