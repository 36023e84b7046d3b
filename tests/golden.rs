//! Golden snapshots of everything `potmac generate` writes for the four paper configs (RTL,
//! testbench, vectors, Makefile, scripts, format.json), and of a ws array, an os array, a ws
//! accelerator and an os accelerator ([`SYSTEMS`], without the verbatim cocotb copies and the
//! large vector files), committed under `verification/golden/<name>/`. Runs without EDA
//! tools. After an intended change, re-bless with `POTMAC_BLESS=1 cargo test --test golden`
//! and review the diff.

mod common;

use common::{design, root};
use potmac::emit::{self, Options};
use std::collections::BTreeMap;
use std::path::Path;

const PAPER: [&str; 4] = ["uniform_w8a8", "uniform_w4a8", "pot_w4a8", "apot_w4a8"];

/// The options the snapshots were taken with.
const OPTS: Options = Options {
    vectors: 200,
    seed: 1,
};

fn read_tree(dir: &Path, prefix: &str, out: &mut BTreeMap<String, String>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        let name = format!("{prefix}{}", e.file_name().to_string_lossy());
        if p.is_dir() {
            read_tree(&p, &format!("{name}/"), out);
        } else {
            out.insert(name, std::fs::read_to_string(&p).unwrap());
        }
    }
}

#[test]
fn paper_designs_match_their_golden_snapshots() {
    let bless = std::env::var_os("POTMAC_BLESS").is_some();
    let golden = root().join("verification/golden");
    for name in PAPER {
        let yaml =
            std::fs::read_to_string(root().join(format!("verification/configs/paper/{name}.yaml")))
                .unwrap();
        let b = emit::bundle(&design(&yaml), &OPTS).unwrap();
        if bless {
            emit::write(&b, &golden).unwrap();
            continue;
        }
        check(name, &b.files, &golden.join(name));
    }
}

/// Arrays and accelerators, one per dataflow: committed configs under `verification/configs/`.
const SYSTEMS: [&str; 6] = [
    "arrays/pot_w4a8_ws8x8",
    "arrays/pot_w4a8_os8x8",
    "accel/pot_w4a8_accel8x8",
    "accel/pot_w4a8_accel8x8_os",
    "accel/pot_w4a8_cnn8x8",
    "accel/pot_w4a8_cnn8x8_os",
];

/// Vector files larger than this are left out of the system snapshots (they are the golden
/// model's output, checked by simulation, and would make the snapshots megabytes).
const MAX_VECTOR_BYTES: usize = 64 * 1024;

/// The files of a system folder that are snapshotted: everything but the cocotb files
/// (verbatim copies of `templates/project/cocotb/*`) and large vector files.
fn snapshotted(path: &str, text: &str) -> bool {
    !path.starts_with("cocotb/")
        && (!path.starts_with("vectors/") || text.len() <= MAX_VECTOR_BYTES)
}

#[test]
fn arrays_and_accelerators_match_their_golden_snapshots() {
    let bless = std::env::var_os("POTMAC_BLESS").is_some();
    let golden = root().join("verification/golden");
    for config in SYSTEMS {
        let yaml =
            std::fs::read_to_string(root().join(format!("verification/configs/{config}.yaml")))
                .unwrap();
        let b = emit::bundle(&design(&yaml), &OPTS).unwrap();
        let files: BTreeMap<String, String> = b
            .files
            .into_iter()
            .filter(|(p, t)| snapshotted(p, t))
            .collect();
        assert!(
            files.keys().any(|p| p.starts_with("rtl/"))
                && files.keys().any(|p| p.starts_with("tb/"))
                && files.contains_key("Makefile"),
            "{config}: RTL, testbench or Makefile missing from the snapshot"
        );
        let dir = golden.join(&b.name);
        if bless {
            if dir.exists() {
                std::fs::remove_dir_all(&dir).unwrap();
            }
            for (path, text) in &files {
                let p = dir.join(path);
                std::fs::create_dir_all(p.parent().unwrap()).unwrap();
                std::fs::write(p, text).unwrap();
            }
            continue;
        }
        check(&b.name, &files, &dir);
    }
}

