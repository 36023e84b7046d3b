//! A user's standard-cell library (`--liberty FILE`, `.lib` or `.lib.gz`): read once, its
//! dont-use cells marked in a copy (Yosys 0.23's `abc` has no dont-use option, but it and
//! `dfflibmap` skip cells marked `dont_use : true`), and its NAND2 found by function, the unit
//! of its NAND2 equivalents.

use super::function::{Expr, NAND2};
use super::Library;
use std::io::Read;
use std::path::{Path, PathBuf};

/// The default dont-use patterns (`*` any run of characters, `?` one), written for SKY130's
/// names and harmless elsewhere: power-management cells (`lpflow_*`: isolation, level
/// shifters, keep-alive buffers), probe buffers, clock-tree cells (`clkbuf`, `clkinv`,
/// `clkinvlp`, `clkdlybuf`: balanced for clock nets, not for logic) and delay cells
/// (`dlygate`, `dlymetal`: slow on purpose, for hold fixing). ABC would otherwise pick some
/// of them for logic (`lpflow_isobufsrc` as an AND with an inverted input, `clkinv_1` as an
/// inverter).
pub const DEFAULT_DONT_USE: &[&str] = &[
    "*lpflow_*",
    "*probe*",
    "*clkbuf*",
    "*clkinv*",
    "*clkdlybuf*",
    "*dlygate*",
    "*dlymetal*",
];

/// Errors reading a user's library (messages never repeat their `source`).
#[derive(Debug, thiserror::Error)]
pub enum LibertyError {
    /// The file cannot be read (missing, unreadable, or a `.gz` that does not inflate).
    #[error("liberty file {path}: cannot read it")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The file is not a Liberty library potmac can use.
    #[error("liberty file {path}: {message}")]
    Parse { path: PathBuf, message: String },
}

/// A user's library, ready to map to.
#[derive(Debug, Clone)]
pub struct ForeignLibrary {
    /// The file given.
    pub source: PathBuf,
    /// Its name without `.lib` / `.lib.gz`: the name of the build folder of its runs.
    pub stem: String,
    /// The text of the copy that synthesis reads: the library, dont-use cells marked.
    pub text: String,
    /// The parsed copy.
    pub library: Library,
    /// The cells marked dont-use by the patterns (those already marked in the file aside).
    pub marked: Vec<String>,
    /// The smallest NAND2 (by function): name and area. `None` if the library has none.
    pub nand2: Option<(String, f64)>,
}

impl ForeignLibrary {
    /// Read, mark and parse `path`, with dont-use `patterns`.
    pub fn load(path: &Path, patterns: &[String]) -> Result<ForeignLibrary, LibertyError> {
        let text = read(path)?;
        let bad = |message: String| LibertyError::Parse {
            path: path.to_path_buf(),
            message,
        };
        let (text, marked) = mark_dont_use(&text, patterns);
        let library = Library::parse(&text)
            .map_err(|m| bad(format!("not a Liberty library potmac can read: {m}")))?;
        if library.cells.is_empty() {
            return Err(bad("the library has no cells".into()));
        }
        let nand2 = library.nand2();
        Ok(ForeignLibrary {
            source: path.to_path_buf(),
            stem: stem(path),
            text,
            library,
            marked,
            nand2,
        })
    }
}

impl Library {
    /// The smallest combinational cell with two inputs and one output whose function is a
    /// NAND of them.
    pub fn nand2(&self) -> Option<(String, f64)> {
        self.cells
            .iter()
            .filter(|(_, c)| !c.sequential && c.inputs.len() == 2 && c.outputs.len() == 1)
            .filter(|(_, c)| {
                let vars: Vec<&str> = c.inputs.keys().map(String::as_str).collect();
                c.functions
                    .get(&c.outputs[0])
                    .and_then(|f| Expr::parse(f).ok())
                    .and_then(|e| e.truth_table(&vars))
                    == Some(NAND2)
            })
            .min_by(|a, b| a.1.area.total_cmp(&b.1.area))
            .map(|(n, c)| (n.clone(), c.area))
    }
}

