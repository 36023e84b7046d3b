//! Toggle counting from a VCD file: every 0↔1 change of every bit of the variables declared
//! directly in one scope (not in its sub-scopes), from a start time on. Changes to or from
//! `x`/`z` are not toggles. A bit that changes and changes back within one time step shows
//! up only if the simulator wrote both changes (Icarus writes the value at the end of a time
//! step, so a zero-width pulse is not a toggle; a unit-delay pulse is).

use std::collections::BTreeMap;

/// Toggles per bit (`name[i]` for vector bits, `name` for scalars) in one scope.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Toggles {
    /// Toggle count by bit name.
    pub by_bit: BTreeMap<String, u64>,
    /// The value of every bit at the end (`b'0'`, `b'1'`, `b'x'` or `b'z'`).
    pub last: BTreeMap<String, u8>,
    /// Time of the last change read (in the file's time unit).
    pub end_time: u64,
}

struct Var {
    /// Bit names, LSB first.
    bits: Vec<String>,
}

/// Count toggles of the variables of `scope` (e.g. `["tb", "dut"]`) at or after `start`.
pub fn count(text: &str, scope: &[&str], start: u64) -> Result<Toggles, String> {
    let mut path: Vec<String> = Vec::new();
    let mut vars: BTreeMap<String, Vec<Var>> = BTreeMap::new();
    let mut words = text.split_ascii_whitespace();
    // Header.
    loop {
        let w = words.next().ok_or("the VCD has no $enddefinitions")?;
        match w {
            "$scope" => {
                let _kind = words.next();
                path.push(words.next().ok_or("bad $scope")?.to_string());
            }
            "$upscope" => {
                path.pop();
            }
            "$var" => {
                let decl: Vec<&str> = words.by_ref().take_while(|w| *w != "$end").collect();
                // type width code name [range]
                if decl.len() < 4 {
                    return Err(format!("bad $var {decl:?}"));
                }
                if path.iter().map(String::as_str).ne(scope.iter().copied()) {
                    continue;
                }
                let width: usize = decl[1].parse().map_err(|_| format!("bad width {decl:?}"))?;
                let name = decl[3].trim_start_matches('\\');
                let range = decl.get(4).map(|r| r.to_string()).or_else(|| {
                    // `name[3:0]` written without a space.
                    name.find('[')
                        .filter(|_| width > 1)
                        .map(|i| name[i..].to_string())
                });
                let name = match (&range, decl.get(4)) {
                    (Some(_), None) => &name[..name.find('[').expect("found above")],
                    _ => name,
                };
                let bits = match (width, range) {
                    (1, r) => vec![match r {
                        Some(r) => format!("{name}{r}"),
                        None => name.to_string(),
                    }],
                    (w, Some(r)) => {
                        let inner = r.trim_start_matches('[').trim_end_matches(']');
                        let (m, l) = inner.split_once(':').ok_or(format!("bad range {r}"))?;
                        let m: i64 = m.parse().map_err(|_| format!("bad range {r}"))?;
                        let l: i64 = l.parse().map_err(|_| format!("bad range {r}"))?;
                        if (m - l).unsigned_abs() as usize + 1 != w {
                            return Err(format!("range {r} of {name} is not {w} bits"));
                        }
                        let step = if m >= l { 1 } else { -1 };
                        (0..w as i64)
                            .map(|i| format!("{name}[{}]", l + step * i))
                            .collect()
                    }
                    (w, None) => (0..w).map(|i| format!("{name}[{i}]")).collect(),
                };
                vars.entry(decl[2].to_string())
                    .or_default()
                    .push(Var { bits });
            }
            "$enddefinitions" => break,
            _ => {}
        }
    }
    if vars.is_empty() {
        return Err(format!(
            "the VCD has no variables in scope {}",
            scope.join(".")
        ));
    }
    // Current value per code (LSB first, b'0' b'1' b'x').
    let mut values: BTreeMap<&str, Vec<u8>> = BTreeMap::new();
    let mut counts: BTreeMap<&str, Vec<u64>> = BTreeMap::new();
    for (code, v) in &vars {
        let w = v[0].bits.len();
        values.insert(code.as_str(), vec![b'x'; w]);
        counts.insert(code.as_str(), vec![0; w]);
    }
    let mut time = 0u64;
    let mut pending_vector: Option<&str> = None;
    for w in words {
        if let Some(val) = pending_vector.take() {
            apply(&mut values, &mut counts, w, val, time >= start);
            continue;
        }
        let b = w.as_bytes()[0];
        match b {
            b'#' => time = w[1..].parse().map_err(|_| format!("bad time `{w}`"))?,
            b'b' | b'B' | b'r' | b'R' => {
                if b == b'r' || b == b'R' {
                    return Err("real-valued VCD variables are not supported".into());
                }
                pending_vector = Some(&w[1..]);
            }
            b'0' | b'1' | b'x' | b'X' | b'z' | b'Z' => {
                apply(&mut values, &mut counts, &w[1..], &w[..1], time >= start)
            }
            b'$' => {} // $dumpvars, $end, $dumpoff...: values inside count like any other.
            _ => return Err(format!("unexpected `{w}` in the VCD")),
        }
    }
    let (mut by_bit, mut last) = (BTreeMap::new(), BTreeMap::new());
    for (code, vs) in &vars {
        for v in vs {
            let (n, x) = (&counts[code.as_str()], &values[code.as_str()]);
            for (i, name) in v.bits.iter().enumerate() {
                by_bit.insert(name.clone(), n[i]);
                last.insert(name.clone(), x[i]);
            }
        }
    }
    Ok(Toggles {
        by_bit,
        last,
        end_time: time,
    })
}

