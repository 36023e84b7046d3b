//! Bring-your-own float weights: read tensors from a safetensors file or from `.npy` files,
//! check their names and shapes against an architecture, and build a [`Network`] from them,
//! ready for post-training quantization (and optional QAT fine-tuning) and the integer export.
//!
//! **Layouts** are PyTorch's, which are potmac's: a dense layer (`nn.Linear`) has a weight
//! `[out, in]` and a bias `[out]`; a convolution (`nn.Conv2d`, k×k, 3×3 with padding 1 unless
//! the architecture says otherwise) has a weight `[O, C, k, k]`, flattened row-major to
//! potmac's `[O][C·k·k]`, and a bias `[O]`; flattening the last feature map `[C, H, W]` into
//! the dense layer is PyTorch's `flatten` order.
//!
//! **Names.** Each layer is a prefix `P` with tensors `P.weight` and `P.bias` (a missing bias
//! is zero). Without an explicit list of prefixes, the layers are the prefixes of all
//! `*.weight` tensors in natural order (digit runs compared as numbers): `0, 2, 4` of an
//! `nn.Sequential`, `fc1, fc2, fc3`, `conv1, conv2, fc`. Tensors that no layer uses are an
//! error (they usually mean a wrong architecture).
//!
//! **Files.** A `.safetensors` file (F32 or F64 tensors), or `.npy` files named
//! `<tensor name>.npy` (e.g. `fc1.weight.npy`; f4 or f8, C order), given one by one or as a
//! folder holding them.

use super::model::Network;
use super::report::SourceFile;
use super::QatError;
use crate::model::arch::{Arch, CnnSpec, LayerKind, Padding};
use crate::model::write::sha256_hex;
use crate::model::ModelError;
use std::path::{Path, PathBuf};

/// A named float tensor.
#[derive(Debug, Clone, PartialEq)]
pub struct Tensor {
    pub name: String,
    pub shape: Vec<usize>,
    pub data: Vec<f32>,
    /// The file it was read from.
    pub file: PathBuf,
}

/// An architecture written on the command line: `mlp:IN,H1,…,CLASSES` or
/// `cnn:C1,…,Ck` (3×3 conv + ReLU + 2×2 max-pool per entry, then one dense layer), optionally
/// followed by `:kernel=K` (1, 3 or 5), `:stride=S` (1 or 2), `:padding=same|none`,
/// `:pool=yes|no` and `:hidden=H1,…` (dense layers between the flatten and the classes), as the
/// flags of `potmac qat --model cnn`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArchSpec {
    Mlp(Vec<usize>),
    Cnn(CnnSpec),
}

/// `C1,C2,…`: widths from 1 to 4096.
fn widths(list: &str, bad: &dyn Fn(&str) -> QatError) -> Result<Vec<usize>, QatError> {
    list.split(',')
        .map(|w| match w.trim().parse::<usize>() {
            Ok(n) if (1..=4096).contains(&n) => Ok(n),
            _ => Err(bad(&format!("`{w}` is not a width from 1 to 4096"))),
        })
        .collect()
}

impl ArchSpec {
    /// Parse `mlp:784,128,64,10`, `cnn:8,16` or e.g. `cnn:8,16:kernel=5:stride=2:hidden=32`.
    pub fn parse(s: &str) -> Result<Self, QatError> {
        let bad = |why: &str| {
            QatError::Config(format!(
                "architecture `{s}`: {why} (expected mlp:IN,H1,...,CLASSES or \
                 cnn:C1,...[:kernel=1|3|5][:stride=1|2][:padding=same|none][:pool=yes|no]\
                 [:hidden=H1,...])"
            ))
        };
        let (kind, rest) = s.split_once(':').ok_or_else(|| bad("no `kind:`"))?;
        let mut parts = rest.split(':');
        let list = parts.next().unwrap_or("");
        let w = widths(list, &bad)?;
        match kind {
            "mlp" if rest.contains(':') => Err(bad("an MLP takes no options")),
            "mlp" if w.len() >= 2 => Ok(Self::Mlp(w)),
            "mlp" => Err(bad("an MLP needs at least the input and the class count")),
            "cnn" => {
                let mut spec = CnnSpec::new(&w);
                let mut seen = std::collections::BTreeSet::new();
                for opt in parts {
                    let (key, value) = opt
                        .split_once('=')
                        .ok_or_else(|| bad(&format!("option `{opt}` is not KEY=VALUE")))?;
                    if !seen.insert(key) {
                        return Err(bad(&format!("`{key}` is given twice")));
                    }
                    let st = &mut spec.stage;
                    match (key, value) {
                        ("kernel", "1" | "3" | "5") => st.k = value.parse().expect("a digit"),
                        ("stride", "1" | "2") => st.stride = value.parse().expect("a digit"),
                        ("padding", "same") => st.padding = Padding::Same,
                        ("padding", "none") => st.padding = Padding::None,
                        ("pool", "yes") => st.pool = true,
                        ("pool", "no") => st.pool = false,
                        ("hidden", _) => spec.hidden = widths(value, &bad)?,
                        ("kernel" | "stride" | "padding" | "pool", _) => {
                            return Err(bad(&format!("`{value}` is not a {key}")))
                        }
                        _ => return Err(bad(&format!("unknown option `{key}`"))),
                    }
                }
                Ok(Self::Cnn(spec))
            }
            _ => Err(bad(&format!("unknown kind `{kind}`"))),
        }
    }

