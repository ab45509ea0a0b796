//! `Param`: the handle a layer and an optimizer share.
//!
//! A `Param` is an `Arc` around a value, an accumulated gradient and a name. Cloning it clones
//! the handle, not the data, so a layer and an optimizer holding clones see the same value.
//! The name starts as the one given at construction (`"weight"`); once a module lists the
//! param (`named_params`, `params`, `state_dict`), it becomes the param's dotted path in that
//! module (`"fc2.weight"`), so messages about it (an optimizer's non-finite gradient error,
//! a shape panic) say which layer's weight is meant. See [`Param::set_path`].
//! `backward` adds into the gradient of every param brought onto the tape (see
//! [`Tape::param`](crate::Tape::param)); an optimizer reads the gradient and writes the value.

use crate::Tensor;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

struct Inner {
    id: u64,
    name: String,
    /// The dotted path recorded by [`Param::set_path`], if any.
    path: Mutex<Option<Arc<str>>>,
    slot: Mutex<Slot>,
}

/// A parameter's value and gradient, locked together so an update sees both consistently.
/// Whether the gradient is finite is tracked as it is written (while it is hot in cache),
/// so an optimizer can refuse a poisoned step without another pass over memory.
#[derive(Clone)]
pub struct Slot {
    /// The current value.
    pub value: Tensor,
    grad: Option<Tensor>,
    grad_finite: bool,
}

impl Slot {
    /// The accumulated gradient: `None` until a backward pass reaches the param (or after
    /// `zero_grad`, which sets it to `None` as PyTorch's `set_to_none=True` does).
    pub fn grad(&self) -> Option<&Tensor> {
        self.grad.as_ref()
    }

    /// False if the gradient holds a NaN or an infinity (true when there is none).
    pub fn grad_is_finite(&self) -> bool {
        self.grad_finite
    }

    /// The value, writable, beside the gradient: what an optimizer's update needs.
    pub fn value_and_grad(&mut self) -> (&mut Tensor, Option<&Tensor>) {
        (&mut self.value, self.grad.as_ref())
    }

    /// Stores a gradient whose finiteness the caller computed (outside the lock).
    fn store_grad(&mut self, grad: Option<Tensor>, finite: bool) {
        self.grad_finite = finite;
        self.grad = grad;
    }
}

/// A trainable tensor shared between layers and optimizers. `Clone` is cheap; `Send + Sync`.
#[derive(Clone)]
pub struct Param {
    inner: Arc<Inner>,
}

impl Param {
    /// A new param with a value and a name (e.g. `"weight"`); its gradient starts empty.
    pub fn new(name: impl Into<String>, value: Tensor) -> Param {
        Param {
            inner: Arc::new(Inner {
                id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
                name: name.into(),
                path: Mutex::new(None),
                slot: Mutex::new(Slot {
                    value,
                    grad: None,
                    grad_finite: true,
                }),
            }),
        }
    }

    /// A process-unique id, stable for the life of the param (not across runs).
    pub fn id(&self) -> u64 {
        self.inner.id
    }

    /// The param's name for messages: its dotted path in the module that listed it
    /// (`"fc2.weight"`, see [`Param::set_path`]), or the name given at construction
    /// (`"weight"`) while no module has listed it.
    ///
    /// ```
    /// use tapegrad_tensor::{Param, Tensor};
    /// let w = Param::new("weight", Tensor::zeros(&[2]));
    /// assert_eq!(w.name(), "weight");
    /// w.set_path("fc2.weight");
    /// w.set_path("weight"); // listed again from the layer itself: the longer path stays
    /// assert_eq!(w.name(), "fc2.weight");
    /// w.set_path("net.fc2.weight"); // the layer's model was put in a larger model
    /// assert_eq!(w.name(), "net.fc2.weight");
    /// ```
    pub fn name(&self) -> String {
        let path = self.inner.path.lock().unwrap_or_else(|e| e.into_inner());
        match &*path {
            Some(p) => p.to_string(),
            None => self.inner.name.clone(),
        }
    }

