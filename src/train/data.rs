//! Data sets: the embedded UCI handwritten digits and Fashion-MNIST from idx files.
//!
//! Pixels are scaled to [0, 1] (digits: count/16; Fashion-MNIST: byte/255) and stored as
//! `f32`, images row-major `[N][C][H][W]` with C = 1.
//!
//! Digits split: a SplitMix64 permutation of the 1,797 rows with seed
//! [`DIGITS_SPLIT_SEED`]; the first 1,437 permuted rows are the training set, the remaining
//! 360 the test set. The split does not depend on the training seed.

use super::QatError;
use crate::model::dataset::DataSet;
use crate::rng::Rng;
use flate2::read::GzDecoder;
use std::io::Read;
use std::path::{Path, PathBuf};

/// The digits CSV (gzip), embedded; see `data/digits/README.md`.
static DIGITS_CSV_GZ: &[u8] = include_bytes!("../../data/digits/digits.csv.gz");
/// Seed of the fixed digits train/test permutation.
pub const DIGITS_SPLIT_SEED: u64 = 1797;
/// Training samples of the digits split.
pub const DIGITS_TRAIN: usize = 1437;
/// Default Fashion-MNIST directory (Debian package `dataset-fashion-mnist`).
pub const FASHION_DIR: &str = "/usr/share/datasets/fashion-mnist";

/// A labelled set of images.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Split {
    /// `[N][C·H·W]` in [0, 1].
    pub x: Vec<f32>,
    pub y: Vec<u8>,
}

impl Split {
    /// Number of samples.
    pub fn len(&self) -> usize {
        self.y.len()
    }
    /// Whether the split is empty.
    pub fn is_empty(&self) -> bool {
        self.y.is_empty()
    }
    /// The first `n` samples.
    pub fn truncate(&mut self, n: usize, per: usize) {
        if n < self.len() {
            self.y.truncate(n);
            self.x.truncate(n * per);
        }
    }
}

/// A data set with its image shape.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    pub name: String,
    /// (channels, height, width).
    pub shape: (usize, usize, usize),
    pub classes: usize,
    pub train: Split,
    /// Held out from the training data to decide when float training has converged (empty
    /// unless [`Dataset::hold_out`] was called; never used for gradients).
    pub val: Split,
    pub test: Split,
}

impl Dataset {
    /// Values per image.
    pub fn per_sample(&self) -> usize {
        self.shape.0 * self.shape.1 * self.shape.2
    }

    /// Move the last `ceil(fraction · N)` training samples (at least one, and at least one
    /// left for training) into the validation split. The training data's order is fixed by the
    /// data set (digits: the fixed permutation; Fashion-MNIST: file order), so the split does
    /// not depend on the seed.
    pub fn hold_out(&mut self, fraction: f64) {
        let n = self.train.len();
        if n < 2 || fraction <= 0.0 {
            return;
        }
        let k = ((fraction * n as f64).ceil() as usize).clamp(1, n - 1);
        let per = self.per_sample();
        let keep = n - k;
        self.val = Split {
            x: self.train.x.split_off(keep * per),
            y: self.train.y.split_off(keep),
        };
    }
}

/// Decompress, at most [`crate::fsread::WEIGHTS`] bytes (a gzip bomb stops there).
fn gunzip(bytes: &[u8], what: &str) -> Result<Vec<u8>, QatError> {
    let cap = crate::fsread::WEIGHTS;
    let mut out = Vec::new();
    GzDecoder::new(bytes)
        .take(cap.bytes + 1)
        .read_to_end(&mut out)
        .map_err(|e| QatError::Io {
            path: what.to_string(),
            source: e,
        })?;
    if out.len() as u64 > cap.bytes {
        return Err(QatError::Io {
            path: what.to_string(),
            source: std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!(
                    "decompresses to more than the {} bytes potmac reads for {}",
                    cap.bytes, cap.what
                ),
            ),
        });
    }
    Ok(out)
}

