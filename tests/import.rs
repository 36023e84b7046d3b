//! `potmac import`: float weights from safetensors and .npy files (written here by hand, in the
//! formats' published layouts, and one fixture written by PyTorch), post-training
//! quantization, the integer export, and clear exit-2 errors for bad files.

mod common;

use common::{have, potmac, root, run_ok, scratch};
use potmac::model::IntModel;
use potmac::quant::spec::FormatSpec;
use potmac::rng::Rng;
use potmac::train::data::digits;
use potmac::train::import::{build_network, read_weights, ArchSpec};
use potmac::train::pipeline::verify;
use potmac::train::train::{evaluate, init_quant, QatConfig};
use std::path::{Path, PathBuf};

/// (name, shape, values) of a tensor to write.
type T = (String, Vec<usize>, Vec<f32>);

/// A safetensors file: u64 header length, JSON header, little-endian data.
fn safetensors_bytes(tensors: &[T], dtype: &str) -> Vec<u8> {
    let width = if dtype == "F16" { 2 } else { 4 };
    let (mut header, mut data, mut at) = (Vec::new(), Vec::new(), 0usize);
    for (name, shape, v) in tensors {
        let n = v.len() * width;
        header.push(format!(
            "\"{name}\":{{\"dtype\":\"{dtype}\",\"shape\":{shape:?},\"data_offsets\":[{at},{}]}}",
            at + n
        ));
        for x in v {
            if width == 2 {
                data.extend_from_slice(&[0, 0]);
            } else {
                data.extend_from_slice(&x.to_le_bytes());
            }
        }
        at += n;
    }
    let h = format!("{{{}}}", header.join(","));
    let mut out = (h.len() as u64).to_le_bytes().to_vec();
    out.extend_from_slice(h.as_bytes());
    out.extend(data);
    out
}

