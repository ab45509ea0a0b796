//! The `Tape`: a Wengert list of recorded ops, and the reverse sweep over it.
//!
//! Every differentiable op appends one op node (the ids of its inputs, any number of them, and
//! a backward rule returning one gradient per input) in execution order, so op ids are a
//! topological order for free. Leaves (`Tape::leaf`, `Tape::param`) live in a separate table
//! whose ids never change. `backward` walks the op list once from the output back to the
//! start, handing each node its upstream gradient and adding the gradients its rule returns
//! into its inputs' slots (a value used twice gets both contributions). Leaves keep their
//! gradient; params brought onto the tape also receive it in [`Param::accumulate_grad`].
//!
//! Lifetime, as in PyTorch: a `backward` frees the graph it ran through (each node's rule, and
//! the values it saved, are dropped as soon as it has run); once every op node is freed the op
//! list is emptied and its generation advances, so a tape reused across training steps never
//! grows. Leaves stay valid across that reset, and a param brought onto the same tape twice is
//! one leaf. Backpropagating a second time through a freed part panics with a clear message,
//! unless the first pass asked to keep the graph ([`Var::backward_retain`]). A tape made with
//! [`Tape::no_grad`] records nothing, for inference through the same `Var` code; calling
//! `backward` there panics.

use crate::{Param, Tensor, Var};
use std::cell::RefCell;
use std::rc::{Rc, Weak};

/// Where a value lives on its tape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum NodeId {
    /// Not on the tape: a constant, which takes no gradient.
    Const,
    /// Entry `i` of the tape's leaf table (valid for the life of the tape).
    Leaf(u32),
    /// Op node `index` of op-list generation `gen` (see the module notes on lifetime).
    Op {
        /// Position in the op list.
        index: u32,
        /// Generation of the op list the node was recorded in.
        gen: u32,
    },
}

/// An op's input as its node stores it (the generation is checked when recording).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum InputId {
    Const,
    Leaf(u32),
    Op(u32),
}

/// A node's input ids: inline for up to two inputs (no allocation for the common ops), boxed
/// beyond.
enum Inputs {
    Inline { len: u8, ids: [InputId; 2] },
    Heap(Box<[InputId]>),
}

impl Inputs {
    fn as_slice(&self) -> &[InputId] {
        match self {
            Inputs::Inline { len, ids } => &ids[..*len as usize],
            Inputs::Heap(ids) => ids,
        }
    }
}

/// Which inputs of a node take a gradient: `needs[i]` (or [`Needs::get`]) is true where input
/// `i` is on the tape. Handed to every backward rule, which computes only those gradients.
#[derive(Clone, Copy)]
pub struct Needs<'a>(&'a [InputId]);

impl Needs<'_> {
    /// True if input `i` takes a gradient (false for a constant or past the last input).
    #[inline]
    pub fn get(&self, i: usize) -> bool {
        self.0.get(i).is_some_and(|id| *id != InputId::Const)
    }

    /// Number of inputs of the node.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True for a node without inputs (never handed to a rule).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::ops::Index<usize> for Needs<'_> {
    type Output = bool;
    #[inline]
    fn index(&self, i: usize) -> &bool {
        if self.get(i) {
            &true
        } else {
            &false
        }
    }
}

/// What a backward rule returns: one gradient per input (`None` where not needed). Built
/// from an array (`[Some(g), None].into()`, inline for up to two inputs, no allocation) or a
/// `Vec` (any number).
pub struct Grads(GradsRepr);

enum GradsRepr {
    Two([Option<Tensor>; 2]),
    Many(Vec<Option<Tensor>>),
}

impl Grads {
    /// Takes the gradient of input `i` out (None if absent).
    #[inline]
    pub(crate) fn take(&mut self, i: usize) -> Option<Tensor> {
        match &mut self.0 {
            GradsRepr::Two(a) => a.get_mut(i).and_then(Option::take),
            GradsRepr::Many(v) => v.get_mut(i).and_then(Option::take),
        }
    }

    /// Applies `f` to the gradient of input `i`, if present.
    pub(crate) fn map_at(&mut self, i: usize, f: impl FnOnce(Tensor) -> Tensor) {
        let slot = match &mut self.0 {
            GradsRepr::Two(a) => a.get_mut(i),
            GradsRepr::Many(v) => v.get_mut(i),
        };
        if let Some(s) = slot {
            *s = s.take().map(f);
        }
    }
}

impl<const N: usize> From<[Option<Tensor>; N]> for Grads {
    #[inline]
    fn from(a: [Option<Tensor>; N]) -> Grads {
        if N <= 2 {
            let mut it = a.into_iter();
            Grads(GradsRepr::Two([it.next().flatten(), it.next().flatten()]))
        } else {
            Grads(GradsRepr::Many(a.into_iter().collect()))
        }
    }
}

impl From<Vec<Option<Tensor>>> for Grads {
    fn from(v: Vec<Option<Tensor>>) -> Grads {
        Grads(GradsRepr::Many(v))
    }
}

