//! Floor 1: reading a file the user gave potmac, safely. Every such file (a config, an
//! export's JSON and hex files, weight files, the Fashion-MNIST files) must be a regular file
//! (a symbolic link to one is fine) no larger than a cap; anything else (a FIFO, which would
//! block for ever, /dev/zero, which never ends, a folder, a file of many gigabytes) is refused
//! before a byte is read. A FIFO is never opened: the file type is checked first, and the
//! open itself does not block (`O_NONBLOCK`) in case the path changes in between.
//!
//! The errors are [`std::io::Error`]s (kind `InvalidInput`) whose message says what is wrong,
//! so every caller's existing error, which names the path and carries the I/O error as its
//! source, prints them as one line: `error: a.yaml: cannot read: not a regular file (a FIFO)`.

use std::io::{Error, ErrorKind, Read};
use std::path::Path;

/// A size limit for one kind of file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cap {
    /// Largest size read, in bytes.
    pub bytes: u64,
    /// What the limit is for (in errors): e.g. `a config, JSON or hex file`.
    pub what: &'static str,
}

/// Configs (YAML), an export's JSON and hex files: 64 MiB.
pub const TEXT: Cap = Cap {
    bytes: 64 << 20,
    what: "a config, JSON or hex file",
};

/// Weight files (safetensors, .npy) and data set files: 1 GiB.
pub const WEIGHTS: Cap = Cap {
    bytes: 1 << 30,
    what: "a weight or data set file",
};

/// A cap in the largest binary unit that divides it: `64 MiB`, `1 GiB`, `100 bytes`.
fn size(n: u64) -> String {
    match n {
        n if n >= 1 << 30 && n % (1 << 30) == 0 => format!("{} GiB", n >> 30),
        n if n >= 1 << 20 && n % (1 << 20) == 0 => format!("{} MiB", n >> 20),
        n => format!("{n} bytes"),
    }
}

/// Check that `meta` is a regular file within `cap`.
fn check(meta: &std::fs::Metadata, cap: Cap) -> std::io::Result<()> {
    use std::os::unix::fs::FileTypeExt;
    let t = meta.file_type();
    if !t.is_file() {
        let kind = if t.is_dir() {
            "a folder"
        } else if t.is_fifo() {
            "a FIFO"
        } else if t.is_char_device() {
            "a character device"
        } else if t.is_block_device() {
            "a block device"
        } else if t.is_socket() {
            "a socket"
        } else {
            "a special file"
        };
        return Err(Error::new(
            ErrorKind::InvalidInput,
            format!("not a regular file ({kind})"),
        ));
    }
    if meta.len() > cap.bytes {
        return Err(too_big(meta.len(), cap));
    }
    Ok(())
}

fn too_big(len: u64, cap: Cap) -> Error {
    Error::new(
        ErrorKind::InvalidInput,
        format!(
            "{len} bytes, more than the {} potmac reads for {}",
            size(cap.bytes),
            cap.what
        ),
    )
}

/// Read the regular file `path` (following links) whole, if it is at most `cap` bytes.
pub fn read(path: &Path, cap: Cap) -> std::io::Result<Vec<u8>> {
    check(&std::fs::metadata(path)?, cap)?;
    let mut file = {
        use std::os::unix::fs::OpenOptionsExt;
        std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(path)?
    };
    // The path may have changed since the first check: check what was opened.
    let meta = file.metadata()?;
    check(&meta, cap)?;
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    // A file that grows while it is read stops at the cap.
    (&mut file).take(cap.bytes + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > cap.bytes {
        return Err(too_big(bytes.len() as u64, cap));
    }
    Ok(bytes)
}

/// [`read`] as UTF-8 text.
pub fn read_to_string(path: &Path, cap: Cap) -> std::io::Result<String> {
    String::from_utf8(read(path, cap)?)
        .map_err(|_| Error::new(ErrorKind::InvalidData, "not UTF-8 text"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn special_files_are_refused_and_regular_ones_read() {
        let e = read(Path::new("/dev/zero"), TEXT).unwrap_err().to_string();
        assert_eq!(e, "not a regular file (a character device)");
        let e = read(Path::new("/"), TEXT).unwrap_err().to_string();
        assert_eq!(e, "not a regular file (a folder)");
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("f");
        std::fs::write(&f, "hi").unwrap();
        assert_eq!(read_to_string(&f, TEXT).unwrap(), "hi");
        let small = Cap {
            bytes: 1,
            what: "a test file",
        };
        let e = read(&f, small).unwrap_err().to_string();
        assert_eq!(
            e,
            "2 bytes, more than the 1 bytes potmac reads for a test file"
        );
        assert_eq!(size(64 << 20), "64 MiB");
        assert_eq!(size(1 << 30), "1 GiB");
    }
}