    /// The architecture on images of `shape` with `classes` classes.
    pub fn arch(&self, shape: (usize, usize, usize), classes: usize) -> Result<Arch, QatError> {
        let arch = match self {
            Self::Mlp(w) => {
                let inputs = shape.0 * shape.1 * shape.2;
                if w[0] != inputs || *w.last().expect("two widths") != classes {
                    return Err(QatError::Config(format!(
                        "architecture mlp:{}: the data set has {inputs} inputs and {classes} classes, so it must read mlp:{inputs},...,{classes}",
                        join(w)
                    )));
                }
                Arch::mlp(shape, &w[1..w.len() - 1], classes)
            }
            Self::Cnn(spec) => Arch::cnn(shape, spec, classes).map_err(|e| match e {
                ModelError::Config(why) => QatError::Config(format!(
                    "architecture cnn:{}: on the {}x{} images, {why}",
                    join(&spec.channels),
                    shape.1,
                    shape.2
                )),
                other => other.into(),
            })?,
        };
        arch.validate()?;
        Ok(arch)
    }
}

fn join(v: &[usize]) -> String {
    v.iter()
        .map(|x| x.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

fn import_err(path: &Path, msg: impl std::fmt::Display) -> QatError {
    QatError::Import(format!(
        "{}: {}",
        path.display(),
        one_line(&msg.to_string())
    ))
}

/// A reader's message on one line: a parser's multi-line drawing of where it failed
/// (`  --> 1:11`, `1 | {'descr': …`, `  |   ^---`, `  = expected value`) becomes
/// `… at 1:11: expected value`.
fn one_line(msg: &str) -> String {
    let mut parts: Vec<String> = Vec::new();
    for line in msg.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if line.contains('|') && !parts.is_empty() {
            continue;
        }
        let part = if let Some((before, at)) = line.split_once("-->") {
            let before = before.trim().trim_end_matches(':');
            format!("{before} at {}", at.trim()).trim().to_string()
        } else if let Some(what) = line.strip_prefix('=') {
            what.trim().to_string()
        } else {
            line.to_string()
        };
        parts.push(part.trim_end_matches(':').trim().to_string());
    }
    parts.join(": ")
}

/// Read `path` once: its bytes, and its name, size and SHA-256 for the report.
pub(crate) fn read_file(path: &Path) -> Result<(Vec<u8>, SourceFile), QatError> {
    let bytes =
        crate::fsread::read(path, crate::fsread::WEIGHTS).map_err(|source| QatError::Io {
            path: path.display().to_string(),
            source,
        })?;
    let source = SourceFile {
        file: path
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
        bytes: bytes.len() as u64,
        sha256: sha256_hex(&bytes),
    };
    Ok((bytes, source))
}

/// The error for a BatchNorm tensor (`running_mean`, `running_var`, `num_batches_tracked`),
/// if `name` is one: safetensors and .npy imports read Linear and Conv2d layers only.
fn batchnorm_tensor(path: &Path, name: &str) -> Option<QatError> {
    ["running_mean", "running_var", "num_batches_tracked"]
        .iter()
        .any(|s| name.ends_with(s))
        .then(|| {
            import_err(
                path,
                format!(
                    "tensor `{name}` belongs to a BatchNorm layer, which a safetensors or .npy \
                     import does not read; export the model to ONNX (torch.onnx.export) and \
                     import the .onnx file, which folds BatchNorm exactly"
                ),
            )
        })
}

/// Every tensor of the safetensors file `path` whose contents are `bytes`.
fn parse_safetensors(path: &Path, bytes: &[u8]) -> Result<Vec<Tensor>, QatError> {
    let st = safetensors::SafeTensors::deserialize(bytes)
        .map_err(|e| import_err(path, format!("not a valid safetensors file: {e}")))?;
    let mut out = Vec::new();
    let mut views = st.tensors();
    views.sort_by_key(|(name, _)| natural_key(name));
    if let Some(e) = views
        .iter()
        .find_map(|(name, _)| batchnorm_tensor(path, name))
    {
        return Err(e);
    }
    for (name, view) in views {
        let raw = view.data();
        let data: Vec<f32> = match view.dtype() {
            safetensors::Dtype::F32 => raw
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect(),
            safetensors::Dtype::F64 => raw
                .chunks_exact(8)
                .map(|b| f64::from_le_bytes(b.try_into().expect("8 bytes")) as f32)
                .collect(),
            other => {
                return Err(import_err(
                    path,
                    format!(
                        "tensor `{name}` has dtype {other:?}; save it as float32 (F32) or float64"
                    ),
                ))
            }
        };
        out.push(Tensor {
            name,
            shape: view.shape().to_vec(),
            data,
            file: path.to_path_buf(),
        });
    }
    // The header is a JSON map whose order the reader does not keep: natural name order makes
    // the report (and any message listing tensors) the same on every run.
    out.sort_by_key(|t| natural_key(&t.name));
    Ok(out)
}

/// The `.npy` file `path` (contents `bytes`) as the tensor named after it
/// (`fc1.weight.npy` → `fc1.weight`).
fn parse_npy(path: &Path, bytes: &[u8]) -> Result<Tensor, QatError> {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .and_then(|n| n.strip_suffix(".npy"))
        .ok_or_else(|| import_err(path, "an .npy file must be named <tensor name>.npy"))?
        .to_string();
    if let Some(e) = batchnorm_tensor(path, &name) {
        return Err(e);
    }
    let npy = npyz::NpyFile::new(bytes)
        .map_err(|e| import_err(path, format!("not a valid .npy file: {e}")))?;
    let shape: Vec<usize> = npy.shape().iter().map(|&d| d as usize).collect();
    if npy.order() == npyz::Order::Fortran && shape.iter().filter(|&&d| d > 1).count() > 1 {
        return Err(import_err(
            path,
            "Fortran-ordered array; save it in C order (numpy.ascontiguousarray)",
        ));
    }
    let dtype = npy.dtype();
    let expected: usize = shape.iter().product();
    let data: Vec<f32> = match dtype.descr().as_str() {
        "'<f4'" => npy.into_vec::<f32>(),
        "'<f8'" => npy
            .into_vec::<f64>()
            .map(|v| v.into_iter().map(|x| x as f32).collect()),
        d => {
            return Err(import_err(
                path,
                format!("dtype {d}; save the tensor as float32 or float64"),
            ))
        }
    }
    .map_err(|e| import_err(path, format!("truncated or malformed data: {e}")))?;
    if data.len() != expected {
        return Err(import_err(
            path,
            format!(
                "holds {} values, its shape {shape:?} needs {expected}",
                data.len()
            ),
        ));
    }
    Ok(Tensor {
        name,
        shape,
        data,
        file: path.to_path_buf(),
    })
}

/// The weight files `paths` name: one `.safetensors` file, or `.npy` files and the `.npy`
/// files of the folders given (sorted by name).
pub fn weight_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, QatError> {
    let is_st = |p: &Path| p.extension().is_some_and(|e| e == "safetensors");
    if let [p] = paths {
        if is_st(p) {
            return Ok(vec![p.clone()]);
        }
    }
    let mut files = Vec::new();
    for p in paths {
        if is_st(p) {
            return Err(import_err(
                p,
                "give a safetensors file alone, not with other files",
            ));
        }
        if p.is_dir() {
            let mut found: Vec<PathBuf> = std::fs::read_dir(p)
                .map_err(|source| QatError::Io {
                    path: p.display().to_string(),
                    source,
                })?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| f.extension().is_some_and(|e| e == "npy"))
                .collect();
            if found.is_empty() {
                return Err(import_err(p, "the folder holds no .npy files"));
            }
            found.sort();
            files.extend(found);
        } else if p.extension().is_some_and(|e| e == "npy") {
            files.push(p.clone());
        } else {
            return Err(import_err(
                p,
                "expected a .safetensors file, .npy files or a folder of .npy files",
            ));
        }
    }
    Ok(files)
}

