//! Linear regression: recover `y = 3x + 2` from 100 noisy points with one `Linear(1, 1)`,
//! MSE loss and plain SGD (lr 0.1), 100 full-batch epochs.
//!
//! ```text
//! cargo run --release --example linear_regression
//! ```

use tapegrad::nn::{Linear, MSELoss, Module};
use tapegrad::optim::{Optimizer, Sgd, SgdConfig};
use tapegrad::tensor::{rng_from_seed, Tape, Tensor};

const USAGE: &str =
    "usage: linear_regression (no options: trains and prints the loss every 10 epochs)";

fn main() {
    match std::env::args().nth(1).as_deref() {
        None => {}
        Some("-h" | "--help") => {
            println!("{USAGE}");
            return;
        }
        Some(other) => {
            eprintln!("linear_regression: unknown argument '{other}'\n{USAGE}");
            std::process::exit(2);
        }
    }
    // Data: x uniform in [-1, 1), y = 3x + 2 + N(0, 0.1^2), seeded.
    let mut rng = rng_from_seed(42);
    let x = Tensor::rand_uniform(&[100, 1], -1.0, 1.0, &mut rng);
    let noise = Tensor::randn(&[100, 1], 0.0, 0.1, &mut rng);
    let y = x.mul_scalar(3.0).add_scalar(2.0).add(&noise);

    let model = Linear::new(1, 1, &mut rng);
    let loss_fn = MSELoss::new();
    let mut opt = Sgd::new(
        model.params(),
        SgdConfig {
            lr: 0.1,
            ..Default::default()
        },
    )
    .expect("valid SGD options");

    for epoch in 1..=100 {
        opt.zero_grad();
        let tape = Tape::new();
        let loss = loss_fn.forward(
            &model.forward(&tape.constant(x.clone())),
            &tape.constant(y.clone()),
        );
        loss.backward();
        opt.step().expect("finite gradients");
        if epoch % 10 == 0 {
            println!("epoch {epoch:>3}  loss {:.6}", loss.value().item());
        }
    }

    let w = model.weight.value().item();
    let b = model
        .bias
        .as_ref()
        .expect("Linear::new has a bias")
        .value()
        .item();
    println!("learned: y = {w:.4} x + {b:.4}   (true: y = 3 x + 2)");
}
