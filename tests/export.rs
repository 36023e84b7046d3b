//! Export hardening: a `potmac qat` export describes itself (code tables in `model.json`,
//! SHA-256 per file in `manifest.json`), and every corruption of it, from an edited weight
//! code to a deleted bias file, is refused as an input error naming the file (exit 2), never
//! run as if it were the trained network. The export also names the data set it was trained
//! on (`manifest.json`, `dataset`): `potmac infer` needs nothing else (no `report.json`), and a
//! data set that is unknown or does not fit the model is refused before anything is written.

mod common;

use common::{have, potmac, scratch, tiny_export};
use potmac::model::dataset::DataSet;
use potmac::model::read::{load_export, parse_hex};
use potmac::model::write::{sha256_hex, write_export};
use potmac::tools::icarus;
use std::fs;
use std::path::{Path, PathBuf};

fn copy(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
}

/// Rewrite `file`'s checksum in the manifest, as a careful forger would.
fn reseal(dir: &Path, file: &str) {
    let bytes = fs::read(dir.join(file)).unwrap();
    let mp = dir.join("manifest.json");
    let mut m: serde_json::Value = serde_json::from_slice(&fs::read(&mp).unwrap()).unwrap();
    for f in m["files"].as_array_mut().unwrap() {
        if f["name"] == file {
            f["sha256"] = sha256_hex(&bytes).into();
            f["bytes"] = bytes.len().into();
        }
    }
    fs::write(&mp, serde_json::to_string_pretty(&m).unwrap()).unwrap();
}

fn edit(dir: &Path, file: &str, f: impl FnOnce(String) -> String) {
    let p = dir.join(file);
    let s = fs::read_to_string(&p).unwrap();
    fs::write(&p, f(s)).unwrap();
}

/// Replace line `n` (1-based) of a text.
fn line(s: String, n: usize, new: &str) -> String {
    let mut lines: Vec<&str> = s.lines().collect();
    lines[n - 1] = new;
    lines.join("\n") + "\n"
}

/// Add 1 to the first number after `key` in pretty-printed JSON (a valid edit).
fn edit_first(s: String, key: &str) -> String {
    let at = s.find(key).expect("key in model.json") + key.len();
    let start = at + s[at..].find(|c: char| c.is_ascii_digit()).unwrap();
    let end = start + s[start..].find(|c: char| !c.is_ascii_digit()).unwrap();
    let v: u64 = s[start..end].parse().unwrap();
    format!("{}{}{}", &s[..start], v + 1, &s[end..])
}

fn flip_first_digit(s: String) -> String {
    let first = s.lines().next().unwrap().to_string();
    let c = if first.starts_with('0') { "1" } else { "0" };
    line(s, 1, &format!("{c}{}", &first[1..]))
}

