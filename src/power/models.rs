//! Verilog simulation models of a user's Liberty cells, written from the library itself: each
//! output's `function` becomes a continuous assignment, each `ff` group a register with its
//! `clocked_on`, `next_state`, `clear` and `preset` (clear wins when both are active). Only
//! the cells a netlist uses are written; a cell that needs more (a latch, a state table, a
//! tristate output without a function) is an error naming it.

use crate::tools::liberty::function::Expr;
use crate::tools::liberty::{items, strip_comments, Item};
use std::collections::BTreeSet;
use std::fmt::Write;

/// `e` in Verilog.
fn verilog(e: &Expr) -> String {
    match e {
        Expr::Const(b) => format!("1'b{}", u8::from(*b)),
        Expr::Var(v) => v.clone(),
        Expr::Not(a) => format!("~({})", verilog(a)),
        Expr::And(a, b) => format!("({} & {})", verilog(a), verilog(b)),
        Expr::Or(a, b) => format!("({} | {})", verilog(a), verilog(b)),
        Expr::Xor(a, b) => format!("({} ^ {})", verilog(a), verilog(b)),
    }
}

fn expr(cell: &str, what: &str, text: &str) -> Result<String, String> {
    Expr::parse(text)
        .map(|e| verilog(&e))
        .map_err(|m| format!("cell {cell}: {what}: {m}"))
}

/// The model of one cell (`body`: its `cell` group), with `delay` (`#0.001 ` or empty)
/// before every output change; `zero`: its flip-flop starts at 0 instead of x.
fn model(name: &str, body: &str, delay: &str, zero: bool) -> Result<String, String> {
    let (mut ports, mut decls, mut logic) = (Vec::new(), String::new(), String::new());
    for it in items(body)? {
        match it {
            Item::Group("pin", pin, pb) => {
                let attrs: Vec<(&str, &str)> = items(pb)?
                    .into_iter()
                    .filter_map(|i| match i {
                        Item::Attr(k, v) => Some((k, v)),
                        _ => None,
                    })
                    .collect();
                let get = |k: &str| attrs.iter().find(|a| a.0 == k).map(|a| a.1);
                let pin = pin.trim_matches('"');
                match get("direction") {
                    Some("input") => writeln!(decls, "  input wire {pin};"),
                    Some("output") => {
                        let f = get("function")
                            .ok_or_else(|| format!("cell {name}: output {pin} has no function"))?;
                        writeln!(decls, "  output wire {pin};").ok();
                        writeln!(logic, "  assign {delay}{pin} = {};", expr(name, pin, f)?)
                    }
                    _ => continue,
                }
                .ok();
                ports.push(pin.to_string());
            }
            Item::Group("ff", vars, fb) => {
                let vars: Vec<&str> = vars
                    .split(',')
                    .map(|v| v.trim().trim_matches('"'))
                    .collect();
                let [iq, iqn] = vars[..] else {
                    return Err(format!(
                        "cell {name}: ff ({}) is not two names",
                        vars.join(",")
                    ));
                };
                let mut clocked_on = None;
                let mut next_state = None;
                let (mut clear, mut preset) = (None, None);
                for a in items(fb)? {
                    match a {
                        Item::Attr("clocked_on", v) => {
                            clocked_on = Some(expr(name, "clocked_on", v)?)
                        }
                        Item::Attr("next_state", v) => {
                            next_state = Some(expr(name, "next_state", v)?)
                        }
                        Item::Attr("clear", v) => clear = Some(expr(name, "clear", v)?),
                        Item::Attr("preset", v) => preset = Some(expr(name, "preset", v)?),
                        _ => {}
                    }
                }
                let (Some(c), Some(n)) = (clocked_on, next_state) else {
                    return Err(format!("cell {name}: ff without clocked_on or next_state"));
                };
                let init = if zero { " = 1'b0" } else { "" };
                writeln!(
                    logic,
                    "  reg {iq}{init};\n  wire {iqn} = ~{iq};\n  wire ck_ = {c};"
                )
                .ok();
                let mut events = String::from("posedge ck_");
                let mut body = String::new();
                if let Some(c) = &clear {
                    writeln!(logic, "  wire clr_ = {c};").ok();
                    events.push_str(" or posedge clr_");
                    body.push_str("if (clr_) ");
                    writeln!(body, "{iq} <= 1'b0;").ok();
                    body.push_str("    else ");
                }
                if let Some(p) = &preset {
                    writeln!(logic, "  wire pre_ = {p};").ok();
                    events.push_str(" or posedge pre_");
                    writeln!(body, "if (pre_) {iq} <= 1'b1;").ok();
                    body.push_str("    else ");
                }
                writeln!(body, "{iq} <= {n};").ok();
                writeln!(logic, "  always @({events})\n    {body}").ok();
            }
            Item::Group(g @ ("latch" | "statetable"), ..) => {
                return Err(format!("cell {name}: a {g} is not simulated"));
            }
            _ => {}
        }
    }
    Ok(format!(
        "module {name} ({});\n{decls}{logic}endmodule\n",
        ports.join(", ")
    ))
}

