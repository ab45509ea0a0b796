//! Integration tests of the tape through the public API: backward from scalars and with an
//! explicit upstream gradient, accumulation over reuse, `no_grad`, params across passes,
//! `detach`, and flat memory over many fresh-tape training steps.

use std::sync::Mutex;
use tapegrad_tensor::{Param, Tape, Tensor};

/// The memory test reads the process's resident set, so no other test of this file may
/// allocate while it runs: every test holds this lock.
static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

fn t(data: &[f32], shape: &[usize]) -> Tensor {
    Tensor::from_vec(data.to_vec(), shape)
}

fn assert_close(got: &Tensor, want: &[f32]) {
    let g = got.as_slice();
    assert_eq!(g.len(), want.len(), "{got}");
    for (a, b) in g.iter().zip(want) {
        assert!(
            (a - b).abs() <= 1e-5 + 1e-5 * b.abs(),
            "got {g:?}, want {want:?}"
        );
    }
}

#[test]
fn backward_from_a_scalar() {
    let _s = serial();
    let tape = Tape::new();
    let x = tape.leaf(t(&[1.0, -2.0, 3.0], &[3]));
    let y = (&x * &x).sum();
    assert_eq!(y.value().item(), 14.0);
    let g = y.backward();
    assert_eq!(g.get(&x).unwrap().to_vec(), vec![2.0, -4.0, 6.0]);
}

#[test]
#[should_panic(expected = "backward through a graph that an earlier backward already freed")]
fn backward_twice_panics_as_in_pytorch() {
    let _s = serial();
    let tape = Tape::new();
    let x = tape.leaf(t(&[1.0, -2.0], &[2]));
    let y = (&x * &x).sum();
    y.backward();
    y.backward();
}

#[test]
fn backward_retain_keeps_the_graph_and_params_accumulate() {
    let _s = serial();
    let p = Param::new("w", t(&[1.0, -2.0], &[2]));
    let tape = Tape::new();
    let w = tape.param(&p);
    let y = (&w * &w).sum();
    assert_eq!(
        y.backward_retain().get(&w).unwrap().to_vec(),
        vec![2.0, -4.0]
    );
    // The second pass sees the same graph; the param holds both passes (PyTorch's
    // retain_graph=True accumulates into .grad the same way).
    assert_eq!(y.backward().get(&w).unwrap().to_vec(), vec![2.0, -4.0]);
    assert_eq!(p.grad().unwrap().to_vec(), vec![4.0, -8.0]);
}

#[test]
#[should_panic(expected = "backward through a graph that an earlier backward already freed")]
fn a_value_of_a_freed_graph_cannot_be_backpropagated_again() {
    let _s = serial();
    let tape = Tape::new();
    let x = tape.leaf(t(&[1.0, 2.0], &[2]));
    let h = x.exp();
    h.sum().backward();
    // h's node was freed with the graph: a new loss through it cannot reach x.
    h.mul_scalar(2.0).sum().backward();
}

#[test]
fn independent_graphs_on_one_tape_backpropagate_separately() {
    let _s = serial();
    // Two losses sharing only a leaf: each backward frees only its own graph (as PyTorch).
    let tape = Tape::new();
    let x = tape.leaf(t(&[1.0, 2.0], &[2]));
    let l1 = x.exp().sum();
    let l2 = (&x * &x).sum();
    assert_eq!(l2.backward().get(&x).unwrap().to_vec(), vec![2.0, 4.0]);
    let g1 = l1.backward();
    assert_close(g1.get(&x).unwrap(), &[1f32.exp(), 2f32.exp()]);
    // Both graphs are freed now, so the op list was emptied.
    assert_eq!(tape.num_ops(), 0);
}

#[test]
fn a_reused_tape_stays_bounded_and_its_leaves_stay_valid() {
    let _s = serial();
    // The pattern of issue 12: a leaf made once outside the loop keeps one tape alive for
    // every step, and the model brings its params onto it each step.
    let tape = Tape::new();
    let x = tape.leaf(t(&[0.5, -1.0, 2.0, 0.25, 1.5, -0.5], &[2, 3]));
    let w = Param::new("w", t(&[0.1, -0.2, 0.3], &[3, 1]));
    let b = Param::new("b", t(&[0.05], &[1]));
    let mut sizes = Vec::new();
    for _ in 0..200 {
        let (wv, bv) = (tape.param(&w), tape.param(&b));
        let loss = (&x.matmul(&wv) + &bv).sigmoid().square().mean();
        let g = loss.backward();
        assert!(
            g.get(&x).is_some(),
            "the leaf made before the loop still gets its gradient"
        );
        w.set_value(
            w.value()
                .zip_map(&w.grad().unwrap(), "sgd", |v, g| v - 0.1 * g),
        );
        w.zero_grad();
        b.zero_grad();
        sizes.push(tape.len());
    }
    // One leaf and two params, however many steps ran.
    assert!(
        sizes.iter().all(|&n| n == 3),
        "tape sizes {:?}",
        &sizes[..5]
    );
}

