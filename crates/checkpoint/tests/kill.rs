//! A process killed (SIGKILL) in the middle of saving leaves the target file intact.
//!
//! The test re-executes its own binary (`std::env::current_exe()`) to run the `#[ignore]`d
//! helper `save_forever_helper`, with `TAPEGRAD_KILL_TARGET` giving the target path; the child
//! saves two large checkpoints (several MB each, different contents) alternately in an endless
//! loop. The parent waits until the target exists (the child's first save completed), waits a
//! little longer (a different delay each round), kills the child with `Child::kill` (SIGKILL on
//! Unix: no destructor, no cleanup runs), and loads the target: it must decode to one of the
//! two checkpoints. Ten rounds (more if no kill has yet landed mid-write) run in the same
//! folder.
//!
//! A kill during a write leaves that write's temporary file (`.<name>.tmp-<pid>-<nonce>`)
//! behind in the folder: that is accepted (no process is left to remove it; a later save does
//! not clean up other processes' temporaries). Loading reads only the target path, so the
//! leftovers never matter; the test counts them to show that kills did land mid-write, and
//! loads the target with them present.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tapegrad_checkpoint::{load, save, Checkpoint, NamedTensor};

const ENV: &str = "TAPEGRAD_KILL_TARGET";
/// 1.5 M floats = 6 MB of params per checkpoint.
const FLOATS: usize = 1_500_000;

/// Checkpoint `which` (0 or 1): contents differ in every value, in the step and the metadata.
fn big(which: u32) -> Checkpoint {
    let data: Vec<f32> = (0..FLOATS)
        .map(|i| (i as f32) * 1e-3 + which as f32)
        .collect();
    let mut cp = Checkpoint {
        params: vec![
            NamedTensor {
                name: "big.weight".into(),
                shape: vec![1000, (FLOATS / 1000) as u64],
                data,
            },
            NamedTensor {
                name: "big.bias".into(),
                shape: vec![3],
                data: vec![which as f32; 3],
            },
        ],
        step: 1000 + which as u64,
        ..Default::default()
    };
    cp.metadata.push(("which".into(), which.to_string()));
    cp
}

/// The child: saves the two checkpoints alternately until killed. Does nothing unless
/// `TAPEGRAD_KILL_TARGET` is set (so a plain `cargo test -- --ignored` returns at once).
#[test]
#[ignore = "helper run by killed_mid_save_leaves_target_intact in a child process"]
fn save_forever_helper() {
    let Some(target) = std::env::var_os(ENV) else {
        return;
    };
    let target = PathBuf::from(target);
    let cps = [big(0), big(1)];
    for i in 0usize.. {
        save(&target, &cps[i % 2]).unwrap();
    }
}

/// Kills the child if the parent panics (no orphan writer left running).
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn_writer(target: &Path) -> KillOnDrop {
    let child = Command::new(std::env::current_exe().unwrap())
        .args([
            "save_forever_helper",
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(ENV, target)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    KillOnDrop(child)
}

fn temporaries(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .contains(".tmp-")
        })
        .count()
}

#[test]
fn killed_mid_save_leaves_target_intact() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("run.ckpt");
    let expected = [big(0), big(1)];
    let mut seen = [0usize; 2];
    let mut round = 0u64;
    // Ten rounds, and more (up to 40) until at least one kill has landed during a write
    // (about half do: the rest land while the next checkpoint is being encoded).
    while round < 10 || (temporaries(dir.path()) == 0 && round < 40) {
        // A missing target proves the file read below was written in this round.
        let _ = std::fs::remove_file(&target);
        let mut child = spawn_writer(&target);
        let start = Instant::now();
        while !target.exists() {
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "the writer never completed a save"
            );
            if let Some(status) = child.0.try_wait().unwrap() {
                panic!("the writer exited early: {status}");
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        // Different delays, so kills land at different points of a save.
        std::thread::sleep(Duration::from_micros(round * 7_919 % 60_000 + 500));
        child.0.kill().unwrap();
        let status = child.0.wait().unwrap();
        assert!(
            !status.success(),
            "round {round}: the writer was not killed"
        );

        let cp = load(&target)
            .unwrap_or_else(|e| panic!("round {round}: target damaged by the kill: {e}"));
        let which = expected
            .iter()
            .position(|e| *e == cp)
            .unwrap_or_else(|| panic!("round {round}: target is neither checkpoint"));
        seen[which] += 1;
        round += 1;
    }
    let leftovers = temporaries(dir.path());
    eprintln!(
        "killed {round} writers; target held checkpoint 0 {}x, checkpoint 1 {}x; \
         {leftovers} temporaries left behind by kills mid-write",
        seen[0], seen[1]
    );
    assert!(
        leftovers >= 1,
        "no kill landed during a write: the test did not exercise anything"
    );
    // The leftovers do not disturb loading or saving.
    save(&target, &expected[0]).unwrap();
    assert_eq!(load(&target).unwrap(), expected[0]);
}
