//! The gate netlist Yosys writes after mapping to potmac's cell library (`write_verilog
//! -noattr`, one flat module): wire declarations, cell instances with named single-bit
//! connections, and `assign` statements that alias bits (slices and concatenations). From it,
//! the capacitance every net drives: the input-pin capacitances of its fanout (from the
//! Liberty file) plus one unit load for the net itself.

use crate::tools::liberty::Library;
use std::collections::BTreeMap;

/// One cell instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instance {
    /// Cell type (a library cell).
    pub cell: String,
    /// Instance name.
    pub name: String,
    /// Pin → the net bit it connects to (`None`: a constant).
    pub pins: Vec<(String, Option<String>)>,
}

/// A parsed gate netlist.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Netlist {
    /// Module name.
    pub module: String,
    /// Declared wires and ports: name → `(msb, lsb)` for vectors, `None` for scalars.
    pub wires: BTreeMap<String, Option<(i64, i64)>>,
    /// Cell instances.
    pub cells: Vec<Instance>,
    /// Bit aliases from `assign lhs = rhs;` (constants left out).
    pub aliases: Vec<(String, String)>,
}

/// Drop `/* */` and `//` comments and attributes `(* *)`.
fn strip_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(ch) = rest.chars().next() {
        if let Some(r) = rest.strip_prefix("/*") {
            rest = r.find("*/").map_or("", |i| &r[i + 2..]);
        } else if let Some(r) = rest.strip_prefix("(*") {
            rest = r.find("*)").map_or("", |i| &r[i + 2..]);
        } else if let Some(r) = rest.strip_prefix("//") {
            rest = r.find('\n').map_or("", |i| &r[i..]);
        } else if ch == '\\' {
            // An escaped identifier runs to the next white space (and may hold `/*`).
            let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
            out.push_str(&rest[..end]);
            rest = &rest[end..];
        } else {
            out.push(ch);
            rest = &rest[ch.len_utf8()..];
        }
    }
    out
}

/// Tokens: identifiers (escaped ones without the backslash), numbers with their base
/// (`8'h0f`), and single punctuation characters.
fn tokens(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut it = s.char_indices().peekable();
    while let Some(&(i, ch)) = it.peek() {
        if ch.is_whitespace() {
            it.next();
        } else if ch == '\\' {
            let end = s[i..].find(char::is_whitespace).map_or(s.len(), |e| i + e);
            out.push(s[i + 1..end].to_string());
            while it.peek().is_some_and(|&(j, _)| j < end) {
                it.next();
            }
        } else if ch.is_alphanumeric() || ch == '_' || ch == '$' || ch == '\'' {
            let end = s[i..]
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$' || c == '\''))
                .map_or(s.len(), |e| i + e);
            out.push(s[i..end].to_string());
            while it.peek().is_some_and(|&(j, _)| j < end) {
                it.next();
            }
        } else {
            out.push(ch.to_string());
            it.next();
        }
    }
    out
}

/// The name of one bit of a wire: `name[i]` for a vector, `name` for a scalar.
pub fn bit_name(name: &str, index: Option<i64>) -> String {
    match index {
        Some(i) => format!("{name}[{i}]"),
        None => name.to_string(),
    }
}