#[test]
fn gradients_answer_only_for_their_own_tape() {
    let _s = serial();
    let (t1, t2) = (Tape::new(), Tape::new());
    let x1 = t1.leaf(t(&[1.0], &[1]));
    let x2 = t2.leaf(t(&[1.0], &[1]));
    // Both are leaf 0 of their tape; the gradients of t1 must not answer for x2.
    let g = x1.exp().sum().backward();
    assert!(g.get(&x1).is_some());
    assert!(g.get(&x2).is_none());
}

#[test]
fn a_param_brought_twice_is_one_leaf() {
    let _s = serial();
    let p = Param::new("w", t(&[3.0], &[1]));
    let tape = Tape::new();
    let (a, b) = (tape.param(&p), tape.param(&p));
    let g = (&a * &b).sum().backward();
    assert_eq!(tape.len(), 1);
    assert_eq!(g.get(&a).unwrap().to_vec(), vec![6.0]);
    assert_eq!(p.grad().unwrap().to_vec(), vec![6.0]);
}

#[test]
fn backward_with_for_non_scalars() {
    let _s = serial();
    let tape = Tape::new();
    let x = tape.leaf(t(&[1.0, 2.0, 3.0, 4.0], &[2, 2]));
    let w = tape.leaf(t(&[1.0, 0.0, -1.0, 2.0], &[2, 2]));
    let y = x.matmul(&w).mul_scalar(3.0);
    let g = y.backward_with(t(&[1.0, 0.0, 0.0, 1.0], &[2, 2]));
    // dX = 3 G W^T, dW = 3 X^T G.
    assert_close(g.get(&x).unwrap(), &[3.0, -3.0, 0.0, 6.0]);
    assert_close(g.get(&w).unwrap(), &[3.0, 9.0, 6.0, 12.0]);
}

#[test]
#[should_panic(expected = "not a scalar")]
fn backward_needs_a_scalar() {
    let _s = serial();
    let tape = Tape::new();
    let x = tape.leaf(Tensor::ones(&[3]));
    x.exp().backward();
}

#[test]
fn gradients_accumulate_over_reuse() {
    let _s = serial();
    let tape = Tape::new();
    let xs = [0.5f32, -1.0, 2.0];
    let x = tape.leaf(t(&xs, &[3]));
    // y = sum(x*x + exp(x) + x): dy/dx = 2x + e^x + 1.
    let y = (&(&(&x * &x) + &x.exp()) + &x).sum();
    let want: Vec<f32> = xs.iter().map(|&v| 2.0 * v + v.exp() + 1.0).collect();
    assert_close(y.backward().get(&x).unwrap(), &want);
    // Reuse through a broadcast: a row added to every row of a matrix.
    let b = tape.leaf(t(&[1.0, 2.0], &[2]));
    let m = tape.constant(Tensor::zeros(&[3, 2]));
    let z = (&(&m + &b) * &b).sum(); // sum over 3 rows of b^2
    assert_close(z.backward().get(&b).unwrap(), &[6.0, 12.0]);
}

#[test]
fn no_grad_records_nothing() {
    let _s = serial();
    let tape = Tape::no_grad();
    let p = Param::new("w", t(&[1.0, 2.0], &[2]));
    let x = tape.leaf(t(&[3.0, 4.0], &[2]));
    let w = tape.param(&p);
    let y = (&x * &w).sigmoid().sum();
    assert!(tape.is_empty() && !tape.is_recording());
    assert!(!y.requires_grad() && !x.requires_grad());
    assert!(p.grad().is_none(), "no_grad must not touch param gradients");
    // The values are still computed.
    let sig = |v: f32| 1.0 / (1.0 + (-v).exp());
    assert_close(y.value(), &[sig(3.0) + sig(8.0)]);
}

#[test]
#[should_panic(expected = "backward: this tape does not record (it was made with Tape::no_grad())")]
fn backward_on_a_no_grad_tape_is_loud() {
    let _s = serial();
    let tape = Tape::no_grad();
    let x = tape.leaf(t(&[3.0, 4.0], &[2]));
    x.sigmoid().sum().backward();
}

