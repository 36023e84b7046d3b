//! Random and mutated YAML documents for the config loader: shared by the property test
//! (`tests/config_fuzz.rs`) and the timed fuzz driver (`examples/fuzz_config.rs`).
//!
//! Mutations work on the committed good configs: delete, duplicate or swap characters and
//! lines, insert YAML syntax, replace numbers with extremes and values with nulls; fully random
//! documents are strings of YAML tokens.

use potmac::config::{ConfigError, Design};
use potmac::rng::Rng;
use std::path::{Path, PathBuf};

/// YAML syntax and other troublemakers, inserted at random places.
const SYNTAX: &[&str] = &[
    "[",
    "]",
    "{",
    "}",
    ":",
    ": ",
    ",",
    "- ",
    "? ",
    "&a ",
    "*a",
    "!!str ",
    "!!int ",
    "!!binary ",
    "!custom ",
    "|",
    ">",
    "\"",
    "'",
    "#",
    "\t",
    "\n",
    "\n  ",
    "---\n",
    "...\n",
    "%YAML 1.2\n",
    "%TAG ! tag:x:\n",
    "null",
    "~",
    "\u{feff}",
    "<<: *a\n",
    "\\",
    "\r\n",
    "\0",
    "é",
    "\u{202e}",
    "name: y\n",
    "array: {rows: 2, cols: 2, dataflow: os}\n",
    "weights:\n",
    "  bits: 4\n",
    "{a: [b, {c: d}]}",
    "&x [*x]",
    "[[[[[[[[",
    "]]]]]]]]",
    "\"\\u0000\"",
    "'''",
    "0x",
    "-",
];

/// Numbers at and past every limit the loader has (u32, u64, i64, floats, YAML forms).
const NUMBERS: &[&str] = &[
    "0",
    "-0",
    "1",
    "-1",
    "2",
    "16",
    "17",
    "63",
    "64",
    "65",
    "65536",
    "65537",
    "2147483647",
    "2147483648",
    "4294967295",
    "4294967296",
    "-4294967296",
    "9223372036854775807",
    "9223372036854775808",
    "18446744073709551615",
    "18446744073709551616",
    "340282366920938463463374607431768211456",
    "1e309",
    "-1e309",
    "1.5",
    ".nan",
    ".inf",
    "-.inf",
    "0x10",
    "0o17",
    "0b101",
    "1_000",
    "+7",
    "007",
    "1e3",
];

/// Values that say "nothing".
const NULLS: &[&str] = &["null", "~", "", "Null", "NULL", "''", "\"\"", "[]", "{}"];

/// Tokens of fully random documents.
const TOKENS: &[&str] = &[
    "name",
    "weights",
    "activations",
    "max_dot_length",
    "accumulator_bits",
    "array",
    "format",
    "bits",
    "zero",
    "signed",
    "rows",
    "cols",
    "dataflow",
    "pot",
    "apot",
    "uniform",
    "code",
    "none",
    "ws",
    "os",
    "true",
    "false",
    "x",
    ": ",
    "\n",
    "\n  ",
    "- ",
    "{",
    "}",
    "[",
    "]",
    ", ",
];

/// The good configs the mutations start from.
pub fn seeds(root: &Path) -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    for dir in ["verification/configs/paper", "verification/configs/arrays"] {
        let mut v: Vec<_> = std::fs::read_dir(root.join(dir))
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
            .collect();
        v.sort();
        for p in v {
            let t = std::fs::read_to_string(&p).unwrap();
            out.push((p, t));
        }
    }
    assert!(!out.is_empty());
    out
}

fn pick<'a>(rng: &mut Rng, v: &[&'a str]) -> &'a str {
    v[rng.below(v.len() as u64) as usize]
}

/// A char boundary of `s` chosen at random (0 and len included).
fn boundary(rng: &mut Rng, s: &str) -> usize {
    let mut i = rng.below(s.len() as u64 + 1) as usize;
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// A random range `a..b` of `s` on char boundaries, at most `max` bytes long.
fn span(rng: &mut Rng, s: &str, max: usize) -> (usize, usize) {
    let a = boundary(rng, s);
    let mut b = (a + 1 + rng.below(max as u64) as usize).min(s.len());
    while !s.is_char_boundary(b) {
        b -= 1;
    }
    (a, b.max(a))
}

/// The byte ranges of the numbers and of the values (after `: `) in `s`.
fn ranges(s: &str, numbers: bool) -> Vec<(usize, usize)> {
    let b = s.as_bytes();
    let mut v = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if numbers && b[i].is_ascii_digit() {
            let j = (i..b.len())
                .find(|&j| !b[j].is_ascii_digit())
                .unwrap_or(b.len());
            v.push((i, j));
            i = j;
        } else if !numbers && b[i] == b':' && i + 1 < b.len() && b[i + 1] == b' ' {
            let a = i + 2;
            let j = (a..b.len())
                .find(|&j| matches!(b[j], b',' | b'}' | b'\n' | b']'))
                .unwrap_or(b.len());
            v.push((a, j));
            i = j;
        } else {
            i += 1;
        }
    }
    v
}