/// Compare rendered files with the snapshot folder `dir`: the same names, the same texts.
fn check(name: &str, files: &BTreeMap<String, String>, dir: &Path) {
    let mut want = BTreeMap::new();
    read_tree(dir, "", &mut want);
    let got_names: Vec<_> = files.keys().collect();
    let want_names: Vec<_> = want.keys().collect();
    assert_eq!(got_names, want_names, "{name}: file list changed");
    let mut failures = Vec::new();
    for (path, text) in files {
        if text != &want[path] {
            failures.push(format!(
                "{name}/{path} differs from its golden snapshot:\n{}",
                diff(&want[path], text)
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{}\nif intended, run POTMAC_BLESS=1 cargo test --test golden and review the diff",
        failures.join("\n")
    );
}

/// A unified diff (golden → generated) with three lines of context, cut after 80 lines.
fn diff(golden: &str, got: &str) -> String {
    let d = similar::TextDiff::from_lines(golden, got);
    let text = d
        .unified_diff()
        .context_radius(3)
        .header("golden", "generated")
        .to_string();
    let lines: Vec<&str> = text.lines().collect();
    if lines.len() > 80 {
        format!(
            "{}\n... ({} more diff lines)",
            lines[..80].join("\n"),
            lines.len() - 80
        )
    } else {
        text
    }
}

/// The snapshots are more than self-consistent: hand-checked facts about them.
#[test]
fn golden_snapshots_hold_hand_checked_facts() {
    let g = root().join("verification/golden");
    let pot = std::fs::read_to_string(g.join("pot_w4a8/rtl/pot_w4a8_mac.v")).unwrap();
    assert!(pot.contains("generated by potmac"));
    assert!(pot.contains("do not edit"));
    assert!(pot.contains("localparam integer AccWidth    = 23;"));
    assert!(pot.contains("(x ^ {AccWidth{w_sign}}) + {{(AccWidth-1){1'b0}}, w_sign}"));
    assert!(
        !code_of(&pot).contains(" * "),
        "the PoT MAC must not multiply"
    );
    let apot = std::fs::read_to_string(g.join("apot_w4a8/rtl/apot_w4a8_mac.v")).unwrap();
    assert!(
        !code_of(&apot).contains(" * "),
        "the APoT MAC must not multiply"
    );
    let uni = std::fs::read_to_string(g.join("uniform_w8a8/rtl/uniform_w8a8_mac.v")).unwrap();
    assert!(code_of(&uni).contains("act_p * w_p"));
    // format.json: code 0b1011 of PoT W4 is -2^3.
    let f: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(g.join("pot_w4a8/format.json")).unwrap())
            .unwrap();
    assert_eq!(f["format"], "pot");
    assert_eq!(f["codes"][11]["value"], -8);
    assert_eq!(f["codes"][7]["value"], 0);
    // The first directed vector: code 0 (+1) × act min (0) → 0; the second: × 255 → 255.
    let exp = std::fs::read_to_string(g.join("pot_w4a8/vectors/expect.hex")).unwrap();
    let first: Vec<&str> = exp.lines().take(2).collect();
    assert_eq!(first, ["000000", "0000ff"]);
}

/// Verilog text without `//` comments.
fn code_of(v: &str) -> String {
    v.lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Port lists and instance connections line up at any size: in every generated Verilog file of
/// 1×1, 8×8 and 16×2 arrays (both dataflows, two formats) and of the paper MACs, each port
/// list's names start in one column, and each instance's `(` connections open in one column.
#[test]
fn columns_align_at_1x1_8x8_and_16x2() {
    let mut yamls: Vec<String> = PAPER
        .iter()
        .map(|n| {
            std::fs::read_to_string(root().join(format!("verification/configs/paper/{n}.yaml")))
                .unwrap()
        })
        .collect();
    for (r, c) in [(1, 1), (8, 8), (16, 2)] {
        for df in ["ws", "os"] {
            for w in ["{format: pot, bits: 4}", "{format: uniform, bits: 8}"] {
                yamls.push(format!(
                    "name: a{r}x{c}{df}\nweights: {w}\nactivations: {{bits: 8, signed: true}}\n\
                     max_dot_length: 300\narray: {{rows: {r}, cols: {c}, dataflow: {df}}}\n"
                ));
            }
        }
    }
    let opts = Options {
        vectors: 0,
        seed: 1,
    };
    let mut checked = 0;
    for y in &yamls {
        let b = emit::bundle(&design(y), &opts).unwrap();
        for (path, text) in b.files.iter().filter(|(p, _)| p.ends_with(".v")) {
            let mut ports: Vec<usize> = Vec::new();
            let mut conns: Vec<usize> = Vec::new();
            for line in text.lines() {
                let t = line.trim_start();
                if t.starts_with("input ") || t.starts_with("output ") {
                    let name = t.split_whitespace().last().unwrap();
                    ports.push(line.rfind(name).unwrap());
                } else if t.starts_with(");") {
                    assert!(
                        ports.windows(2).all(|w| w[0] == w[1]),
                        "{}/{path}: port names not aligned: {ports:?}",
                        b.name
                    );
                    assert!(
                        conns.windows(2).all(|w| w[0] == w[1]),
                        "{}/{path}: connections not aligned: {conns:?}",
                        b.name
                    );
                    checked += ports.len() + conns.len();
                    ports.clear();
                    conns.clear();
                } else if t.starts_with('.') && t.contains(" (") {
                    conns.push(line.find('(').unwrap());
                }
            }
        }
    }
    assert!(checked > 500, "only {checked} lines checked");
}
