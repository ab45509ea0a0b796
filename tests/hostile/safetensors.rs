//! Crafted safetensors files.

/// A safetensors file from its JSON header and data.
pub fn file(header: &str, data: &[u8]) -> Vec<u8> {
    let mut b = (header.len() as u64).to_le_bytes().to_vec();
    b.extend_from_slice(header.as_bytes());
    b.extend_from_slice(data);
    b
}

/// One f32 tensor of shape `[1; dims]` (one value): a long shape per byte.
pub fn long_shape(dims: usize) -> Vec<u8> {
    let shape = vec!["1"; dims].join(",");
    let header = format!(r#"{{"w":{{"dtype":"F32","shape":[{shape}],"data_offsets":[0,4]}}}}"#);
    file(&header, &1.0f32.to_le_bytes())
}

/// `n` empty tensors: the most entries per byte.
pub fn many_tensors(n: usize) -> Vec<u8> {
    let entries: Vec<String> = (0..n)
        .map(|i| format!(r#""{i}":{{"dtype":"F32","shape":[0],"data_offsets":[0,0]}}"#))
        .collect();
    file(&format!("{{{}}}", entries.join(",")), &[])
}

/// The issue's shape for safetensors: no data, dimensions whose product overflows.
pub fn huge_shape() -> Vec<u8> {
    file(
        r#"{"w":{"dtype":"F32","shape":[0,1099511627776,1099511627776],"data_offsets":[0,0]}}"#,
        &[],
    )
}
