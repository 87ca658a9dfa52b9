//! Reading files from disk the way a linter in CI must: only regular files
//! (a FIFO named `x.sql` would block `read` for ever, a device never ends),
//! never past a size limit, with errors that name the file.

use std::fmt;
use std::fs::{File, FileType, Metadata};
use std::io::Read;
use std::path::Path;

/// Marker and metadata files (Cargo.toml, go.mod, metadata.toml, a Flyway
/// `.conf`, a Drizzle journal, `sqitch.plan`) are small; anything larger is
/// not what miglint is looking for.
const MAX_MARKER_SIZE: u64 = 4 * 1024 * 1024;

/// A file's content, or why it was not read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Content {
    Bytes(Vec<u8>),
    /// Larger than the limit: not read.
    TooLarge(TooLarge),
}

/// A file left unread for its size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TooLarge {
    pub size: u64,
    pub limit: u64,
}

impl Content {
    /// The bytes read; none for a file left unread.
    pub fn bytes(&self) -> &[u8] {
        match self {
            Content::Bytes(bytes) => bytes,
            Content::TooLarge(_) => &[],
        }
    }
}

#[derive(Debug)]
pub(crate) enum ReadError {
    /// A FIFO, socket or device: never opened for reading.
    NotRegular(&'static str),
    Io(std::io::Error),
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::NotRegular(kind) => write!(f, "not a regular file ({kind}); miglint reads only regular files"),
            ReadError::Io(e) => write!(f, "cannot read: {e}"),
        }
    }
}

/// What kind of special file this is, or None for a regular file or folder.
pub(crate) fn special_kind(file_type: FileType) -> Option<&'static str> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return Some("a FIFO");
        }
        if file_type.is_socket() {
            return Some("a socket");
        }
        if file_type.is_block_device() || file_type.is_char_device() {
            return Some("a device");
        }
    }
    (!file_type.is_file() && !file_type.is_dir() && !file_type.is_symlink()).then_some("not a file")
}

/// Reads a regular file of at most `limit` bytes. The file is opened
/// without blocking and checked on the open handle, so a FIFO is refused
/// even if it replaced a regular file after a directory listing.
pub(crate) fn regular_file(path: &Path, limit: u64) -> Result<Content, ReadError> {
    let file = open_nonblocking(path).map_err(ReadError::Io)?;
    let metadata = file.metadata().map_err(ReadError::Io)?;
    check_regular(&metadata)?;
    if metadata.len() > limit {
        return Ok(Content::TooLarge(TooLarge {
            size: metadata.len(),
            limit,
        }));
    }
    let mut bytes = Vec::with_capacity(metadata.len() as usize);
    // A file that grows while it is read stops at the limit plus one byte.
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(ReadError::Io)?;
    if bytes.len() as u64 > limit {
        return Ok(Content::TooLarge(TooLarge {
            size: bytes.len() as u64,
            limit,
        }));
    }
    Ok(Content::Bytes(bytes))
}

/// A small marker or metadata file as text, or None when it is absent,
/// not a regular file, too large or unreadable: such a file says nothing.
pub(crate) fn marker_file(path: &Path) -> Option<String> {
    match regular_file(path, MAX_MARKER_SIZE) {
        Ok(Content::Bytes(bytes)) => Some(String::from_utf8_lossy(&bytes).into_owned()),
        _ => None,
    }
}

/// Whether `path` is a regular file (following symbolic links), without opening it.
pub(crate) fn is_regular_file(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.is_file())
}

fn check_regular(metadata: &Metadata) -> Result<(), ReadError> {
    if metadata.is_file() {
        return Ok(());
    }
    Err(ReadError::NotRegular(
        special_kind(metadata.file_type()).unwrap_or(if metadata.is_dir() { "a folder" } else { "not a file" }),
    ))
}

#[cfg(unix)]
fn open_nonblocking(path: &Path) -> std::io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
}

#[cfg(not(unix))]
fn open_nonblocking(path: &Path) -> std::io::Result<File> {
    File::open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("miglint-read-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn reads_regular_files_up_to_the_limit() {
        let dir = temp_dir("limit");
        let path = dir.join("a.sql");
        std::fs::write(&path, b"SELECT 1;").unwrap();
        assert!(matches!(regular_file(&path, 9), Ok(Content::Bytes(b)) if b == b"SELECT 1;"));
        assert!(matches!(
            regular_file(&path, 8),
            Ok(Content::TooLarge(TooLarge { size: 9, limit: 8 }))
        ));
        assert!(matches!(
            regular_file(&dir.join("missing.sql"), 9),
            Err(ReadError::Io(_))
        ));
        assert!(matches!(regular_file(&dir, 9), Err(ReadError::NotRegular("a folder"))));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_is_refused_without_blocking() {
        let dir = temp_dir("fifo");
        let fifo = dir.join("x.sql");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if !made.is_ok_and(|s| s.success()) {
            eprintln!("skipped: mkfifo is not available");
            return;
        }
        // No writer ever opens it: a blocking open or read would hang here.
        let error = regular_file(&fifo, 100).unwrap_err();
        assert_eq!(
            error.to_string(),
            "not a regular file (a FIFO); miglint reads only regular files"
        );
        assert_eq!(marker_file(&fifo), None);
        assert!(!is_regular_file(&fifo));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