    /// Records the param's dotted path in a module (`Module::named_params` calls this for
    /// every param it lists, so users rarely need to). A path with more components than the
    /// one recorded replaces it; otherwise the first recorded stays. So the path seen from
    /// the outermost model wins, whatever order models and their sub-layers are listed in:
    /// listing `model.fc1.params()` for a param group after `model.params()` keeps
    /// `"fc1.weight"`, and a model placed inside a larger one takes the larger one's path
    /// when that is listed. (A param shared by two layers at the same depth keeps the path
    /// it was first listed under, as `named_params` does.)
    pub fn set_path(&self, path: &str) {
        let depth = |p: &str| p.split('.').count();
        let mut recorded = self.inner.path.lock().unwrap_or_else(|e| e.into_inner());
        if recorded.as_deref().is_none_or(|r| depth(path) > depth(r)) {
            *recorded = Some(Arc::from(path));
        }
    }

    fn lock(&self) -> MutexGuard<'_, Slot> {
        // A panic while the lock was held cannot leave a half-written tensor (writes replace
        // whole tensors or finish their loop), so a poisoned lock is still safe to use.
        self.inner.slot.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The current value (a cheap shared copy).
    pub fn value(&self) -> Tensor {
        self.lock().value.clone()
    }

    /// The shape of the value.
    pub fn shape(&self) -> Vec<usize> {
        self.lock().value.shape().to_vec()
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.lock().value.len()
    }

    /// True when the value holds no element.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Replaces the value. Panics if the shape changes (a param's shape is fixed).
    pub fn set_value(&self, value: Tensor) {
        let mut s = self.lock();
        assert_eq!(
            s.value.shape(),
            value.shape(),
            "Param::set_value({}): shape {:?} cannot replace {:?}",
            self.name(),
            value.shape(),
            s.value.shape()
        );
        s.value = value;
    }

    /// The accumulated gradient, if any.
    pub fn grad(&self) -> Option<Tensor> {
        self.lock().grad.clone()
    }

    /// Replaces the gradient (`None` clears it). Panics if the shape differs from the value's.
    #[track_caller]
    pub fn set_grad(&self, grad: Option<Tensor>) {
        let finite = grad.as_ref().is_none_or(|g| g.all_finite());
        let mut s = self.lock();
        if let Some(g) = &grad {
            assert!(
                g.shape() == s.value.shape(),
                "Param::set_grad({}): gradient shape {:?} does not match value shape {:?}",
                self.name(),
                g.shape(),
                s.value.shape()
            );
        }
        s.store_grad(grad, finite);
    }

    /// Adds `g` into the gradient (what `backward` does). The first gradient is stored as it
    /// is; later ones are added on this thread, under the lock, in one sequential pass that
    /// also tracks finiteness (no parallel loop runs while the lock is held: see
    /// [`parallel::isolated`](crate::parallel::isolated) for why).
    #[track_caller]
    pub fn accumulate_grad(&self, g: Tensor) {
        let finite = g.all_finite();
        let mut s = self.lock();
        assert!(
            g.shape() == s.value.shape(),
            "Param::accumulate_grad({}): gradient shape {:?} does not match value shape {:?}",
            self.name(),
            g.shape(),
            s.value.shape()
        );
        match s.grad.take() {
            Some(mut acc) => {
                let finite = add_into(acc.as_slice_mut(), g.as_slice());
                s.store_grad(Some(acc), finite);
            }
            None => s.store_grad(Some(g), finite),
        }
    }

    /// Clears the gradient (sets it to `None`, as PyTorch's default `zero_grad`).
    pub fn zero_grad(&self) {
        self.lock().store_grad(None, true);
    }