/// Apply one random mutation.
pub fn mutate_once(rng: &mut Rng, s: &mut String) {
    if s.is_empty() {
        s.push_str(pick(rng, SYNTAX));
        return;
    }
    match rng.below(11) {
        0 => {
            let (a, b) = span(rng, s, 8);
            s.replace_range(a..b, "");
        }
        1 => {
            let (a, b) = span(rng, s, 24);
            let dup = s[a..b].to_string();
            let at = boundary(rng, s);
            s.insert_str(at, &dup);
        }
        2 => {
            let (a, b) = (boundary(rng, s), boundary(rng, s));
            let (a, b) = (a.min(b), a.max(b));
            let ca = s[a..].chars().next();
            let cb = s[b..].chars().next();
            if let (Some(ca), Some(cb)) = (ca, cb) {
                if a + ca.len_utf8() <= b {
                    s.replace_range(b..b + cb.len_utf8(), &ca.to_string());
                    s.replace_range(a..a + ca.len_utf8(), &cb.to_string());
                }
            }
        }
        3 | 4 => {
            let at = boundary(rng, s);
            s.insert_str(at, pick(rng, SYNTAX));
        }
        5 | 6 => {
            let r = ranges(s, true);
            if !r.is_empty() {
                let (a, b) = r[rng.below(r.len() as u64) as usize];
                s.replace_range(a..b, pick(rng, NUMBERS));
            }
        }
        7 => {
            let r = ranges(s, false);
            if !r.is_empty() {
                let (a, b) = r[rng.below(r.len() as u64) as usize];
                s.replace_range(a..b, pick(rng, NULLS));
            }
        }
        8 => {
            let mut lines: Vec<String> = s.lines().map(str::to_string).collect();
            if !lines.is_empty() {
                let i = rng.below(lines.len() as u64) as usize;
                match rng.below(4) {
                    0 => {
                        lines.remove(i);
                    }
                    1 => lines.insert(i, lines[i].clone()),
                    2 => {
                        let j = rng.below(lines.len() as u64) as usize;
                        lines.swap(i, j);
                    }
                    _ => lines[i].insert_str(0, ["  ", " ", "\t", "- "][rng.below(4) as usize]),
                }
                *s = lines.join("\n") + "\n";
            }
        }
        9 => {
            let at = boundary(rng, s);
            let c = char::from_u32(rng.below(0x11_0000) as u32).unwrap_or('\u{fffd}');
            s.insert(at, c);
        }
        _ => {
            let at = boundary(rng, s);
            let n = 1 + rng.below(200) as usize;
            s.insert_str(at, &pick(rng, &["[", "{a: ", "- ", "  "]).repeat(n));
        }
    }
}

/// Document number `i` of a run: mostly mutated good configs (1 to 4 mutations), every tenth a
/// fully random string of tokens.
pub fn document(rng: &mut Rng, seeds: &[(PathBuf, String)], i: u64) -> String {
    if i % 10 == 9 {
        let n = rng.below(60) as usize;
        return (0..n).map(|_| pick(rng, TOKENS)).collect();
    }
    let mut s = seeds[rng.below(seeds.len() as u64) as usize].1.clone();
    for _ in 0..1 + rng.below(4) {
        mutate_once(rng, &mut s);
    }
    s
}

/// What a loader answer must satisfy; `Err` says what is wrong.
pub fn check(doc: &str, origin: &str, result: &Result<Design, ConfigError>) -> Result<(), String> {
    match result {
        Ok(d) => {
            let ok_name = d
                .name
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_lowercase())
                && d.name.len() <= potmac::config::MAX_NAME_LEN;
            if !ok_name || d.widths.acc > potmac::config::MAX_ACC_BITS || d.max_dot_length == 0 {
                return Err(format!("accepted an invalid design {d:?}"));
            }
            if d.array.is_some_and(|a| a.rows == 0 || a.cols == 0) {
                return Err(format!("accepted an empty array {d:?}"));
            }
        }
        Err(e) => {
            let text = e.to_string();
            if !text.starts_with(&format!("{origin}: ")) {
                return Err(format!("error does not start with the origin: {text}"));
            }
            if let ConfigError::Field { field, .. } = e {
                if field.is_empty() || !text.contains(&format!("field `{field}`")) {
                    return Err(format!("field error without its field: {text}"));
                }
            }
            if text.lines().count() > 3 {
                return Err(format!(
                    "error spans {} lines: {text}",
                    text.lines().count()
                ));
            }
        }
    }
    let _ = doc;
    Ok(())
}