/// An .npy (version 1.0) file of little-endian f32 in C order.
fn npy_bytes(shape: &[usize], v: &[f32]) -> Vec<u8> {
    let dims: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
    let tuple = if dims.len() == 1 {
        format!("({},)", dims[0])
    } else {
        format!("({})", dims.join(", "))
    };
    let mut h = format!("{{'descr': '<f4', 'fortran_order': False, 'shape': {tuple}, }}");
    while (10 + h.len() + 1) % 64 != 0 {
        h.push(' ');
    }
    h.push('\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend_from_slice(&(h.len() as u16).to_le_bytes());
    out.extend_from_slice(h.as_bytes());
    for x in v {
        out.extend_from_slice(&x.to_le_bytes());
    }
    out
}

/// A random 64-16-10 MLP as fc1/fc2 tensors.
fn mlp_tensors() -> Vec<T> {
    let mut r = Rng::new(11);
    let mut t = |name: &str, shape: Vec<usize>, std: f64| {
        let n = shape.iter().product();
        let v = (0..n).map(|_| (r.normal() * std) as f32).collect();
        (name.to_string(), shape, v)
    };
    vec![
        t("fc1.weight", vec![16, 64], 0.18),
        t("fc1.bias", vec![16], 0.1),
        t("fc2.weight", vec![10, 16], 0.35),
        t("fc2.bias", vec![10], 0.1),
    ]
}

fn import(files: &[&Path], out: &Path, extra: &[&str]) -> std::process::Command {
    let mut cmd = potmac();
    cmd.arg("import")
        .args(files)
        .args(["--arch", "mlp:64,16,10", "--dataset", "digits", "--out"])
        .arg(out)
        .args(extra);
    cmd
}

#[test]
fn safetensors_and_npy_imports_give_the_same_export() {
    let dir = scratch("import_same");
    let tensors = mlp_tensors();
    let st = dir.join("mlp.safetensors");
    std::fs::write(&st, safetensors_bytes(&tensors, "F32")).unwrap();
    let npy = dir.join("npy");
    std::fs::create_dir_all(&npy).unwrap();
    for (name, shape, v) in &tensors {
        std::fs::write(npy.join(format!("{name}.npy")), npy_bytes(shape, v)).unwrap();
    }
    // The reader returns exactly what was written, and the network holds it in its layout.
    for src in [vec![st.clone()], vec![npy.clone()]] {
        let read = read_weights(&src).unwrap().tensors;
        let arch = ArchSpec::parse("mlp:64,16,10")
            .unwrap()
            .arch((1, 8, 8), 10)
            .unwrap();
        let net = build_network(arch, &read, None).unwrap();
        assert_eq!(net.weights[0], tensors[0].2);
        assert_eq!(net.biases[1], tensors[3].2);
    }
    let (a, b) = (dir.join("out_st"), dir.join("out_npy"));
    let stdout = run_ok(&mut import(&[&st], &a, &["--weights", "pot:4"]));
    assert!(stdout.contains("PTQ to pot:4 (integer path)"), "{stdout}");
    let files: Vec<PathBuf> = ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
        .iter()
        .map(|n| npy.join(format!("{n}.npy")))
        .collect();
    let refs: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
    run_ok(&mut import(
        &refs,
        &b,
        &["--weights", "pot:4", "--layers", "fc1,fc2"],
    ));
    for f in [
        "model.json",
        "manifest.json",
        "layer0_wcode.hex",
        "layer1_acc.hex",
    ] {
        let (x, y) = (
            std::fs::read(a.join(f)).unwrap(),
            std::fs::read(b.join(f)).unwrap(),
        );
        assert!(
            x == y,
            "{f} differs between the safetensors and the .npy import"
        );
    }
    // The export is `potmac qat`'s: its integer model loads and codes are 4-bit PoT.
    let im: IntModel =
        serde_json::from_str(&std::fs::read_to_string(a.join("model.json")).unwrap()).unwrap();
    assert_eq!(im.layers.len(), 2);
    assert!(im.layers.iter().all(|l| l.format.label() == "pot:4"));
}

#[test]
fn bad_weight_files_exit_2_naming_the_tensor_and_write_nothing() {
    let dir = scratch("import_bad");
    let good = mlp_tensors();
    let mut cases: Vec<(&str, Vec<u8>, &str)> = Vec::new();
    let full = safetensors_bytes(&good, "F32");
    cases.push((
        "truncated.safetensors",
        full[..full.len() - 9].to_vec(),
        "not a valid safetensors",
    ));
    cases.push((
        "header.safetensors",
        full[..20].to_vec(),
        "not a valid safetensors",
    ));
    let mut shape = good.clone();
    shape[0] = ("fc1.weight".into(), vec![16, 63], vec![0.1; 16 * 63]);
    cases.push((
        "shape.safetensors",
        safetensors_bytes(&shape, "F32"),
        "`fc1.weight` has shape [16, 63]",
    ));
    let mut missing = good.clone();
    missing.remove(2);
    cases.push((
        "missing.safetensors",
        safetensors_bytes(&missing, "F32"),
        "2 layers but the weights name 1",
    ));
    let mut extra = good.clone();
    extra.push(("fc2.scale".into(), vec![1], vec![1.0]));
    cases.push((
        "extra.safetensors",
        safetensors_bytes(&extra, "F32"),
        "`fc2.scale`",
    ));
    cases.push((
        "half.safetensors",
        safetensors_bytes(&good, "F16"),
        "dtype F16",
    ));
    let mut nan = good.clone();
    nan[2].2[7] = f32::NAN;
    cases.push((
        "nan.safetensors",
        safetensors_bytes(&nan, "F32"),
        "`fc2.weight` holds a non-finite value",
    ));
    for (name, bytes, want) in cases {
        let f = dir.join(name);
        std::fs::write(&f, bytes).unwrap();
        let out = dir.join(format!("out_{name}"));
        let o = import(&[&f], &out, &[]).output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{name}: {err}");
        assert!(err.contains(want), "{name}: `{want}` not in: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{name}: one line: {err}");
        assert!(!out.exists(), "{name}: wrote {}", out.display());
    }
    // .npy: a truncated file and a wrong arch name the file / the tensor.
    let npy = dir.join("npy");
    std::fs::create_dir_all(&npy).unwrap();
    for (n, s, v) in &good {
        std::fs::write(npy.join(format!("{n}.npy")), npy_bytes(s, v)).unwrap();
    }
    let bytes = npy_bytes(&good[2].1, &good[2].2);
    std::fs::write(npy.join("fc2.weight.npy"), &bytes[..bytes.len() - 4]).unwrap();
    let o = import(&[&npy], &dir.join("out_npy"), &[]).output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("fc2.weight.npy"), "{err}");
    let o = potmac()
        .arg("import")
        .arg(dir.join("shape.safetensors"))
        .args(["--arch", "mlp:784,16,10", "--dataset", "digits", "--out"])
        .arg(dir.join("out_arch"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("mlp:64,...,10"), "{err}");
}

#[test]
fn pytorch_fixture_imports_and_reaches_its_integer_accuracy() {
    let fx = root().join("verification/fixtures");
    let info: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fx.join("torch_digits_mlp.json")).unwrap())
            .unwrap();
    let tensors = read_weights(&[fx.join("torch_digits_mlp.safetensors")])
        .unwrap()
        .tensors;
    let d = digits().unwrap();
    let arch = ArchSpec::parse("mlp:64,32,10")
        .unwrap()
        .arch(d.shape, d.classes)
        .unwrap();
    // nn.Sequential names 0.weight, 0.bias, 2.weight, 2.bias: the natural order finds them.
    let net = build_network(arch, &tensors, None).unwrap();
    // potmac's float forward reproduces PyTorch's logits and accuracy on the same split.
    let logits = net.forward_float(None, &d.test.x[..4 * 64], 4);
    let want: Vec<f32> = info["first_test_logits"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| {
            r.as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().unwrap() as f32)
        })
        .collect();
    for (g, w) in logits.iter().zip(&want) {
        assert!((g - w).abs() < 1e-4, "logit {g} vs PyTorch {w}");
    }
    let fp = evaluate(&net, None, &d.test).unwrap();
    assert_eq!(
        (fp * 360.0).round() as u64,
        info["float_test_correct"].as_u64().unwrap()
    );
    let q = QatConfig {
        weights: FormatSpec::parse("pot:4").unwrap(),
        first_layer: None,
        last_layer: None,
        act_bits: 8,
        prune: 0.0,
        clip: None,
        act_percentile: 99.99,
        act_momentum: 0.9,
    };
    let qs = init_quant(&net, &q, &d.train, 512).unwrap();
    let im = IntModel::from_network(&net, &qs).unwrap();
    let v = verify(&net, &im, &d.test);
    assert_eq!((v.layer_mismatches, v.class_mismatches), (0, 0), "{v:?}");
    assert!(
        v.int_acc >= fp - 0.03,
        "PTQ pot:4 {} vs float {fp}",
        v.int_acc
    );
    // Through the command line, and the export runs bit-exactly on a generated array.
    let dir = scratch("import_torch");
    let out = dir.join("export");
    run_ok(
        potmac()
            .arg("import")
            .arg(fx.join("torch_digits_mlp.safetensors"))
            .args([
                "--arch",
                "mlp:64,32,10",
                "--weights",
                "pot:4",
                "--dataset",
                "digits",
            ])
            .args(["--golden-samples", "2", "--out"])
            .arg(&out),
    );
    let cli: IntModel =
        serde_json::from_str(&std::fs::read_to_string(out.join("model.json")).unwrap()).unwrap();
    assert_eq!(cli, im);
    use potmac::tools::icarus;
    if !have(&[icarus::IVERILOG, icarus::VVP]) {
        return;
    }
    let stdout = run_ok(
        potmac()
            .args([
                "infer",
                "--per-layer",
                "--sim",
                "icarus",
                "--array",
                "4x4:ws",
                "--out",
            ])
            .arg(dir.join("hdl"))
            .arg(&out),
    );
    assert_eq!(stdout.matches("PASS").count(), 2, "{stdout}");
    // The whole accelerator (controller, array, post-op unit) runs every test image of the
    // imported network, and its accuracy is the integer model's, which is the PTQ accuracy
    // the import reported.
    let rep: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    assert_eq!(rep["sources"][0]["file"], "torch_digits_mlp.safetensors");
    let int_correct = (rep["ptq"]["int_acc"].as_f64().unwrap() * 360.0).round() as u64;
    let text = run_ok(
        potmac()
            .args([
                "-q", "infer", "--sim", "icarus", "--array", "8x8:ws", "--out",
            ])
            .arg(dir.join("accel"))
            .arg(&out),
    );
    let pct = 100.0 * int_correct as f64 / 360.0;
    let want = format!(
        "360/360 images, hardware top-1 {pct:.2} % ({int_correct}/360), integer model {pct:.2} % ({int_correct}/360)"
    );
    assert!(text.contains(&want), "want `{want}` in\n{text}");
    assert!(text.contains("PASS, every prediction and logit"), "{text}");
}