/// Apply a value change `val` (MSB first, left-extended) to a code, counting toggles.
fn apply(
    values: &mut BTreeMap<&str, Vec<u8>>,
    counts: &mut BTreeMap<&str, Vec<u64>>,
    code: &str,
    val: &str,
    counting: bool,
) {
    let (Some(cur), Some(cnt)) = (values.get_mut(code), counts.get_mut(code)) else {
        return; // a variable of another scope
    };
    let v = val.as_bytes();
    let w = cur.len();
    let fill = match v.first() {
        Some(b'x' | b'X') => b'x',
        Some(b'z' | b'Z') => b'z',
        _ => b'0',
    };
    for i in 0..w {
        let new = if i < v.len() {
            v[v.len() - 1 - i].to_ascii_lowercase()
        } else {
            fill
        };
        let old = cur[i];
        if counting && old != new && matches!(old, b'0' | b'1') && matches!(new, b'0' | b'1') {
            cnt[i] += 1;
        }
        cur[i] = new;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VCD: &str = "$timescale 1ps $end\n$scope module tb $end\n$var reg 1 ! clk $end\n$scope module dut $end\n$var wire 1 \" _0_ $end\n$var wire 3 # a [2:0] $end\n$var wire 1 $ \\g[1].q $end\n$scope module u $end\n$var wire 1 % Y $end\n$upscope $end\n$upscope $end\n$upscope $end\n$enddefinitions $end\n#0\n$dumpvars\n0!\nx\"\nb0 #\n0$\n0%\n$end\n#5\n1!\n0\"\nb101 #\n1%\n#10\n1\"\nb1 #\n1$\n#11\n0\"\n#12\nz$\n";

    #[test]
    fn counts_bit_toggles_in_one_scope() {
        let t = count(VCD, &["tb", "dut"], 0).unwrap();
        // _0_: x→0 (not a toggle), 0→1, 1→0: 2. a: 000→101 (bits 0, 2), 101→001 (bit 2).
        assert_eq!(t.by_bit["_0_"], 2);
        assert_eq!(
            (t.by_bit["a[0]"], t.by_bit["a[1]"], t.by_bit["a[2]"]),
            (1, 0, 2)
        );
        // g[1].q: 0→1, then 1→z (not a toggle).
        assert_eq!(t.by_bit["g[1].q"], 1);
        assert!(!t.by_bit.contains_key("clk") && !t.by_bit.contains_key("Y"));
        assert_eq!(t.end_time, 12);
        assert_eq!(
            (t.last["a[0]"], t.last["a[2]"], t.last["g[1].q"]),
            (b'1', b'0', b'z')
        );
        // From time 10 on: _0_ 2, a[2] 1, a[0] 0.
        let t = count(VCD, &["tb", "dut"], 10).unwrap();
        assert_eq!(
            (t.by_bit["_0_"], t.by_bit["a[2]"], t.by_bit["a[0]"]),
            (2, 1, 0)
        );
        assert!(count(VCD, &["tb", "nope"], 0).is_err());
    }
}
