//! `Var`: a value on a tape. Ops on `Var`s compute their value with plain `Tensor` math and
//! record a backward rule through [`Var::from_op`], the one place that wires ops to the tape.

use crate::tape::{BackwardFn, NOT_ON_TAPE};
use crate::{Gradients, Tape, Tensor};
use std::fmt;

/// A tensor value on a [`Tape`], with the id of the node that produced it.
#[derive(Clone)]
pub struct Var {
    tape: Tape,
    id: usize,
    value: Tensor,
    requires_grad: bool,
}

impl Var {
    pub(crate) fn new(tape: Tape, id: usize, value: Tensor, requires_grad: bool) -> Var {
        Var {
            tape,
            id,
            value,
            requires_grad,
        }
    }

    /// The value.
    pub fn value(&self) -> &Tensor {
        &self.value
    }

    /// The shape of the value.
    pub fn shape(&self) -> &[usize] {
        self.value.shape()
    }

    /// The tape this value lives on.
    pub fn tape(&self) -> &Tape {
        &self.tape
    }

    /// The node id on the tape (`usize::MAX` for constants).
    pub fn id(&self) -> usize {
        self.id
    }

    /// True if gradients flow back through this value.
    pub fn requires_grad(&self) -> bool {
        self.requires_grad
    }

    /// The same value as a constant: gradients stop here.
    pub fn detach(&self) -> Var {
        self.tape.constant(self.value.clone())
    }

    /// A constant on the same tape (handy for literals in expressions).
    pub fn constant_like(&self, value: Tensor) -> Var {
        self.tape.constant(value)
    }

    /// Records a unary op: `value` is the op's result, `rule(grad_out)` the gradient of its
    /// input. Records nothing if the input takes no gradient.
    pub fn from_unary(&self, value: Tensor, rule: impl Fn(&Tensor) -> Tensor + 'static) -> Var {
        Var::from_op(&[self], value, move |g, _| [Some(rule(g)), None])
    }

    /// Records an op with one or two inputs. `rule(grad_out, needs)` returns one gradient per
    /// input, computed only where `needs[i]`; gradients of the output's (broadcast) shape are
    /// summed back to each input's shape here, so rules need not care about broadcasting.
    /// When no input takes a gradient, or the tape does not record, nothing is recorded and
    /// the result is a constant. Panics if the inputs live on different tapes.
    pub fn from_op(
        inputs: &[&Var],
        value: Tensor,
        rule: impl Fn(&Tensor, [bool; 2]) -> [Option<Tensor>; 2] + 'static,
    ) -> Var {
        assert!(
            (1..=2).contains(&inputs.len()),
            "Var::from_op takes one or two inputs"
        );
        let tape = &inputs[0].tape;
        if let Some(b) = inputs.get(1) {
            assert!(
                tape.same(&b.tape),
                "an op mixes values from two different tapes"
            );
        }
        let needs = [
            inputs[0].requires_grad,
            inputs.get(1).is_some_and(|v| v.requires_grad),
        ];
        if !(needs[0] || needs[1]) || !tape.is_recording() {
            return tape.constant(value);
        }
        let ids = [inputs[0].id, inputs.get(1).map_or(NOT_ON_TAPE, |v| v.id)];
        // Compare shapes without allocating; only a broadcasting op keeps its inputs' shapes.
        let out_shape = value.shape();
        let broadcast = inputs.iter().any(|v| v.shape() != out_shape);
        let backward: BackwardFn = if broadcast {
            let shapes: [Vec<usize>; 2] = [
                inputs[0].shape().to_vec(),
                inputs.get(1).map_or(Vec::new(), |v| v.shape().to_vec()),
            ];
            Box::new(move |g, needs| {
                let [g0, g1] = rule(g, needs);
                [
                    g0.map(|t| t.sum_to(&shapes[0])),
                    g1.map(|t| t.sum_to(&shapes[1])),
                ]
            })
        } else {
            Box::new(rule)
        };
        let id = tape.record(ids, needs, backward);
        Var::new(tape.clone(), id, value, true)
    }

    /// Backpropagates from this value, which must hold a single element (a loss): gradients
    /// accumulate into every param on the tape, and the returned [`Gradients`] hold those of
    /// the tape's leaves. Panics for a non-scalar (use [`Var::backward_with`]).
    pub fn backward(&self) -> Gradients {
        assert_eq!(
            self.value.len(),
            1,
            "backward: output of shape {:?} is not a scalar; use backward_with(grad)",
            self.shape()
        );
        self.backward_with(Tensor::ones(self.shape()))
    }

    /// Backpropagates from this value with an explicit upstream gradient of its shape.
    pub fn backward_with(&self, grad: Tensor) -> Gradients {
        assert_eq!(
            grad.shape(),
            self.shape(),
            "backward_with: gradient of shape {:?} for an output of shape {:?}",
            grad.shape(),
            self.shape()
        );
        if self.id == NOT_ON_TAPE {
            // A constant output depends on no leaf: every gradient is absent.
            return Gradients::empty();
        }
        self.tape.backward_from(self.id, grad)
    }
}

impl fmt::Debug for Var {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Var(id={}, requires_grad={}) {}",
            self.id, self.requires_grad, self.value
        )
    }
}

impl fmt::Display for Var {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.value, f)
    }
}
