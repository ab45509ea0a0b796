//! `tapegrad inspect FILE`: a checkpoint or a safetensors file, described.

use std::fmt::Write;
use tapegrad_checkpoint::{from_bytes, header_from_bytes, MAGIC};
use tapegrad_tensor::check_shape;

/// Describes the file at `path`, or says in one line why it cannot.
pub fn run(path: &str) -> Result<String, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("reading {path}: {e}"))?;
    if bytes.starts_with(MAGIC) {
        checkpoint(path, &bytes)
    } else {
        safetensors(path, &bytes)
    }
}

fn checkpoint(path: &str, bytes: &[u8]) -> Result<String, String> {
    let bad = |e: tapegrad_checkpoint::CheckpointError| format!("{path}: {e}");
    let header = header_from_bytes(bytes).map_err(bad)?;
    let cp = from_bytes(bytes).map_err(bad)?;
    let mut o = String::new();
    let version = u32::from_le_bytes(bytes[8..12].try_into().expect("checked by from_bytes"));
    let _ = writeln!(o, "file: {path} ({} bytes)", bytes.len());
    let _ = writeln!(
        o,
        "format: tapegrad checkpoint, version {version}, checksum ok"
    );
    let _ = writeln!(o, "written by: {}", header.created_by);
    let _ = writeln!(o, "epoch: {}, step: {}", cp.epoch, cp.step);
    let total: usize = cp.params.iter().map(|t| t.data.len()).sum();
    let _ = writeln!(o, "tensors: {} ({total} values)", cp.params.len());
    for t in &cp.params {
        let _ = writeln!(
            o,
            "  {:<32} {:<16} f32  {} values ({} bytes)",
            t.name,
            format!("{:?}", t.shape),
            t.data.len(),
            4 * t.data.len()
        );
    }
    match &cp.optimizer {
        Some(opt) => {
            let steps = opt
                .groups
                .iter()
                .flat_map(|g| {
                    g.params
                        .iter()
                        .filter_map(|p| p.state.as_ref().map(|s| s.step))
                })
                .max()
                .unwrap_or(0);
            let _ = writeln!(
                o,
                "optimizer: {}, step {steps}, {} group(s)",
                opt.optimizer,
                opt.groups.len()
            );
            for (i, g) in opt.groups.iter().enumerate() {
                let _ = writeln!(
                    o,
                    "  group {i}: {} params, options {}",
                    g.params.len(),
                    g.options
                );
            }
        }
        None => {
            let _ = writeln!(o, "optimizer: none");
        }
    }
    match &cp.scheduler {
        Some(s) => {
            let _ = writeln!(
                o,
                "scheduler: {}, last_epoch {}, lrs {:?}, options {}",
                s.scheduler, s.last_epoch, s.lrs, s.options
            );
        }
        None => {
            let _ = writeln!(o, "scheduler: none");
        }
    }
    let names: Vec<&str> = cp.rngs.iter().map(|(n, _)| n.as_str()).collect();
    let _ = writeln!(
        o,
        "random generators: {}",
        if names.is_empty() {
            "none".into()
        } else {
            names.join(", ")
        }
    );
    let _ = writeln!(
        o,
        "metadata: {} entr{}",
        cp.metadata.len(),
        if cp.metadata.len() == 1 { "y" } else { "ies" }
    );
    for (k, v) in &cp.metadata {
        let _ = writeln!(o, "  {k} = {v}");
    }
    Ok(o)
}

fn safetensors(path: &str, bytes: &[u8]) -> Result<String, String> {
    let st = safetensors::SafeTensors::deserialize(bytes).map_err(|e| {
        format!("{path}: not a tapegrad checkpoint or a valid safetensors file ({e})")
    })?;
    let (header_len, meta) =
        safetensors::SafeTensors::read_metadata(bytes).map_err(|e| format!("{path}: {e}"))?;
    let mut o = String::new();
    let _ = writeln!(o, "file: {path} ({} bytes)", bytes.len());
    let _ = writeln!(o, "format: safetensors (header {header_len} bytes)");
    let mut tensors = st.tensors();
    tensors.sort_by(|a, b| a.0.cmp(&b.0));
    // Element counts through the loaders' shared shape check (never an overflow).
    let counts: Vec<usize> = tensors
        .iter()
        .map(|(name, t)| {
            check_shape(t.shape())
                .map(|(_, n)| n)
                .map_err(|e| format!("{path}: tensor '{name}': {e}"))
        })
        .collect::<Result<_, _>>()?;
    let total = counts.iter().fold(0usize, |a, &n| a.saturating_add(n));
    let _ = writeln!(o, "tensors: {} ({total} values)", tensors.len());
    for ((name, t), n) in tensors.iter().zip(counts) {
        let _ = writeln!(
            o,
            "  {:<32} {:<16} {:?}  {} values ({} bytes)",
            name,
            format!("{:?}", t.shape()),
            t.dtype(),
            n,
            t.data().len()
        );
    }
    if let Some(m) = meta.metadata() {
        let mut m: Vec<_> = m.iter().collect();
        m.sort();
        let _ = writeln!(o, "metadata: {} entries", m.len());
        for (k, v) in m {
            let _ = writeln!(o, "  {k} = {v}");
        }
    }
    Ok(o)
}
