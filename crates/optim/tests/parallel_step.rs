//! `step` over many params on several threads gives, bit for bit, what one thread gives, for
//! every optimizer; and steps over params that other threads use at the same time (training
//! loops inside `parallel::run`, readers) finish: no thread holds a param's lock while it
//! waits on the global pool (issue 17, defect 6).

use serde_json::json;
use std::sync::mpsc;
use std::time::Duration;
use tapegrad_optim::{optimizer_from_options, optimizer_names};
use tapegrad_tensor::{parallel, Param, Tape, Tensor};

/// 40 params of 4,096 elements (more than `PAR_THRESHOLD` in all) with varied gradients.
fn params() -> Vec<Param> {
    (0..40)
        .map(|k| {
            let n = 4096;
            let v = (0..n)
                .map(|i| ((i * 31 + k * 7) % 101) as f32 / 50.0 - 1.0)
                .collect();
            let g = (0..n)
                .map(|i| ((i * 17 + k * 3) % 89) as f32 / 40.0 - 1.1)
                .collect();
            // 2-D, so that every optimizer takes it (Muon takes matrices only).
            let p = Param::new(format!("p{k}"), Tensor::from_vec(v, &[64, n / 64]));
            p.set_grad(Some(Tensor::from_vec(g, &[64, n / 64])));
            p
        })
        .collect()
}

fn run(name: &str, threads: usize) -> Vec<Vec<f32>> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    pool.install(|| {
        let ps = params();
        let mut opt = optimizer_from_options(name, ps.clone(), &json!({})).unwrap();
        opt.train(); // Schedule-Free steps in train mode only
        for _ in 0..3 {
            opt.step().unwrap();
        }
        ps.iter().map(|p| p.value().to_vec()).collect()
    })
}

#[test]
fn many_params_on_two_threads_match_one_thread() {
    // LBFGS steps through a closure, over all params as one vector (no per-param threads).
    for name in optimizer_names().into_iter().filter(|&n| n != "LBFGS") {
        let (one, two) = (run(name, 1), run(name, 2));
        assert_eq!(one, two, "{name}");
        assert_ne!(
            one,
            params()
                .iter()
                .map(|p| p.value().to_vec())
                .collect::<Vec<_>>(),
            "{name} moved nothing"
        );
    }
}

#[test]
fn optimizers_sharing_params_in_opposite_orders_do_not_deadlock() {
    // Both lock all their params at once; locking in list order would deadlock here. Tiny
    // params make locking most of each step, so the two threads' locking overlaps often.
    let ps: Vec<Param> = (0..64)
        .map(|k| {
            let p = Param::new(format!("q{k}"), Tensor::from_vec(vec![0.5; 64], &[64]));
            p.set_grad(Some(Tensor::from_vec(vec![0.1; 64], &[64])));
            p
        })
        .collect();
    let reversed: Vec<_> = ps.iter().rev().cloned().collect();
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    for list in [ps, reversed] {
        let done = done_tx.clone();
        std::thread::spawn(move || {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(2)
                .build()
                .unwrap();
            pool.install(|| {
                let mut opt = optimizer_from_options("SGD", list, &json!({"lr": 1e-3})).unwrap();
                for _ in 0..50_000 {
                    opt.step().unwrap();
                }
            });
            done.send(()).unwrap();
        });
    }
    for _ in 0..2 {
        done_rx
            .recv_timeout(std::time::Duration::from_secs(60))
            .expect("two optimizers over the same params deadlocked");
    }
}

/// A param big enough that every step over it takes the parallel path.
fn big_param() -> Param {
    let n = 2 * parallel::PAR_THRESHOLD;
    let v = (0..n).map(|i| ((i % 97) as f32 - 48.0) / 100.0).collect();
    Param::new("shared", Tensor::from_vec(v, &[n]))
}

/// Runs `jobs` on plain threads and waits for all of them, failing after `secs`.
fn all_finish(jobs: Vec<Box<dyn FnOnce() + Send>>, secs: u64, what: &str) {
    let (tx, rx) = mpsc::channel();
    let n = jobs.len();
    for job in jobs {
        let tx = tx.clone();
        std::thread::spawn(move || {
            job();
            tx.send(()).unwrap();
        });
    }
    for _ in 0..n {
        rx.recv_timeout(Duration::from_secs(secs))
            .unwrap_or_else(|_| panic!("{what}: a thread never finished (deadlock)"));
    }
}

#[test]
fn four_training_loops_in_parallel_run_over_a_shared_param_finish() {
    // Each thread trains its own optimizer over the same param, inside parallel::run as the
    // README advises: forward reads the param, backward adds into its gradient, the step
    // locks it and updates it in parallel.
    let p = big_param();
    let jobs: Vec<Box<dyn FnOnce() + Send>> = (0..4)
        .map(|_| {
            let p = p.clone();
            Box::new(move || {
                parallel::run(|| {
                    let mut opt =
                        optimizer_from_options("SGD", vec![p.clone()], &json!({"lr": 1e-3}))
                            .unwrap();
                    for _ in 0..150 {
                        let tape = Tape::new();
                        let x = tape.param(&p);
                        x.square().mean().backward();
                        opt.step().unwrap();
                        opt.zero_grad();
                    }
                })
            }) as Box<dyn FnOnce() + Send>
        })
        .collect();
    all_finish(jobs, 120, "four training loops over one param");
    assert!(p.value().all_finite());
}

#[test]
fn a_plain_thread_steps_while_pool_threads_read_the_param() {
    let p = big_param();
    p.set_grad(Some(Tensor::full(&p.shape(), 0.01)));
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut jobs: Vec<Box<dyn FnOnce() + Send>> = Vec::new();
    for _ in 0..2 {
        let (p, stop) = (p.clone(), stop.clone());
        jobs.push(Box::new(move || {
            parallel::run(|| {
                let mut reads = 0u64;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) || reads < 100 {
                    let v = p.value();
                    let _ = p.grad();
                    reads += u64::from(!v.is_empty());
                }
            })
        }));
    }
    {
        let (p, stop) = (p.clone(), stop.clone());
        jobs.push(Box::new(move || {
            let mut opt = optimizer_from_options("Adam", vec![p], &json!({})).unwrap();
            for _ in 0..300 {
                opt.step().unwrap();
            }
            stop.store(true, std::sync::atomic::Ordering::Relaxed);
        }));
    }
    all_finish(jobs, 120, "a stepping thread and two reading pool threads");
}
