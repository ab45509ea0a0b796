//! `Var`: a value on a tape. Ops on `Var`s compute their value with plain `Tensor` math and
//! record a backward rule through [`Var::from_op`] (or [`Var::from_broadcast`] for elementwise
//! ops with numpy broadcasting), the one place that wires ops to the tape.

use crate::tape::{BackwardFn, Grads, Needs, NodeId};
use crate::{Gradients, Tape, Tensor};
use std::fmt;

/// A tensor value on a [`Tape`], with the id of the node that produced it.
#[derive(Clone)]
pub struct Var {
    tape: Tape,
    node: NodeId,
    value: Tensor,
}

impl Var {
    pub(crate) fn new(tape: Tape, node: NodeId, value: Tensor) -> Var {
        Var { tape, node, value }
    }

    pub(crate) fn node(&self) -> NodeId {
        self.node
    }

    /// The value.
    pub fn value(&self) -> &Tensor {
        &self.value
    }

    /// The shape of the value.
    pub fn shape(&self) -> &[usize] {
        self.value.shape()
    }

    /// Number of axes of the value.
    pub fn ndim(&self) -> usize {
        self.value.ndim()
    }

    /// The tape this value lives on.
    pub fn tape(&self) -> &Tape {
        &self.tape
    }

    /// True if gradients flow back through this value (a leaf, a param, or the result of an
    /// op on one).
    pub fn requires_grad(&self) -> bool {
        self.node != NodeId::Const
    }

    /// True for a value made by [`Tape::leaf`] or [`Tape::param`] (on a recording tape).
    pub fn is_leaf(&self) -> bool {
        matches!(self.node, NodeId::Leaf(_))
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
    /// input (of the input's shape). Records nothing if the input takes no gradient.
    pub fn from_unary(&self, value: Tensor, rule: impl Fn(&Tensor) -> Tensor + 'static) -> Var {
        Var::from_op(&[self], value, move |g, _| [Some(rule(g))])
    }

    /// Records an op with any number of inputs. `rule(grad_out, needs)` returns one gradient
    /// per input, each of that input's shape, computed only where `needs[i]` (an array of
    /// `Option<Tensor>` for a fixed arity, a `Vec` for a variable one). When no input takes a
    /// gradient, or the tape does not record, nothing is recorded and the result is a
    /// constant. The rule runs during `backward` on plain `Tensor`s: it must not record on a
    /// tape itself. Panics if there is no input or the inputs live on different tapes.
    #[track_caller]
    pub fn from_op<R: Into<Grads>>(
        inputs: &[&Var],
        value: Tensor,
        rule: impl Fn(&Tensor, Needs<'_>) -> R + 'static,
    ) -> Var {
        let Some(first) = inputs.first() else {
            panic!("Var::from_op: an op needs at least one input");
        };
        let tape = &first.tape;
        if inputs.len() > 1 && !inputs[1..].iter().all(|v| tape.same(&v.tape)) {
            panic!("an op mixes values from two different tapes");
        }
        if !tape.is_recording() || inputs.iter().all(|v| v.node == NodeId::Const) {
            return tape.constant(value);
        }
        let backward: BackwardFn = Box::new(move |g, needs| rule(g, needs).into());
        let node = tape.record(inputs, backward);
        Var::new(tape.clone(), node, value)
    }

    /// Records an elementwise op with numpy broadcasting: as [`Var::from_op`], but the rule
    /// may return gradients of the output's (broadcast) shape; they are summed back to each
    /// input's shape here, so rules need not care about broadcasting. Only inputs whose shape
    /// differs from the output's keep their shape.
    #[track_caller]
    pub fn from_broadcast<R: Into<Grads>>(
        inputs: &[&Var],
        value: Tensor,
        rule: impl Fn(&Tensor, Needs<'_>) -> R + 'static,
    ) -> Var {
        let out = value.shape();
        if inputs.iter().all(|v| v.shape() == out) {
            return Var::from_op(inputs, value, rule);
        }
        let shapes: Vec<(usize, Vec<usize>)> = inputs
            .iter()
            .enumerate()
            .filter(|(_, v)| v.requires_grad() && v.shape() != out)
            .map(|(k, v)| (k, v.shape().to_vec()))
            .collect();
        Var::from_op(inputs, value, move |g, needs| {
            let mut grads: Grads = rule(g, needs).into();
            for (k, s) in &shapes {
                grads.map_at(*k, |t| t.sum_to(s));
            }
            grads
        })
    }

    /// Backpropagates from this value, which must hold a single element (a loss): gradients
    /// accumulate into every param on the tape, and the returned [`Gradients`] hold those of
    /// the tape's leaves. Frees the graph it ran through, as PyTorch does: a second backward
    /// through it panics (use [`Var::backward_retain`] to keep it). Panics for a non-scalar
    /// (use [`Var::backward_with`]), for a value that depends on no leaf or param, and on a
    /// [`Tape::no_grad`] tape.
    #[track_caller]
    pub fn backward(&self) -> Gradients {
        self.backward_impl(None, false)
    }

    /// [`Var::backward`] that keeps the graph, so it can be backpropagated again (PyTorch's
    /// `retain_graph=True`); params accumulate the gradient of every pass.
    #[track_caller]
    pub fn backward_retain(&self) -> Gradients {
        self.backward_impl(None, true)
    }

    /// Backpropagates from this value with an explicit upstream gradient of its shape; frees
    /// the graph as [`Var::backward`] does.
    #[track_caller]
    pub fn backward_with(&self, grad: Tensor) -> Gradients {
        self.backward_impl(Some(grad), false)
    }

    /// [`Var::backward_with`] that keeps the graph (PyTorch's `retain_graph=True`).
    #[track_caller]
    pub fn backward_with_retain(&self, grad: Tensor) -> Gradients {
        self.backward_impl(Some(grad), true)
    }

    #[track_caller]
    fn backward_impl(&self, grad: Option<Tensor>, retain: bool) -> Gradients {
        let grad = match grad {
            Some(g) => {
                if g.shape() != self.shape() {
                    panic!(
                        "backward_with: gradient of shape {:?} for an output of shape {:?}",
                        g.shape(),
                        self.shape()
                    );
                }
                g
            }
            None => {
                if self.value.len() != 1 {
                    panic!(
                        "backward: output of shape {:?} is not a scalar; use backward_with(grad)",
                        self.shape()
                    );
                }
                Tensor::ones(self.shape())
            }
        };
        self.tape.backward_from(self.node, grad, retain)
    }
}

impl fmt::Debug for Var {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Var({:?}, requires_grad={}) {}",
            self.node,
            self.requires_grad(),
            self.value
        )
    }
}

impl fmt::Display for Var {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.value, f)
    }
}