impl Netlist {
    /// Parse the first module of a netlist.
    pub fn parse(text: &str) -> Result<Netlist, String> {
        let text = strip_comments(text);
        let mut n = Netlist::default();
        let mut assigns = Vec::new();
        for stmt in text.split(';') {
            let t = tokens(stmt);
            let Some(first) = t.first() else { continue };
            match first.as_str() {
                "module" => {
                    n.module = t.get(1).cloned().ok_or("module without a name")?;
                }
                "endmodule" => break,
                "wire" | "input" | "output" | "reg" | "inout" => {
                    let (range, rest) = match t.get(1).map(String::as_str) {
                        Some("[") => {
                            let close = t.iter().position(|x| x == "]").ok_or("bad range")?;
                            (Some(range(&t[2..close])?), &t[close + 1..])
                        }
                        _ => (None, &t[1..]),
                    };
                    let name = rest
                        .first()
                        .ok_or_else(|| format!("bad declaration {t:?}"))?;
                    // `input [7:0] a; wire [7:0] a;`: the second declaration repeats the first.
                    n.wires.insert(name.clone(), range);
                }
                "assign" => assigns.push(t[1..].to_vec()),
                _ => n.cells.push(instance(&t)?),
            }
        }
        for a in assigns {
            let eq = a
                .iter()
                .position(|x| x == "=")
                .ok_or("assign without `=`")?;
            let lhs = n.bits(&a[..eq])?;
            let rhs = n.bits(&a[eq + 1..])?;
            if lhs.len() != rhs.len() {
                return Err(format!(
                    "assign of {} bits from {} bits",
                    lhs.len(),
                    rhs.len()
                ));
            }
            for (l, r) in lhs.into_iter().zip(rhs) {
                if let (Some(l), Some(r)) = (l, r) {
                    n.aliases.push((l, r));
                }
            }
        }
        Ok(n)
    }

    /// The bits of an expression, MSB first: a wire, a bit or slice of one, a constant, or a
    /// concatenation of those. Constant bits are `None`.
    fn bits(&self, t: &[String]) -> Result<Vec<Option<String>>, String> {
        if t.first().map(String::as_str) == Some("{") {
            let mut out = Vec::new();
            let (mut depth, mut start) = (0, 1);
            for (i, x) in t.iter().enumerate() {
                match x.as_str() {
                    "{" => depth += 1,
                    "}" | "," if depth == 1 => {
                        out.extend(self.bits(&t[start..i])?);
                        start = i + 1;
                        if x == "}" {
                            depth -= 1;
                        }
                    }
                    "}" => depth -= 1,
                    _ => {}
                }
            }
            return Ok(out);
        }
        let name = t.first().ok_or("empty expression")?;
        if let Some((w, _)) = name.split_once('\'') {
            let w: usize = w.parse().map_err(|_| format!("constant `{name}`"))?;
            return Ok(vec![None; w]);
        }
        let (msb, lsb) = match t.get(1).map(String::as_str) {
            Some("[") => range(&t[2..t.len() - 1])?,
            _ => match self.wires.get(name) {
                Some(Some(r)) => *r,
                Some(None) => return Ok(vec![Some(name.clone())]),
                None => return Err(format!("`{name}` is not declared")),
            },
        };
        let step = if msb >= lsb { -1 } else { 1 };
        let mut out = Vec::new();
        let mut i = msb;
        loop {
            out.push(Some(bit_name(name, Some(i))));
            if i == lsb {
                break;
            }
            i += step;
        }
        Ok(out)
    }

    /// Every net of the netlist: its names (aliased bits from `assign` are one net), what
    /// drives it, and the capacitance it switches: the input pins of its fanout (from the
    /// library) plus `unit_load` for the net itself.
    pub fn nets(&self, lib: &Library, unit_load: f64) -> Result<Nets, String> {
        let mut parent: BTreeMap<String, String> = BTreeMap::new();
        fn find(parent: &BTreeMap<String, String>, x: &str) -> String {
            let mut x = x.to_string();
            while let Some(p) = parent.get(&x) {
                x = p.clone();
            }
            x
        }
        for (a, b) in &self.aliases {
            let (ra, rb) = (find(&parent, a), find(&parent, b));
            if ra != rb {
                parent.insert(ra, rb);
            }
        }
        let mut nets = Nets::default();
        for inst in &self.cells {
            let cell = lib.cells.get(&inst.cell).ok_or_else(|| {
                format!("cell `{}` ({}) is not in the library", inst.cell, inst.name)
            })?;
            for (pin, net) in &inst.pins {
                let Some(net) = net else { continue };
                let root = find(&parent, net);
                let entry = nets.cap.entry(root.clone()).or_insert(unit_load);
                match (cell.inputs.get(pin), cell.outputs.contains(pin)) {
                    (Some(c), _) => *entry += *c,
                    (None, true) => {
                        let kind = if cell.sequential {
                            NetKind::FlipFlop
                        } else {
                            NetKind::Logic
                        };
                        nets.kind.insert(root, kind);
                    }
                    (None, false) => {
                        return Err(format!(
                            "cell {} has no pin {pin} ({})",
                            inst.cell, inst.name
                        ))
                    }
                }
            }
        }
        let names = self.aliases.iter().flat_map(|(a, b)| [a, b]).chain(
            self.cells
                .iter()
                .flat_map(|i| i.pins.iter().filter_map(|p| p.1.as_ref())),
        );
        for name in names {
            nets.root.insert(name.clone(), find(&parent, name));
        }
        Ok(nets)
    }
}

