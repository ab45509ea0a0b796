//! Temporary file names, and removing the ones that dead writers left behind.
//!
//! A save of `dir/NAME` writes `dir/.NAME.tmp-PID-NONCE`. A process killed (SIGKILL, power
//! loss, OOM killer) between creating that file and renaming it leaves it behind; nothing in
//! that process can remove it. So every save first removes the temporaries of its own target
//! whose PID names no live process:
//!
//! - only files named exactly `.NAME.tmp-<digits>-<digits>` for the same NAME are candidates:
//!   other targets' temporaries, and any other file, are never touched;
//! - a temporary whose PID is a live process (including the saving process itself, and a
//!   zombie not yet reaped) is kept: another save of the same target may be in progress;
//! - liveness is read from `/proc/PID`, so the cleanup runs on Linux only; where `/proc` is
//!   missing (other systems, or a sandbox without it) nothing is removed.
//!
//! Limits, by design: a PID reused by an unrelated process keeps its temporary until that
//! process ends (the safe direction). Processes of another PID namespace or machine (two
//! containers or two hosts writing one shared folder) look dead from here; if such a process
//! is saving the same target at that moment, its temporary is removed, so its rename fails
//! with an error and the target keeps the previous complete file: never a damaged one.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};

/// The name of a temporary file for the target file name `name`.
pub(crate) fn temp_name(name: &OsStr, pid: u32, nonce: u64) -> OsString {
    let mut s = prefix(name);
    s.push(format!("{pid}-{nonce}"));
    s
}

/// `.NAME.tmp-`: what every temporary of the target `NAME` starts with.
fn prefix(name: &OsStr) -> OsString {
    let mut s = OsString::from(".");
    s.push(name);
    s.push(".tmp-");
    s
}

/// The writer's PID if `file` is a temporary of the target named `name`.
fn writer_pid(file: &OsStr, name: &OsStr) -> Option<u32> {
    let rest = file
        .as_encoded_bytes()
        .strip_prefix(prefix(name).as_encoded_bytes())?;
    let rest = std::str::from_utf8(rest).ok()?;
    let (pid, nonce) = rest.split_once('-')?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(pid) || !digits(nonce) {
        return None;
    }
    pid.parse().ok()
}

/// True only if we can tell that no process `pid` exists (Linux, with `/proc` mounted).
fn process_is_gone(pid: u32) -> bool {
    cfg!(target_os = "linux")
        && Path::new("/proc/self").exists()
        && !Path::new("/proc").join(pid.to_string()).exists()
}

/// The folder and file name of a target path (`None` if the path names no file).
pub(crate) fn split_target(path: &Path) -> Option<(PathBuf, &OsStr)> {
    let name = path.file_name()?;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    Some((dir, name))
}

/// The temporary files of the target `path` left by processes that no longer exist (see the
/// module docs of `tapegrad_io` for the rules), for a loader or a tool to report. Empty when
/// the folder cannot be read or liveness cannot be told.
///
/// ```
/// let dir = std::env::temp_dir().join(format!("tapegrad-io-stale-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// // A temporary of our own (live) process is not stale; one of PID 0 (never a user
/// // process) is, where liveness can be told (Linux).
/// std::fs::write(dir.join(format!(".run.ckpt.tmp-{}-1", std::process::id())), b"").unwrap();
/// std::fs::write(dir.join(".run.ckpt.tmp-0-1"), b"").unwrap();
/// let stale = tapegrad_io::stale_temporaries(dir.join("run.ckpt"));
/// assert!(stale.len() <= 1);
/// assert!(stale.iter().all(|p| p.ends_with(".run.ckpt.tmp-0-1")));
/// # std::fs::remove_dir_all(&dir).unwrap();
/// ```
pub fn stale_temporaries(path: impl AsRef<Path>) -> Vec<PathBuf> {
    let Some((dir, name)) = split_target(path.as_ref()) else {
        return Vec::new();
    };
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut out: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter(|e| writer_pid(&e.file_name(), name).is_some_and(process_is_gone))
        .map(|e| e.path())
        .collect();
    out.sort();
    out
}

/// Removes the stale temporaries of the target `path` (see [`stale_temporaries`]) and returns
/// the ones removed. Every save calls it first; failures to remove are ignored (the save does
/// not depend on them).
pub fn remove_stale_temporaries(path: impl AsRef<Path>) -> Vec<PathBuf> {
    stale_temporaries(path)
        .into_iter()
        .filter(|p| std::fs::remove_file(p).is_ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_back_only_for_their_target() {
        let name = OsStr::new("run.ckpt");
        let t = temp_name(name, 4242, 17);
        assert_eq!(t, ".run.ckpt.tmp-4242-17");
        assert_eq!(writer_pid(&t, name), Some(4242));
        assert_eq!(writer_pid(&t, OsStr::new("run")), None);
        assert_eq!(writer_pid(&t, OsStr::new("run.ckpt.tmp-4242")), None);
        for other in [
            ".run.ckpt.tmp-",
            ".run.ckpt.tmp-12",
            ".run.ckpt.tmp-12-",
            ".run.ckpt.tmp--3",
            ".run.ckpt.tmp-1x-3",
            ".run.ckpt.tmp-1-3.bak",
            "run.ckpt",
            ".run.ckpt.tmp-99999999999999999999-1",
        ] {
            assert_eq!(writer_pid(OsStr::new(other), name), None, "{other}");
        }
    }

    #[test]
    fn targets_that_name_no_file() {
        for p in ["/", "..", "a/..", ""] {
            assert!(split_target(Path::new(p)).is_none(), "{p}");
        }
        let (dir, name) = split_target(Path::new("x.bin")).unwrap();
        assert_eq!((dir.as_path(), name), (Path::new("."), OsStr::new("x.bin")));
    }
}
