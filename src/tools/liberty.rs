//! potmac's own cell library (`data/potmac_cells.lib`, a Liberty file; its
//! comments derive every area and pin capacitance from logical effort) and the figures read
//! from it: the area of a mapped design in gate equivalents (NAND2 = 1 GE), flip-flops
//! included, and the input capacitance of every cell pin (in units of the unit inverter's
//! input), which the energy proxy weights toggles with.
//!
//! The parser reads the subset of Liberty the file uses: `cell(NAME) { area : X; ...
//! pin(P) { direction : input|output; capacitance : C; function : F; ... } ff(...) {...} }`,
//! and skips everything else, so it also reads real libraries (OSU 0.18 µm, SKY130): the
//! area of a design mapped to a user's library ([`foreign`]) and the library's NAND2 come
//! from the same reader ([`function`] evaluates the cells' Boolean functions).

pub mod foreign;
pub mod function;
pub mod tables;
pub mod wire_load;

use std::collections::BTreeMap;
use std::sync::OnceLock;

/// The library text (written into every design folder as [`FILE`]).
pub const TEXT: &str = include_str!("../../data/potmac_cells.lib");

/// Where a design folder keeps the library, relative to the folder.
pub const FILE: &str = "synth/potmac_cells.lib";

/// One cell of the library.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    /// Area in gate equivalents.
    pub area: f64,
    /// Input pins and their capacitance (unit-inverter inputs).
    pub inputs: BTreeMap<String, f64>,
    /// Output pins.
    pub outputs: Vec<String>,
    /// The Boolean function of each output pin that states one (Liberty syntax).
    pub functions: BTreeMap<String, String>,
    /// A flip-flop or latch (has an `ff` or `latch` group).
    pub sequential: bool,
    /// Marked `dont_use : true` (synthesis leaves it alone).
    pub dont_use: bool,
}

/// The cells of a library, by name.
#[derive(Debug, Clone, PartialEq)]
pub struct Library {
    /// The library's name (its `library(NAME)` group).
    pub name: String,
    /// Its `time_unit` (`"1ns"`), when stated.
    pub time_unit: Option<String>,
    /// Cells by name.
    pub cells: BTreeMap<String, Cell>,
}

/// Area of a mapped design in gate equivalents (on a user's library, in its area unit,
/// µm² in practice).
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct GeArea {
    /// Combinational cells.
    pub comb: f64,
    /// Flip-flops.
    pub seq: f64,
    /// Both.
    pub total: f64,
}

/// Strip `/* ... */` and `//` comments.
pub(crate) fn strip_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix("/*") {
            rest = r.find("*/").map_or("", |i| &r[i + 2..]);
        } else if let Some(r) = rest.strip_prefix("//") {
            rest = r.find('\n').map_or("", |i| &r[i..]);
        } else {
            let ch = rest.chars().next().expect("not empty");
            out.push(ch);
            rest = &rest[ch.len_utf8()..];
        }
    }
    out
}

/// A group `name(arg) { body }` or a simple attribute `name : value ;`.
pub(crate) enum Item<'a> {
    Group(&'a str, &'a str, &'a str),
    Attr(&'a str, &'a str),
    /// A complex attribute `name(args);` (`index_1("0.1, 0.2");`), args as written.
    Complex(&'a str, &'a str),
}

