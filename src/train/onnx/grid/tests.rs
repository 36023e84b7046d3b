use super::*;

fn spec(s: &str) -> FormatSpec {
    FormatSpec::parse(s).unwrap()
}

/// `ints` times `scale`, multiplied in f32 as a QONNX or QCDQ dequantization does.
fn on_scale(ints: &[i32], scale: f32) -> Vec<f32> {
    ints.iter().map(|&q| q as f32 * scale).collect()
}

#[test]
fn grids_by_hand() {
    let pot = detect(&[0.5, -0.125, 0.0, 0.25, -0.0625]);
    assert_eq!(
        pot,
        Grid::Pot {
            spec: spec("pot:4"),
            span: 3
        }
    );
    // No zero: pot:N:none, and 3 octaves need 3 bits (exponents 0..3).
    let Grid::Pot { spec: s, span } = detect(&[3.0, -1.5, 0.75, 0.375]) else {
        panic!("PoT")
    };
    assert_eq!((s.label(), span), ("pot:3:none".into(), 3));
    assert_eq!(detect(&[0.7, -0.1234, 0.3141]), Grid::Float);
    // 4-bit narrow-range integers (max 7): uniform, not PoT, and not APoT although 0..7 are
    // all apot:7 levels (uniform is tried first).
    let w = on_scale(&[7, -3, 5, 0, -7, 1], 0.013);
    assert_eq!(detect(&w), Grid::Uniform { bits: 4 });
    assert_eq!(detect(&[0.0, 0.0]), Grid::Float);
    // Held exactly: the 4-bit integers by uniform:4 and uniform:8 (at another full scale),
    // not by pot:4; the PoT weights by pot:4, not by pot:3 (6 octaves need 7 exponents).
    assert!(exact_in(spec("uniform:4"), &w).is_some());
    // The largest step count that fits: 126 = 18·7 of uniform:8's 127 levels.
    let lq = exact_in(spec("uniform:8"), &w).unwrap();
    assert_eq!(lq.alpha, 127.0 / 126.0);
    assert!(exact_in(spec("pot:4"), &w).is_none());
    let p = [1.0f32, -0.5, 0.0, 2f32.powi(-6)];
    assert!(exact_in(spec("pot:4"), &p).is_some());
    assert!(exact_in(spec("pot:3"), &p).is_none());
    assert!(exact_in(spec("uniform:8"), &[0.7, -0.1234, 0.3141]).is_none());
}

/// apot:4's magnitudes are {0,1,2,4,8} + {0,2} (its base sets {2^-1,2^-2,2^-4} and {2^-3}
/// times 2^4): {0,1,2,3,4,6,8,10}. apot:5's are {0,2,8,32} + {0,1,4,16}:
/// {0,1,2,3,4,6,8,9,12,16,18,24,32,33,36,48}.
#[test]
fn apot_grids_by_hand() {
    // 10, 6 and 3 are sums of two terms: not PoT; 1 step in 10 is no uniform grid (its
    // largest weight is 2^(b-1) − 1 steps, never a multiple of 10); apot:3's levels
    // {0,1,2,4} have no 3: apot:4, the largest weight on level 10.
    let w = on_scale(&[10, -6, 3, 0, -1, 8, 4, -2], 0.25);
    let want = Grid::Apot {
        spec: spec("apot:4"),
        terms: 2,
    };
    assert_eq!(detect(&w), want);
    let lq = exact_in(spec("apot:4"), &w).unwrap();
    assert_eq!(lq.quantize(&w).values, w);
    assert_eq!(lq.quantize(&w).ints, [10, -6, 3, 0, -1, 8, 4, -2]);

    // A ratio of 48 is beyond apot:4's 10: apot:5 (48 = 32+16, 33 = 32+1, 18 = 2+16,
    // 9 = 8+1), on a scale that is no power of two, so the f32 products are rounded. Here
    // max|W| / 48 (max|W| itself rounded) misses some of them by an ulp; the scale fitted to
    // the weights gives every one back bit for bit.
    let ints = [48, -33, 18, 9, -6, 3, 1, 0, -48];
    let w = on_scale(&ints, 0.1);
    let want = Grid::Apot {
        spec: spec("apot:5"),
        terms: 2,
    };
    assert_eq!(detect(&w), want);
    let lq = exact_in(spec("apot:5"), &w).unwrap();
    let q = lq.quantize(&w);
    assert_eq!(
        (q.values, q.ints),
        (w.clone(), ints.map(i64::from).to_vec())
    );
    let plain = LayerQuant::new(spec("apot:5"), ClipRule::Max, 0.0).unwrap();
    assert_ne!(plain.quantize(&w).values, w);
    assert_ne!(lq.alpha, 1.0);

    // Pure powers of two are APoT levels too (apot:3 is {0,1,2,4}), but PoT wins.
    let p = on_scale(&[4, -2, 1, 0], 0.0123);
    assert_eq!(
        detect(&p),
        Grid::Pot {
            spec: spec("pot:3"),
            span: 2
        }
    );

    // Neither: 11·s, 5·s, s (no level set of apot:3..7 holds the ratios 11:5:1 — apot:4's
    // largest is 10, and in apot:5..7 no multiple of 11 that is a level has the matching
    // multiples of 5 and 1 as levels), nor uniform (11 steps); nor 449 steps (apot:7's
    // largest level is 448 = 256+128+64, so 1 step is below its finest).
    assert_eq!(detect(&on_scale(&[11, -5, 1], 0.5)), Grid::Float);
    assert_eq!(detect(&on_scale(&[449, 1], 0.5)), Grid::Float);

    // The largest weight of the apot:4 grid one ulp up (2.5 + 2^-22): not APoT (nor
    // anything else). The scale s of 10·s then needs s ≥ 0.25 + 2^-23/10 to round to it,
    // while 6·s = 1.5 needs s within 2^-24/6 of 0.25; apot:4 holds it only within 1e-6 of
    // max|W|, not bit for bit.
    let mut off = on_scale(&[10, -6, 3, 0, -1, 8, 4, -2], 0.25);
    off[0] = f32::from_bits(off[0].to_bits() + 1);
    assert_eq!(detect(&off), Grid::Float);
    let q = exact_in(spec("apot:4"), &off).unwrap().quantize(&off);
    assert_ne!(q.values, off);
}