#[test]
#[should_panic(expected = "backward: the output does not require grad")]
fn backward_from_a_constant_is_loud() {
    let _s = serial();
    let tape = Tape::new();
    tape.constant(t(&[3.0], &[1])).exp().sum().backward();
}

#[test]
fn params_accumulate_across_passes_and_zero_grad_clears() {
    let _s = serial();
    let p = Param::new("w", t(&[1.0, -1.0], &[2]));
    let x = t(&[2.0, 3.0], &[2]);
    for pass in 1..=2 {
        let tape = Tape::new();
        let w = tape.param(&p);
        let loss = (&w * &tape.constant(x.clone())).sum();
        let g = loss.backward();
        // The returned gradient is this pass's; the param's accumulates.
        assert_eq!(g.get(&w).unwrap().to_vec(), vec![2.0, 3.0]);
        let k = pass as f32;
        assert_eq!(p.grad().unwrap().to_vec(), vec![2.0 * k, 3.0 * k]);
    }
    p.zero_grad();
    assert!(p.grad().is_none());
    // A param used twice on one tape gets both contributions.
    let tape = Tape::new();
    let w = tape.param(&p);
    (&w * &w).sum().backward();
    assert_eq!(p.grad().unwrap().to_vec(), vec![2.0, -2.0]);
}

#[test]
fn detach_stops_gradients() {
    let _s = serial();
    let tape = Tape::new();
    let x = tape.leaf(t(&[1.5, -2.0], &[2]));
    let d = x.detach();
    assert!(!d.requires_grad());
    assert_eq!(d.value(), x.value());
    // z = sum(x * stop(x)): dz/dx = stop(x), not 2x.
    let z = (&x * &d).sum();
    assert_eq!(z.backward().get(&x).unwrap().to_vec(), vec![1.5, -2.0]);
    // Everything downstream of a detached value alone is a constant.
    let c = d.exp().sum();
    assert!(!c.requires_grad());
}

/// Resident memory in bytes, from /proc/self/statm (Linux): the second field is resident
/// pages; the page size is read from /proc/self/smaps (4 KiB if it cannot be read).
fn resident_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    let page_kib: u64 = std::fs::read_to_string("/proc/self/smaps")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("KernelPageSize:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(4);
    Some(pages * page_kib * 1024)
}

/// One training step of a small graph on a fresh tape: a Linear-like layer, sigmoid, MSE;
/// the param is updated by hand (plain SGD).
fn step(w: &Param, x: &Tensor, y: &Tensor) -> f32 {
    let tape = Tape::new();
    let wv = tape.param(w);
    let pred = tape.constant(x.clone()).matmul(&wv).sigmoid();
    let loss = pred.mse_loss(&tape.constant(y.clone()));
    loss.backward();
    let g = w.grad().expect("gradient after backward");
    w.set_value(w.value().zip_map(&g, "sgd", |v, g| v - 0.5 * g));
    w.zero_grad();
    loss.value().item()
}

#[test]
fn memory_stays_flat_over_many_steps() {
    let _s = serial();
    // 100,000 steps in release; fewer in debug builds so the test stays quick there.
    let steps: usize = if cfg!(debug_assertions) {
        20_000
    } else {
        100_000
    };
    let mut rng = tapegrad_tensor::rng_from_seed(1);
    let x = Tensor::randn(&[8, 4], 0.0, 1.0, &mut rng);
    let y = Tensor::rand_uniform(&[8, 2], 0.0, 1.0, &mut rng);
    let w = Param::new("w", Tensor::randn(&[4, 2], 0.0, 0.5, &mut rng));
    let first = step(&w, &x, &y);
    for _ in 1..1_000 {
        step(&w, &x, &y);
    }
    let Some(before) = resident_bytes() else {
        eprintln!("no /proc/self/statm: memory check skipped (loss still checked)");
        return;
    };
    let mut last = 0.0;
    for _ in 1_000..steps {
        last = step(&w, &x, &y);
    }
    let after = resident_bytes().expect("statm readable");
    let growth = after.saturating_sub(before);
    assert!(
        growth < 4 << 20,
        "resident memory grew by {} KiB over {} steps ({before} -> {after} bytes)",
        growth >> 10,
        steps - 1_000
    );
    assert!(last.is_finite() && last < first, "loss {first} -> {last}");
}