/// The items at the top level of a group body.
pub(crate) fn items(body: &str) -> Result<Vec<Item<'_>>, String> {
    let mut out = Vec::new();
    let mut rest = body.trim_start();
    while !rest.is_empty() {
        let end = rest
            .find([';', '{', ':'])
            .ok_or_else(|| format!("unterminated statement `{}`", rest.trim()))?;
        let head = rest[..end].trim();
        match rest.as_bytes()[end] {
            b':' => {
                let semi = rest[end..]
                    .find(';')
                    .ok_or_else(|| format!("attribute `{head}` has no `;`"))?;
                let value = rest[end + 1..end + semi].trim().trim_matches('"');
                out.push(Item::Attr(head, value));
                rest = &rest[end + semi + 1..];
            }
            b'{' => {
                let (name, arg) = head
                    .split_once('(')
                    .ok_or_else(|| format!("group `{head}` has no `(`"))?;
                let arg = arg
                    .trim_end()
                    .trim_end_matches(')')
                    .trim()
                    .trim_matches('"');
                let mut depth = 0usize;
                let mut close = None;
                let mut quoted = false;
                for (i, ch) in rest[end..].char_indices() {
                    match ch {
                        '"' => quoted = !quoted,
                        _ if quoted => {}
                        '{' => depth += 1,
                        '}' => {
                            depth -= 1;
                            if depth == 0 {
                                close = Some(end + i);
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                let close = close.ok_or_else(|| format!("group `{head}` is not closed"))?;
                out.push(Item::Group(name.trim(), arg, &rest[end + 1..close]));
                rest = &rest[close + 1..];
            }
            // `name(args);` complex attributes (`capacitive_load_unit(1, ff);`).
            _ => {
                let stmt = rest[..end].trim();
                if let Some((name, args)) = stmt.split_once('(') {
                    let args = args.trim_end().strip_suffix(')').unwrap_or(args);
                    out.push(Item::Complex(name.trim(), args));
                }
                rest = &rest[end + 1..];
            }
        }
        rest = rest.trim_start();
    }
    Ok(out)
}

impl Library {
    /// Parse a Liberty text.
    pub fn parse(text: &str) -> Result<Library, String> {
        let text = strip_comments(text);
        let top = items(&text)?;
        let (lib_name, body) = top
            .iter()
            .find_map(|i| match i {
                Item::Group("library", n, b) => Some((*n, *b)),
                _ => None,
            })
            .ok_or("no `library` group")?;
        let mut cells = BTreeMap::new();
        let mut time_unit = None;
        for item in items(body)? {
            let (name, cb) = match item {
                Item::Group("cell", name, cb) => (name, cb),
                Item::Attr("time_unit", v) => {
                    time_unit = Some(v.to_string());
                    continue;
                }
                _ => continue,
            };
            let mut cell = Cell {
                area: f64::NAN,
                inputs: BTreeMap::new(),
                outputs: Vec::new(),
                functions: BTreeMap::new(),
                sequential: false,
                dont_use: false,
            };
            for it in items(cb)? {
                match it {
                    Item::Attr("area", v) => {
                        cell.area = v.parse().map_err(|_| format!("cell {name}: area `{v}`"))?
                    }
                    Item::Attr("dont_use", v) => cell.dont_use = v == "true",
                    Item::Group("ff" | "latch" | "ff_bank" | "latch_bank" | "statetable", _, _) => {
                        cell.sequential = true
                    }
                    Item::Group("pin", pin, pb) => {
                        let attrs: BTreeMap<&str, &str> = items(pb)?
                            .into_iter()
                            .filter_map(|i| match i {
                                Item::Attr(k, v) => Some((k, v)),
                                _ => None,
                            })
                            .collect();
                        match attrs.get("direction").copied() {
                            Some("input") => {
                                let c = attrs.get("capacitance").ok_or_else(|| {
                                    format!("cell {name}, pin {pin}: no capacitance")
                                })?;
                                let c = c.parse().map_err(|_| {
                                    format!("cell {name}, pin {pin}: capacitance `{c}`")
                                })?;
                                cell.inputs.insert(pin.to_string(), c);
                            }
                            Some("output") => {
                                cell.outputs.push(pin.to_string());
                                if let Some(f) = attrs.get("function") {
                                    cell.functions.insert(pin.to_string(), f.to_string());
                                }
                            }
                            // Power, bias and internal pins carry no signal to weigh.
                            Some("inout" | "internal") => {}
                            d => return Err(format!("cell {name}, pin {pin}: direction {d:?}")),
                        }
                    }
                    _ => {}
                }
            }
            if cell.area.is_nan() {
                return Err(format!("cell {name} has no area"));
            }
            cells.insert(name.to_string(), cell);
        }
        Ok(Library {
            name: lib_name.to_string(),
            time_unit,
            cells,
        })
    }

    /// potmac's library ([`TEXT`]).
    pub fn builtin() -> &'static Library {
        static LIB: OnceLock<Library> = OnceLock::new();
        LIB.get_or_init(|| Library::parse(TEXT).expect("the built-in library parses"))
    }

    /// GE area of a design from its cell counts by type (`stat -json` after mapping).
    pub fn area(&self, by_type: &BTreeMap<String, u64>) -> Result<GeArea, String> {
        let mut a = GeArea::default();
        for (ty, &n) in by_type {
            let cell = self
                .cells
                .get(ty)
                .ok_or_else(|| format!("cell type `{ty}` is not in the cell library"))?;
            let x = cell.area * n as f64;
            if cell.sequential {
                a.seq += x;
            } else {
                a.comb += x;
            }
        }
        a.total = a.comb + a.seq;
        Ok(a)
    }
}

/// The numbers of `"0.1, 0.2", \ "0.3, 0.4"`.
pub(super) fn numbers(args: &str) -> Result<Vec<f64>, String> {
    args.split(|c: char| c == ',' || c == '"' || c == '\\' || c.is_whitespace())
        .filter(|t| !t.is_empty())
        .map(|t| t.parse().map_err(|_| format!("bad number `{t}`")))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_library_matches_its_derivation() {
        let lib = Library::builtin();
        // Area = transistor width / 8 (NAND2 = 2+2 NMOS + 2+2 PMOS), caps = gate width / 3.
        let want = [
            ("INV", 3.0, vec![("A", 3.0)]),
            ("NAND2", 8.0, vec![("A", 4.0), ("B", 4.0)]),
            ("NOR2", 10.0, vec![("A", 5.0)]),
            ("NAND3", 15.0, vec![("C", 5.0)]),
            ("NOR3", 21.0, vec![("B", 7.0)]),
            ("AOI21", 17.0, vec![("A", 6.0), ("C", 5.0)]),
            ("OAI21", 16.0, vec![("B", 6.0), ("C", 4.0)]),
            ("AOI22", 24.0, vec![("D", 6.0)]),
            ("XOR2", 30.0, vec![("A", 9.0)]),
            ("MUX2", 30.0, vec![("A", 6.0), ("S", 9.0)]),
            ("DFF", 48.0, vec![("D", 3.0), ("CLK", 3.0)]),
            ("DFFR", 58.0, vec![("RN", 8.0)]),
        ];
        for (name, width, pins) in want {
            let c = &lib.cells[name];
            assert!(
                (c.area - width / 8.0).abs() < 1e-9,
                "{name} area {}",
                c.area
            );
            for (p, w) in pins {
                assert!((c.inputs[p] - w / 3.0).abs() < 1e-5, "{name}.{p}");
            }
            assert_eq!(c.outputs.len(), 1, "{name}");
        }
        assert!(lib.cells["DFFR"].sequential && !lib.cells["MUX2"].sequential);
    }

    #[test]
    fn area_splits_flip_flops_from_logic() {
        let lib = Library::builtin();
        let by: BTreeMap<String, u64> = [("NAND2", 4), ("INV", 2), ("DFFR", 3)]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        let a = lib.area(&by).unwrap();
        assert_eq!((a.comb, a.seq, a.total), (4.75, 21.75, 26.5));
        let bad: BTreeMap<String, u64> = [("$_AND_".to_string(), 1)].into();
        assert!(lib.area(&bad).unwrap_err().contains("$_AND_"));
        assert!(
            Library::parse("library(x) { cell(A) { pin(Y) { direction : output; } } }")
                .unwrap_err()
                .contains("no area")
        );
    }
}
