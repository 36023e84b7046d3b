//! Port lists with their columns aligned: the view computes each pad from the widest range in
//! the list, so a module's ports line up at any width (1×1, 8×8, 16×2, 23- or 64-bit
//! accumulators). Templates render them with the `partials/ports.v` partial and never pad by hand.

/// Port direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dir {
    /// `input wire`.
    In,
    /// `output wire`.
    Out,
}

/// One port as a module declares it: direction, width in bits, name, and an optional comment
/// line placed above it (to group ports).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Port {
    /// Direction.
    pub dir: Dir,
    /// Width in bits.
    pub bits: u32,
    /// Always written with a range, even at one bit (a per-row or per-column vector that the
    /// RTL indexes).
    pub vector: bool,
    /// Name.
    pub name: String,
    /// A comment line above the port.
    pub note: Option<String>,
}

impl Port {
    /// An input.
    pub fn input(name: &str, bits: u32) -> Port {
        Port {
            dir: Dir::In,
            bits,
            vector: false,
            name: name.to_string(),
            note: None,
        }
    }

    /// The same port as a vector: `[0:0]` at one bit.
    pub fn vector(mut self) -> Port {
        self.vector = true;
        self
    }

    /// Whether the port is written with a range.
    fn ranged(&self) -> bool {
        self.bits > 1 || self.vector
    }

    /// An output.
    pub fn output(name: &str, bits: u32) -> Port {
        Port {
            dir: Dir::Out,
            ..Port::input(name, bits)
        }
    }

    /// The same port with a comment line above it.
    pub fn note(mut self, text: &str) -> Port {
        self.note = Some(text.to_string());
        self
    }
}

/// A port ready to render: the template writes the direction, `[msb:0]` when there is a
/// range, then `pad` and the name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortView {
    /// `input wire`.
    pub input: bool,
    /// Most significant bit, when the port is a vector.
    pub msb: Option<u32>,
    /// Spaces between the range column and the name.
    pub pad: String,
    /// Name.
    pub name: String,
    /// Comment line above the port.
    pub note: Option<String>,
    /// The last port (no comma).
    pub last: bool,
}

/// Characters `[msb:0]` takes (0 for a scalar).
fn range_len(p: &Port) -> usize {
    if p.ranged() {
        (p.bits - 1).to_string().len() + 4
    } else {
        0
    }
}

/// Align a port list: names start in one column.
pub fn align(ports: &[Port]) -> Vec<PortView> {
    let col = ports.iter().map(range_len).max().unwrap_or(0);
    let n = ports.len();
    ports
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let len = range_len(p);
            let pad = if col == 0 { 0 } else { col - len + 1 };
            PortView {
                input: p.dir == Dir::In,
                msb: p.ranged().then(|| p.bits - 1),
                pad: " ".repeat(pad),
                name: p.name.clone(),
                note: p.note.clone(),
                last: i + 1 == n,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_start_in_one_column() {
        let v = align(&[
            Port::input("clk_i", 1),
            Port::input("act_i", 8),
            Port::output("acc_o", 23),
        ]);
        // "[22:0]" is 6 characters: a scalar gets 7 spaces, "[7:0]" 2, "[22:0]" 1.
        assert_eq!(v[0].pad.len(), 7);
        assert_eq!(v[1].pad.len(), 2);
        assert_eq!(v[2].pad.len(), 1);
        assert_eq!(v[1].msb, Some(7));
        assert_eq!(v[0].msb, None);
        assert!(v[2].last && !v[1].last && !v[2].input);
        // Scalars only: one space comes from the template.
        let v = align(&[Port::input("a_i", 1), Port::output("b_o", 1)]);
        assert_eq!(v[0].pad, "");
        // A one-bit vector keeps its range.
        let v = align(&[Port::input("a_i", 1).vector(), Port::input("b_i", 1)]);
        assert_eq!((v[0].msb, v[1].msb, v[1].pad.len()), (Some(0), None, 6));
    }
}
