//! Command-line behaviour: exit codes, missing tools, the bad-config corpus (each file fails
//! with an error naming its field and writes nothing), deterministic output.

mod common;

use common::{potmac, root, scratch};
use std::path::Path;

fn files_under(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(files_under(&p));
            } else {
                out.push(p.display().to_string());
            }
        }
    }
    out.sort();
    out
}

#[test]
fn usage_errors_exit_2() {
    let o = potmac().args(["sim"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    let o = potmac().args(["frobnicate"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    let o = potmac()
        .args(["generate", "no/such/file.yaml"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("no/such/file.yaml") && err.contains("cannot read"),
        "{err}"
    );
    let o = potmac().args(["--help"]).output().unwrap();
    assert_eq!(o.status.code(), Some(0));
}

/// `infer --per-layer` runs the export's golden samples on bare arrays: the flags it would
/// ignore (test images, batches, data set folder, reusing the accelerator folder) are usage
/// errors naming both flags, before the export is even read.
#[test]
fn per_layer_conflicts_with_the_flags_it_ignores() {
    let out = scratch("per-layer-conflicts");
    for (flag, value) in [
        ("--samples", Some("10")),
        ("--batch", Some("8")),
        ("--data-dir", Some("/tmp")),
        ("--no-generate", None),
    ] {
        let mut cmd = potmac();
        cmd.args(["infer", "no/such/export", "--per-layer", flag]);
        cmd.args(value);
        let o = cmd.arg("--out").arg(&*out).output().unwrap();
        assert_eq!(o.status.code(), Some(2), "{flag}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.contains("'--per-layer' cannot be used with") && err.contains(flag),
            "{flag}: {err}"
        );
        assert!(files_under(&out).is_empty(), "{flag}: wrote files");
    }
}

/// Every file under verification/bad/ names the field its error must mention in a first-line
/// comment `# expect: FIELD`.
#[test]
fn bad_config_corpus_fails_with_field_named_errors_and_writes_nothing() {
    let bad = root().join("verification/bad");
    let mut paths: Vec<_> = std::fs::read_dir(&bad)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    paths.sort();
    assert!(paths.len() >= 40, "only {} bad configs", paths.len());
    let good = root().join("verification/configs/paper/pot_w4a8.yaml");
    for p in paths {
        let text = std::fs::read_to_string(&p).unwrap();
        // One file starts with a byte-order mark (which the loader skips).
        let field = text
            .trim_start_matches('\u{feff}')
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("# expect: "))
            .unwrap_or_else(|| panic!("{}: first line must be `# expect: FIELD`", p.display()))
            .trim()
            .to_string();
        let out = scratch("bad_corpus");
        // A good config first: nothing may be written for it either.
        let o = potmac()
            .arg("generate")
            .arg("--out")
            .arg(&out)
            .arg(&good)
            .arg(&p)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{}: {err}", p.display());
        assert!(
            err.contains(&field),
            "{}: error does not name `{field}`: {err}",
            p.display()
        );
        assert!(
            err.contains(&p.display().to_string()),
            "{}: {err}",
            p.display()
        );
        assert!(
            files_under(&out).is_empty(),
            "{}: wrote {:?}",
            p.display(),
            files_under(&out)
        );
    }
}

#[test]
fn missing_simulator_names_the_package_and_exits_2() {
    let out = scratch("missing_tool");
    let empty = scratch("empty_path");
    let o = potmac()
        .env("PATH", &empty)
        .args(["sim", "--sim", "verilator", "--out"])
        .arg(&out)
        .arg(root().join("verification/configs/paper/pot_w4a8.yaml"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("apt-get install -y verilator"), "{err}");
    assert!(files_under(&out).is_empty());
    let o = potmac()
        .env("PATH", &empty)
        .args(["synth", "--out"])
        .arg(&out)
        .arg(root().join("verification/configs/paper/pot_w4a8.yaml"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("install the Debian package `yosys`"), "{err}");
}

#[test]
fn generate_is_deterministic_and_has_no_absolute_paths() {
    let a = scratch("det_a");
    let b = scratch("det_b");
    for out in [&a, &b] {
        let o = potmac()
            .arg("generate")
            .arg("--out")
            .arg(out)
            .args(["--vectors", "100"])
            .arg(root().join("verification/configs/paper/apot_w4a8.yaml"))
            .output()
            .unwrap();
        assert!(o.status.success());
    }
    let fa = files_under(&a.join("apot_w4a8"));
    assert!(fa.len() >= 10);
    for f in fa {
        let rel = Path::new(&f).strip_prefix(&a).unwrap();
        let x = std::fs::read_to_string(&f).unwrap();
        let y = std::fs::read_to_string(b.join(rel)).unwrap();
        assert_eq!(x, y, "{}", rel.display());
        assert!(!x.contains(&*root().to_string_lossy()), "{}", rel.display());
        assert!(
            !x.contains("/tmp/") && !x.contains("/work/"),
            "{}",
            rel.display()
        );
    }
}

/// Error messages never embed their cause and the binary prints the chain once: a missing
/// config names the file, says it cannot be read, and gives the OS reason exactly once.
#[test]
fn a_missing_config_prints_its_cause_once() {
    let o = potmac()
        .args(["generate", "no/such/config.yaml"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    // The OS reason, as the standard library words it on this platform.
    let cause = std::fs::read("no/such/config.yaml")
        .unwrap_err()
        .to_string();
    assert_eq!(err.matches(&cause).count(), 1, "{cause}: {err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("error: no/such/config.yaml: cannot read: "),
        "{err}"
    );
}

/// A CNN whose stages shrink the images below one pixel is a usage error before any data is
/// read: 5×5 stride-2 convolutions, each pooled, take the 8×8 digits to 4×4, 2×2, then 1×1
/// and 0×0 at the second of the default two stages. The message names the flags, the stage
/// and the ways out; nothing is written.
#[test]
fn a_cnn_that_shrinks_below_one_pixel_is_a_usage_error_naming_the_flags() {
    let out = scratch("cnn-below-one-pixel");
    let o = potmac()
        .args([
            "qat",
            "--dataset",
            "digits",
            "--model",
            "cnn",
            "--kernel",
            "5",
            "--stride",
            "2",
            "--hidden",
            "32",
            "--out",
        ])
        .arg(&*out)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert_eq!(
        err.trim_end(),
        "error: --channels 8,16 (the default) --kernel 5 --stride 2 --padding same: the 8x8 \
         digits images do not fit: convolution stage 2 of 2, on a 2×2 map: a 5×5 convolution \
         with stride 2 and padding 2, gives 1×1, which the 2×2 max-pool shrinks below one \
         pixel; use fewer --channels stages (at most 1 fit with these flags), --stride 1 or \
         --no-pool"
    );
    assert!(files_under(&out).is_empty(), "wrote files");
    // The convolution flags shape a CNN: with the MLP they are errors, not ignored.
    for flag in [
        &["--kernel", "5"][..],
        &["--stride", "2"],
        &["--padding", "none"],
        &["--no-pool"],
    ] {
        let o = potmac()
            .arg("qat")
            .args(flag)
            .arg("--out")
            .arg(&*out)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{flag:?}: {err}");
        assert!(
            err.contains(flag[0]) && err.contains("--model cnn"),
            "{flag:?}: {err}"
        );
    }
    assert!(files_under(&out).is_empty(), "wrote files");
}
