//! Layering: the library's modules import each other without cycles.
//!
//! The test reads every file under `src/` (except the binary's `main.rs`) and collects its
//! references to other modules of the crate: the paths of `use` declarations and every
//! `crate::…`, `super::…` and `self::…` path in the code (and, in a `mod.rs`, paths through
//! its own submodules). Comments, string and char literals and `#[cfg(test)]` items (unit
//! tests may reach anywhere, `use super::*` included) are skipped. A path that names an item
//! re-exported by a `pub use` counts as a reference to the module it names and to every module
//! along the re-exports down to the one that defines it (`crate::hw::array::Gemm` →
//! `hw::array` and `hw::array::gemm`), so a circle through a re-export is still a circle.
//!
//! For every module with submodules in files (the crate root, `hw`, `hw::array`, `model`,
//! `train`, `flow`, …) it builds the graph "child A refers to something in child B" and asserts
//! it is acyclic, printing the cycle and the line behind each edge when it is not. References
//! between a module and its own `mod.rs` (shared helpers, re-exports) are not edges of that
//! graph. It also checks the floors of the top level ([`FLOORS`]: no module imports a module
//! on a higher floor) and fixed facts: nothing in the library imports `cli`, `widths` uses
//! nothing but `quant`, and `model` (the trained-model contract) uses only `quant`, `widths`,
//! `rng`, `progress`, `fsread`, `config` and `hw`.

mod scan;

use scan::{parse, ModPath, Parsed};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The floors of the crate's top-level modules, bottom up. A module may import modules on
/// its own floor (without cycles, see `no_import_cycles`) and on the floors below, never one
/// on a higher floor. Every top-level module of `src/` must be on a floor; a module listed
/// here may be absent (the table names the crate's layout as it is being moved into it).
///
/// - vocabulary: number formats, widths, configurations; no external programs;
/// - models: the bit-exact golden models of the hardware (`hw`) and the trained-model
///   contract (`model`: the integer network, its export, its lowering to GEMMs);
/// - engines: RTL emission, tool runners, power, training, the accelerator's program and
///   testbench driver (`infer`);
/// - flows: each workflow as a library call, and sweeps over them;
/// - porch: the command line, which nothing in the library imports.
const FLOORS: &[(&str, &[&str])] = &[
    (
        "vocabulary",
        &["quant", "rng", "progress", "widths", "fsread", "config"],
    ),
    ("models", &["hw", "model"]),
    ("engines", &["emit", "tools", "power", "train", "infer"]),
    ("flows", &["flow", "sweep"]),
    ("porch", &["cli"]),
];

/// An edge of a graph and the reference behind it.
#[derive(Debug, Clone)]
struct Evidence {
    file: String,
    line: usize,
    path: String,
}

/// Dependency graphs: for each module with file submodules, child → child → one reference.
type Graphs = BTreeMap<ModPath, BTreeMap<String, BTreeMap<String, Evidence>>>;

struct Crate {
    known: BTreeSet<ModPath>,
    /// Module → name it re-exports → (module, item) it refers to.
    reexports: BTreeMap<ModPath, BTreeMap<String, (ModPath, Option<String>)>>,
}

impl Crate {
    /// The module a path names, and the first segment after it (an item, `self` or `*`).
    fn resolve(&self, scope: &[String], segs: &[String]) -> Option<(ModPath, Option<String>)> {
        let first = segs.first()?;
        let (mut base, mut rest): (ModPath, &[String]) = match first.as_str() {
            "crate" => (Vec::new(), &segs[1..]),
            "self" => (scope.to_vec(), &segs[1..]),
            "super" => {
                let ups = segs.iter().take_while(|s| *s == "super").count();
                (
                    scope[..scope.len().checked_sub(ups)?].to_vec(),
                    &segs[ups..],
                )
            }
            name => {
                let mut child = scope.to_vec();
                child.push(name.to_string());
                if !self.known.contains(&child) {
                    return None;
                }
                (child, &segs[1..])
            }
        };
        while let Some(s) = rest.first() {
            let mut next = base.clone();
            next.push(s.clone());
            if !self.known.contains(&next) {
                return Some((base, Some(s.clone())));
            }
            base = next;
            rest = &rest[1..];
        }
        Some((base, None))
    }