/// What drives a net.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NetKind {
    /// A flip-flop output.
    FlipFlop,
    /// A combinational cell output.
    Logic,
}

/// The nets of a netlist.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Nets {
    /// Every bit name → the name that stands for its net.
    pub root: BTreeMap<String, String>,
    /// Net (root name) → switched capacitance, in unit-inverter inputs.
    pub cap: BTreeMap<String, f64>,
    /// Net → its driver; nets without a cell driver (module inputs) are absent.
    pub kind: BTreeMap<String, NetKind>,
}

impl Nets {
    /// The capacitance of the net a bit name belongs to (0 for a name no cell touches).
    pub fn cap_of(&self, bit: &str) -> f64 {
        self.root
            .get(bit)
            .and_then(|r| self.cap.get(r))
            .copied()
            .unwrap_or(0.0)
    }
}

/// `msb : lsb` or a single index.
fn range(t: &[String]) -> Result<(i64, i64), String> {
    let num = |s: &String| s.parse::<i64>().map_err(|_| format!("bad index `{s}`"));
    match t {
        [a] => Ok((num(a)?, num(a)?)),
        [a, c, b] if c == ":" => Ok((num(a)?, num(b)?)),
        _ => Err(format!("bad range {t:?}")),
    }
}

/// `CELL NAME ( .PIN(net), ... )`, or `MODULE #( .P(v), ... ) NAME ( ... )` (a module the
/// netlist instantiates with parameters, such as a memory kept out of the mapping: its
/// parameters and connections are skipped, it has no pins here).
fn instance(t: &[String]) -> Result<Instance, String> {
    let bad = || format!("not a cell instance: {}", t.join(" "));
    // Tokens after the parameter list, if any.
    let skip = match t.get(1).map(String::as_str) {
        Some("#") => {
            let mut depth = 0usize;
            let mut end = None;
            for (i, x) in t.iter().enumerate().skip(2) {
                match x.as_str() {
                    "(" => depth += 1,
                    ")" => {
                        depth = depth.checked_sub(1).ok_or_else(bad)?;
                        if depth == 0 {
                            end = Some(i);
                            break;
                        }
                    }
                    _ => {}
                }
            }
            end.ok_or_else(bad)?
        }
        _ => 0,
    };
    let (cell, name) = match (t.first(), &t[skip.min(t.len())..]) {
        (Some(c), [_, n, p, ..]) if p == "(" => (c.clone(), n.clone()),
        _ => return Err(bad()),
    };
    let mut pins = Vec::new();
    if skip > 0 {
        return Ok(Instance { cell, name, pins });
    }
    let mut i = 3;
    while i < t.len() {
        if t[i] == "." {
            let pin = t.get(i + 1).ok_or_else(bad)?.clone();
            let open = i + 2;
            let close = t[open..].iter().position(|x| x == ")").ok_or_else(bad)? + open;
            let e = &t[open + 1..close];
            let net = match e {
                [] => None,
                [c] if c.contains('\'') => None,
                [n] => Some(n.clone()),
                [n, l, x, r] if l == "[" && r == "]" => {
                    Some(bit_name(n, Some(range(std::slice::from_ref(x))?.0)))
                }
                _ => return Err(format!("pin {pin} of {name}: unsupported connection {e:?}")),
            };
            pins.push((pin, net));
            i = close + 1;
        } else {
            i += 1;
        }
    }
    Ok(Instance { cell, name, pins })
}