#[test]
fn exports_carry_code_tables_and_checksums_and_every_corruption_is_refused() {
    let base = scratch("export");
    let good = base.join("good");
    tiny_export(&good, "pot:4", "mlp");
    let e = load_export(&good).expect("a fresh export verifies");
    // The code table is the format's own: PoT 4-bit with a zero code, by hand.
    let model: serde_json::Value =
        serde_json::from_slice(&fs::read(good.join("model.json")).unwrap()).unwrap();
    let table: Vec<i64> = serde_json::from_value(model["layers"][0]["code_table"].clone()).unwrap();
    assert_eq!(
        table,
        [1, 2, 4, 8, 16, 32, 64, 0, -1, -2, -4, -8, -16, -32, -64, 0]
    );
    assert_eq!(e.inputs.len(), 3);
    let acc_bits = e.model.layers[0].acc_width;

    type Corrupt = Box<dyn Fn(&Path)>;
    let cases: Vec<(&str, &str, Corrupt)> = vec![
        (
            "edited weight code",
            "layer0_wcode.hex",
            Box::new(|d| edit(d, "layer0_wcode.hex", flip_first_digit)),
        ),
        (
            "deleted bias file",
            "layer1_bias.hex",
            Box::new(|d| fs::remove_file(d.join("layer1_bias.hex")).unwrap()),
        ),
        (
            "truncated input vectors",
            "layer0_act_in.hex",
            Box::new(|d| edit(d, "layer0_act_in.hex", |s| s[..s.len() / 2].to_string())),
        ),
        (
            "appended accumulator",
            "layer0_acc.hex",
            Box::new(|d| edit(d, "layer0_acc.hex", |s| s + "0\n")),
        ),
        (
            "edited model code",
            "model.json",
            Box::new(|d| edit(d, "model.json", |s| edit_first(s, "\"codes\": ["))),
        ),
        (
            "missing manifest",
            "manifest.json",
            Box::new(|d| fs::remove_file(d.join("manifest.json")).unwrap()),
        ),
        (
            "garbled manifest",
            "manifest.json",
            Box::new(|d| {
                edit(d, "manifest.json", |s| {
                    s.replacen("\"samples\"", "\"samples", 1)
                })
            }),
        ),
        (
            "path in manifest",
            "manifest.json",
            Box::new(|d| {
                edit(d, "manifest.json", |s| {
                    s.replacen("\"name\": \"model.json\"", "\"name\": \"../model.json\"", 1)
                })
            }),
        ),
        // Resealed forgeries: the checksums match, the contents must still agree.
        (
            "resealed weight code",
            "layer0_wcode.hex:1",
            Box::new(|d| {
                edit(d, "layer0_wcode.hex", flip_first_digit);
                reseal(d, "layer0_wcode.hex");
            }),
        ),
        (
            "resealed out-of-range bias",
            "layer0_bias.hex:1",
            Box::new(move |d| {
                let digits = acc_bits.div_ceil(4) as usize;
                let big = if acc_bits.is_multiple_of(4) {
                    "1".repeat(digits + 1)
                } else {
                    "f".repeat(digits)
                };
                edit(d, "layer0_bias.hex", |s| line(s, 1, &big));
                reseal(d, "layer0_bias.hex");
            }),
        ),
        (
            "resealed code table",
            "model.json",
            Box::new(|d| {
                edit(d, "model.json", |s| edit_first(s, "\"code_table\": ["));
                reseal(d, "model.json");
            }),
        ),
        (
            "resealed golden output",
            "layer0_act_out.hex:1",
            Box::new(|d| {
                edit(d, "layer0_act_out.hex", flip_first_digit);
                reseal(d, "layer0_act_out.hex");
            }),
        ),
    ];
    for (i, (what, names, corrupt)) in cases.iter().enumerate() {
        let dir: PathBuf = base.join(format!("bad{i}"));
        copy(&good, &dir);
        corrupt(&dir);
        let err = match load_export(&dir) {
            Ok(_) => panic!("{what}: the corrupted export was accepted"),
            Err(e) => e.to_string(),
        };
        assert!(err.contains(names), "{what}: `{err}` does not name {names}");
        // `potmac infer` refuses it too, with exit 2, before any tool runs.
        if i < 3 {
            for mode in [&["infer"][..], &["infer", "--per-layer"]] {
                let o = potmac()
                    .args(mode)
                    .arg("--out")
                    .arg(base.join("hdl"))
                    .arg(&dir)
                    .output()
                    .unwrap();
                let stderr = String::from_utf8_lossy(&o.stderr);
                assert_eq!(o.status.code(), Some(2), "{what} {mode:?}: {stderr}");
                assert!(stderr.contains(names), "{what} {mode:?}: {stderr}");
            }
        }
    }
}

