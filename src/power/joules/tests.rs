//! The per-transition energies by hand ([`super::net_energy`]) and the groups' weights.

use super::*;

fn duty(f: &str, related: &str) -> f64 {
    let g = RiseFall {
        related: Some(related.into()),
        ..Default::default()
    };
    group_duty(&g, Some(&Expr::parse(f).unwrap()), false)
}

/// Two inverters in a row, by hand: scalar tables (no transition or load dependence),
/// 1 pF pins at 1.8 V.
#[test]
fn energies_of_a_two_inverter_chain() {
    let lib = r#"library (t) { capacitive_load_unit (1, pf); leakage_power_unit : "1nW";
  nom_voltage : 1.8;
  cell (INV) { area : 1; cell_leakage_power : 2;
pin (A) { direction : input; capacitance : 1; rise_capacitance : 1.2; fall_capacitance : 1;
  internal_power () { rise_power (scalar) { values ("1"); } fall_power (scalar) { values ("3"); } } }
pin (Y) { direction : output; function : "(!A)";
  internal_power () { related_pin : "A";
    rise_power (scalar) { values ("4"); } fall_power (scalar) { values ("2"); } } } } }"#;
    let library = Library::parse(lib).unwrap();
    let tables = Tables::parse(lib).unwrap();
    let n = Netlist::parse(
        "module m(a, y);\n input a;\n output y;\n wire n;\n INV u1 (.A(a), .Y(n));\n INV u2 (.A(n), .Y(y));\nendmodule\n",
    )
    .unwrap();
    let nets = n.nets(&library, 0.0).unwrap();
    let e = net_energy(&n, &nets, &library, &tables, "clk_i");
    let pj = |m: &BTreeMap<String, f64>, k: &str| m.get(k).copied().unwrap_or(0.0) * 1e12;
    let near = |x: f64, y: f64| (x - y).abs() < 1e-9;
    // n: ½·1 pF·1.8² = 1.62 pJ; OpenSTA: the larger rise capacitance, 1.2 pF.
    assert!(near(pj(&e.switching, "n"), 1.62));
    assert!(near(pj(&e.sta2019_switching, "n"), 1.944));
    // a is driven from outside: no switching here; y drives nothing.
    assert!(!e.switching.contains_key("a") && near(pj(&e.switching, "y"), 0.0));
    // n: u1's output, mean of 4 and 2, plus u2's input, mean of 1 and 3: 3 + 2.
    assert!(near(pj(&e.internal, "n"), 5.0));
    // OpenSTA 2019: (4 + 2) × 1 (an inverter's duty) + (1 + 3) × ½.
    assert!(near(pj(&e.sta2019, "n"), 8.0));
    assert!(near(pj(&e.internal, "a"), 2.0) && near(pj(&e.internal, "y"), 3.0));
    assert!(near(e.leakage_w, 4e-9));
}

/// A flip-flop's share: the net it drives, its pins' internal energy, its leakage.
#[test]
fn flip_flop_share() {
    let lib = r#"library (t) { capacitive_load_unit (1, pf); leakage_power_unit : "1nW";
  nom_voltage : 1;
  cell (INV) { area : 1; cell_leakage_power : 2;
pin (A) { direction : input; capacitance : 1; }
pin (Y) { direction : output; function : "(!A)"; } }
  cell (DFF) { area : 4; cell_leakage_power : 3; ff (IQ, IQN) { next_state : "D"; clocked_on : "CLK"; }
pin (D) { direction : input; capacitance : 1; }
pin (CLK) { direction : input; capacitance : 1; clock : true;
  internal_power () { rise_power (scalar) { values ("2"); } fall_power (scalar) { values ("2"); } } }
pin (Q) { direction : output; function : "IQ"; } } }"#;
    let library = Library::parse(lib).unwrap();
    let tables = Tables::parse(lib).unwrap();
    let n = Netlist::parse(
        "module m(clk_i, d, y);\n input clk_i, d;\n output y;\n wire q, nd;\n INV u0 (.A(d), .Y(nd));\n DFF u1 (.D(nd), .CLK(clk_i), .Q(q));\n INV u2 (.A(q), .Y(y));\nendmodule\n",
    )
    .unwrap();
    let nets = n.nets(&library, 0.0).unwrap();
    let e = net_energy(&n, &nets, &library, &tables, "clk_i");
    assert_eq!(e.ff_nets.iter().collect::<Vec<_>>(), ["q"]);
    assert_eq!(e.ff_internal.keys().collect::<Vec<_>>(), ["clk_i"]);
    assert!((e.ff_internal["clk_i"] - 2e-12).abs() < 1e-20);
    assert!((e.ff_leakage_w - 3e-9).abs() < 1e-18 && (e.leakage_w - 7e-9).abs() < 1e-18);
}

/// The weights of the groups of common gates, by hand.
#[test]
fn group_duties() {
    assert_eq!(duty("(!A)", "A"), 1.0);
    assert_eq!(duty("(A B)", "A"), 0.5);
    assert_eq!(duty("(A^B)", "B"), 0.5);
    // AOI21: C switches Y when !(A B), 3/4 of the time; A's condition is not read
    // off the shape (one half).
    assert_eq!(duty("(!((A B)+C))", "C"), 0.75);
    assert_eq!(duty("(!((A B)+C))", "A"), 0.5);
    // NAND3 `(!((A B) C))`: C when A B.
    assert_eq!(duty("(!((A B) C))", "C"), 0.25);
    let clk = RiseFall::default();
    assert_eq!(group_duty(&clk, None, true), 1.0);
    assert_eq!(group_duty(&clk, None, false), 0.5);
    let when = RiseFall {
        when: Some("!A & B".into()),
        ..Default::default()
    };
    assert_eq!(group_duty(&when, None, false), 0.25);
}