/// Float tensors read from weight files, and the files they came from.
#[derive(Debug, Clone)]
pub struct Weights {
    pub tensors: Vec<Tensor>,
    /// Name, size and SHA-256 of every file read, in reading order.
    pub sources: Vec<SourceFile>,
}

/// Read weights from `paths`: one `.safetensors` file, or `.npy` files and folders of them.
/// Each file is read once.
pub fn read_weights(paths: &[PathBuf]) -> Result<Weights, QatError> {
    let files = weight_files(paths)?;
    if let [f] = &files[..] {
        if f.extension().is_some_and(|e| e == "safetensors") {
            let (bytes, source) = read_file(f)?;
            return Ok(Weights {
                tensors: parse_safetensors(f, &bytes)?,
                sources: vec![source],
            });
        }
    }
    let mut tensors: Vec<Tensor> = Vec::new();
    let mut sources = Vec::new();
    for f in &files {
        let (bytes, source) = read_file(f)?;
        let t = parse_npy(f, &bytes)?;
        if tensors.iter().any(|o| o.name == t.name) {
            return Err(import_err(f, format!("tensor `{}` given twice", t.name)));
        }
        tensors.push(t);
        sources.push(source);
    }
    Ok(Weights { tensors, sources })
}

/// Natural order: digit runs compare as numbers (`fc2` < `fc10`, `0` < `2` < `10`).
fn natural_key(s: &str) -> Vec<(u8, u64, String)> {
    let mut key = Vec::new();
    let mut rest = s;
    while !rest.is_empty() {
        let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        if digits > 0 {
            let n = rest[..digits].parse::<u64>().unwrap_or(u64::MAX);
            key.push((0, n, String::new()));
            rest = &rest[digits..];
        } else {
            let text = rest.len() - rest.trim_start_matches(|c: char| !c.is_ascii_digit()).len();
            key.push((1, 0, rest[..text].to_string()));
            rest = &rest[text..];
        }
    }
    key
}

