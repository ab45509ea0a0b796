//! A mistake in a call to a public op, constructor or layer panics at the caller's line (every
//! such function is `#[track_caller]`), with a message that names the op and what was wrong,
//! never an `assertion left == right` dump (issue 12 §3).

use std::cell::RefCell;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;
use tapegrad::nn::{CrossEntropyLoss, Linear, MSELoss, Module, Sequential, Sigmoid};
use tapegrad::prelude::*;

thread_local! {
    /// The location and message of the last panic on this thread.
    static LAST: RefCell<Option<(String, u32, String)>> = const { RefCell::new(None) };
}

/// Runs `f`, which must panic, and returns where (file, line) and with what message.
fn panic_of(f: impl FnOnce()) -> (String, u32, String) {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        panic::set_hook(Box::new(|info| {
            let loc = info.location().expect("a location");
            let msg = info
                .payload()
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| info.payload().downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            LAST.with(|l| *l.borrow_mut() = Some((loc.file().to_string(), loc.line(), msg)));
        }))
    });
    let outcome = panic::catch_unwind(AssertUnwindSafe(f));
    assert!(outcome.is_err(), "expected a panic");
    LAST.with(|l| l.borrow_mut().take())
        .expect("the hook saw the panic")
}

/// Asserts that `f` panics on `line` of this file with a message containing `want`.
fn points_here(line: u32, want: &str, f: impl FnOnce()) {
    let (file, at, msg) = panic_of(f);
    assert_eq!(
        (file.as_str(), at),
        (file!(), line),
        "panic located in {file}:{at}, not at the caller ({msg})"
    );
    assert!(msg.contains(want), "message {msg:?} lacks {want:?}");
    assert!(
        !msg.contains("left ==") && !msg.contains("right:"),
        "assertion noise in {msg:?}"
    );
}

#[rustfmt::skip]
#[test]
fn tensor_ops_and_constructors() {
    let (a, b) = (Tensor::zeros(&[2, 3]), Tensor::zeros(&[4, 5]));
    {
    points_here(line!(), "matmul: shapes [2, 3] and [4, 5] do not multiply", || { a.matmul(&b); });
    points_here(line!(), "add: shapes [2, 3] and [4, 5] do not broadcast", || { a.add(&b); });
    points_here(line!(), "Tensor::from_vec: 5 values cannot fill shape [2, 3]", || { Tensor::from_vec(vec![0.0; 5], &[2, 3]); });
    points_here(line!(), "reshape: cannot view shape [2, 3]", || { a.reshape(&[4]); });
    points_here(line!(), "sum: axis 2 is out of range", || { a.sum_axis(2, false); });
    points_here(line!(), "index_select: index 3 is out of bounds for dimension 1 with size 3", || { a.index_select(1, &IntTensor::from(vec![3])); });
    points_here(line!(), "cat: tensor 1 has shape [4, 5]", || { Tensor::cat(&[&a, &b], 0); });
    points_here(line!(), "cross_entropy: target 7 of sample 0", || { a.cross_entropy(&IntTensor::from(vec![7, 0])); });
    points_here(line!(), "softmax: axis -3 is out of range", || { a.softmax(-3); });
    points_here(line!(), "item: tensor of shape [2, 3]", || { a.item(); });
    }
}

#[rustfmt::skip]
#[test]
fn var_ops_and_backward() {
    let tape = Tape::new();
    let x = tape.leaf(Tensor::zeros(&[2, 3]));
    let y = tape.leaf(Tensor::zeros(&[4]));
    {
    points_here(line!(), "mul: shapes [2, 3] and [4] do not broadcast", || { x.mul(&y); });
    points_here(line!(), "gather: index has 1 dimensions", || { x.gather(1, &IntTensor::from(vec![0])); });
    points_here(line!(), "permute: [0] has 1 dims", || { x.permute(&[0]); });
    points_here(line!(), "backward: output of shape [2, 3] is not a scalar", || { x.exp().backward(); });
    }
    let loss = x.sum();
    loss.backward();
    points_here(line!(), "backward through a graph that an earlier backward already freed", || { loss.backward(); });
    let eval = Tape::no_grad();
    let z = eval.leaf(Tensor::ones(&[1]));
    points_here(line!(), "this tape does not record", || { z.sum().backward(); });
}

#[rustfmt::skip]
#[test]
fn layers_and_losses() {
    let mut rng = rng_from_seed(0);
    let fc = Linear::new(10, 5, &mut rng);
    let net = Sequential::new()
        .append(Linear::new(3, 4, &mut rng))
        .append(Sigmoid)
        .append(Linear::new(4, 1, &mut rng));
    let tape = Tape::new();
    let (x7, x3) = (
        tape.constant(Tensor::zeros(&[2, 7])),
        tape.constant(Tensor::zeros(&[2, 3])),
    );
    {
    points_here(line!(), "Linear(10, 5): expected input [*, 10], got [2, 7]", || { fc.forward(&x7); });
    points_here(line!(), "Linear(10, 5): expected input [*, 10], got [3, 7]", || { fc.predict(&Tensor::zeros(&[3, 7])); });
    points_here(line!(), "Linear(3, 4): expected input [*, 3], got [2, 7]", || { net.forward(&x7); });
    points_here(line!(), "Linear: weight must be [out_features, in_features]", || { Linear::from_tensors(Tensor::zeros(&[3]), None); });
    points_here(line!(), "MSELoss: input shape [2, 3] does not match target shape [2, 7]", || { MSELoss::new().forward(&x3, &x7); });
    points_here(line!(), "CrossEntropyLoss: target 3 of sample 1", || { CrossEntropyLoss::new().forward(&x3, &IntTensor::from(vec![0, 3])); });
    }
}
