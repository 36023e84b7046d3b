//! A library's wire-load model (`wire_load` groups, `default_wire_load`): the capacitance of
//! a net's wire estimated from its fanout count, as static timing does before placement.

use super::{items, numbers, Item};

/// A wire-load model: the wire capacitance a net gets from its fanout count.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WireLoad {
    /// Capacitance per unit length, in the capacitance unit.
    pub capacitance: f64,
    /// Length per fanout beyond the table.
    pub slope: f64,
    /// (fanout, length), by fanout.
    pub lengths: Vec<(f64, f64)>,
}

impl WireLoad {
    /// The wire capacitance of a net with `fanout` loads: the table's length (linear
    /// between its points; beyond its last point, the slope per further load; below its
    /// first, in proportion), times the capacitance per length.
    pub fn cap(&self, fanout: usize) -> f64 {
        let n = fanout as f64;
        let Some(&(n0, l0)) = self.lengths.first() else {
            return 0.0;
        };
        let length = if fanout == 0 {
            0.0
        } else if n <= n0 {
            l0 * n / n0
        } else {
            let &(nl, ll) = self.lengths.last().expect("not empty");
            if n >= nl {
                ll + (n - nl) * self.slope
            } else {
                let k = self
                    .lengths
                    .iter()
                    .position(|p| p.0 >= n)
                    .expect("below the last");
                let ((a, la), (b, lb)) = (self.lengths[k - 1], self.lengths[k]);
                la + (lb - la) * (n - a) / (b - a)
            }
        };
        length * self.capacitance
    }
}

pub(super) fn wire_load(body: &str) -> Result<WireLoad, String> {
    let mut w = WireLoad::default();
    for it in items(body)? {
        match it {
            Item::Attr("capacitance", v) => w.capacitance = v.parse().unwrap_or(0.0),
            Item::Attr("slope", v) => w.slope = v.parse().unwrap_or(0.0),
            Item::Complex("fanout_length", a) => {
                if let [n, l] = numbers(a)?[..] {
                    w.lengths.push((n, l));
                }
            }
            _ => {}
        }
    }
    w.lengths.sort_by(|a, b| a.0.total_cmp(&b.0));
    Ok(w)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// sky130's `Small` model's shape: in the table, between, beyond it, and no fanout.
    #[test]
    fn lengths_by_fanout() {
        let w =
            wire_load("capacitance : 2; slope : 10; fanout_length(1, 20); fanout_length(3, 40);")
                .unwrap();
        assert_eq!(w.cap(0), 0.0);
        assert_eq!(w.cap(1), 40.0);
        assert_eq!(w.cap(2), 60.0);
        assert_eq!(w.cap(3), 80.0);
        assert_eq!(w.cap(5), 120.0);
    }
}
