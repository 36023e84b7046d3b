//! Stimulus and expected values for a MAC testbench, from the golden model.
//!
//! The sequence, in order:
//! 1. every weight code against the edge activations (min, max, 0, 1, and −1 when signed),
//!    each as a clear-and-accumulate cycle so every product is checked on its own, with a hold
//!    cycle after each code;
//! 2. the worst case: `max_dot_length` accumulations of the largest positive product, then of
//!    the most negative one, which reach the accumulator's bounds exactly;
//!    A narrow accumulator (`overflow: saturate | wrap`) then runs past both of its bounds:
//!    the largest product until one step beyond the most positive value, then the most
//!    negative product until beyond the most negative value (skipped when that would take
//!    more than [`MAX_OVERFLOW_CYCLES`]);
//! 3. a reset in mid-run;
//! 4. `random` seeded cycles: random activations (one in eight an edge value) and codes,
//!    `en` low on a periodic pattern, `clr` every `p` cycles with `p` changing per segment and
//!    never more than `max_dot_length` accumulations between clears.

use super::{MacModel, Stim};
use crate::config::Design;
use crate::rng::Rng;
use crate::widths::{extreme_products, Overflow, Tie};

/// One checked cycle: its inputs and the accumulator expected after the clock edge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Vector {
    /// Inputs.
    pub stim: Stim,
    /// Expected accumulator.
    pub expect: i64,
}

/// Edge activations of a design.
pub fn edge_acts(d: &Design) -> Vec<i64> {
    let mut v = vec![d.act.min(), d.act.max(), 0, 1];
    if d.act.signed() {
        v.push(-1);
    }
    v
}

/// Longest overflow run (section 2) a narrow accumulator's vectors may hold.
pub const MAX_OVERFLOW_CYCLES: u64 = 1 << 17;

/// Directed stimulus (sections 1–3).
pub fn directed(d: &Design) -> Vec<Stim> {
    let mut s = Vec::new();
    for code in 0..d.weights.num_codes() {
        for a in edge_acts(d) {
            s.push(Stim::mac(a, code, true));
        }
        s.push(Stim::hold());
    }
    // The largest then the smallest product (of several equal ones, the last in search order).
    let e = extreme_products(&d.weights, &d.act, Tie::Last);
    for c in [e.hi, e.lo] {
        for i in 0..d.max_dot_length {
            s.push(Stim::mac(c.act, c.code, i == 0));
        }
        s.push(Stim::hold());
        s.push(Stim {
            clr: true,
            ..Stim::hold()
        });
    }
    if d.overflow != Overflow::Exact {
        overflow_runs(d, &e, &mut s);
    }
    s.push(Stim::mac(d.act.max(), 0, false));
    s.push(Stim {
        rst: true,
        ..Stim::mac(d.act.max(), 1, false)
    });
    s
}

/// Past the top then past the bottom of a narrow accumulator (section 2).
fn overflow_runs(d: &Design, e: &crate::widths::Extremes, s: &mut Vec<Stim>) {
    let half = 1u128 << (d.widths.acc - 1);
    let (hi, lo) = (e.hi.product.unsigned_abs(), e.lo.product.unsigned_abs());
    if hi == 0 || lo == 0 {
        return;
    }
    let up = (half.div_ceil(hi) + 1) as u64;
    let down = ((2 * half).div_ceil(lo) + 1) as u64;
    if up + down > MAX_OVERFLOW_CYCLES {
        return;
    }
    for i in 0..up {
        s.push(Stim::mac(e.hi.act, e.hi.code, i == 0));
    }
    for _ in 0..down {
        s.push(Stim::mac(e.lo.act, e.lo.code, false));
    }
    s.push(Stim::hold());
    s.push(Stim {
        clr: true,
        ..Stim::hold()
    });
}