/// The file's text, inflated when it is gzip-compressed (by its magic bytes, whatever its
/// name).
pub fn read(path: &Path) -> Result<String, LibertyError> {
    let io = |source| LibertyError::Io {
        path: path.to_path_buf(),
        source,
    };
    let bytes = std::fs::read(path).map_err(io)?;
    let bytes = if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        flate2::read::MultiGzDecoder::new(&bytes[..])
            .read_to_end(&mut out)
            .map_err(io)?;
        out
    } else {
        bytes
    };
    String::from_utf8(bytes).map_err(|_| LibertyError::Parse {
        path: path.to_path_buf(),
        message: "not a text file (nor gzip-compressed text)".into(),
    })
}

/// The file name without `.gz` and `.lib`, made safe as a folder name.
pub fn stem(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let name = name.strip_suffix(".gz").unwrap_or(&name);
    let name = name.strip_suffix(".lib").unwrap_or(name);
    let safe: String = name
        .chars()
        .map(|c| match c.is_ascii_alphanumeric() || "_-.".contains(c) {
            true => c,
            false => '_',
        })
        .collect();
    if safe.is_empty() {
        "lib".into()
    } else {
        safe
    }
}

/// Whether `name` matches `pattern` (`*`: any run of characters, `?`: one).
pub fn glob(pattern: &str, name: &str) -> bool {
    let (p, n): (Vec<char>, Vec<char>) = (pattern.chars().collect(), name.chars().collect());
    // The classic two-pointer match with backtracking to the last `*`.
    let (mut i, mut j, mut star, mut mark) = (0, 0, None, 0);
    while j < n.len() {
        if i < p.len() && (p[i] == '?' || p[i] == n[j]) {
            i += 1;
            j += 1;
        } else if i < p.len() && p[i] == '*' {
            star = Some(i);
            mark = j;
            i += 1;
        } else if let Some(s) = star {
            i = s + 1;
            mark += 1;
            j = mark;
        } else {
            return false;
        }
    }
    p[i..].iter().all(|&c| c == '*')
}

/// `text` with `dont_use : true;` added at the start of every cell group (directly inside
/// the library group) whose name matches one of `patterns`, and the names marked.
pub fn mark_dont_use(text: &str, patterns: &[String]) -> (String, Vec<String>) {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len() + 64);
    let mut marked = Vec::new();
    let (mut depth, mut i, mut copied) = (0usize, 0usize, 0usize);
    while i < b.len() {
        match b[i] {
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i = text[i + 2..].find("*/").map_or(b.len(), |k| i + 2 + k + 1);
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                i = text[i..].find('\n').map_or(b.len(), |k| i + k);
            }
            b'{' => depth += 1,
            b'}' => depth = depth.saturating_sub(1),
            b'c' if depth == 1
                && text[i..].starts_with("cell")
                && (i == 0 || !is_word(b[i - 1])) =>
            {
                if let Some((name, open)) = cell_header(&text[i + 4..]) {
                    let open = i + 4 + open;
                    if patterns.iter().any(|p| glob(p, name)) {
                        out.push_str(&text[copied..=open]);
                        out.push_str(" dont_use : true;");
                        copied = open + 1;
                        marked.push(name.to_string());
                    }
                    depth += 1;
                    i = open;
                }
            }
            _ => {}
        }
        i += 1;
    }
    out.push_str(&text[copied.min(text.len())..]);
    (out, marked)
}

