//! The atomic, durable writer (see the crate docs for the guarantees).

use crate::stale::{remove_stale_temporaries, split_target, temp_name};
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// A save that failed: which target, which step, on which file, and the OS error. When this is
/// returned the target is unchanged (it holds its previous contents, or still does not exist)
/// and no temporary file is left behind; the one exception is a failed fsync of the folder
/// after the rename (`action` "syncing the folder of"), where the new file is in place but
/// its durability is not confirmed.
#[derive(Debug, thiserror::Error)]
#[error("saving {}: {action} {}: {source}", target.display(), path.display())]
pub struct WriteError {
    /// The file being saved.
    pub target: PathBuf,
    /// The step that failed ("creating", "writing", "syncing", "renaming into place", ...).
    pub action: &'static str,
    /// The file or folder the step acted on (the temporary file, the target or its folder).
    pub path: PathBuf,
    /// The OS error (or the writer closure's error).
    #[source]
    pub source: io::Error,
}

/// Writes `bytes` to `path` atomically and durably: a temporary file in the same folder,
/// fsync, rename over `path`, fsync of the folder. See the crate docs for the guarantees.
pub fn write_atomic(path: impl AsRef<Path>, bytes: &[u8]) -> Result<(), WriteError> {
    write_atomic_with(path, |w| w.write_all(bytes))
}

/// As [`write_atomic`], with the contents produced by `write` into a buffered writer (for
/// contents too large to build in memory first). If `write` returns an error, nothing changes
/// at `path`, the temporary file is removed and the error is returned (action "writing").
///
/// ```
/// use std::io::Write;
/// let dir = std::env::temp_dir().join(format!("tapegrad-io-with-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// let path = dir.join("lines.txt");
/// tapegrad_io::write_atomic_with(&path, |w| {
///     for i in 0..3 {
///         writeln!(w, "line {i}")?;
///     }
///     Ok(())
/// })
/// .unwrap();
/// assert_eq!(std::fs::read_to_string(&path).unwrap(), "line 0\nline 1\nline 2\n");
/// // A writer that fails (as on a full disk) leaves the previous file and no debris.
/// let e = tapegrad_io::write_atomic_with(&path, |w| {
///     w.write_all(b"partial")?;
///     Err(std::io::Error::other("disk full"))
/// })
/// .unwrap_err();
/// assert_eq!(e.action, "writing");
/// assert_eq!(std::fs::read_to_string(&path).unwrap(), "line 0\nline 1\nline 2\n");
/// assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
/// # std::fs::remove_dir_all(&dir).unwrap();
/// ```
pub fn write_atomic_with(
    path: impl AsRef<Path>,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<(), WriteError> {
    let target = path.as_ref();
    let fail = |action: &'static str, at: &Path, source: io::Error| WriteError {
        target: target.to_path_buf(),
        action,
        path: at.to_path_buf(),
        source,
    };
    let Some((dir, name)) = split_target(target) else {
        return Err(fail(
            "checking",
            target,
            io::Error::new(io::ErrorKind::InvalidInput, "the path names no file"),
        ));
    };
    let previous = fs::metadata(target).ok();
    if previous.as_ref().is_some_and(|m| m.is_dir()) {
        return Err(fail(
            "checking",
            target,
            io::Error::new(io::ErrorKind::InvalidInput, "the target is a folder"),
        ));
    }
    remove_stale_temporaries(target);
    let (tmp, file) = create_temporary(&dir, name).map_err(|(p, e)| fail("creating", &p, e))?;
    let result = (|| {
        if let Some(m) = &previous {
            // Keep the target's permissions (best effort: the data matters more).
            let _ = file.set_permissions(m.permissions());
        }
        let mut w = BufWriter::new(file);
        write(&mut w).map_err(|e| fail("writing", &tmp, e))?;
        let file = w
            .into_inner()
            .map_err(|e| fail("writing", &tmp, e.into_error()))?;
        file.sync_all().map_err(|e| fail("syncing", &tmp, e))?;
        drop(file);
        fs::rename(&tmp, target).map_err(|e| fail("renaming into place", target, e))
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
        return result;
    }
    sync_folder(&dir).map_err(|e| fail("syncing the folder of", &dir, e))
}

/// Creates a new temporary file for `name` in `dir` (never an existing file: `create_new`).
fn create_temporary(
    dir: &Path,
    name: &std::ffi::OsStr,
) -> Result<(PathBuf, File), (PathBuf, io::Error)> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let pid = std::process::id();
    let mut attempt = 0;
    loop {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos() as u64);
        let nonce = (COUNTER.fetch_add(1, Ordering::Relaxed) << 30) | nanos;
        let tmp = dir.join(temp_name(name, pid, nonce));
        match OpenOptions::new().write(true).create_new(true).open(&tmp) {
            Ok(f) => return Ok((tmp, f)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && attempt < 16 => attempt += 1,
            Err(e) => return Err((tmp, e)),
        }
    }
}