/// Build the network of `arch` from `tensors`; `layers` names the prefixes in order (default:
/// natural order of the `*.weight` prefixes). Every error names the tensor.
pub fn build_network(
    arch: Arch,
    tensors: &[Tensor],
    layers: Option<&[String]>,
) -> Result<Network, QatError> {
    let prefixes: Vec<String> = match layers {
        Some(l) => l.to_vec(),
        None => {
            let mut p: Vec<String> = tensors
                .iter()
                .filter_map(|t| t.name.strip_suffix(".weight").map(str::to_string))
                .collect();
            p.sort_by_key(|n| natural_key(n));
            p
        }
    };
    let n = arch.layers.len();
    // A shape or count mismatch with the prefixes in natural order is often a wrong order.
    let hint = if layers.is_none() {
        "; if the layers are not in natural name order, name them in order with --layers \
         (e.g. --layers features.0,features.3,classifier.1)"
    } else {
        ""
    };
    if prefixes.len() != n {
        return Err(QatError::Import(format!(
            "the architecture has {n} layers but the weights name {} ({}): each layer needs PREFIX.weight (and PREFIX.bias){hint}",
            prefixes.len(),
            prefixes.join(", ")
        )));
    }
    let find = |name: &str| tensors.iter().find(|t| t.name == name);
    let mut used = std::collections::BTreeSet::new();
    let mut net = Network::new(arch.clone(), 0)?;
    let mut origins = Vec::new();
    for (l, (def, p)) in arch.layers.iter().zip(&prefixes).enumerate() {
        let mut from: Vec<&Tensor> = Vec::new();
        let wname = format!("{p}.weight");
        let w = find(&wname)
            .ok_or_else(|| QatError::Import(format!("layer {l}: tensor `{wname}` is missing")))?;
        let want_w: Vec<usize> = match def.kind {
            LayerKind::Dense { inputs, outputs } => vec![outputs, inputs],
            LayerKind::Conv(s) => vec![s.out_c, s.in_c, s.k, s.k],
        };
        if w.shape != want_w {
            return Err(QatError::Import(format!(
                "layer {l}: tensor `{wname}` has shape {:?}, the architecture needs {want_w:?}{hint}",
                w.shape
            )));
        }
        check_finite(w)?;
        from.push(w);
        net.weights[l] = w.data.clone();
        used.insert(wname);
        let bname = format!("{p}.bias");
        match find(&bname) {
            Some(b) => {
                if b.shape != [def.out_rows()] {
                    return Err(QatError::Import(format!(
                        "layer {l}: tensor `{bname}` has shape {:?}, the architecture needs [{}]",
                        b.shape,
                        def.out_rows()
                    )));
                }
                check_finite(b)?;
                from.push(b);
                net.biases[l] = b.data.clone();
                used.insert(bname);
            }
            None => net.biases[l] = vec![0.0; def.out_rows()],
        }
        origins.push(origin(p, &from));
    }
    net.origins = origins;
    if let Some(t) = tensors.iter().find(|t| !used.contains(&t.name)) {
        return Err(QatError::Import(format!(
            "tensor `{}` (shape {:?}) belongs to no layer of the architecture",
            t.name, t.shape
        )));
    }
    Ok(net)
}