    /// The modules a path refers to: the module it names and, when the item is re-exported
    /// there, every module along the chain of re-exports down to the defining one. A path
    /// through a re-export depends on the re-exporting module as much as on the defining one
    /// (remove the `pub use` and the path breaks), so both are edges.
    fn targets(&self, scope: &[String], segs: &[String]) -> Vec<ModPath> {
        let Some((mut m, mut item)) = self.resolve(scope, segs) else {
            return Vec::new();
        };
        let mut out = vec![m.clone()];
        for _ in 0..16 {
            let Some(next) = item
                .as_ref()
                .and_then(|name| self.reexports.get(&m)?.get(name))
            else {
                break;
            };
            (m, item) = next.clone();
            if !out.contains(&m) {
                out.push(m.clone());
            }
        }
        out
    }
}

/// Build the graphs from `(path under src/, text)` pairs.
fn graphs(files: &[(String, String)]) -> Graphs {
    let parsed: Vec<Parsed> = files.iter().map(|(f, s)| parse(f, s)).collect();
    let mut known = BTreeSet::new();
    for p in &parsed {
        for k in 0..=p.module.len() {
            known.insert(p.module[..k].to_vec());
        }
    }
    let file_mods = known.clone();
    known.extend(parsed.iter().flat_map(|p| p.inline_mods.iter().cloned()));
    let test_only: Vec<ModPath> = parsed
        .iter()
        .flat_map(|p| p.test_only_mods.iter().cloned())
        .collect();
    let mut c = Crate {
        known,
        reexports: BTreeMap::new(),
    };
    let mut reexports: BTreeMap<ModPath, BTreeMap<String, (ModPath, Option<String>)>> =
        BTreeMap::new();
    for p in &parsed {
        for r in p.refs.iter().filter(|r| r.is_pub) {
            for u in &r.uses {
                let Some((m, item)) = c.resolve(&r.scope, &u.segs) else {
                    continue;
                };
                let item = item.filter(|i| i != "self");
                let name = u
                    .alias
                    .clone()
                    .or_else(|| item.clone())
                    .or_else(|| m.last().cloned());
                if let Some(name) = name.filter(|n| n != "*" && n != "_") {
                    let entry = (m, item);
                    reexports
                        .entry(r.scope.clone())
                        .or_default()
                        .insert(name, entry);
                }
            }
        }
    }
    c.reexports = reexports;
    let parents: Vec<ModPath> = file_mods
        .iter()
        .filter(|m| {
            file_mods
                .iter()
                .any(|k| k.len() == m.len() + 1 && k.starts_with(m))
        })
        .cloned()
        .collect();
    let mut g: Graphs = parents
        .iter()
        .map(|p| (p.clone(), BTreeMap::new()))
        .collect();
    for p in &parsed {
        if test_only.iter().any(|t| p.module.starts_with(t)) {
            continue;
        }
        for r in &p.refs {
            for u in &r.uses {
                for t in c.targets(&r.scope, &u.segs) {
                    for parent in &parents {
                        let n = parent.len();
                        let under = |m: &ModPath| m.len() > n && m.starts_with(parent);
                        if under(&r.scope) && under(&t) && r.scope[n] != t[n] {
                            g.get_mut(parent)
                                .unwrap()
                                .entry(r.scope[n].clone())
                                .or_default()
                                .entry(t[n].clone())
                                .or_insert_with(|| Evidence {
                                    file: p.file.clone(),
                                    line: r.line,
                                    path: u.segs.join("::"),
                                });
                        }
                    }
                }
            }
        }
    }
    g
}