/// The UCI digits with the fixed 1,437/360 split.
pub fn digits() -> Result<Dataset, QatError> {
    let text = gunzip(DIGITS_CSV_GZ, "embedded digits.csv.gz")?;
    let text = String::from_utf8(text).map_err(|_| QatError::Digits("not UTF-8".into()))?;
    let mut xs = Vec::new();
    let mut ys = Vec::new();
    for (i, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let v: Vec<f64> = line
            .split(',')
            .map(|t| t.trim().parse::<f64>())
            .collect::<Result<_, _>>()
            .map_err(|e| QatError::Digits(format!("line {}: {e}", i + 1)))?;
        if v.len() != 65 || v[64] < 0.0 || v[64] > 9.0 {
            return Err(QatError::Digits(format!(
                "line {}: expected 64 pixels and a label",
                i + 1
            )));
        }
        xs.push(
            v[..64]
                .iter()
                .map(|&p| (p / 16.0) as f32)
                .collect::<Vec<f32>>(),
        );
        ys.push(v[64] as u8);
    }
    if ys.len() != 1797 {
        return Err(QatError::Digits(format!(
            "expected 1797 rows, found {}",
            ys.len()
        )));
    }
    let perm = Rng::new(DIGITS_SPLIT_SEED).permutation(ys.len());
    let pick = |idx: &[usize]| Split {
        x: idx.iter().flat_map(|&i| xs[i].iter().copied()).collect(),
        y: idx.iter().map(|&i| ys[i]).collect(),
    };
    Ok(Dataset {
        name: "digits".into(),
        shape: (1, 8, 8),
        classes: 10,
        train: pick(&perm[..DIGITS_TRAIN]),
        val: Split::default(),
        test: pick(&perm[DIGITS_TRAIN..]),
    })
}

/// Parse a (decompressed) idx file of unsigned bytes: returns the dimensions and the data.
pub fn parse_idx(bytes: &[u8], path: &str) -> Result<(Vec<usize>, Vec<u8>), QatError> {
    let bad = |msg: String| QatError::Idx {
        path: path.to_string(),
        msg,
    };
    if bytes.len() < 4 || bytes[0] != 0 || bytes[1] != 0 {
        return Err(bad("bad magic number".into()));
    }
    if bytes[2] != 0x08 {
        return Err(bad(format!(
            "element type 0x{:02x}, expected 0x08 (unsigned byte)",
            bytes[2]
        )));
    }
    let nd = bytes[3] as usize;
    let header = 4 + 4 * nd;
    if nd == 0 || bytes.len() < header {
        return Err(bad("truncated header".into()));
    }
    let dims: Vec<usize> = (0..nd)
        .map(|i| {
            u32::from_be_bytes(bytes[4 + 4 * i..8 + 4 * i].try_into().expect("4 bytes")) as usize
        })
        .collect();
    let n: usize = dims.iter().product();
    if bytes.len() != header + n {
        return Err(bad(format!(
            "expected {} data bytes, found {}",
            n,
            bytes.len() - header
        )));
    }
    Ok((dims, bytes[header..].to_vec()))
}

fn read_idx_gz(path: &Path) -> Result<(Vec<usize>, Vec<u8>), QatError> {
    let p = path.display().to_string();
    if !path.exists() {
        return Err(QatError::MissingFashion { path: p });
    }
    let raw = crate::fsread::read(path, crate::fsread::WEIGHTS).map_err(|e| QatError::Io {
        path: p.clone(),
        source: e,
    })?;
    parse_idx(&gunzip(&raw, &p)?, &p)
}

fn fashion_split(dir: &Path, prefix: &str) -> Result<Split, QatError> {
    let (idims, pixels) = read_idx_gz(&dir.join(format!("{prefix}-images-idx3-ubyte.gz")))?;
    let (ldims, labels) = read_idx_gz(&dir.join(format!("{prefix}-labels-idx1-ubyte.gz")))?;
    let path = dir.join(prefix).display().to_string();
    if idims.len() != 3
        || idims[1] != 28
        || idims[2] != 28
        || ldims.len() != 1
        || ldims[0] != idims[0]
    {
        return Err(QatError::Idx {
            path,
            msg: format!("shapes {idims:?} / {ldims:?} are not N×28×28 / N"),
        });
    }
    if labels.iter().any(|&l| l > 9) {
        return Err(QatError::Idx {
            path,
            msg: "label above 9".into(),
        });
    }
    Ok(Split {
        x: pixels.iter().map(|&p| p as f32 / 255.0).collect(),
        y: labels,
    })
}

/// Fashion-MNIST from `dir` (default [`FASHION_DIR`]): `{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz`.
pub fn fashion_mnist(dir: Option<&Path>) -> Result<Dataset, QatError> {
    let dir: PathBuf = dir.map_or_else(|| PathBuf::from(FASHION_DIR), Path::to_path_buf);
    Ok(Dataset {
        name: "fashion-mnist".into(),
        shape: (1, 28, 28),
        classes: 10,
        train: fashion_split(&dir, "train")?,
        val: Split::default(),
        test: fashion_split(&dir, "t10k")?,
    })
}