    /// Replaces the gradient by `f(gradient)` (gradient clipping); a param without one is left
    /// alone. `f` runs without the lock (it may use parallel loops); a gradient written by
    /// another thread meanwhile is overwritten.
    pub fn update_grad(&self, f: impl FnOnce(&Tensor) -> Tensor) {
        let Some(g) = self.grad() else { return };
        let new = f(&g);
        drop(g);
        let finite = new.all_finite();
        let mut s = self.lock();
        assert!(
            new.shape() == s.value.shape(),
            "Param::update_grad({}): the new gradient's shape {:?} is not the value's {:?}",
            self.inner.name,
            new.shape(),
            s.value.shape()
        );
        s.store_grad(Some(new), finite);
    }

    /// Runs `f` with the value and gradient locked together: the way optimizers update a
    /// param in place (`slot.value.as_slice_mut()` does not copy unless the value is shared
    /// with a tape that is still alive). `f` must not wait on a parallel loop of the global
    /// pool while it holds the lock (run it inside [`parallel::isolated`](crate::parallel::isolated)).
    pub fn with_slot<R>(&self, f: impl FnOnce(&mut Slot) -> R) -> R {
        f(&mut self.lock())
    }

    /// Locks the value and gradient together and returns the guard: for updating many params
    /// at once (lock them all, then hand the `&mut Slot`s to threads). Lock them in ascending
    /// [`Param::id`] order (as optimizers do), so that two such updates cannot deadlock, never
    /// lock the same param twice, and wait on parallel loops only inside
    /// [`parallel::isolated`](crate::parallel::isolated).
    pub fn lock_slot(&self) -> MutexGuard<'_, Slot> {
        self.lock()
    }

    /// True if both handles point at the same param.
    pub fn same(&self, other: &Param) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }
}

/// `acc += g`, sequentially (vectorised), returning whether every sum is finite (as
/// [`slice_is_finite`](crate::slice_is_finite) does: `x * 0` is NaN unless x is finite).
fn add_into(acc: &mut [f32], g: &[f32]) -> bool {
    crate::parallel::simd(|| {
        let mut poison = [0.0f32; 8];
        let mut a8 = acc.chunks_exact_mut(8);
        let mut g8 = g.chunks_exact(8);
        for (a, b) in (&mut a8).zip(&mut g8) {
            for k in 0..8 {
                a[k] += b[k];
                poison[k] += a[k] * 0.0;
            }
        }
        let mut tail = 0.0f32;
        for (a, &b) in a8.into_remainder().iter_mut().zip(g8.remainder()) {
            *a += b;
            tail += *a * 0.0;
        }
        poison.iter().sum::<f32>() + tail == 0.0
    })
}

impl fmt::Debug for Param {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.lock();
        f.debug_struct("Param")
            .field("name", &self.name())
            .field("shape", &s.value.shape())
            .field("has_grad", &s.grad.is_some())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn shared_handle() {
        assert_send_sync::<Param>();
        let p = Param::new("w", Tensor::zeros(&[2]));
        let q = p.clone();
        q.set_value(Tensor::ones(&[2]));
        assert_eq!(p.value().to_vec(), vec![1.0, 1.0]);
        assert!(p.same(&q) && p.id() == q.id());
        p.accumulate_grad(Tensor::ones(&[2]));
        p.accumulate_grad(Tensor::ones(&[2]));
        assert_eq!(q.grad().unwrap().to_vec(), vec![2.0, 2.0]);
        q.zero_grad();
        assert!(p.grad().is_none());
        p.set_grad(Some(Tensor::from_vec(vec![1.0, f32::NAN], &[2])));
        assert!(!p.with_slot(|s| s.grad_is_finite()));
        p.update_grad(|g| g.map(|x| if x.is_nan() { 0.0 } else { x }));
        assert!(p.with_slot(|s| s.grad_is_finite()));
        p.accumulate_grad(Tensor::from_vec(vec![f32::INFINITY, 0.0], &[2]));
        assert!(!p.with_slot(|s| s.grad_is_finite()));
        assert_eq!(p.name(), "w");
    }

    #[test]
    #[should_panic(expected = "shape [3] cannot replace [2]")]
    fn shape_is_fixed() {
        Param::new("w", Tensor::zeros(&[2])).set_value(Tensor::zeros(&[3]));
    }
}