/// A backward rule: given the upstream gradient (shape of the op's output) and which inputs
/// need a gradient, returns one gradient per input, each of its input's shape (see
/// [`Var::from_op`]; [`Var::from_broadcast`] reduces broadcast gradients first).
pub type BackwardFn = Box<dyn Fn(&Tensor, Needs<'_>) -> Grads>;

enum Rule {
    Live(BackwardFn),
    /// Run and dropped by a backward that did not retain the graph, or recorded from a value
    /// whose graph had been freed.
    Freed,
}

struct OpNode {
    inputs: Inputs,
    rule: Rule,
}

#[derive(Default)]
struct Graph {
    /// One entry per leaf: the param it stands for, if any.
    leaves: Vec<Option<Param>>,
    /// `(param id, leaf index)` of every param on the tape, so a param is one leaf. A linear
    /// scan: a model has tens of params, and the scan is a few ns each.
    params: Vec<(u64, u32)>,
    ops: Vec<OpNode>,
    /// Op nodes whose rule has not been freed.
    live: usize,
    gen: u32,
}

pub(crate) struct TapeInner {
    graph: RefCell<Graph>,
    recording: bool,
}

/// A record of the ops applied to `Var`s, for reverse-mode differentiation. Cheap to clone
/// (clones share the same list); not `Send`: one tape per thread.
#[derive(Clone)]
pub struct Tape {
    inner: Rc<TapeInner>,
}

impl Default for Tape {
    fn default() -> Self {
        Tape::new()
    }
}

const FREED: &str = "backward through a graph that an earlier backward already freed (PyTorch \
    raises here too: 'Trying to backward through the graph a second time'): compute the value \
    again from its leaves, or call backward_retain() / backward_with_retain() on the earlier \
    pass to keep the graph";

impl Tape {
    /// A new, empty tape that records.
    pub fn new() -> Tape {
        Tape::with_recording(true)
    }

    /// A tape that records nothing: every `Var` on it is a constant. For inference; calling
    /// `backward` on its values panics.
    pub fn no_grad() -> Tape {
        Tape::with_recording(false)
    }

    fn with_recording(recording: bool) -> Tape {
        Tape {
            inner: Rc::new(TapeInner {
                graph: RefCell::new(Graph {
                    ops: Vec::with_capacity(if recording { 64 } else { 0 }),
                    ..Graph::default()
                }),
                recording,
            }),
        }
    }

    /// True unless made with [`Tape::no_grad`].
    pub fn is_recording(&self) -> bool {
        self.inner.recording
    }

    /// Number of recorded nodes: leaves plus the op nodes of the current graph.
    pub fn len(&self) -> usize {
        let g = self.inner.graph.borrow();
        g.leaves.len() + g.ops.len()
    }

    /// Number of op nodes in the current graph (0 after a backward freed it all).
    pub fn num_ops(&self) -> usize {
        self.inner.graph.borrow().ops.len()
    }

    /// True if nothing has been recorded.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// True if both handles are the same tape.
    pub fn same(&self, other: &Tape) -> bool {
        Rc::ptr_eq(&self.inner, &other.inner)
    }

    /// A value whose gradient `backward` computes and keeps (read it with
    /// [`Gradients::get`]). Under `no_grad` it is a constant.
    pub fn leaf(&self, value: Tensor) -> Var {
        if !self.is_recording() {
            return self.constant(value);
        }
        let mut g = self.inner.graph.borrow_mut();
        g.leaves.push(None);
        let id = NodeId::Leaf((g.leaves.len() - 1) as u32);
        drop(g);
        Var::new(self.clone(), id, value)
    }

    /// A value that takes no gradient (inputs, targets).
    pub fn constant(&self, value: Tensor) -> Var {
        Var::new(self.clone(), NodeId::Const, value)
    }

    /// Brings a param onto the tape: a leaf holding its current value, whose gradient
    /// `backward` also adds into the param. Bringing the same param again (a layer used twice,
    /// or a tape reused across steps) gives the same leaf, with the param's current value.
    pub fn param(&self, p: &Param) -> Var {
        if !self.is_recording() {
            return self.constant(p.value());
        }
        let mut g = self.inner.graph.borrow_mut();
        let key = p.id();
        let leaf = match g.params.iter().find(|(id, _)| *id == key) {
            Some(&(_, leaf)) => leaf,
            None => {
                g.leaves.push(Some(p.clone()));
                let leaf = (g.leaves.len() - 1) as u32;
                g.params.push((key, leaf));
                leaf
            }
        };
        drop(g);
        Var::new(self.clone(), NodeId::Leaf(leaf), p.value())
    }

    /// Records an op with `inputs` and `rule`; returns the new node's id. An input from a
    /// freed graph makes a node whose backward panics (the graph it needs is gone). Inlined
    /// into each op, where the number of inputs is known.
    #[inline(always)]
    pub(crate) fn record(&self, inputs: &[&Var], rule: BackwardFn) -> NodeId {
        let mut g = self.inner.graph.borrow_mut();
        let gen = g.gen;
        let mut stale = false;
        let mut id_of = |v: &Var| match v.node() {
            NodeId::Const => InputId::Const,
            NodeId::Leaf(i) => InputId::Leaf(i),
            NodeId::Op { index, gen: vg } => {
                stale |= vg != gen;
                InputId::Op(index)
            }
        };
        let ids = match inputs {
            [a] => Inputs::Inline {
                len: 1,
                ids: [id_of(a), InputId::Const],
            },
            [a, b] => Inputs::Inline {
                len: 2,
                ids: [id_of(a), id_of(b)],
            },
            _ => Inputs::Heap(inputs.iter().map(|v| id_of(v)).collect()),
        };
        let node = if stale {
            OpNode {
                inputs: Inputs::Inline {
                    len: 0,
                    ids: [InputId::Const; 2],
                },
                rule: Rule::Freed,
            }
        } else {
            g.live += 1;
            OpNode {
                inputs: ids,
                rule: Rule::Live(rule),
            }
        };
        g.ops.push(node);
        NodeId::Op {
            index: (g.ops.len() - 1) as u32,
            gen,
        }
    }

    /// The reverse sweep from `root` seeded with `seed`. Without `retain`, every node the
    /// sweep runs is freed, and the op list is emptied once no live node remains.
    #[track_caller]
    pub(crate) fn backward_from(&self, root: NodeId, seed: Tensor, retain: bool) -> Gradients {
        if !self.is_recording() {
            panic!(
                "backward: this tape does not record (it was made with Tape::no_grad()), so \
                 there is no graph to differentiate; use Tape::new() to compute gradients"
            );
        }
        let mut guard = self.inner.graph.borrow_mut();
        let g = &mut *guard;
        let nl = g.leaves.len();
        let root_slot = match root {
            NodeId::Const => panic!(
                "backward: the output does not require grad (it depends on no leaf or param \
                 of the tape, like PyTorch's 'element 0 of tensors does not require grad')"
            ),
            NodeId::Leaf(i) => i as usize,
            NodeId::Op { index, gen } => {
                if gen != g.gen || matches!(g.ops[index as usize].rule, Rule::Freed) {
                    panic!("{FREED}");
                }
                nl + index as usize
            }
        };
        // Slots: leaves first, then the ops up to the root.
        let mut grads: Vec<Option<Tensor>> = Vec::new();
        grads.resize_with(root_slot.max(nl) + 1, || None);
        grads[root_slot] = Some(seed);
        for i in (nl..=root_slot).rev() {
            let Some(gout) = grads[i].take() else {
                continue;
            };
            let node = &mut g.ops[i - nl];
            let rule = if retain {
                None
            } else {
                match std::mem::replace(&mut node.rule, Rule::Freed) {
                    Rule::Live(r) => {
                        g.live -= 1;
                        Some(r)
                    }
                    Rule::Freed => panic!("{FREED}"),
                }
            };
            let rule: &BackwardFn = match (&rule, &node.rule) {
                (Some(r), _) => r,
                (None, Rule::Live(r)) => r,
                (None, Rule::Freed) => panic!("{FREED}"),
            };
            let ids = node.inputs.as_slice();
            let mut out = rule(&gout, Needs(ids));
            for (k, id) in ids.iter().enumerate() {
                let slot = match *id {
                    InputId::Const => continue,
                    InputId::Leaf(l) => l as usize,
                    InputId::Op(o) => nl + o as usize,
                };
                let Some(gk) = out.take(k) else {
                    panic!("backward rule returned no gradient for input {k}, which needs one");
                };
                match &mut grads[slot] {
                    Some(acc) => acc.add_assign(&gk),
                    s => *s = Some(gk),
                }
            }
        }
        grads.truncate(nl);
        for (leaf, gl) in g.leaves.iter().zip(&grads) {
            if let (Some(p), Some(gl)) = (leaf, gl) {
                p.accumulate_grad(gl.clone());
            }
        }
        if !retain && g.live == 0 {
            g.ops.clear();
            g.gen = g.gen.wrapping_add(1);
        }
        Gradients {
            grads,
            tape: Rc::downgrade(&self.inner),
        }
    }
}

/// The gradients of one backward pass, for the leaves of the tape (`Tape::leaf`,
/// `Tape::param`). Inner nodes' gradients are freed during the sweep.
pub struct Gradients {
    grads: Vec<Option<Tensor>>,
    /// The tape (weak: it keeps the allocation, so no other tape can take its address, for
    /// `get` to refuse values of another tape).
    tape: Weak<TapeInner>,
}

impl Gradients {
    /// The gradient of `v`, if `v` is a leaf of this tape that the output depends on.
    pub fn get(&self, v: &Var) -> Option<&Tensor> {
        match v.node() {
            NodeId::Leaf(i) if std::ptr::eq(Rc::as_ptr(&v.tape().inner), self.tape.as_ptr()) => {
                self.grads.get(i as usize).and_then(|g| g.as_ref())
            }
            _ => None,
        }
    }
}