/// Models of the `used` cells of the Liberty `text`, with a 1 ps delay on every output when
/// `unit_delay`. With `zero_init`, every flip-flop starts at 0 rather than x, as Verilator
/// starts registers without a reset: a gate netlist would otherwise carry x from such
/// registers through logic where the RTL's `if` resolves it (a design whose results depend
/// on those registers' first value still fails its testbench's check).
pub fn models(
    text: &str,
    used: &BTreeSet<String>,
    unit_delay: bool,
    zero_init: bool,
) -> Result<String, String> {
    let text = strip_comments(text);
    let top = items(&text)?;
    let lib = top
        .iter()
        .find_map(|i| match i {
            Item::Group("library", _, b) => Some(*b),
            _ => None,
        })
        .ok_or("no `library` group")?;
    let delay = if unit_delay { "#0.001 " } else { "" };
    let mut out = String::from(
        "// Generated by potmac from the Liberty file's functions, do not edit.\n`timescale 1ns / 1ps\n\n",
    );
    let mut found = BTreeSet::new();
    for it in items(lib)? {
        if let Item::Group("cell", name, body) = it {
            let name = name.trim_matches('"');
            if used.contains(name) {
                out.push_str(&model(name, body, delay, zero_init)?);
                found.insert(name.to_string());
            }
        }
    }
    if let Some(missing) = used.difference(&found).next() {
        return Err(format!("cell {missing} is not in the library"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn combinational_and_flip_flop_models() {
        let lib = r#"library (x) {
  cell (AOI) { pin (A) { direction : input; } pin (B) { direction : input; }
    pin (C) { direction : input; } pin (Y) { direction : output; function : "(!((A B)+C))"; } }
  cell (DFFSR) { ff (P0002,P0003) { next_state : "D"; clocked_on : "CLK"; clear : "(!R)"; preset : "(!S)"; }
    pin (CLK) { direction : input; } pin (D) { direction : input; } pin (R) { direction : input; }
    pin (S) { direction : input; } pin (Q) { direction : output; function : "P0002"; } }
  cell (L) { latch (IQ,IQN) { enable : "G"; data_in : "D"; } }
}"#;
        let used = |c: &[&str]| c.iter().map(|s| s.to_string()).collect();
        let m = models(lib, &used(&["AOI", "DFFSR"]), true, false).unwrap();
        assert!(m.contains("  reg P0002;"), "{m}");
        let z = models(lib, &used(&["DFFSR"]), false, true).unwrap();
        assert!(z.contains("  reg P0002 = 1'b0;"), "{z}");
        assert!(m.contains("module AOI (A, B, C, Y);"), "{m}");
        assert!(m.contains("assign #0.001 Y = ~(((A & B) | C));"), "{m}");
        assert!(
            m.contains("always @(posedge ck_ or posedge clr_ or posedge pre_)"),
            "{m}"
        );
        assert!(m.contains("if (clr_) P0002 <= 1'b0;"), "{m}");
        assert!(m.contains("assign #0.001 Q = P0002;"), "{m}");
        assert!(models(lib, &used(&["L"]), true, false)
            .unwrap_err()
            .contains("latch"));
        assert!(models(lib, &used(&["NOPE"]), false, false)
            .unwrap_err()
            .contains("NOPE"));
    }
}
