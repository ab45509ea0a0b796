//! The `Module` trait: a layer or a network, its parameters by PyTorch-style dotted names,
//! train/eval mode, and `state_dict` export/import.
//!
//! A module says three things about itself, and everything else is derived:
//! - [`Module::forward`]: the computation;
//! - [`Module::local_params`]: the params it owns directly (`"weight"`, `"bias"`);
//! - [`Module::children`]: its sub-modules by field name (`"fc1"`, `"fc2"`), usually written
//!   with the [`children!`](crate::children) macro.
//!
//! From those, [`Module::named_params`] yields `fc1.weight`, `fc1.bias`, ... in declaration
//! order, exactly as PyTorch's `named_parameters()`/`state_dict()` name them, so weights can
//! move between the two (see [`crate::save_safetensors`]).

use crate::state::{self, LoadReport, StateDictError};
use tapegrad_tensor::{Param, Rng, Tape, Tensor, Var};

/// A layer or a network of layers (PyTorch's `nn.Module`).
///
/// ```
/// use tapegrad_nn::{children, Linear, Module};
/// use tapegrad_tensor::{rng_from_seed, Var};
///
/// struct SimpleNet { fc1: Linear, fc2: Linear }
///
/// impl Module for SimpleNet {
///     fn forward(&self, x: &Var) -> Var {
///         self.fc2.forward(&self.fc1.forward(x).sigmoid())
///     }
///     children!(fc1, fc2);
/// }
///
/// let mut rng = rng_from_seed(0);
/// let net = SimpleNet { fc1: Linear::new(10, 5, &mut rng), fc2: Linear::new(5, 1, &mut rng) };
/// let names: Vec<String> = net.named_params().into_iter().map(|(n, _)| n).collect();
/// assert_eq!(names, ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]);
/// ```
pub trait Module {
    /// The computation, recorded on the tape of `x`. Params are brought onto that tape here
    /// (`x.tape().param(&self.weight)`), so `backward` fills their gradients. A panic on bad
    /// input reports the caller's line (`#[track_caller]`, for every implementation).
    #[track_caller]
    fn forward(&self, x: &Var) -> Var;

    /// The params this module owns directly, by local name (`"weight"`), in a fixed order.
    /// Containers own none; their children's params are found through [`Module::children`].
    fn local_params(&self) -> Vec<(&str, &Param)> {
        Vec::new()
    }

    /// The direct sub-modules by name (`"fc1"`, or `"0"`, `"1"` in a [`Sequential`]), in
    /// declaration order. Write it with [`children!`](crate::children).
    ///
    /// [`Sequential`]: crate::Sequential
    fn children(&self) -> Vec<(&str, &dyn Module)> {
        Vec::new()
    }

    /// Sets this module's own mode (not its children's). Only modules whose `forward` depends
    /// on the mode (Dropout) override it; use [`Module::train`]/[`Module::eval`] to set a
    /// whole network.
    fn set_local_training(&self, _training: bool) {}

    /// This module's own mode, `None` if its forward does not depend on the mode.
    fn local_training(&self) -> Option<bool> {
        None
    }

    /// This module's own random generator state (Dropout), for checkpoints.
    fn local_rng(&self) -> Option<Rng> {
        None
    }

    /// Restores this module's own random generator state; returns false if it has none.
    fn set_local_rng(&self, _rng: Rng) -> bool {
        false
    }

    /// A short description for messages and printing (`"Linear(10, 5)"`).
    fn describe(&self) -> String {
        "Module".to_string()
    }

    // ----- derived: not meant to be overridden -----

    /// Every descendant with its dotted path (`"fc1"`, `"block.0"`, ...), depth first in
    /// declaration order (PyTorch's `named_modules()` without the module itself).
    fn named_modules(&self) -> Vec<(String, &dyn Module)> {
        let mut out = Vec::new();
        for (name, c) in self.children() {
            out.push((name.to_string(), c));
            collect_modules(name, c, &mut out);
        }
        out
    }