/// Run `cmd`; kill it after `secs` seconds. `None` when it had to be killed.
fn output_within(cmd: &mut std::process::Command, secs: u64) -> Option<std::process::Output> {
    let mut child = cmd
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let t0 = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        if t0.elapsed().as_secs() >= secs {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    Some(child.wait_with_output().unwrap())
}

fn mkfifo(path: &Path) {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(path.as_os_str().as_bytes()).unwrap();
    // SAFETY: mkfifo with a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
}

/// Issue 23, defect 8: `import` read a weight file linked to /dev/zero whole (4 GB before
/// failing) and blocked for ever on a FIFO. Weight files must be regular files (a link to one
/// is fine) of at most 1 GiB: anything else is refused at once, exit 2, naming the file.
#[test]
fn special_and_oversized_weight_files_are_refused_at_once() {
    let dir = scratch("import_special");
    let zero = dir.join("zero.safetensors");
    std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
    let fifo = dir.join("fifo.safetensors");
    mkfifo(&fifo);
    let npy_fifo = dir.join("fc1.weight.npy");
    mkfifo(&npy_fifo);
    // Sparse: takes no disk space.
    let huge = dir.join("huge.safetensors");
    std::fs::File::create(&huge)
        .unwrap()
        .set_len((1 << 30) + 1)
        .unwrap();
    for (f, want) in [
        (&zero, "not a regular file"),
        (&fifo, "not a regular file"),
        (&npy_fifo, "not a regular file"),
        (&huge, "1 GiB"),
    ] {
        let out = dir.join("out");
        let o = output_within(&mut import(&[f], &out, &[]), 10)
            .unwrap_or_else(|| panic!("{}: still running after 10 s", f.display()));
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{}: {err}", f.display());
        assert!(err.contains(&f.display().to_string()), "{err}");
        assert!(err.contains(want), "`{want}` not in: {err}");
        assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
        assert!(!out.exists());
    }
    // A link to a regular file is fine.
    let real = dir.join("real.safetensors");
    std::fs::write(&real, safetensors_bytes(&mlp_tensors(), "F32")).unwrap();
    let link = dir.join("link.safetensors");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    run_ok(&mut import(&[&link], &dir.join("out_link"), &[]));
}

/// Issue 23, defect 9: an `.npy` file whose header does not parse printed a 6-line error (the
/// parser's drawing of the header); errors are one `error:` line.
#[test]
fn an_npy_with_a_corrupt_header_is_a_one_line_error() {
    let dir = scratch("import_npy_header");
    let f = dir.join("fc1.weight.npy");
    let mut h = "{'descr': <f4 garbage here((( ".to_string();
    while !(10 + h.len() + 1).is_multiple_of(64) {
        h.push(' ');
    }
    h.push('\n');
    let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
    bytes.extend_from_slice(&(h.len() as u16).to_le_bytes());
    bytes.extend_from_slice(h.as_bytes());
    bytes.extend_from_slice(&[0; 4096]);
    std::fs::write(&f, bytes).unwrap();
    let out = dir.join("out");
    let o = import(&[&f], &out, &[]).output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    assert!(err.starts_with("error: "), "{err}");
    assert!(
        err.contains("fc1.weight.npy: not a valid .npy file") && err.contains("expected value"),
        "{err}"
    );
    assert!(!out.exists());
}

/// Issue 23, defect 10: a weight of 3e38 failed with `requantization multiplier … is out of
/// range`, naming no file, tensor or layer. The error names the layer, its tensors and the
/// files they came from.
#[test]
fn an_unrepresentable_weight_range_names_the_layer_tensor_and_file() {
    let dir = scratch("import_huge");
    let mut t = mlp_tensors();
    // fc1.bias: its activations are too wide for layer 0's requantization multiplier. (A
    // huge weight instead imports, with its layer's other weights quantized to zero.)
    t[1].2[5] = 3e38;
    let st = dir.join("huge.safetensors");
    std::fs::write(&st, safetensors_bytes(&t, "F32")).unwrap();
    let npy = dir.join("npy");
    std::fs::create_dir_all(&npy).unwrap();
    for (name, shape, v) in &t {
        std::fs::write(npy.join(format!("{name}.npy")), npy_bytes(shape, v)).unwrap();
    }
    for (src, file) in [(&st, st.clone()), (&npy, npy.join("fc1.bias.npy"))] {
        let out = dir.join("out");
        let o = import(&[src], &out, &[]).output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{err}");
        // Progress notes come first; the error is the one last line.
        let (_, err) = err.trim().split_once("error: ").expect("an error line");
        assert_eq!(err.lines().count(), 1, "one line: {err}");
        assert!(err.contains("layer 0 (`fc1`"), "no layer in: {err}");
        assert!(err.contains("`fc1.bias`"), "no tensor in: {err}");
        assert!(
            err.contains(&file.display().to_string()),
            "no file in: {err}"
        );
        assert!(!out.exists());
    }
}
