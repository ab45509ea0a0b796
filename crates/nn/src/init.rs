//! Initialisers (PyTorch's `torch.nn.init`), each drawing from a seeded [`Rng`] and writing a
//! param's value in place, as PyTorch's trailing-underscore functions do.
//!
//! Fans follow PyTorch's `_calculate_fan_in_and_fan_out`: for a weight of shape
//! `[out, in, k...]`, `fan_in = in * prod(k)` and `fan_out = out * prod(k)` (a Linear weight
//! `[out, in]` has `fan_in = in`).

use tapegrad_tensor::{Param, Rng, Tensor};

/// The nonlinearity that follows a layer, for [`calculate_gain`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Nonlinearity {
    /// Identity (also PyTorch's conv and linear gains): 1.
    Linear,
    /// 1.
    Sigmoid,
    /// 5/3.
    Tanh,
    /// sqrt(2).
    Relu,
    /// sqrt(2 / (1 + slope^2)).
    LeakyRelu(f32),
    /// 3/4.
    Selu,
}

/// Which fan scales the variance in Kaiming initialisation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FanMode {
    /// Preserves the variance of activations in the forward pass (PyTorch's default).
    FanIn,
    /// Preserves the variance of gradients in the backward pass.
    FanOut,
}

/// PyTorch's `calculate_gain`: the recommended scale for a nonlinearity.
pub fn calculate_gain(nonlinearity: Nonlinearity) -> f32 {
    match nonlinearity {
        Nonlinearity::Linear | Nonlinearity::Sigmoid => 1.0,
        Nonlinearity::Tanh => 5.0 / 3.0,
        Nonlinearity::Relu => 2.0f32.sqrt(),
        Nonlinearity::LeakyRelu(a) => (2.0 / (1.0 + a * a)).sqrt(),
        Nonlinearity::Selu => 0.75,
    }
}

/// `(fan_in, fan_out)` of a weight shape. Panics for fewer than 2 dimensions, as PyTorch.
#[track_caller]
pub fn fans(shape: &[usize]) -> (usize, usize) {
    if shape.len() < 2 {
        panic!("init: fan in and fan out cannot be computed for a tensor with fewer than 2 dimensions (shape {shape:?})");
    }
    let receptive: usize = shape[2..].iter().product();
    (shape[1] * receptive, shape[0] * receptive)
}

/// A tensor drawn from uniform[low, high) (all `low` when `low == high`).
#[track_caller]
pub(crate) fn uniform_tensor(shape: &[usize], low: f32, high: f32, rng: &mut Rng) -> Tensor {
    if low == high {
        Tensor::full(shape, low)
    } else {
        Tensor::rand_uniform(shape, low, high, rng)
    }
}

/// Fills `p` from uniform[low, high) (`uniform_`).
#[track_caller]
pub fn uniform(p: &Param, low: f32, high: f32, rng: &mut Rng) {
    p.set_value(uniform_tensor(&p.shape(), low, high, rng));
}

/// Fills `p` from normal(mean, std) (`normal_`).
#[track_caller]
pub fn normal(p: &Param, mean: f32, std: f32, rng: &mut Rng) {
    p.set_value(Tensor::randn(&p.shape(), mean, std, rng));
}

/// Fills `p` with `value` (`constant_`).
pub fn constant(p: &Param, value: f32) {
    p.set_value(Tensor::full(&p.shape(), value));
}

/// Fills `p` with zeros (`zeros_`).
pub fn zeros(p: &Param) {
    constant(p, 0.0);
}

/// Glorot/Xavier uniform (`xavier_uniform_`): uniform(-b, b) with
/// `b = gain * sqrt(6 / (fan_in + fan_out))`.
#[track_caller]
pub fn xavier_uniform(p: &Param, gain: f32, rng: &mut Rng) {
    let (fi, fo) = fans(&p.shape());
    let b = gain * (6.0 / (fi + fo).max(1) as f32).sqrt();
    uniform(p, -b, b, rng);
}

/// Glorot/Xavier normal (`xavier_normal_`): normal(0, std) with
/// `std = gain * sqrt(2 / (fan_in + fan_out))`.
#[track_caller]
pub fn xavier_normal(p: &Param, gain: f32, rng: &mut Rng) {
    let (fi, fo) = fans(&p.shape());
    normal(p, 0.0, gain * (2.0 / (fi + fo).max(1) as f32).sqrt(), rng);
}

#[track_caller]
fn kaiming_std(p: &Param, mode: FanMode, nonlinearity: Nonlinearity) -> f32 {
    let (fi, fo) = fans(&p.shape());
    let fan = match mode {
        FanMode::FanIn => fi,
        FanMode::FanOut => fo,
    };
    calculate_gain(nonlinearity) / (fan.max(1) as f32).sqrt()
}