/// Where layer `P`'s tensors came from: "`P`: `P.weight`, `P.bias` in FILE", or each
/// tensor with its own file when they differ.
fn origin(prefix: &str, tensors: &[&Tensor]) -> String {
    let names = |ts: &[&Tensor]| {
        ts.iter()
            .map(|t| format!("`{}`", t.name))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let one_file = tensors.windows(2).all(|w| w[0].file == w[1].file);
    match tensors.first() {
        Some(t) if one_file => format!("`{prefix}`: {} in {}", names(tensors), t.file.display()),
        _ => format!(
            "`{prefix}`: {}",
            tensors
                .iter()
                .map(|t| format!("`{}` in {}", t.name, t.file.display()))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

fn check_finite(t: &Tensor) -> Result<(), QatError> {
    match t.data.iter().position(|v| !v.is_finite()) {
        Some(i) => Err(QatError::Import(format!(
            "tensor `{}` holds a non-finite value at flat index {i}",
            t.name
        ))),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn architectures_and_natural_order() {
        assert_eq!(
            ArchSpec::parse("mlp:64,32,10").unwrap(),
            ArchSpec::Mlp(vec![64, 32, 10])
        );
        assert_eq!(
            ArchSpec::parse("cnn:8,16").unwrap(),
            ArchSpec::Cnn(CnnSpec::new(&[8, 16]))
        );
        for bad in ["mlp:64", "mlp", "rnn:1,2", "mlp:64,0,10", "mlp:a,10"] {
            assert!(ArchSpec::parse(bad).is_err(), "{bad}");
        }
        // The options of `potmac qat --model cnn`.
        let ArchSpec::Cnn(c) =
            ArchSpec::parse("cnn:8:kernel=5:stride=2:padding=same:hidden=32,16").unwrap()
        else {
            panic!("a CNN")
        };
        assert_eq!(
            (
                c.channels,
                c.stage.k,
                c.stage.stride,
                c.stage.padding,
                c.stage.pool,
                c.hidden
            ),
            (vec![8], 5, 2, Padding::Same, true, vec![32, 16])
        );
        let ArchSpec::Cnn(c) = ArchSpec::parse("cnn:4,4:padding=none:pool=no").unwrap() else {
            panic!("a CNN")
        };
        assert_eq!(
            (c.stage.padding, c.stage.pool, c.stage.k),
            (Padding::None, false, 3)
        );
        for bad in [
            "cnn:8:kernel=4",
            "cnn:8:stride=3",
            "cnn:8:padding=valid",
            "cnn:8:pool=maybe",
            "cnn:8:hidden=0",
            "cnn:8:dilation=2",
            "cnn:8:kernel",
            "cnn:8:kernel=5:kernel=3",
            "mlp:64,10:kernel=3",
        ] {
            assert!(ArchSpec::parse(bad).is_err(), "{bad}");
        }
        // 5×5 stride 2 pooled twice on 8×8: the second stage's 1×1 output pools to nothing.
        let e = ArchSpec::parse("cnn:8,16:kernel=5:stride=2")
            .unwrap()
            .arch((1, 8, 8), 10)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("cnn:8,16") && e.contains("below one pixel"),
            "{e}"
        );
        let a = ArchSpec::parse("cnn:8:kernel=5:stride=2:hidden=32")
            .unwrap()
            .arch((1, 8, 8), 10)
            .unwrap();
        assert_eq!(a.layers.len(), 3);
        let a = ArchSpec::parse("mlp:64,32,10").unwrap();
        assert!(a.arch((1, 8, 8), 10).is_ok());
        assert!(a.arch((1, 28, 28), 10).is_err());
        let mut names = vec!["fc10", "fc2", "fc1", "4", "0", "2", "conv1", "a.b3.c"];
        names.sort_by_key(|n| natural_key(n));
        assert_eq!(
            names,
            ["0", "2", "4", "a.b3.c", "conv1", "fc1", "fc2", "fc10"]
        );
    }
}
