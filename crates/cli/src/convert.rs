//! `tapegrad convert CHECKPOINT OUT.safetensors`: a checkpoint's weights as safetensors, with
//! PyTorch's names and layout (f32, row-major), loadable by `safetensors.torch.load_file`.
//! Written atomically (`tapegrad_io::write_atomic`): a failed or interrupted convert leaves
//! any previous OUT file whole and no temporary file.

use safetensors::tensor::{Dtype, TensorView};
use std::collections::HashMap;

/// Writes the weights of the checkpoint at `ckpt` to `out`.
pub fn run(ckpt: &str, out: &str) -> Result<String, String> {
    let cp = tapegrad_checkpoint::load(ckpt).map_err(|e| format!("{ckpt}: {e}"))?;
    let bytes: Vec<(String, Vec<usize>, Vec<u8>)> = cp
        .params
        .iter()
        .map(|t| {
            let shape = t.checked_shape().map_err(|e| e.to_string())?;
            let data = t.data.iter().flat_map(|x| x.to_le_bytes()).collect();
            Ok((t.name.clone(), shape, data))
        })
        .collect::<Result<_, String>>()?;
    let views: Vec<(String, TensorView<'_>)> = bytes
        .iter()
        .map(|(n, s, d)| {
            TensorView::new(Dtype::F32, s.clone(), d)
                .map(|v| (n.clone(), v))
                .map_err(|e| format!("{n}: {e}"))
        })
        .collect::<Result<_, String>>()?;
    let mut meta = HashMap::new();
    meta.insert("format".to_string(), "pt".to_string());
    meta.insert(
        "converted_from".to_string(),
        "tapegrad checkpoint".to_string(),
    );
    let file = safetensors::serialize(views, Some(meta)).map_err(|e| format!("{out}: {e}"))?;
    tapegrad_io::write_atomic(out, &file).map_err(|e| e.to_string())?;
    Ok(format!("wrote {} tensors to {out}\n", cp.params.len()))
}