/// He/Kaiming uniform (`kaiming_uniform_`): uniform(-b, b) with `b = sqrt(3) * gain / sqrt(fan)`.
/// PyTorch's default is `FanIn` with `LeakyRelu(0.0)`; `nn.Linear` uses `LeakyRelu(sqrt(5))`,
/// which gives `b = 1 / sqrt(fan_in)`.
#[track_caller]
pub fn kaiming_uniform(p: &Param, mode: FanMode, nonlinearity: Nonlinearity, rng: &mut Rng) {
    let b = 3.0f32.sqrt() * kaiming_std(p, mode, nonlinearity);
    uniform(p, -b, b, rng);
}

/// He/Kaiming normal (`kaiming_normal_`): normal(0, gain / sqrt(fan)).
#[track_caller]
pub fn kaiming_normal(p: &Param, mode: FanMode, nonlinearity: Nonlinearity, rng: &mut Rng) {
    normal(p, 0.0, kaiming_std(p, mode, nonlinearity), rng);
}

#[cfg(test)]
mod tests {
    use super::*;
    use tapegrad_tensor::rng_from_seed;

    fn stats(p: &Param) -> (f32, f32, f32) {
        let v = p.value().to_vec();
        let n = v.len() as f32;
        let mean = v.iter().sum::<f32>() / n;
        let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f32>() / n;
        let max = v.iter().fold(0.0f32, |m, x| m.max(x.abs()));
        (mean, var.sqrt(), max)
    }

    #[test]
    fn gains_match_pytorch() {
        assert_eq!(calculate_gain(Nonlinearity::Sigmoid), 1.0);
        assert!((calculate_gain(Nonlinearity::Relu) - std::f32::consts::SQRT_2).abs() < 1e-6);
        assert!((calculate_gain(Nonlinearity::Tanh) - 1.666_666_7).abs() < 1e-6);
        assert!((calculate_gain(Nonlinearity::LeakyRelu(0.2)) - 1.386_750_5).abs() < 1e-6);
        assert_eq!(fans(&[5, 10]), (10, 5));
        assert_eq!(fans(&[8, 3, 3, 3]), (27, 72));
    }

    #[test]
    fn bounds_and_spreads() {
        let mut rng = rng_from_seed(7);
        let p = Param::new("w", Tensor::zeros(&[200, 300]));
        xavier_uniform(&p, 1.0, &mut rng);
        let b = (6.0f32 / 500.0).sqrt();
        let (m, s, max) = stats(&p);
        assert!(max <= b && max > 0.99 * b && m.abs() < 0.01);
        assert!((s - b / 3.0f32.sqrt()).abs() < 0.02 * b);

        xavier_normal(&p, 2.0, &mut rng);
        let (m, s, _) = stats(&p);
        assert!(m.abs() < 0.01 && (s - 2.0 * (2.0f32 / 500.0).sqrt()).abs() < 0.01);

        kaiming_uniform(&p, FanIn, Nonlinearity::Relu, &mut rng);
        let b = 3.0f32.sqrt() * 2.0f32.sqrt() / 300.0f32.sqrt();
        let (_, _, max) = stats(&p);
        assert!(max <= b && max > 0.99 * b);

        kaiming_normal(&p, FanMode::FanOut, Nonlinearity::Relu, &mut rng);
        let (_, s, _) = stats(&p);
        assert!((s - (2.0f32 / 200.0).sqrt()).abs() < 0.003);

        uniform(&p, 2.0, 3.0, &mut rng);
        let v = p.value();
        assert!(v.as_slice().iter().all(|&x| (2.0..3.0).contains(&x)));
        normal(&p, 5.0, 0.5, &mut rng);
        let (m, s, _) = stats(&p);
        assert!((m - 5.0).abs() < 0.01 && (s - 0.5).abs() < 0.01);
        constant(&p, 1.5);
        assert!(p.value().as_slice().iter().all(|&x| x == 1.5));
        zeros(&p);
        assert!(p.value().as_slice().iter().all(|&x| x == 0.0));
    }

    use FanMode::FanIn;

    #[test]
    fn seeded() {
        let (p, q) = (
            Param::new("a", Tensor::zeros(&[4, 4])),
            Param::new("b", Tensor::zeros(&[4, 4])),
        );
        kaiming_normal(&p, FanIn, Nonlinearity::Relu, &mut rng_from_seed(1));
        kaiming_normal(&q, FanIn, Nonlinearity::Relu, &mut rng_from_seed(1));
        assert_eq!(p.value(), q.value());
    }

    #[test]
    #[should_panic(expected = "fewer than 2 dimensions (shape [4])")]
    fn fans_need_two_dims() {
        xavier_uniform(
            &Param::new("b", Tensor::zeros(&[4])),
            1.0,
            &mut rng_from_seed(0),
        );
    }
}