#[test]
fn hex_fields_are_range_checked_with_their_line() {
    assert_eq!(parse_hex("f", "0\na\nf\n", 4, false).unwrap(), [0, 10, 15]);
    assert_eq!(parse_hex("f", "0f\n1ff\n", 9, true).unwrap(), [15, -1]);
    assert_eq!(parse_hex("f", "100\n", 9, true).unwrap(), [-256]);
    let e = parse_hex("f.hex", "00\n200\n", 9, true).unwrap_err();
    assert_eq!(e.to_string(), "f.hex:2: 200 does not fit the 9-bit field");
    for bad in ["0x1\n", "\n", "12g\n", "1 2\n", "0001\n"] {
        let e = parse_hex("f.hex", bad, 9, false).unwrap_err();
        assert_eq!(e.line, Some(1), "{bad:?}: {e}");
    }
}

/// Set (or, with `None`, remove) the manifest's `dataset` field. The manifest is not covered by
/// its own checksums, so this is a consistent edit.
fn set_dataset(dir: &Path, name: Option<&str>) {
    let mp = dir.join("manifest.json");
    let mut m: serde_json::Value = serde_json::from_slice(&fs::read(&mp).unwrap()).unwrap();
    let o = m.as_object_mut().unwrap();
    match name {
        Some(n) => o.insert("dataset".into(), n.into()),
        None => o.remove("dataset"),
    };
    fs::write(&mp, serde_json::to_string_pretty(&m).unwrap()).unwrap();
}

/// `potmac -q infer` on a small export with Icarus: (exit code, stdout + stderr).
fn infer(export: &Path, out: &Path) -> (Option<i32>, String) {
    let o = potmac()
        .args(["-q", "infer", "--array", "4x4:ws", "--sim", "icarus"])
        .args(["--samples", "4", "--batch", "4", "--out"])
        .arg(out)
        .arg(export)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&o.stdout).to_string() + &String::from_utf8_lossy(&o.stderr);
    (o.status.code(), text)
}

