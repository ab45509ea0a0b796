//! `step` over many params on several threads gives, bit for bit, what one thread gives, for
//! every optimizer; params listed twice (which PyTorch allows with a warning) are stepped twice
//! on the sequential path instead of deadlocking.

use serde_json::json;
use tapegrad_optim::{optimizer_from_options, optimizer_names};
use tapegrad_tensor::{Param, Tensor};

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
            let p = Param::new(format!("p{k}"), Tensor::from_vec(v, &[n]));
            p.set_grad(Some(Tensor::from_vec(g, &[n])));
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
        for _ in 0..3 {
            opt.step().unwrap();
        }
        ps.iter().map(|p| p.value().to_vec()).collect()
    })
}

#[test]
fn many_params_on_two_threads_match_one_thread() {
    for name in optimizer_names() {
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
fn a_param_listed_twice_is_stepped_twice() {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap();
    pool.install(|| {
        let ps = params();
        let mut twice = ps.clone();
        twice.push(ps[0].clone());
        let mut opt = optimizer_from_options("SGD", twice, &json!({"lr": 0.5})).unwrap();
        let before = ps[0].value().to_vec();
        let g = ps[0].grad().unwrap().to_vec();
        opt.step().unwrap();
        let after = ps[0].value().to_vec();
        for ((b, g), a) in before.iter().zip(&g).zip(&after) {
            assert_eq!(*a, (b - 0.5 * g) - 0.5 * g);
        }
    });
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