#[cfg(test)]
mod tests {
    use super::*;

    const NET: &str = "/* Generated by Yosys */\nmodule m(a, y);\n  wire _0_;\n  input [1:0] a;\n  wire [1:0] a;\n  output [1:0] y;\n  wire [1:0] y;\n  wire \\g[1].q ;\n  NAND2 _1_ (\n    .A(a[0]),\n    .B(a[1]),\n    .Y(_0_)\n  );\n  INV _2_ (\n    .A(_0_),\n    .Y(\\g[1].q )\n  );\n  XOR2 _3_ (\n    .A(_0_),\n    .B(1'h0),\n    .Y(y[0])\n  );\n  assign y[1] = \\g[1].q ;\nendmodule\n";

    #[test]
    fn parses_cells_wires_and_aliases() {
        let n = Netlist::parse(NET).unwrap();
        assert_eq!(n.module, "m");
        assert_eq!(n.wires["a"], Some((1, 0)));
        assert_eq!(n.wires["g[1].q"], None);
        assert_eq!(n.cells.len(), 3);
        assert_eq!(
            n.cells[0].pins[1],
            ("B".to_string(), Some("a[1]".to_string()))
        );
        assert_eq!(n.cells[2].pins[1], ("B".to_string(), None));
        assert_eq!(n.aliases, [("y[1]".to_string(), "g[1].q".to_string())]);
    }

    /// Hand-counted: `_0_` drives INV.A (1) and XOR2.A (3) plus its unit load = 5; `a[0]`
    /// drives NAND2.A (4/3) + 1; `g[1].q` (= `y[1]`) drives nothing but its unit load.
    #[test]
    fn loads_are_fanout_pin_caps_plus_a_unit_load() {
        let n = Netlist::parse(NET).unwrap();
        let l = n.nets(Library::builtin(), 1.0).unwrap();
        let near = |x: f64, y: f64| (x - y).abs() < 1e-5;
        assert!(near(l.cap_of("_0_"), 5.0), "{}", l.cap_of("_0_"));
        assert!(near(l.cap_of("a[0]"), 1.0 + 4.0 / 3.0));
        assert!(near(l.cap_of("g[1].q"), 1.0) && near(l.cap_of("y[1]"), 1.0));
        assert_eq!(l.root["y[1]"], l.root["g[1].q"]);
        assert!(near(l.cap_of("y[0]"), 1.0));
        assert_eq!(l.kind.get("_0_"), Some(&NetKind::Logic));
        assert_eq!(l.kind.get(&l.root["a[0]"]), None);
    }

    /// A memory instance with parameters: the parameters are skipped, the pins kept.
    #[test]
    fn parses_an_instance_with_parameters() {
        let n = Netlist::parse(
            "module m(c, a, q);\n input c;\n input [1:0] a;\n output [3:0] q;\n ram #(\n    .Depth(32'sd4),\n    .InitFile(\"\"),\n    .Width(32'sd4)\n  ) \\u_core.u_mem  (\n    .clk_i(c),\n    .raddr_i(a),\n    .rdata_o(q)\n  );\n INV _1_ (.A(c), .Y(q[0]));\nendmodule\n",
        )
        .unwrap();
        assert_eq!(n.cells.len(), 2);
        assert_eq!(
            (n.cells[0].cell.as_str(), n.cells[0].name.as_str()),
            ("ram", "u_core.u_mem")
        );
        assert!(n.cells[0].pins.is_empty());
        assert_eq!(n.cells[1].cell, "INV");
    }

    #[test]
    fn expands_slices_and_concatenations() {
        let n = Netlist::parse(
            "module m(a);\n wire [3:0] a;\n wire [1:0] b;\n wire c;\n assign b[1:0] = a[3:2];\n assign {c, a[0]} = {a[1], 1'b0};\nendmodule\n",
        )
        .unwrap();
        assert_eq!(
            n.aliases,
            [("b[1]", "a[3]"), ("b[0]", "a[2]"), ("c", "a[1]")]
                .map(|(a, b)| (a.to_string(), b.to_string()))
        );
    }
}