/// Makes a rename in `dir` durable (Unix: fsync of the folder; elsewhere folders cannot be
/// opened as files, and the rename is as durable as the system makes it).
fn sync_folder(dir: &Path) -> io::Result<()> {
    if cfg!(unix) {
        File::open(dir)?.sync_all()
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listing(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn replaces_and_keeps_permissions() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.bin");
        write_atomic(&path, b"one").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
        }
        write_atomic(&path, b"two").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"two");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                fs::metadata(&path).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
        assert_eq!(listing(dir.path()), ["a.bin"]);
    }

    #[test]
    fn every_failure_leaves_the_target_and_no_debris() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.bin");
        write_atomic(&path, b"old").unwrap();
        for cut in [0, 1, 5] {
            let e = write_atomic_with(&path, |w| {
                w.write_all(&b"new contents"[..cut])?;
                Err(io::Error::other("simulated failure (disk full)"))
            })
            .unwrap_err();
            assert_eq!(e.action, "writing");
            assert!(e.to_string().contains("simulated failure"), "{e}");
            assert_eq!(fs::read(&path).unwrap(), b"old");
            assert_eq!(listing(dir.path()), ["a.bin"]);
        }
        // A folder as target, a path naming no file, a folder that does not exist.
        let sub = dir.path().join("sub");
        fs::create_dir(&sub).unwrap();
        let e = write_atomic(&sub, b"x").unwrap_err();
        assert!(e.to_string().contains("the target is a folder"), "{e}");
        for no_file in [sub.join(".."), PathBuf::from("/"), PathBuf::new()] {
            let e = write_atomic(&no_file, b"x").unwrap_err();
            assert!(e.to_string().contains("names no file"), "{e}");
        }
        assert!(write_atomic(dir.path().join("nope/a.bin"), b"x").is_err());
        assert_eq!(listing(dir.path()), ["a.bin", "sub"]);
        assert!(listing(&sub).is_empty());
    }

    #[test]
    fn stale_temporaries_of_dead_writers_are_removed_by_the_next_save() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("run.ckpt");
        // A process that has exited: its PID is free (until reused, which would only keep
        // the file).
        let dead_pid = {
            let mut c = std::process::Command::new("true").spawn().unwrap();
            let id = c.id();
            c.wait().unwrap();
            id
        };
        let mine = format!(".run.ckpt.tmp-{}-7", std::process::id());
        let stale = format!(".run.ckpt.tmp-{dead_pid}-7");
        let other_target = format!(".other.ckpt.tmp-{dead_pid}-7");
        for n in [&mine, &stale, &other_target, &"unrelated.txt".to_string()] {
            fs::write(dir.path().join(n), b"partial").unwrap();
        }
        let linux = cfg!(target_os = "linux") && Path::new("/proc/self").exists();
        let expect_stale: Vec<PathBuf> = if linux {
            vec![dir.path().join(&stale)]
        } else {
            vec![]
        };
        assert_eq!(crate::stale_temporaries(&path), expect_stale);
        write_atomic(&path, b"x").unwrap();
        let mut left = vec![
            mine,
            other_target,
            "run.ckpt".into(),
            "unrelated.txt".into(),
        ];
        if !linux {
            left.push(stale);
        }
        left.sort();
        assert_eq!(listing(dir.path()), left);
    }
}
