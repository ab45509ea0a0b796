//! The `tapegrad` binary on valid, converted, corrupt, truncated and foreign files.

// The crafted checkpoints of issue 17, shared with the tests at the repository's root.
#[allow(dead_code)]
#[path = "../../../tests/hostile/checkpoint.rs"]
mod hostile_checkpoint;

use std::path::Path;
use std::process::Command;
use tapegrad_checkpoint::{save, Checkpoint, FORMAT_VERSION};
use tapegrad_tensor::{Param, Tensor};

fn tapegrad(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_tapegrad"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn write_checkpoint(path: &Path) {
    let named = vec![
        (
            "fc1.weight".to_string(),
            Param::new(
                "weight",
                Tensor::from_vec((0..6).map(|x| x as f32).collect(), &[2, 3]),
            ),
        ),
        (
            "fc1.bias".to_string(),
            Param::new("bias", Tensor::from_vec(vec![1.0, 2.0], &[2])),
        ),
    ];
    let mut cp = Checkpoint::from_params(&named);
    cp.step = 7;
    cp.metadata.push(("experiment".into(), "cli test".into()));
    save(path, &cp).unwrap();
}

fn assert_one_line_error(code: i32, stdout: &str, stderr: &str, what: &str) {
    assert_eq!(code, 1, "{what}: exit code; stderr {stderr}");
    assert!(stdout.is_empty(), "{what}: printed {stdout}");
    assert_eq!(stderr.lines().count(), 1, "{what}: stderr {stderr}");
    assert!(
        stderr.starts_with("error: ") && !stderr.contains("panicked"),
        "{what}: {stderr}"
    );
}

#[test]
fn inspect_and_convert_a_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    let ck = dir.path().join("run.ckpt");
    write_checkpoint(&ck);
    let (code, out, err) = tapegrad(&["inspect", ck.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains(&format!(
            "format: tapegrad checkpoint, version {FORMAT_VERSION}"
        )),
        "{out}"
    );
    assert!(
        out.contains("fc1.weight") && out.contains("[2, 3]") && out.contains("f32"),
        "{out}"
    );
    assert!(
        out.contains("step: 7") && out.contains("experiment = cli test"),
        "{out}"
    );

    let st = dir.path().join("w.safetensors");
    let (code, out, err) = tapegrad(&["convert", ck.to_str().unwrap(), st.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("wrote 2 tensors"), "{out}");
    let (code, out, _) = tapegrad(&["inspect", st.to_str().unwrap()]);
    assert_eq!(code, 0);
    assert!(
        out.contains("format: safetensors") && out.contains("fc1.bias") && out.contains("F32"),
        "{out}"
    );
}

#[test]
fn inspect_pytorch_safetensors() {
    let f = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixtures/reference/simplenet.safetensors"
    );
    let (code, out, err) = tapegrad(&["inspect", f]);
    assert_eq!(code, 0, "{err}");
    for name in ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"] {
        assert!(out.contains(name), "{out}");
    }
    assert!(out.contains("[5, 10]"), "{out}");
}

#[test]
fn damaged_and_foreign_files_are_one_line_errors() {
    let dir = tempfile::tempdir().unwrap();
    let ck = dir.path().join("run.ckpt");
    write_checkpoint(&ck);
    let good = std::fs::read(&ck).unwrap();
    let st = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixtures/reference/simplenet.safetensors"
    );
    let good_st = std::fs::read(st).unwrap();
    let bad = dir.path().join("bad");
    let mut cases: Vec<(String, Vec<u8>)> = vec![
        ("empty".into(), vec![]),
        ("text".into(), b"hello, world\n".to_vec()),
        (
            "checkpoint truncated".into(),
            good[..good.len() / 2].to_vec(),
        ),
        (
            "safetensors truncated".into(),
            good_st[..good_st.len() - 10].to_vec(),
        ),
        ("safetensors header only".into(), good_st[..40].to_vec()),
    ];
    let mut flipped = good.clone();
    flipped[40] ^= 0x55;
    cases.push(("checkpoint bit flip".into(), flipped));
    let mut flipped = good_st.clone();
    flipped[20] ^= 0x55;
    cases.push(("safetensors header flip".into(), flipped));
    for (what, bytes) in cases {
        std::fs::write(&bad, &bytes).unwrap();
        let (code, out, err) = tapegrad(&["inspect", bad.to_str().unwrap()]);
        assert_one_line_error(code, &out, &err, &what);
    }
    let (code, out, err) = tapegrad(&["inspect", "/nonexistent/file"]);
    assert_one_line_error(code, &out, &err, "missing file");
    std::fs::write(&bad, &good[..100]).unwrap();
    let out_path = dir.path().join("o.safetensors");
    let (code, out, err) =
        tapegrad(&["convert", bad.to_str().unwrap(), out_path.to_str().unwrap()]);
    assert_one_line_error(code, &out, &err, "convert of a truncated checkpoint");
    assert!(!out_path.exists());
}

/// Issue 17, defects 1 and 2: a valid-checksum checkpoint whose scheduler state nests 9,191
/// levels made `inspect` and `convert` abort (stack overflow, exit 134); a param of shape
/// `[0, 2^40, 2^40]` must not panic either. Both are one-line errors with status 1.
#[test]
fn crafted_checkpoints_are_one_line_errors() {
    let dir = tempfile::tempdir().unwrap();
    let out_path = dir.path().join("o.safetensors");
    for (what, bytes) in [
        (
            "deep scheduler",
            hostile_checkpoint::deep_scheduler(hostile_checkpoint::ISSUE_DEPTH),
        ),
        ("huge shape", hostile_checkpoint::huge_shape()),
    ] {
        let bad = dir.path().join("crafted.ckpt");
        std::fs::write(&bad, &bytes).unwrap();
        let (code, out, err) = tapegrad(&["inspect", bad.to_str().unwrap()]);
        assert_one_line_error(code, &out, &err, what);
        let (code, out, err) =
            tapegrad(&["convert", bad.to_str().unwrap(), out_path.to_str().unwrap()]);
        assert_one_line_error(code, &out, &err, what);
        assert!(!out_path.exists());
    }
}