fn is_word(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// After the word `cell`: `(NAME)` or `("NAME")` then `{`: the name and the offset of `{`.
fn cell_header(rest: &str) -> Option<(&str, usize)> {
    let open_paren = rest.find(|c: char| !c.is_whitespace())?;
    if !rest[open_paren..].starts_with('(') {
        return None;
    }
    let close = open_paren + rest[open_paren..].find(')')?;
    let name = rest[open_paren + 1..close].trim().trim_matches('"').trim();
    let brace = close + 1 + rest[close + 1..].find(|c: char| !c.is_whitespace())?;
    (rest.as_bytes()[brace] == b'{').then_some((name, brace))
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIB: &str = r#"/* cell(fake) { } */
library ("demo") {
  time_unit : "1ns";
  comment : "cell(not_a_cell) {";
  cell ("demo__nand2_2") { area : 5.0; pin (A) { direction : input; capacitance : 0.002; }
    pin (B) { direction : input; capacitance : 0.002; }
    pin (Y) { direction : output; function : "(!A) | (!B)"; } }
  cell(demo__nand2_1) { area : 3.75;
    pin(A) { direction : input; capacitance : 0.001; }
    pin(B) { direction : input; capacitance : 0.001; }
    pin(Y) { direction : output; function : "!(A&B)"; } }
  cell ("demo__nand2b_1") { area : 2.0; pin (A_N) { direction : input; capacitance : 0.001; }
    pin (B) { direction : input; capacitance : 0.001; }
    pin (Y) { direction : output; function : "(A_N) | (!B)"; } }
  cell ("demo__lpflow_isobufsrc_1") { area : 1.0;
    pg_pin ("VPWR") { pg_type : "primary_power"; }
    pin (A) { direction : input; capacitance : 0.001; }
    pin (X) { direction : output; function : "A"; } }
  cell ("demo__dff_1") { area : 20.0; ff (IQ, IQN) { next_state : "D"; clocked_on : "CLK"; }
    pin (D) { direction : input; capacitance : 0.001; }
    pin (CLK) { direction : input; capacitance : 0.001; }
    pin (Q) { direction : output; function : "IQ"; } }
}
"#;

    #[test]
    fn marks_dont_use_cells_and_finds_the_nand2() {
        let pats: Vec<String> = DEFAULT_DONT_USE.iter().map(|s| s.to_string()).collect();
        let (text, marked) = mark_dont_use(LIB, &pats);
        assert_eq!(marked, ["demo__lpflow_isobufsrc_1"]);
        assert!(text.contains(r#"cell ("demo__lpflow_isobufsrc_1") { dont_use : true;"#));
        assert_eq!(text.len(), LIB.len() + " dont_use : true;".len());
        let lib = Library::parse(&text).unwrap();
        assert_eq!(lib.name, "demo");
        assert_eq!(lib.time_unit.as_deref(), Some("1ns"));
        assert!(lib.cells["demo__lpflow_isobufsrc_1"].dont_use);
        assert!(!lib.cells["demo__nand2_1"].dont_use);
        assert!(lib.cells["demo__dff_1"].sequential);
        // The smallest cell computing NAND2; nand2b (an inverted input) is not one.
        assert_eq!(lib.nand2(), Some(("demo__nand2_1".to_string(), 3.75)));
        // No patterns: nothing marked, the text unchanged.
        assert_eq!(mark_dont_use(LIB, &[]), (LIB.to_string(), vec![]));
    }

    #[test]
    fn globs_and_stems() {
        assert!(glob("*lpflow_*", "sky130_fd_sc_hd__lpflow_inputiso1p_1"));
        assert!(glob("*clkinv*", "sky130_fd_sc_hd__clkinvlp_2"));
        assert!(!glob("*clkinv*", "sky130_fd_sc_hd__inv_1"));
        assert!(glob("a?c", "abc") && !glob("a?c", "ac") && glob("*", ""));
        assert!(glob("NAND2X1", "NAND2X1") && !glob("NAND2X1", "NAND2X2"));
        let p = Path::new("/pdk/sky130_fd_sc_hd__tt_025C_1v80.lib.gz");
        assert_eq!(stem(p), "sky130_fd_sc_hd__tt_025C_1v80");
        assert_eq!(stem(Path::new("my lib.lib")), "my_lib");
    }

    #[test]
    fn reads_gzip_and_reports_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let gz = dir.path().join("demo.lib.gz");
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut e, LIB.as_bytes()).unwrap();
        std::fs::write(&gz, e.finish().unwrap()).unwrap();
        let lib = ForeignLibrary::load(&gz, &[]).unwrap();
        assert_eq!((lib.stem.as_str(), lib.library.cells.len()), ("demo", 5));
        let missing = dir.path().join("nope.lib");
        let e = ForeignLibrary::load(&missing, &[]).unwrap_err();
        assert!(e.to_string().contains("nope.lib"), "{e}");
        let junk = dir.path().join("junk.lib");
        std::fs::write(&junk, "this is not liberty").unwrap();
        let e = ForeignLibrary::load(&junk, &[]).unwrap_err().to_string();
        assert!(e.contains("junk.lib") && e.contains("library"), "{e}");
    }
}
