//! Weights interchange with PyTorch through safetensors files.
//!
//! Names and layout are PyTorch's (`fc1.weight` is `[out, in]`), so a file written by
//! `safetensors.torch.save_file(model.state_dict(), path)` loads into the same architecture
//! here and the reverse. Files are written as f32 with the `{"format": "pt"}` metadata that
//! Hugging Face tools expect; reading accepts F32, F64, F16 and BF16 (converted to f32).
//!
//! Reading never panics, whatever the bytes: the safetensors crate validates the header
//! (length, JSON, offsets covering the buffer exactly), and every failure here is a
//! [`SafetensorsError`]. A strict load changes nothing unless everything fits.

use crate::state::LoadReport;
use crate::Module;
use safetensors::tensor::{Dtype, SafeTensors, TensorView};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use tapegrad_tensor::{Tensor, MAX_DIMS};

/// Why a safetensors file could not be written, read or loaded.
#[derive(Debug, thiserror::Error)]
pub enum SafetensorsError {
    /// The file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The bytes are not a valid safetensors file (truncated, corrupt, or another format).
    #[error("{origin}: not a valid safetensors file: {message}")]
    Format {
        /// The file, or `<bytes>` for an in-memory buffer.
        origin: String,
        /// What the parser found wrong.
        message: String,
    },
    /// An entry holds a dtype that cannot become f32 (integers, bool, 8-bit floats).
    #[error("{origin}: tensor '{name}' has dtype {dtype}, which cannot be loaded as f32")]
    Dtype {
        /// The file, or `<bytes>`.
        origin: String,
        /// The entry.
        name: String,
        /// Its dtype as safetensors names it.
        dtype: String,
    },
    /// A strict load found missing, unexpected or wrongly shaped entries; nothing was changed.
    #[error("{origin}: weights do not fit the module: {report}")]
    Mismatch {
        /// The file, or `<bytes>`.
        origin: String,
        /// Missing, unexpected and mismatched entries.
        report: LoadReport,
    },
    /// Serialisation failed (e.g. two params with the same name).
    #[error("cannot serialise weights: {0}")]
    Serialize(String),
    /// Saving failed; the target is unchanged and no temporary file is left.
    #[error(transparent)]
    Write(#[from] tapegrad_io::WriteError),
}

const BYTES: &str = "<bytes>";

/// The module's params in safetensors form (f32, PyTorch names), as bytes.
pub fn to_safetensors_bytes(module: &dyn Module) -> Result<Vec<u8>, SafetensorsError> {
    let entries = module.state_dict();
    let raw: Vec<(String, Vec<usize>, Vec<u8>)> = entries
        .into_iter()
        .map(|(n, t)| {
            let bytes = t.as_slice().iter().flat_map(|x| x.to_le_bytes()).collect();
            (n, t.shape().to_vec(), bytes)
        })
        .collect();
    let mut views = Vec::with_capacity(raw.len());
    for (name, shape, bytes) in &raw {
        let v = TensorView::new(Dtype::F32, shape.clone(), bytes)
            .map_err(|e| SafetensorsError::Serialize(format!("{name}: {e}")))?;
        views.push((name.clone(), v));
    }
    let names: std::collections::HashSet<&String> = views.iter().map(|(n, _)| n).collect();
    if names.len() != views.len() {
        return Err(SafetensorsError::Serialize(
            "two params share a name".to_string(),
        ));
    }
    let meta = HashMap::from([("format".to_string(), "pt".to_string())]);
    safetensors::serialize(views, Some(meta))
        .map_err(|e| SafetensorsError::Serialize(e.to_string()))
}

/// Writes the module's params to `path` (f32, PyTorch names and layout), atomically and
/// durably through [`tapegrad_io::write_atomic`]: a crash never leaves a half-written file
/// at `path`, and a failure (full disk, a folder as `path`) leaves no temporary file behind.
pub fn save_safetensors(
    module: &dyn Module,
    path: impl AsRef<Path>,
) -> Result<(), SafetensorsError> {
    let bytes = to_safetensors_bytes(module)?;
    Ok(tapegrad_io::write_atomic(path, &bytes)?)
}

/// Parses safetensors bytes into named f32 tensors, sorted by name. `source` names the
/// origin in errors.
pub fn parse_safetensors(
    bytes: &[u8],
    source: &str,
) -> Result<Vec<(String, Tensor)>, SafetensorsError> {
    let format = |message: String| SafetensorsError::Format {
        origin: source.to_string(),
        message,
    };
    check_header_arrays(bytes).map_err(format)?;
    let st = SafeTensors::deserialize(bytes).map_err(|e| format(e.to_string()))?;
    let mut out = Vec::with_capacity(st.len());
    for (name, view) in st.iter() {
        let data = to_f32(view.dtype(), view.data()).ok_or_else(|| SafetensorsError::Dtype {
            origin: source.to_string(),
            name: name.to_string(),
            dtype: format!("{:?}", view.dtype()),
        })?;
        // The header validation guarantees data.len() == product(shape), but a shape with a
        // zero dimension may still list absurd other dimensions: the shared check refuses
        // what ndarray cannot represent.
        let tensor =
            Tensor::try_from_vec(data, view.shape()).map_err(|e| SafetensorsError::Format {
                origin: source.to_string(),
                message: format!("tensor '{name}' has an impossible shape: {e}"),
            })?;
        out.push((name.to_string(), tensor));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

/// Refuses a header holding an array of more than [`MAX_DIMS`] values or nested more than
/// 128 levels, before the safetensors crate parses it. A shape is the one array a header
/// has besides the two data offsets, and a long one (`[1,1,1,...]`) is the largest
/// expansion a header allows (8 bytes of memory and more per 2 bytes of file): this one pass
/// keeps loading's memory proportional to the file. Headers the crate would refuse for
/// other reasons are left to it.
fn check_header_arrays(bytes: &[u8]) -> Result<(), String> {
    let len = bytes
        .get(..8)
        .and_then(|b| usize::try_from(u64::from_le_bytes(b.try_into().ok()?)).ok());
    let Some(header) = len.and_then(|n| bytes.get(8..8usize.checked_add(n)?)) else {
        return Ok(());
    };
    let (mut in_string, mut escaped) = (false, false);
    // Per open bracket: whether it is an array, and the commas seen at its level.
    let mut open: Vec<(bool, usize)> = Vec::new();
    for &b in header {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' if open.len() >= 128 => {
                return Err("the header nests more than 128 levels".into())
            }
            b'[' | b'{' => open.push((b == b'[', 0)),
            b']' | b'}' => {
                open.pop();
            }
            b',' => {
                if let Some((true, commas)) = open.last_mut() {
                    *commas += 1;
                    if *commas >= MAX_DIMS {
                        return Err(format!(
                            "an array in the header holds more than {MAX_DIMS} values \
                             (a tensor read from a file has at most {MAX_DIMS} dimensions)"
                        ));
                    }
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// Reads every tensor of a safetensors file as f32, sorted by name.
pub fn read_safetensors(path: impl AsRef<Path>) -> Result<Vec<(String, Tensor)>, SafetensorsError> {
    let path = path.as_ref();
    let bytes = std::fs::read(path).map_err(|source| SafetensorsError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    parse_safetensors(&bytes, &path.display().to_string())
}

fn load_entries(
    module: &dyn Module,
    entries: Vec<(String, Tensor)>,
    strict: bool,
    source: &str,
) -> Result<LoadReport, SafetensorsError> {
    module
        .load_state_dict(entries, strict)
        .map_err(|e| SafetensorsError::Mismatch {
            origin: source.to_string(),
            report: e.report,
        })
}

/// Loads weights from a safetensors file, strictly: every param of the module must be in the
/// file with its shape and the file must hold nothing else, or nothing is changed and the
/// error lists the missing, unexpected and mismatched entries (PyTorch's
/// `load_state_dict(strict=True)`).
pub fn load_safetensors(
    module: &dyn Module,
    path: impl AsRef<Path>,
) -> Result<LoadReport, SafetensorsError> {
    let path = path.as_ref();
    load_entries(
        module,
        read_safetensors(path)?,
        true,
        &path.display().to_string(),
    )
}

/// Loads what fits from a safetensors file and reports the rest (PyTorch's
/// `load_state_dict(strict=False)`). A corrupt file is still an error.
pub fn load_safetensors_non_strict(
    module: &dyn Module,
    path: impl AsRef<Path>,
) -> Result<LoadReport, SafetensorsError> {
    let path = path.as_ref();
    load_entries(
        module,
        read_safetensors(path)?,
        false,
        &path.display().to_string(),
    )
}

/// Loads weights from safetensors bytes, strictly or not (see [`load_safetensors`]).
pub fn load_safetensors_bytes(
    module: &dyn Module,
    bytes: &[u8],
    strict: bool,
) -> Result<LoadReport, SafetensorsError> {
    load_entries(module, parse_safetensors(bytes, BYTES)?, strict, BYTES)
}

/// Little-endian elements of a float dtype as f32; `None` for other dtypes.
fn to_f32(dtype: Dtype, data: &[u8]) -> Option<Vec<f32>> {
    Some(match dtype {
        Dtype::F32 => data
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect(),
        Dtype::F64 => data
            .chunks_exact(8)
            .map(|c| f64::from_le_bytes(c.try_into().expect("chunk of 8")) as f32)
            .collect(),
        Dtype::BF16 => data
            .chunks_exact(2)
            .map(|c| f32::from_bits((u16::from_le_bytes([c[0], c[1]]) as u32) << 16))
            .collect(),
        Dtype::F16 => data
            .chunks_exact(2)
            .map(|c| f16_to_f32(u16::from_le_bytes([c[0], c[1]])))
            .collect(),
        _ => return None,
    })
}

/// IEEE 754 half precision to single precision (exact: every f16 is an f32).
fn f16_to_f32(h: u16) -> f32 {
    let sign = if h & 0x8000 != 0 { -1.0f32 } else { 1.0 };
    let exp = ((h >> 10) & 0x1f) as i32;
    let frac = (h & 0x3ff) as f32;
    match exp {
        0 => sign * frac * 2.0f32.powi(-24),
        31 if frac == 0.0 => sign * f32::INFINITY,
        31 => f32::NAN,
        e => sign * (1.0 + frac / 1024.0) * 2.0f32.powi(e - 15),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{children, Linear, Sequential, Sigmoid};
    use tapegrad_tensor::{rng_from_seed, Var};

    struct Net {
        fc1: Linear,
        fc2: Linear,
    }
    impl Module for Net {
        fn forward(&self, x: &Var) -> Var {
            self.fc2.forward(&self.fc1.forward(x).sigmoid())
        }
        children!(fc1, fc2);
    }
    fn net(seed: u64, hidden: usize) -> Net {
        let mut rng = rng_from_seed(seed);
        Net {
            fc1: Linear::new(4, hidden, &mut rng),
            fc2: Linear::new(hidden, 1, &mut rng),
        }
    }

    #[test]
    fn round_trip_bytes() {
        let (a, b) = (net(1, 3), net(2, 3));
        let bytes = to_safetensors_bytes(&a).unwrap();
        let report = load_safetensors_bytes(&b, &bytes, true).unwrap();
        assert!(report.is_complete());
        assert_eq!(report.loaded.len(), 4);
        assert_eq!(a.state_dict(), b.state_dict());
        let names: Vec<String> = parse_safetensors(&bytes, "t")
            .unwrap()
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        assert_eq!(names, ["fc1.bias", "fc1.weight", "fc2.bias", "fc2.weight"]);
    }

    #[test]
    fn strict_mismatch_lists_everything_and_changes_nothing() {
        let src = net(1, 3);
        let bytes = to_safetensors_bytes(&src).unwrap();
        let mut rng = rng_from_seed(3);
        // fc1 fits, fc2 has another shape, "head" is not in the file, fc2.* shape mismatch.
        let dst = Sequential::new()
            .add_module("fc1", Linear::new(4, 3, &mut rng))
            .add_module("act", Sigmoid)
            .add_module("fc2", Linear::new(3, 2, &mut rng))
            .add_module("head", Linear::new(2, 1, &mut rng));
        let before = dst.state_dict();
        let err = load_safetensors_bytes(&dst, &bytes, true).unwrap_err();
        let SafetensorsError::Mismatch { report, .. } = &err else {
            panic!("{err}")
        };
        assert_eq!(report.missing, ["head.weight", "head.bias"]);
        assert!(report.unexpected.is_empty());
        let mm: Vec<&str> = report.mismatched.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(mm, ["fc2.bias", "fc2.weight"]);
        assert_eq!(report.mismatched[1].expected, vec![2, 3]);
        assert_eq!(report.mismatched[1].got, vec![1, 3]);
        assert_eq!(dst.state_dict(), before, "strict failure changes nothing");
        let msg = err.to_string();
        assert!(msg.contains("missing: head.weight, head.bias"), "{msg}");
        assert!(
            msg.contains("fc2.weight (expected [2, 3], got [1, 3])"),
            "{msg}"
        );

        // Non-strict: fc1 loads, the rest is reported.
        let report = load_safetensors_bytes(&dst, &bytes, false).unwrap();
        assert_eq!(report.loaded, ["fc1.bias", "fc1.weight"]);
        assert_eq!(dst.state_dict()[0].1, src.fc1.weight.value());

        // Unexpected entries: a smaller module.
        let small = Sequential::new().add_module("fc1", Linear::new(4, 3, &mut rng));
        let err = load_safetensors_bytes(&small, &bytes, true).unwrap_err();
        let SafetensorsError::Mismatch { report, .. } = err else {
            panic!()
        };
        assert_eq!(report.unexpected, ["fc2.bias", "fc2.weight"]);
    }

    #[test]
    fn corrupt_bytes_are_errors_never_panics() {
        let bytes = to_safetensors_bytes(&net(1, 5)).unwrap();
        let target = net(2, 5);
        // Every truncation.
        for len in 0..bytes.len() {
            assert!(
                load_safetensors_bytes(&target, &bytes[..len], true).is_err(),
                "truncated to {len}"
            );
        }
        // Extra trailing bytes.
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(load_safetensors_bytes(&target, &longer, true).is_err());
        // Random byte flips: either an error or a successful load, never a panic.
        let mut rng = rng_from_seed(77);
        let positions = Tensor::rand_uniform(&[4000], 0.0, bytes.len() as f32, &mut rng);
        let values = Tensor::rand_uniform(&[4000], 0.0, 256.0, &mut rng);
        for (k, (&p, &v)) in positions
            .as_slice()
            .iter()
            .zip(values.as_slice())
            .enumerate()
        {
            let mut b = bytes.clone();
            let i = (p as usize).min(b.len() - 1);
            b[i] = v as u8;
            if k % 2 == 0 {
                // A second flip in the header region makes header corruption likelier.
                let j = (i * 7 + 3) % 200.min(b.len());
                b[j] ^= 0x5a;
            }
            let _ = load_safetensors_bytes(&target, &b, false);
        }
        // A header that validates (no data) but whose shape ndarray cannot represent.
        let header =
            br#"{"w":{"dtype":"F32","shape":[0,4611686018427387904,4],"data_offsets":[0,0]}}"#;
        let mut b = (header.len() as u64).to_le_bytes().to_vec();
        b.extend_from_slice(header);
        let err = load_safetensors_bytes(&target, &b, false).unwrap_err();
        assert!(err.to_string().contains("impossible shape"), "{err}");
        for shape in ["[0,4611686018427387904]", "[0,9223372036854775807]", "[0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32]"] {
            let header = format!(r#"{{"w":{{"dtype":"F32","shape":{shape},"data_offsets":[0,0]}}}}"#);
            let mut b = (header.len() as u64).to_le_bytes().to_vec();
            b.extend_from_slice(header.as_bytes());
            let _ = load_safetensors_bytes(&target, &b, false);
        }
        // Foreign formats.
        for junk in [
            &b"PK\x03\x04 a zip file"[..],
            b"{\"not\": \"safetensors\"}",
            &[0xff; 64],
            &[
                8, 0, 0, 0, 0, 0, 0, 0, b'[', b']', b' ', b' ', b' ', b' ', b' ', b' ',
            ],
        ] {
            let err = load_safetensors_bytes(&target, junk, true).unwrap_err();
            assert!(matches!(err, SafetensorsError::Format { .. }), "{err}");
        }
    }

    #[test]
    fn long_arrays_are_refused_before_parsing() {
        let file = |header: &str| {
            let mut b = (header.len() as u64).to_le_bytes().to_vec();
            b.extend_from_slice(header.as_bytes());
            b.extend_from_slice(&1.0f32.to_le_bytes());
            b
        };
        let shape = |dims: usize| vec!["1"; dims].join(",");
        let entry = |name: &str, dims: usize| {
            format!(
                r#"{{"{name}":{{"dtype":"F32","shape":[{}],"data_offsets":[0,4]}}}}"#,
                shape(dims)
            )
        };
        let at_limit = parse_safetensors(&file(&entry("w", MAX_DIMS)), "t").unwrap();
        assert_eq!(at_limit[0].1.shape().len(), MAX_DIMS);
        let err = parse_safetensors(&file(&entry("w", MAX_DIMS + 1)), "t").unwrap_err();
        assert!(err.to_string().contains("more than 64 values"), "{err}");
        // Brackets, commas and escaped quotes inside names are not structure.
        let name = format!(r#"a[{}\"]"#, ",".repeat(100));
        let t = parse_safetensors(&file(&entry(&name, 2)), "t").unwrap();
        assert_eq!(t[0].0, format!("a[{}\"]", ",".repeat(100)));
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        let err = parse_safetensors(&file(&deep), "t").unwrap_err();
        assert!(err.to_string().contains("nests more than 128"), "{err}");
    }

    #[test]
    fn other_float_dtypes_convert_and_integers_are_refused() {
        let halves: [(u16, f32); 6] = [
            (0x3c00, 1.0),
            (0xc000, -2.0),
            (0x3555, 0.333_251_95),
            (0x0001, 5.960_464_5e-8),
            (0x7c00, f32::INFINITY),
            (0x0000, 0.0),
        ];
        for (h, want) in halves {
            assert_eq!(f16_to_f32(h), want, "{h:#x}");
        }
        assert!(f16_to_f32(0x7e00).is_nan());
        let data: Vec<u8> = [1.5f64, -2.25]
            .iter()
            .flat_map(|x| x.to_le_bytes())
            .collect();
        let view = TensorView::new(Dtype::F64, vec![2], &data).unwrap();
        let bytes = safetensors::serialize([("w", view)], None).unwrap();
        assert_eq!(
            parse_safetensors(&bytes, "t").unwrap()[0].1.to_vec(),
            vec![1.5, -2.25]
        );
        let ints = [1u8, 0, 0, 0];
        let view = TensorView::new(Dtype::I32, vec![1], &ints).unwrap();
        let bytes = safetensors::serialize([("steps", view)], None).unwrap();
        let err = parse_safetensors(&bytes, "t").unwrap_err();
        assert_eq!(
            err.to_string(),
            "t: tensor 'steps' has dtype I32, which cannot be loaded as f32"
        );
    }

    /// Issue 17, defect 4: saving wrote `PATH.tmp` with no cleanup; a folder as target, or a
    /// path that names no file (`dir/..`, `/`), left that temporary behind (`/` wrote `/.tmp`).
    #[test]
    fn failed_saves_leave_no_debris() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("weights");
        std::fs::create_dir(&sub).unwrap();
        let model = net(5, 2);
        let listing = |d: &Path| {
            let mut v: Vec<String> = std::fs::read_dir(d)
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            v.sort();
            v
        };
        let e = save_safetensors(&model, &sub).unwrap_err();
        assert!(e.to_string().contains("folder"), "{e}");
        let e = save_safetensors(&model, sub.join("..")).unwrap_err();
        assert!(e.to_string().contains("names no file"), "{e}");
        assert_eq!(listing(dir.path()), ["weights"]);
        assert!(listing(&sub).is_empty(), "{:?}", listing(&sub));
        // A successful save replaces the file and leaves only it.
        let path = sub.join("net.safetensors");
        save_safetensors(&model, &path).unwrap();
        save_safetensors(&net(6, 2), &path).unwrap();
        assert_eq!(listing(&sub), ["net.safetensors"]);
    }

    #[test]
    fn files_and_io_errors() {
        let dir = std::env::temp_dir().join(format!("tapegrad-nn-st-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("net.safetensors");
        let (a, b) = (net(5, 2), net(6, 2));
        save_safetensors(&a, &path).unwrap();
        load_safetensors(&b, &path).unwrap();
        assert_eq!(a.state_dict(), b.state_dict());
        assert!(load_safetensors_non_strict(&b, &path)
            .unwrap()
            .is_complete());
        let missing = dir.join("nope.safetensors");
        assert!(matches!(
            save_safetensors(&a, dir.join("no/such/folder.safetensors")),
            Err(SafetensorsError::Write(_))
        ));
        let err = load_safetensors(&b, &missing).unwrap_err();
        assert!(matches!(err, SafetensorsError::Io { .. }));
        assert!(err.to_string().contains("nope.safetensors"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