    /// Every param with its dotted name (`fc1.weight`, `fc1.bias`, ...), as PyTorch's
    /// `named_parameters()`. A param shared by two sub-modules is listed once, under its
    /// first name.
    ///
    /// Listing records each name in the param ([`Param::set_path`]), so that messages about
    /// it, an optimizer's among them, name `fc2.weight` rather than `weight`.
    fn named_params(&self) -> Vec<(String, Param)> {
        let mut out = Vec::new();
        collect_params("", self.local_params(), self.children(), &mut out);
        let out = dedup_params(out);
        for (name, p) in &out {
            p.set_path(name);
        }
        out
    }

    /// Every param, in the order of [`Module::named_params`] (what an optimizer takes).
    fn params(&self) -> Vec<Param> {
        self.named_params().into_iter().map(|(_, p)| p).collect()
    }

    /// Total number of trainable scalars.
    fn num_params(&self) -> usize {
        self.params().iter().map(|p| p.len()).sum()
    }

    /// Sets the mode of this module and every descendant (PyTorch's `train(mode)`).
    fn set_training(&self, training: bool) {
        self.set_local_training(training);
        for (_, c) in self.children() {
            c.set_training(training);
        }
    }

    /// Training mode (Dropout active). Modules start in training mode, as in PyTorch.
    fn train(&self) {
        self.set_training(true);
    }

    /// Evaluation mode (Dropout is the identity).
    fn eval(&self) {
        self.set_training(false);
    }

    /// False if this module or a descendant whose forward depends on the mode is in eval
    /// mode. (A network with no mode-dependent layer behaves the same in both modes and
    /// always reports true.)
    fn is_training(&self) -> bool {
        self.local_training() != Some(false) && self.children().iter().all(|(_, c)| c.is_training())
    }

    /// Clears the gradient of every param.
    fn zero_grad(&self) {
        for p in self.params() {
            p.zero_grad();
        }
    }

    /// Runs `forward` on a plain tensor without recording anything (inference).
    #[track_caller]
    fn predict(&self, x: &Tensor) -> Tensor {
        let tape = Tape::no_grad();
        self.forward(&tape.constant(x.clone())).value().clone()
    }

    /// The params' current values by dotted name (PyTorch's `state_dict()`; values are cheap
    /// shared copies).
    fn state_dict(&self) -> Vec<(String, Tensor)> {
        self.named_params()
            .into_iter()
            .map(|(n, p)| (n, p.value()))
            .collect()
    }

    /// Loads values by dotted name (PyTorch's `load_state_dict`). With `strict`, any missing,
    /// unexpected or wrongly shaped entry is an error and nothing is changed; without it,
    /// what fits is loaded and the rest is reported.
    fn load_state_dict(
        &self,
        entries: Vec<(String, Tensor)>,
        strict: bool,
    ) -> Result<LoadReport, StateDictError> {
        state::load_entries(&self.named_params(), entries, strict)
    }

    /// The random generator state of every module that has one (Dropout), by dotted path.
    fn named_rngs(&self) -> Vec<(String, Rng)> {
        let mut out = Vec::new();
        collect_rngs("", self.local_rng(), self.children(), &mut out);
        out
    }

    /// Restores generator states saved by [`Module::named_rngs`]; returns the paths that
    /// matched no module with a generator.
    fn load_rngs(&self, rngs: &[(String, Rng)]) -> Vec<String> {
        let mut unmatched = Vec::new();
        for (path, rng) in rngs {
            let found = if path.is_empty() {
                self.set_local_rng(rng.clone())
            } else {
                let (head, rest) = path.split_once('.').unwrap_or((path, ""));
                self.children()
                    .into_iter()
                    .find(|(n, _)| *n == head)
                    .and_then(|(_, c)| find_module(c, rest))
                    .is_some_and(|m| m.set_local_rng(rng.clone()))
            };
            if !found {
                unmatched.push(path.clone());
            }
        }
        unmatched
    }
}

fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_string()
    } else {
        format!("{prefix}.{name}")
    }
}

fn collect_modules<'a>(prefix: &str, m: &'a dyn Module, out: &mut Vec<(String, &'a dyn Module)>) {
    for (name, c) in m.children() {
        let path = join(prefix, name);
        out.push((path.clone(), c));
        collect_modules(&path, c, out);
    }
}

fn collect_params(
    prefix: &str,
    local: Vec<(&str, &Param)>,
    children: Vec<(&str, &dyn Module)>,
    out: &mut Vec<(String, Param)>,
) {
    for (name, p) in local {
        out.push((join(prefix, name), p.clone()));
    }
    for (name, c) in children {
        collect_params(&join(prefix, name), c.local_params(), c.children(), out);
    }
}

fn dedup_params(all: Vec<(String, Param)>) -> Vec<(String, Param)> {
    let mut seen = std::collections::HashSet::with_capacity(all.len());
    all.into_iter()
        .filter(|(_, p)| seen.insert(p.id()))
        .collect()
}

fn collect_rngs(
    prefix: &str,
    local: Option<Rng>,
    children: Vec<(&str, &dyn Module)>,
    out: &mut Vec<(String, Rng)>,
) {
    if let Some(r) = local {
        out.push((prefix.to_string(), r));
    }
    for (name, c) in children {
        collect_rngs(&join(prefix, name), c.local_rng(), c.children(), out);
    }
}

/// The module at dotted `path` below `m` (`m` itself for an empty path).
fn find_module<'a>(m: &'a dyn Module, path: &str) -> Option<&'a dyn Module> {
    if path.is_empty() {
        return Some(m);
    }
    let (head, rest) = path.split_once('.').unwrap_or((path, ""));
    m.children()
        .into_iter()
        .find(|(n, _)| *n == head)
        .and_then(|(_, c)| find_module(c, rest))
}

