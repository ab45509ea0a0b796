//! The `Tape`: a Wengert list of recorded ops, and the reverse sweep over it.
//!
//! Every differentiable op appends one [`Node`] (the ids of at most two inputs, which of them
//! need a gradient, and a backward rule) in execution order, so node ids are a topological
//! order for free. `backward` walks the list once from the output back to the start, handing
//! each node its upstream gradient and adding the gradients its rule returns into its inputs'
//! slots (a value used twice gets both contributions). Leaves keep their gradient; params
//! brought onto the tape also receive it in [`Param::accumulate_grad`].
//!
//! A tape lives for one step: build a fresh one per forward pass and drop it afterwards, which
//! frees the graph and every saved activation. A tape made with [`Tape::no_grad`] records
//! nothing, for inference through the same `Var` code.

use crate::{Param, Tensor, Var};
use std::cell::RefCell;
use std::rc::Rc;

/// A backward rule: given the upstream gradient (shape of the op's output) and which inputs
/// need a gradient, returns one gradient per input (`None` where not needed). Gradients may
/// have the op's broadcast shape; [`Var::from_op`] wraps rules so they are summed back to each
/// input's shape.
pub type BackwardFn = Box<dyn Fn(&Tensor, [bool; 2]) -> [Option<Tensor>; 2]>;

pub(crate) struct Node {
    inputs: [usize; 2],
    needs: [bool; 2],
    backward: Option<BackwardFn>,
    param: Option<Param>,
}

pub(crate) struct TapeInner {
    nodes: RefCell<Vec<Node>>,
    recording: bool,
}

/// A record of the ops applied to `Var`s, for reverse-mode differentiation. Cheap to clone
/// (clones share the same list); not `Send`: one tape per thread and per step.
#[derive(Clone)]
pub struct Tape {
    inner: Rc<TapeInner>,
}

impl Default for Tape {
    fn default() -> Self {
        Tape::new()
    }
}

/// Id given to values that are not on the tape (constants, and everything under `no_grad`).
pub(crate) const NOT_ON_TAPE: usize = usize::MAX;

impl Tape {
    /// A new, empty tape that records.
    pub fn new() -> Tape {
        Tape {
            inner: Rc::new(TapeInner {
                nodes: RefCell::new(Vec::with_capacity(64)),
                recording: true,
            }),
        }
    }

    /// A tape that records nothing: every `Var` on it is a constant. For inference.
    pub fn no_grad() -> Tape {
        Tape {
            inner: Rc::new(TapeInner {
                nodes: RefCell::new(Vec::new()),
                recording: false,
            }),
        }
    }

    /// True unless made with [`Tape::no_grad`].
    pub fn is_recording(&self) -> bool {
        self.inner.recording
    }

    /// Number of recorded nodes.
    pub fn len(&self) -> usize {
        self.inner.nodes.borrow().len()
    }

    /// True if nothing has been recorded.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// True if both handles are the same tape.
    pub fn same(&self, other: &Tape) -> bool {
        Rc::ptr_eq(&self.inner, &other.inner)
    }

    fn push(&self, node: Node) -> usize {
        let mut nodes = self.inner.nodes.borrow_mut();
        nodes.push(node);
        nodes.len() - 1
    }

    /// A value whose gradient `backward` computes and keeps (read it with
    /// [`Gradients::get`]). Under `no_grad` it is a constant.
    pub fn leaf(&self, value: Tensor) -> Var {
        self.leaf_node(value, None)
    }

    /// A value that takes no gradient (inputs, targets).
    pub fn constant(&self, value: Tensor) -> Var {
        Var::new(self.clone(), NOT_ON_TAPE, value, false)
    }

    /// Brings a param onto the tape: a leaf whose gradient `backward` also adds into the param.
    pub fn param(&self, p: &Param) -> Var {
        self.leaf_node(p.value(), Some(p.clone()))
    }

    fn leaf_node(&self, value: Tensor, param: Option<Param>) -> Var {
        if !self.is_recording() {
            return self.constant(value);
        }
        let id = self.push(Node {
            inputs: [NOT_ON_TAPE; 2],
            needs: [false; 2],
            backward: None,
            param,
        });
        Var::new(self.clone(), id, value, true)
    }

    /// Records an op whose inputs are the tape ids `inputs` (with `needs[i]` true where input
    /// i takes a gradient) and returns the new node's id.
    pub(crate) fn record(
        &self,
        inputs: [usize; 2],
        needs: [bool; 2],
        backward: BackwardFn,
    ) -> usize {
        self.push(Node {
            inputs,
            needs,
            backward: Some(backward),
            param: None,
        })
    }

    /// The reverse sweep from node `root` seeded with `seed`.
    pub(crate) fn backward_from(&self, root: usize, seed: Tensor) -> Gradients {
        let nodes = self.inner.nodes.borrow();
        let mut grads: Vec<Option<Tensor>> = vec![None; root + 1];
        grads[root] = Some(seed);
        for i in (0..=root).rev() {
            let node = &nodes[i];
            match &node.backward {
                Some(rule) => {
                    // An inner node: pass its gradient on and drop it.
                    let Some(g) = grads[i].take() else { continue };
                    let out = rule(&g, node.needs);
                    for (k, gk) in out.into_iter().enumerate() {
                        if !node.needs[k] {
                            continue;
                        }
                        let gk = gk.expect(
                            "backward rule returned no gradient for an input that needs one",
                        );
                        let slot = &mut grads[node.inputs[k]];
                        match slot {
                            Some(acc) => acc.add_assign(&gk),
                            None => *slot = Some(gk),
                        }
                    }
                }
                None => {
                    // A leaf: keep its gradient; a param also receives it.
                    if let (Some(p), Some(g)) = (&node.param, &grads[i]) {
                        p.accumulate_grad(g.clone());
                    }
                }
            }
        }
        Gradients { grads }
    }
}

/// The gradients of one backward pass, for the leaves of the tape (`Tape::leaf`,
/// `Tape::param`). Inner nodes' gradients are freed during the sweep.
pub struct Gradients {
    grads: Vec<Option<Tensor>>,
}

impl Gradients {
    pub(crate) fn empty() -> Gradients {
        Gradients { grads: Vec::new() }
    }

    /// The gradient of `v`, if `v` is a leaf that the output depends on.
    pub fn get(&self, v: &Var) -> Option<&Tensor> {
        self.grads.get(v.id()).and_then(|g| g.as_ref())
    }
}