/// A cycle of a graph, as its nodes with the first repeated at the end.
fn find_cycle(g: &BTreeMap<String, BTreeMap<String, Evidence>>) -> Option<Vec<String>> {
    fn dfs(
        g: &BTreeMap<String, BTreeMap<String, Evidence>>,
        n: &str,
        state: &mut BTreeMap<String, u8>,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        state.insert(n.to_string(), 1);
        path.push(n.to_string());
        for m in g.get(n).into_iter().flat_map(|e| e.keys()) {
            match state.get(m.as_str()).copied().unwrap_or(0) {
                1 => {
                    let at = path.iter().position(|p| p == m).unwrap();
                    let mut cycle = path[at..].to_vec();
                    cycle.push(m.clone());
                    return Some(cycle);
                }
                0 => {
                    if let Some(c) = dfs(g, m, state, path) {
                        return Some(c);
                    }
                }
                _ => {}
            }
        }
        path.pop();
        state.insert(n.to_string(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for n in g.keys() {
        if !state.contains_key(n) {
            if let Some(c) = dfs(g, n, &mut state, &mut Vec::new()) {
                return Some(c);
            }
        }
    }
    None
}

/// Every cycle problem of `g`, one line per graph with a cycle.
fn cycles(g: &Graphs) -> Vec<String> {
    let mut errs = Vec::new();
    for (parent, edges) in g {
        if let Some(cycle) = find_cycle(edges) {
            let name = if parent.is_empty() {
                "crate".to_string()
            } else {
                parent.join("::")
            };
            let mut msg = format!(
                "import cycle among the submodules of `{name}`: {}",
                cycle.join(" -> ")
            );
            for w in cycle.windows(2) {
                let e = &edges[&w[0]][&w[1]];
                msg += &format!(
                    "\n  {} -> {}: {}:{}: {}",
                    w[0], w[1], e.file, e.line, e.path
                );
            }
            errs.push(msg);
        }
    }
    errs
}

/// Every import of the top-level graph `top` that climbs to a higher floor of `floors`, and
/// every module of `modules` that is on no floor.
fn floor_violations(
    top: &BTreeMap<String, BTreeMap<String, Evidence>>,
    modules: &BTreeSet<String>,
    floors: &[(&str, &[&str])],
) -> Vec<String> {
    let floor = |m: &str| floors.iter().position(|(_, ms)| ms.contains(&m));
    let mut errs: Vec<String> = modules
        .iter()
        .filter(|m| floor(m).is_none())
        .map(|m| format!("top-level module `{m}` is on no floor of the floor table"))
        .collect();
    for (from, to) in top {
        let Some(f) = floor(from) else { continue };
        for (to, e) in to {
            match floor(to) {
                Some(t) if t > f => errs.push(format!(
                    "`{from}` (floor {}, {}) imports `{to}` (floor {}, {}), a higher floor: \
                     {}:{}: {}",
                    f + 1,
                    floors[f].0,
                    t + 1,
                    floors[t].0,
                    e.file,
                    e.line,
                    e.path
                )),
                _ => {}
            }
        }
    }
    errs
}

/// The top-level modules of the files: `rng` for `rng.rs`, `emit` for `emit/…`.
fn top_modules(files: &[(String, String)]) -> BTreeSet<String> {
    files
        .iter()
        .filter(|(f, _)| f != "lib.rs")
        .map(|(f, _)| {
            let first = f.split('/').next().unwrap();
            first.strip_suffix(".rs").unwrap_or(first).to_string()
        })
        .collect()
}

fn read_src(dir: &Path, prefix: &str, out: &mut Vec<(String, String)>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let name = format!("{prefix}{}", e.file_name().to_string_lossy());
        let p = e.path();
        if p.is_dir() {
            read_src(&p, &format!("{name}/"), out);
        } else if name.ends_with(".rs") && name != "main.rs" && !name.starts_with("bin/") {
            out.push((name, std::fs::read_to_string(&p).unwrap()));
        }
    }
}

fn crate_files() -> Vec<(String, String)> {
    let mut files = Vec::new();
    read_src(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        "",
        &mut files,
    );
    assert!(
        files.iter().any(|(f, _)| f == "lib.rs"),
        "src/lib.rs not found"
    );
    files
}

fn crate_graphs() -> Graphs {
    graphs(&crate_files())
}

#[test]
fn no_module_imports_a_higher_floor() {
    let files = crate_files();
    let modules = top_modules(&files);
    for m in ["quant", "emit", "cli"] {
        assert!(
            modules.contains(m),
            "no top-level module `{m}`: {modules:?}"
        );
    }
    let errs = floor_violations(&graphs(&files)[&Vec::new()], &modules, FLOORS);
    assert!(errs.is_empty(), "{}", errs.join("\n"));
}

/// The floor check itself, on a small made-up crate: an upward import and a module on no
/// floor are caught, imports on one floor and downward are not.
#[test]
fn floor_check_rejects_a_planted_upward_import() {
    let floors: &[(&str, &[&str])] = &[("low", &["a", "b"]), ("high", &["c"])];
    let files = |a: &str| {
        vec![
            (
                "lib.rs".to_string(),
                "pub mod a;\npub mod b;\npub mod c;\n".to_string(),
            ),
            (
                "a.rs".to_string(),
                format!("use crate::b::B;\npub struct A;\n{a}"),
            ),
            ("b.rs".to_string(), "pub struct B;\n".to_string()),
            (
                "c/mod.rs".to_string(),
                "mod inner;\npub use inner::C;\nuse crate::a::A;\n".to_string(),
            ),
            ("c/inner.rs".to_string(), "pub struct C;\n".to_string()),
        ]
    };
    let check =
        |f: &[(String, String)]| floor_violations(&graphs(f)[&Vec::new()], &top_modules(f), floors);
    let ok = files("");
    assert_eq!(
        top_modules(&ok).into_iter().collect::<Vec<_>>(),
        ["a", "b", "c"]
    );
    assert!(check(&ok).is_empty(), "{:?}", check(&ok));
    for planted in ["fn f() { crate::c::C; }", "use crate::c::inner::C as D;"] {
        let errs = check(&files(planted));
        assert_eq!(errs.len(), 1, "{planted}: {errs:?}");
        assert!(
            errs[0].starts_with("`a` (floor 1, low) imports `c` (floor 2, high)")
                && errs[0].contains("a.rs:3"),
            "{}",
            errs[0]
        );
    }
    let mut stray = files("");
    stray.push(("d.rs".to_string(), "pub struct D;\n".to_string()));
    assert_eq!(
        check(&stray),
        ["top-level module `d` is on no floor of the floor table"]
    );
}

#[test]
fn no_import_cycles() {
    let g = crate_graphs();
    for parent in [
        &[][..],
        &["hw".to_string()][..],
        &["emit".to_string()][..],
        &["model".to_string()][..],
        &["train".to_string()][..],
        &["flow".to_string()][..],
    ] {
        assert!(g.contains_key(parent), "no graph for {parent:?}");
    }
    let errs = cycles(&g);
    assert!(errs.is_empty(), "{}", errs.join("\n"));
}

#[test]
fn cli_is_the_top_and_widths_sits_on_quant() {
    let g = crate_graphs();
    let top = &g[&Vec::new()];
    for (from, to) in top {
        if let Some(e) = to.get("cli") {
            panic!(
                "`{from}` imports `cli` ({}:{}: {}); only main.rs may",
                e.file, e.line, e.path
            );
        }
    }
    let widths: Vec<&String> = top
        .get("widths")
        .into_iter()
        .flat_map(|e| e.keys())
        .collect();
    assert_eq!(widths, ["quant"], "widths must depend on quant only");
    assert!(
        top.get("quant").is_none_or(|e| e.is_empty()),
        "quant must not import: {:?}",
        top.get("quant")
    );
}

/// `model` is the trained-model contract below every flow: it uses the vocabulary and the
/// golden models, never the training engine or anything above it.
#[test]
fn model_sits_below_training_and_the_flows() {
    let g = crate_graphs();
    let uses: Vec<&String> = g[&Vec::new()]
        .get("model")
        .into_iter()
        .flat_map(|e| e.keys())
        .collect();
    let allowed = [
        "config", "fsread", "hw", "progress", "quant", "rng", "widths",
    ];
    for m in &uses {
        let e = &g[&Vec::new()]["model"][*m];
        assert!(
            allowed.contains(&m.as_str()),
            "`model` imports `{m}` ({}:{}: {}); it may use only {allowed:?}",
            e.file,
            e.line,
            e.path
        );
    }
}

/// The checker itself, on small made-up crates.
#[test]
fn checker_finds_planted_cycles_and_nothing_else() {
    let files = |extra_a: &str| {
        vec![
            ("lib.rs".to_string(), "pub mod h;\npub mod top;\n".to_string()),
            (
                "h/mod.rs".to_string(),
                "mod a;\nmod b;\npub use a::Thing;\npub fn helper() {}\n".to_string(),
            ),
            (
                "h/a.rs".to_string(),
                format!(
                    "//! Docs naming crate::h::b::g.\nuse super::helper;\npub struct Thing;\n\
                     const S: &str = \"crate::h::b\"; const C: char = '{{';\n\
                     #[cfg(test)]\nmod tests {{ use super::*; fn t() {{ crate::h::b::g(); }} }}\n{extra_a}"
                ),
            ),
            (
                "h/b.rs".to_string(),
                "use super::Thing;\npub fn g() -> Thing { Thing }\n".to_string(),
            ),
            ("top.rs".to_string(), "use crate::h;\nfn f() { h::helper(); }\n".to_string()),
        ]
    };
    // b -> a through the re-export; a's references to b sit in comments, strings and tests.
    let g = graphs(&files(""));
    let h = &g[&vec!["h".to_string()]];
    assert_eq!(h.keys().collect::<Vec<_>>(), ["b"]);
    assert_eq!(h["b"].keys().collect::<Vec<_>>(), ["a"]);
    assert_eq!(g[&Vec::new()]["top"].keys().collect::<Vec<_>>(), ["h"]);
    assert!(cycles(&g).is_empty(), "{:?}", cycles(&g));
    // One real reference from a to b closes the cycle, however it is written.
    for extra in [
        "fn f() { crate::h::b::g(); }",
        "use super::b::g;",
        "use crate::h::{b::{self}, Thing as T};",
        "pub(crate) fn f() -> super::super::h::b::Unknown { todo!() }",
    ] {
        let errs = cycles(&graphs(&files(extra)));
        assert_eq!(errs.len(), 1, "{extra}: {errs:?}");
        assert!(
            errs[0].contains("`h`: a -> b -> a") || errs[0].contains("`h`: b -> a -> b"),
            "{}",
            errs[0]
        );
        assert!(errs[0].contains("h/a.rs:7"), "{}", errs[0]);
    }
    // And across top-level modules.
    let mut f = files("");
    f[2].1 += "fn f() { crate::top::x(); }\n";
    let errs = cycles(&graphs(&f));
    assert!(
        errs.iter()
            .any(|e| e.contains("`crate`") && e.contains("h -> top")),
        "{errs:?}"
    );
}

/// The emit circle of 0e15c48 in small: `p` names `super::f::S`, which `f` re-exports from
/// the top-level `t`. Resolved to its definition only, that path is an edge `h -> t` and the
/// circle `f -> m -> p -> f` inside `h` is invisible; counted also as `p -> f`, it is found.
#[test]
fn checker_sees_cycles_through_reexports() {
    let files = vec![
        ("lib.rs".to_string(), "pub mod h;\npub mod t;\n".to_string()),
        (
            "h/mod.rs".to_string(),
            "mod f;\nmod m;\nmod p;\n".to_string(),
        ),
        (
            "h/f.rs".to_string(),
            "pub use crate::t::S;\nuse super::m::V;\n".to_string(),
        ),
        (
            "h/m.rs".to_string(),
            "pub struct V;\nuse super::p;\n".to_string(),
        ),
        (
            "h/p.rs".to_string(),
            "fn x() -> &'static str { super::f::S }\n".to_string(),
        ),
        (
            "t.rs".to_string(),
            "pub const S: &str = \"\";\n".to_string(),
        ),
    ];
    let g = graphs(&files);
    assert_eq!(g[&Vec::new()]["h"].keys().collect::<Vec<_>>(), ["t"]);
    let errs = cycles(&g);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(
        errs[0].contains("`h`: f -> m -> p -> f") && errs[0].contains("h/p.rs:1: super::f::S"),
        "{}",
        errs[0]
    );
}