/// Writes [`Module::children`] from field names: `children!(fc1, fc2);` inside an
/// `impl Module` block names each field after itself, as PyTorch names attributes.
///
/// ```
/// use tapegrad_nn::{children, Linear, Module, ReLU};
/// use tapegrad_tensor::{rng_from_seed, Var};
/// struct Mlp { hidden: Linear, act: ReLU, out: Linear }
/// impl Module for Mlp {
///     fn forward(&self, x: &Var) -> Var {
///         self.out.forward(&self.act.forward(&self.hidden.forward(x)))
///     }
///     children!(hidden, act, out);
/// }
/// let mut rng = rng_from_seed(1);
/// let m = Mlp { hidden: Linear::new(3, 4, &mut rng), act: ReLU, out: Linear::new(4, 2, &mut rng) };
/// assert_eq!(m.named_params()[2].0, "out.weight");
/// ```
#[macro_export]
macro_rules! children {
    ($($field:ident),* $(,)?) => {
        fn children(&self) -> ::std::vec::Vec<(&str, &dyn $crate::Module)> {
            ::std::vec![$((::core::stringify!($field), &self.$field as &dyn $crate::Module)),*]
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Dropout, Linear, Sequential, Sigmoid};
    use tapegrad_tensor::rng_from_seed;

    struct Block {
        lin: Linear,
        drop: Dropout,
    }
    impl Module for Block {
        fn forward(&self, x: &Var) -> Var {
            self.drop.forward(&self.lin.forward(x))
        }
        children!(lin, drop);
    }

    struct Net {
        block: Block,
        head: Sequential,
    }
    impl Module for Net {
        fn forward(&self, x: &Var) -> Var {
            self.head.forward(&self.block.forward(x))
        }
        children!(block, head);
    }

    fn net(seed: u64) -> Net {
        let mut rng = rng_from_seed(seed);
        Net {
            block: Block {
                lin: Linear::new(3, 4, &mut rng),
                drop: Dropout::new(0.5, rng_from_seed(seed + 100)),
            },
            head: Sequential::new()
                .append(Sigmoid)
                .append(Linear::new(4, 2, &mut rng)),
        }
    }

    #[test]
    fn nested_names_modes_and_rngs() {
        let n = net(1);
        let names: Vec<String> = n.named_params().into_iter().map(|(k, _)| k).collect();
        assert_eq!(
            names,
            [
                "block.lin.weight",
                "block.lin.bias",
                "head.1.weight",
                "head.1.bias"
            ]
        );
        let modules: Vec<String> = n.named_modules().into_iter().map(|(k, _)| k).collect();
        assert_eq!(
            modules,
            [
                "block",
                "block.lin",
                "block.drop",
                "head",
                "head.0",
                "head.1"
            ]
        );
        assert!(n.is_training());
        n.eval();
        assert!(!n.is_training() && !n.block.drop.is_training());
        n.train();
        assert!(n.block.drop.is_training());

        let rngs = n.named_rngs();
        assert_eq!(rngs.len(), 1);
        assert_eq!(rngs[0].0, "block.drop");
        let x = Tensor::ones(&[6, 3]);
        let first = n.predict(&x);
        assert!(n.load_rngs(&rngs).is_empty());
        assert_eq!(n.predict(&x), first, "restored generator repeats the masks");
        let bad = vec![("head.0".to_string(), rngs[0].1.clone())];
        assert_eq!(n.load_rngs(&bad), ["head.0"]);
    }

    #[test]
    fn state_dict_round_trip_and_strictness() {
        let (a, b) = (net(1), net(2));
        a.eval();
        b.eval();
        let x = Tensor::ones(&[2, 3]);
        assert_ne!(a.predict(&x), b.predict(&x));
        let report = b.load_state_dict(a.state_dict(), true).unwrap();
        assert_eq!(report.loaded.len(), 4);
        assert_eq!(a.predict(&x), b.predict(&x));
        let mut partial = a.state_dict();
        partial.pop();
        partial.push(("extra".into(), Tensor::zeros(&[1])));
        let err = b.load_state_dict(partial.clone(), true).unwrap_err();
        assert_eq!(err.report.missing, ["head.1.bias"]);
        assert_eq!(err.report.unexpected, ["extra"]);
        assert!(b.load_state_dict(partial, false).is_ok());
    }

    #[test]
    fn listing_records_dotted_paths_in_the_params() {
        let n = net(1);
        let w = n.block.lin.weight.clone();
        assert_eq!(w.name(), "weight", "not listed yet");
        // A sub-layer listed on its own first (a param group), then the whole model.
        let _ = n.block.lin.params();
        assert_eq!(w.name(), "weight");
        let _ = n.params();
        assert_eq!(w.name(), "block.lin.weight");
        let _ = n.block.params();
        assert_eq!(w.name(), "block.lin.weight", "the outermost path stays");
        // Every param's name is its dotted name in the model.
        for (name, p) in n.named_params() {
            assert_eq!(p.name(), name);
        }
    }

    #[test]
    fn shared_params_listed_once() {
        // One layer applied twice (weight tying): its params appear once, under the first name.
        struct Twice {
            l: Linear,
        }
        impl Module for Twice {
            fn forward(&self, x: &Var) -> Var {
                self.l.forward(&self.l.forward(x))
            }
            fn children(&self) -> Vec<(&str, &dyn Module)> {
                vec![("a", &self.l), ("b", &self.l)]
            }
        }
        let t = Twice {
            l: Linear::new(2, 2, &mut rng_from_seed(0)),
        };
        let names: Vec<String> = t.named_params().into_iter().map(|(k, _)| k).collect();
        assert_eq!(names, ["a.weight", "a.bias"]);
        assert_eq!(t.num_params(), 6);
    }
}
