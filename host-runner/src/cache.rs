//! Who may have written a compiled component: loading one runs its machine
//! code, so only a file (and folder) owned by this user and writable by no
//! one else is trusted; anything else is compiled again. On Windows the
//! cache lives in the user's `%LOCALAPPDATA%`, which only the user (and
//! administrators) may write by default; its ACLs are not read here.

use std::path::Path;

/// Ok if `file` and its folder belong to this user and no one else may write them.
#[cfg(not(unix))]
pub fn trusted(_file: &Path) -> Result<(), String> {
    Ok(())
}

/// Ok if `file` and its folder belong to this user and no one else may write them.
#[cfg(unix)]
pub fn trusted(file: &Path) -> Result<(), String> {
    use std::os::unix::fs::MetadataExt;
    // SAFETY: geteuid has no preconditions and cannot fail.
    let me = unsafe { libc::geteuid() };
    let folder = file.parent().unwrap_or(Path::new("."));
    for (what, path) in [("it", file), ("its folder", folder)] {
        let meta = std::fs::metadata(path).map_err(|e| format!("cannot read {what}'s owner ({e})"))?;
        if meta.uid() != me {
            return Err(format!("{what} belongs to another user (uid {})", meta.uid()));
        }
        if meta.mode() & 0o022 != 0 {
            return Err(format!("{what} is writable by others (mode {:o})", meta.mode() & 0o777));
        }
    }
    Ok(())
}

/// Writes `bytes` to `path` readable and writable by this user only.
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let _ = std::fs::remove_file(path);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(bytes)
}

/// Makes the cache folder, private to this user.
pub fn make_folder(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn files_others_can_write_are_not_trusted() {
        let dir = std::env::temp_dir().join(format!("hr-cache-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        make_folder(&dir).unwrap();
        let file = dir.join("x.cwasm");
        write_private(&file, b"x").unwrap();
        assert!(trusted(&file).is_ok());
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o666)).unwrap();
        assert!(trusted(&file).unwrap_err().contains("writable by others"));
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
        assert!(trusted(&file).unwrap_err().contains("its folder"));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
