//! Per-parameter optimizer state and its saved form.
//!
//! A live state (`AdamState`, ...) is a struct of PyTorch-named buffers; its saved form is a
//! [`StateRecord`]: the step count, named f32 buffers and named f64 scalars, so checkpoints do
//! not depend on Rust type layouts. The conversion is derived, not written per optimizer:
//! declare the state with [`optimizer_state!`](crate::optimizer_state) and each field is saved
//! and restored under its own name by its type's [`RecordField`] impl (`Vec<f32>`: a buffer
//! as long as the param; `Option<Vec<f32>>`: a buffer that may be absent; `f64`: a scalar).

use crate::OptimError;
use serde::{Deserialize, Serialize};

/// The per-parameter state of an optimizer in a neutral form (named f32 buffers and named
/// scalars), so saved state does not depend on Rust type layouts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
pub struct StateRecord {
    /// Steps taken by this parameter (PyTorch's `step`).
    pub step: u64,
    /// Named buffers with PyTorch's names (`exp_avg`, `momentum_buffer`, ...).
    pub buffers: Vec<(String, Vec<f32>)>,
    /// Named scalars (for state that is not per element).
    pub scalars: Vec<(String, f64)>,
    /// Named f64 buffers (for state kept in double precision: LBFGS's history).
    #[serde(default)]
    pub wide: Vec<(String, Vec<f64>)>,
}

impl StateRecord {
    /// The buffer `name`, checked to hold `len` values.
    pub fn buffer(&self, name: &str, len: usize) -> Result<Vec<f32>, OptimError> {
        let b = self
            .buffers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, b)| b)
            .ok_or_else(|| OptimError::StateMismatch(format!("state has no buffer '{name}'")))?;
        if b.len() != len {
            return Err(OptimError::StateMismatch(format!(
                "buffer '{name}' holds {} values, the param has {len}",
                b.len()
            )));
        }
        Ok(b.clone())
    }

    /// The buffer `name` if present (checked to hold `len` values).
    pub fn optional_buffer(&self, name: &str, len: usize) -> Result<Option<Vec<f32>>, OptimError> {
        if self.buffers.iter().any(|(n, _)| n == name) {
            self.buffer(name, len).map(Some)
        } else {
            Ok(None)
        }
    }

    /// The f64 buffer `name`, checked to hold `len` values.
    pub fn wide_buffer(&self, name: &str, len: usize) -> Result<Vec<f64>, OptimError> {
        let b = self
            .wide
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, b)| b)
            .ok_or_else(|| OptimError::StateMismatch(format!("state has no buffer '{name}'")))?;
        if b.len() != len {
            return Err(OptimError::StateMismatch(format!(
                "buffer '{name}' holds {} values, {len} expected",
                b.len()
            )));
        }
        Ok(b.clone())
    }

    /// The scalar `name`.
    pub fn scalar(&self, name: &str) -> Result<f64, OptimError> {
        self.scalars
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| *v)
            .ok_or_else(|| OptimError::StateMismatch(format!("state has no scalar '{name}'")))
    }
}

/// A state that converts to and from its [`StateRecord`] (derived by
/// [`optimizer_state!`](crate::optimizer_state)).
pub trait StateBuffers: Sized {
    /// The saved form.
    fn to_record(&self) -> StateRecord;
    /// Back from the saved form, for a param of `shape` (buffers are checked against it).
    fn from_record(record: &StateRecord, shape: &[usize]) -> Result<Self, OptimError>;
}

/// One field of a state: how it is saved under its name and read back.
pub trait RecordField: Sized {
    /// Adds this field to `record` under `name`.
    fn save(&self, name: &str, record: &mut StateRecord);
    /// Reads the field `name` of a param of `len` elements from `record`.
    fn load(name: &str, record: &StateRecord, len: usize) -> Result<Self, OptimError>;
}

impl RecordField for Vec<f32> {
    fn save(&self, name: &str, record: &mut StateRecord) {
        record.buffers.push((name.to_string(), self.clone()));
    }
    fn load(name: &str, record: &StateRecord, len: usize) -> Result<Self, OptimError> {
        record.buffer(name, len)
    }
}

impl RecordField for Option<Vec<f32>> {
    fn save(&self, name: &str, record: &mut StateRecord) {
        if let Some(b) = self {
            b.save(name, record);
        }
    }
    fn load(name: &str, record: &StateRecord, len: usize) -> Result<Self, OptimError> {
        record.optional_buffer(name, len)
    }
}

impl RecordField for f64 {
    fn save(&self, name: &str, record: &mut StateRecord) {
        record.scalars.push((name.to_string(), *self));
    }
    fn load(name: &str, record: &StateRecord, _len: usize) -> Result<Self, OptimError> {
        record.scalar(name)
    }
}

/// Declares an optimizer's per-parameter state: a struct with a public `step: u64` (PyTorch's
/// `step`) and the given public fields, deriving `Clone`, `Debug`, `PartialEq`, `Default` and
/// [`StateBuffers`](crate::StateBuffers) (each field saved under its own name, so name the
/// fields as PyTorch names its state).
///
/// ```
/// tapegrad_optim::optimizer_state! {
///     /// A state with one buffer.
///     pub struct DemoState {
///         /// The running sum.
///         sum: Vec<f32>,
///     }
/// }
/// use tapegrad_optim::StateBuffers;
/// let s = DemoState { step: 3, sum: vec![1.0, 2.0] };
/// assert_eq!(DemoState::from_record(&s.to_record(), &[2]).unwrap(), s);
/// assert!(DemoState::from_record(&s.to_record(), &[5]).is_err());
/// ```
#[macro_export]
macro_rules! optimizer_state {
    ($(#[$meta:meta])* pub struct $name:ident { $($(#[$fmeta:meta])* $field:ident : $ty:ty),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Default)]
        pub struct $name {
            /// Steps taken (PyTorch's `step`).
            pub step: u64,
            $($(#[$fmeta])* pub $field: $ty,)*
        }

        impl $crate::StateBuffers for $name {
            fn to_record(&self) -> $crate::StateRecord {
                #[allow(unused_mut)]
                let mut record = $crate::StateRecord { step: self.step, ..Default::default() };
                $($crate::RecordField::save(&self.$field, stringify!($field), &mut record);)*
                record
            }

            #[allow(unused_variables)]
            fn from_record(record: &$crate::StateRecord, shape: &[usize]) -> Result<Self, $crate::OptimError> {
                let len: usize = shape.iter().product();
                Ok($name {
                    step: record.step,
                    $($field: <$ty as $crate::RecordField>::load(stringify!($field), record, len)?,)*
                })
            }
        }
    };
}