/// Load a data set (`dir`: the Fashion-MNIST folder, default [`FASHION_DIR`]).
pub fn load(set: DataSet, dir: Option<&Path>) -> Result<Dataset, QatError> {
    match set {
        DataSet::Digits => digits(),
        DataSet::FashionMnist => fashion_mnist(dir),
    }
}

/// Load a data set by its name (`digits`, `fashion-mnist`): an unknown name is an error
/// listing the known ones, never a default.
pub fn by_name(name: &str, dir: Option<&Path>) -> Result<Dataset, QatError> {
    load(name.parse().map_err(QatError::Config)?, dir)
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::write::GzEncoder;
    use std::io::Write;

    fn idx(dims: &[u32], data: &[u8]) -> Vec<u8> {
        let mut v = vec![0, 0, 8, dims.len() as u8];
        for d in dims {
            v.extend(d.to_be_bytes());
        }
        v.extend(data);
        v
    }

    fn gz(bytes: &[u8]) -> Vec<u8> {
        let mut e = GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(bytes).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn digits_load_and_split() {
        let d = digits().unwrap();
        assert_eq!((d.train.len(), d.test.len()), (1437, 360));
        assert_eq!(d.train.x.len(), 1437 * 64);
        assert!(d.train.x.iter().all(|&v| (0.0..=1.0).contains(&v)));
        // Every class appears in both splits, and the split is reproducible.
        for c in 0..10u8 {
            assert!(d.test.y.contains(&c) && d.train.y.contains(&c));
        }
        assert_eq!(digits().unwrap(), d);
        let total: usize = d
            .train
            .y
            .iter()
            .chain(&d.test.y)
            .filter(|&&c| c == 0)
            .count();
        assert_eq!(total, 178, "class 0 count of load_digits");
    }

    #[test]
    fn data_sets_by_name_and_unknown_names_are_errors() {
        assert_eq!(by_name("digits", None).unwrap().name, "digits");
        let err = by_name("mnist", None).unwrap_err().to_string();
        assert!(
            err.contains("`mnist` is not a data set potmac knows (digits, fashion-mnist)"),
            "{err}"
        );
    }

    #[test]
    fn idx_parser_on_synthetic_files() {
        let dir = std::env::temp_dir().join(format!("potmac-idx-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let n = 3u32;
        let pixels: Vec<u8> = (0..n * 28 * 28).map(|i| (i % 251) as u8).collect();
        for prefix in ["train", "t10k"] {
            std::fs::write(
                dir.join(format!("{prefix}-images-idx3-ubyte.gz")),
                gz(&idx(&[n, 28, 28], &pixels)),
            )
            .unwrap();
            std::fs::write(
                dir.join(format!("{prefix}-labels-idx1-ubyte.gz")),
                gz(&idx(&[n], &[7, 0, 9])),
            )
            .unwrap();
        }
        let d = fashion_mnist(Some(&dir)).unwrap();
        assert_eq!(d.train.y, vec![7, 0, 9]);
        assert_eq!(d.test.x.len(), 3 * 784);
        assert_eq!(d.test.x[250], 250.0 / 255.0);
        // Malformed inputs are rejected.
        assert!(parse_idx(&idx(&[2, 2], &[1, 2, 3]), "t").is_err());
        assert!(parse_idx(&[0, 0, 0x0d, 1, 0, 0, 0, 1, 0], "t").is_err());
        assert!(parse_idx(&[1, 0, 8, 1], "t").is_err());
        assert_eq!(
            parse_idx(&idx(&[2], &[4, 5]), "t").unwrap(),
            (vec![2], vec![4, 5])
        );
        std::fs::remove_file(dir.join("t10k-labels-idx1-ubyte.gz")).unwrap();
        let err = fashion_mnist(Some(&dir)).unwrap_err().to_string();
        assert!(err.contains("dataset-fashion-mnist"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// The real files from the Debian package: skipped when absent unless `CI` is set.
    #[test]
    fn fashion_mnist_debian_files() {
        let present = Path::new(FASHION_DIR)
            .join("train-images-idx3-ubyte.gz")
            .exists();
        if !present {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI is set but {FASHION_DIR} is missing: install the Debian package dataset-fashion-mnist"
            );
            eprintln!("skipping: {FASHION_DIR} missing (Debian package dataset-fashion-mnist)");
            return;
        }
        let d = fashion_mnist(None).unwrap();
        assert_eq!((d.train.len(), d.test.len()), (60000, 10000));
        let mut counts = [0usize; 10];
        for &y in &d.test.y {
            counts[y as usize] += 1;
        }
        assert_eq!(counts, [1000; 10]);
    }
}