/// Seeded random stimulus (section 4).
pub fn random(d: &Design, n: usize, seed: u64) -> Vec<Stim> {
    let mut rng = Rng::new(seed);
    let edges = edge_acts(d);
    let mut out = Vec::with_capacity(n);
    let mut since_clear = 0u64;
    let max_period = d.max_dot_length.min(64) + 1;
    let mut period = 1 + rng.below(max_period);
    let mut en_gap = 2 + rng.below(7);
    for i in 0..n as u64 {
        if i % 97 == 0 {
            period = 1 + rng.below(max_period);
            en_gap = 2 + rng.below(7);
        }
        let act = if rng.chance(1, 8) {
            edges[rng.below(edges.len() as u64) as usize]
        } else {
            rng.range_i64(d.act.min(), d.act.max())
        };
        let code = rng.below(d.weights.num_codes() as u64) as u32;
        let en = i % en_gap != 0;
        let mut clr = i % period == 0;
        if en && !clr && since_clear >= d.max_dot_length {
            clr = true;
        }
        since_clear = match (en, clr) {
            (true, true) => 1,
            (true, false) => since_clear + 1,
            (false, true) => 0,
            (false, false) => since_clear,
        };
        out.push(Stim {
            rst: false,
            clr,
            en,
            act,
            code,
        });
    }
    out
}