#[test]
fn the_export_names_its_data_set_and_infer_needs_no_report() {
    let base = scratch("export_dataset");
    let good = base.join("good");
    tiny_export(&good, "pot:4", "mlp");
    let m: serde_json::Value =
        serde_json::from_slice(&fs::read(good.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(m["dataset"], "digits", "{m}");
    assert_eq!(
        m["input_preprocessing"],
        DataSet::Digits.preprocessing(),
        "{m}"
    );
    let e = load_export(&good).unwrap();
    assert_eq!(e.dataset(), Ok(DataSet::Digits));

    // A model is refused for a data set it does not fit, before anything is written.
    let refused = base.join("refused");
    let err = write_export(&refused, &e.model, DataSet::FashionMnist, &[], &[], 3)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("1×8×8") && err.contains("fashion-mnist (1×28×28"),
        "{err}"
    );
    assert!(!refused.exists());

    // (a) `infer` reads the data set from the export: report.json is not needed.
    let norep = base.join("norep");
    copy(&good, &norep);
    fs::remove_file(norep.join("report.json")).unwrap();
    fs::remove_file(norep.join("report.md")).unwrap();
    if have(&[icarus::IVERILOG, icarus::VVP]) {
        let (code, text) = infer(&norep, &base.join("hdl_norep"));
        assert_eq!(code, Some(0), "{text}");
        assert!(text.contains("4/4 images"), "{text}");
    }

    // (b) A data set the model does not fit, and (c) one potmac does not know: input errors
    // (exit 2) naming the file and field, and nothing is generated.
    for (name, want) in [
        (
            "fashion-mnist",
            "the model (1×8×8 inputs, 10 classes) was not trained on fashion-mnist (1×28×28 inputs, 10 classes)",
        ),
        (
            "mnist",
            "`mnist` is not a data set potmac knows (digits, fashion-mnist)",
        ),
    ] {
        let bad = base.join(format!("bad_{name}"));
        copy(&good, &bad);
        set_dataset(&bad, Some(name));
        let err = load_export(&bad).unwrap_err().to_string();
        assert!(err.contains("manifest.json: field `dataset`: "), "{err}");
        assert!(err.contains(want), "{err}");
        let out = base.join(format!("hdl_{name}"));
        let (code, text) = infer(&bad, &out);
        assert_eq!(code, Some(2), "{text}");
        assert!(text.contains("manifest.json: field `dataset`"), "{text}");
        assert!(text.contains(want), "{text}");
        assert!(!text.contains("panicked"), "{text}");
        assert!(!out.exists(), "{name}: infer wrote {}", out.display());
    }

    // The recorded input preprocessing must be the one potmac applies to that data set (a
    // model trained on normalized inputs would silently see other inputs).
    let normalized = base.join("normalized");
    copy(&good, &normalized);
    let mp = normalized.join("manifest.json");
    let mut m: serde_json::Value = serde_json::from_slice(&fs::read(&mp).unwrap()).unwrap();
    m["input_preprocessing"] = "(x / 16 - 0.286) / 0.353".into();
    fs::write(&mp, serde_json::to_string_pretty(&m).unwrap()).unwrap();
    let err = load_export(&normalized).unwrap_err().to_string();
    assert!(
        err.contains("manifest.json: field `input_preprocessing`: `(x / 16 - 0.286) / 0.353`"),
        "{err}"
    );

    // An export written before the field existed: report.json's `dataset` stands in, checked
    // the same way; without either, the error names the missing field.
    let old = base.join("old");
    copy(&good, &old);
    set_dataset(&old, None);
    let e = load_export(&old).expect("an export without the field still loads");
    assert_eq!(e.dataset(), Ok(DataSet::Digits));
    edit(&old, "report.json", |s| {
        s.replace("\"dataset\": \"digits\"", "\"dataset\": \"fashion-mnist\"")
    });
    let err = e.dataset().unwrap_err().to_string();
    assert!(
        err.contains("report.json: field `dataset`: the model (1×8×8"),
        "{err}"
    );
    edit(&old, "report.json", |s| {
        s.replace("\"dataset\": \"fashion-mnist\"", "\"dataset\": \"cifar\"")
    });
    let err = e.dataset().unwrap_err().to_string();
    assert!(
        err.contains("report.json: field `dataset`: `cifar`"),
        "{err}"
    );
    fs::remove_file(old.join("report.json")).unwrap();
    let err = e.dataset().unwrap_err().to_string();
    assert!(
        err.contains("manifest.json: field `dataset` is missing") && err.contains("report.json"),
        "{err}"
    );
    let (code, text) = infer(&old, &base.join("hdl_old"));
    assert_eq!(code, Some(2), "{text}");
    assert!(text.contains("field `dataset` is missing"), "{text}");
}

/// Exports are written whole (issue 23): the model files and the report go into a hidden
/// sibling that replaces the folder by rename, under the folder's lock. Before, `qat` wrote
/// the model files into the folder and then the report, so a report that could not be written
/// (here: the old export's `report.json` is a folder, standing in for a kill or a full disk at
/// that moment) left the new model beside the old report; now the old export is replaced in
/// one step, and nothing of the staging is left behind.
#[test]
fn an_export_replaces_the_old_one_whole() {
    let base = scratch("export-whole");
    let out = base.join("run");
    tiny_export(&out, "pot:4", "mlp");
    let old_manifest = std::fs::read_to_string(out.join("manifest.json")).unwrap();
    std::fs::remove_file(out.join("report.json")).unwrap();
    std::fs::create_dir(out.join("report.json")).unwrap();
    tiny_export(&out, "uniform:4", "mlp");
    let manifest = std::fs::read_to_string(out.join("manifest.json")).unwrap();
    let report = std::fs::read_to_string(out.join("report.json")).unwrap();
    assert_ne!(manifest, old_manifest);
    assert!(manifest.contains("\"uniform\""), "{manifest}");
    assert!(
        report.contains("uniform:4"),
        "the report is the new run's: {report}"
    );
    let left: Vec<String> = std::fs::read_dir(&base)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "run" && n != ".run.lock")
        .collect();
    assert!(left.is_empty(), "staging left behind: {left:?}");
}
