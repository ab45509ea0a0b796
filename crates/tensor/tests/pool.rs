//! The buffer pool (its own test binary: the pool is process-wide, and other tests dropping
//! large tensors at the same time would disturb these counts).

use tapegrad_tensor::{pool, Tensor};

#[test]
fn large_buffers_are_reused_bounded_and_cleared() {
    pool::clear();
    let n = pool::MIN_LEN * 2;
    let t = Tensor::from_vec(vec![1.0; n], &[n]);
    let ptr = t.as_slice().as_ptr();
    let shared = t.clone();
    drop(t);
    assert_eq!(pool::held_bytes(), 0, "a buffer still shared is not pooled");
    drop(shared);
    assert_eq!(
        pool::held_bytes(),
        n * 4,
        "the last owner's drop pools the buffer"
    );

    // An op producing a tensor of that size reuses the buffer, and overwrites all of it.
    let src = Tensor::from_vec((0..n).map(|i| i as f32).collect(), &[n]);
    let y = src.map(|x| 2.0 * x);
    assert_eq!(y.as_slice().as_ptr(), ptr);
    assert!(y
        .as_slice()
        .iter()
        .enumerate()
        .all(|(i, &v)| v == 2.0 * i as f32));
    assert_eq!(pool::held_bytes(), 0);

    // A pooled buffer over twice the size asked for is not handed out (a small tensor must
    // not keep a large allocation alive).
    let big = Tensor::ones(&[8 * n]);
    let big_ptr = big.as_slice().as_ptr();
    drop(big);
    let small = src.map(|x| x + 1.0);
    assert_ne!(small.as_slice().as_ptr(), big_ptr);
    assert_eq!(pool::held_bytes(), 8 * n * 4);
    drop(small);
    pool::clear();

    // Small tensors are left to the allocator.
    drop(Tensor::zeros(&[pool::MIN_LEN - 1]));
    assert_eq!(pool::held_bytes(), 0);

    // The byte bound evicts the oldest buffers; 0 turns pooling off.
    pool::set_capacity_bytes(3 * n * 4);
    let many: Vec<Tensor> = (0..5).map(|_| Tensor::ones(&[n])).collect();
    drop(many);
    assert_eq!(pool::held_bytes(), 3 * n * 4);
    pool::set_capacity_bytes(0);
    assert_eq!(pool::held_bytes(), 0);
    drop(Tensor::ones(&[n]));
    assert_eq!(pool::held_bytes(), 0);
    pool::set_capacity_bytes(64 << 20);
    drop(Tensor::ones(&[n]));
    assert_eq!(pool::held_bytes(), n * 4);
    pool::clear();
    assert_eq!(pool::held_bytes(), 0);
    drop(y);
    drop(src);
}