/// All vectors: directed then random, with expected values from the golden model.
pub fn mac_vectors(d: &Design, n_random: usize, seed: u64) -> Vec<Vector> {
    let mut model = MacModel::new(d);
    directed(d)
        .into_iter()
        .chain(random(d, n_random, seed))
        .map(|stim| Vector {
            stim,
            expect: model.step(&stim),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hw::wrap_signed;

    fn design(y: &str) -> Design {
        Design::from_yaml(y, "t").unwrap()
    }

    /// Of two pairs with the smallest product, the worst case uses the last one searched
    /// (pinned: the generated vectors must not change).
    #[test]
    fn worst_case_takes_the_last_tied_pair() {
        let d = design(
            "name: t\nweights: {format: uniform, bits: 4}\nactivations: {bits: 4, signed: true}\nmax_dot_length: 3\n",
        );
        let s = directed(&d);
        // After 16 codes × (5 edge activations + hold): 3 × (−8)·(−8), hold, clear, then
        // 3 × 7 · −8 (code 8), not −8 · 7 (code 7).
        let at = 16 * 6;
        assert_eq!((s[at].act, s[at].code), (-8, 8));
        assert_eq!((s[at + 5].act, s[at + 5].code, s[at + 5].clr), (7, 8, true));
    }

    #[test]
    fn worst_case_reaches_the_accumulator_bounds() {
        let d = design(
            "name: t\nweights: {format: pot, bits: 3, zero: none}\nactivations: {bits: 4, signed: true}\nmax_dot_length: 5\n",
        );
        // Products in [-8·8, 8·-8]... lo = -8·8 = -64? act ∈ [-8, 7], w ∈ {±1, ±2, ±4, ±8}:
        // hi = (-8)(-8) = 64, lo = (-8)(8) = -64 → ×5 = ±320 → 10 bits.
        assert_eq!(d.widths.acc, 10);
        let v = mac_vectors(&d, 0, 1);
        let max = v.iter().map(|x| x.expect).max().unwrap();
        let min = v.iter().map(|x| x.expect).min().unwrap();
        assert_eq!((min, max), (-320, 320));
    }

    #[test]
    fn random_vectors_respect_max_dot_length_and_are_seeded() {
        let d = design(
            "name: t\nweights: {format: uniform, bits: 8}\nactivations: {bits: 8, signed: true}\nmax_dot_length: 3\n",
        );
        let a = mac_vectors(&d, 5000, 42);
        assert_eq!(a, mac_vectors(&d, 5000, 42));
        assert_ne!(a, mac_vectors(&d, 5000, 43));
        // The model panics on overflow, so reaching here means no overflow; also check that
        // clears, holds and enables all occur.
        let r = random(&d, 5000, 42);
        assert!(r.iter().any(|s| s.clr && !s.en));
        assert!(r.iter().any(|s| !s.clr && !s.en));
        assert!(r.iter().filter(|s| s.en && !s.clr).count() > 1500);
    }

    /// A 16-bit PoT W4A8 accumulator saturates or wraps exactly as declared: hand-worked
    /// values of the overflow run and both bounds reached.
    #[test]
    fn narrow_accumulators_saturate_or_wrap_as_declared() {
        let y = |o: &str| {
            design(&format!(
                "name: t\nweights: {{format: pot, bits: 4}}\nactivations: {{bits: 8, signed: false}}\n\
                 max_dot_length: 256\naccumulator: {{bits: 16, overflow: {o}}}\n"
            ))
        };
        let (sat, wrap) = (y("saturate"), y("wrap"));
        let (vs, vw) = (mac_vectors(&sat, 0, 1), mac_vectors(&wrap, 0, 1));
        assert_eq!(vs.len(), vw.len());
        // Largest product 255·64 = 16320, smallest −16320.
        let max = |v: &[Vector]| v.iter().map(|x| x.expect).max().unwrap();
        let min = |v: &[Vector]| v.iter().map(|x| x.expect).min().unwrap();
        assert_eq!((min(&vs), max(&vs)), (-32768, 32767));
        // Wrap: 2·16320 = 32640 fits, 3·16320 = 48960 → 48960 − 65536 = −16576.
        let at = 16 * 5; // the worst-case run starts after 16 codes × (4 edges + hold)
        assert_eq!(vw[at + 1].expect, 32640);
        assert_eq!(vw[at + 2].expect, -16576);
        assert_eq!(vs[at + 2].expect, 32767);
        // Saturated, it stays; the first negative product then comes down from the bound.
        assert_eq!(vs[at + 255].expect, 32767);
        let neg = at + 256 + 2; // after the hold and the clear
        assert_eq!(vs[neg].expect, -16320);
        assert_eq!(vs[neg + 2].expect, -32768);
        assert_eq!(vw[neg + 2].expect, 16576);
        // The overflow run: up 32768/16320 + 1 = 4 steps (saturating at the 3rd), down 6.
        let run = neg + 256 + 2;
        let up: Vec<i64> = vs[run..run + 4].iter().map(|v| v.expect).collect();
        assert_eq!(up, [16320, 32640, 32767, 32767]);
        let down: Vec<i64> = vs[run + 4..run + 10].iter().map(|v| v.expect).collect();
        assert_eq!(down, [16447, 127, -16193, -32513, -32768, -32768]);
        let up: Vec<i64> = vw[run..run + 4].iter().map(|v| v.expect).collect();
        assert_eq!(up, [16320, 32640, -16576, -256]);
        // Exact designs have no such run: their vectors are unchanged.
        let exact = design(
            "name: t\nweights: {format: pot, bits: 4}\nactivations: {bits: 8, signed: false}\n\
             max_dot_length: 256\n",
        );
        assert_eq!(mac_vectors(&exact, 0, 1).len() + 10 + 2, vs.len());
    }

    /// Replaying the vectors through formulation 2 (the RTL's datapath) gives the same
    /// accumulators: a second, independent check of the expected values.
    #[test]
    fn vectors_agree_with_the_shift_path() {
        for y in [
            "name: t\nweights: {format: apot, bits: 5}\nactivations: {bits: 6, signed: false}\nmax_dot_length: 9\n",
            "name: t\nweights: {format: pot, bits: 4}\nactivations: {bits: 8, signed: true}\nmax_dot_length: 2\n",
            "name: t\nweights: {format: uniform, bits: 3}\nactivations: {bits: 16, signed: false}\nmax_dot_length: 100\n",
            "name: t\nweights: {format: pot, bits: 4}\nactivations: {bits: 8, signed: false}\nmax_dot_length: 256\naccumulator: {bits: 16, overflow: saturate}\n",
            "name: t\nweights: {format: uniform, bits: 4}\nactivations: {bits: 8, signed: true}\nmax_dot_length: 64\naccumulator: {bits: 13, overflow: saturate}\n",
            "name: t\nweights: {format: apot, bits: 4}\nactivations: {bits: 8, signed: true}\nmax_dot_length: 64\naccumulator: {bits: 14, overflow: wrap}\n",
        ] {
            let d = design(y);
            let mut acc = 0i64;
            for v in mac_vectors(&d, 3000, 5) {
                let s = v.stim;
                acc = if s.rst {
                    0
                } else if s.en {
                    let base = if s.clr { 0 } else { acc };
                    crate::hw::datapath::next_acc(&d, base, s.act, s.code)
                } else if s.clr {
                    0
                } else {
                    acc
                };
                assert_eq!(acc, v.expect);
                assert_eq!(wrap_signed(acc as i128, d.widths.acc) as i64, acc);
            }
        }
    }
}
