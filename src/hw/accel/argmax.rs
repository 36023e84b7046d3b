//! The argmax's golden model, its latency and its testbench's rows.
//!
//! Per image of the batch the argmax keeps the best logit and class so far. Each output row of
//! the last layer (an N-tile: `cols` logits, the first `ncols` of them valid, column 0's class
//! = `base`) updates its image: the row's first maximum (the lowest column among equal
//! maxima; column 0 always counts), then across rows only a strictly larger value replaces
//! the stored one, except that the image's first row (`first`) replaces whatever is stored.
//! With `last` the image's class leaves the unit.
//!
//! The RTL finds the row's maximum with a registered binary tree of [`argmax_levels`] levels
//! and keeps the per-image words in a store read synchronously, so `class_valid_o` follows
//! `valid_i` by [`argmax_latency`] cycles; a row may enter every cycle, rows of one image back
//! to back included (the store is read three cycles ahead and forwards the words written in
//! the three cycles before the write-back).

use crate::rng::Rng;

/// Registers after the tree: the class register (the store's write-back shares its cycle;
/// the compares are made a cycle earlier, as the tree's root is registered).
pub const ARGMAX_STORE_LATENCY: u64 = 1;

/// Levels of the argmax's tree over `cols` columns: ⌈log2 cols⌉, at least 3 (the store is
/// read three cycles before the write-back, with the address of the row entering the third
/// level from the top; up to 4 columns the tree has padding columns that never win).
pub fn argmax_levels(cols: u32) -> u32 {
    assert!(cols > 0, "no columns");
    (32 - (cols - 1).leading_zeros()).max(3)
}

/// Levels of the compare-and-select tree itself: ⌈log2 cols⌉, at least 1; the argmax holds
/// the row in `argmax_levels − argmax_tree_levels` registers before it (so its first compare
/// starts from a flip-flop when the columns are few).
pub fn argmax_tree_levels(cols: u32) -> u32 {
    assert!(cols > 0, "no columns");
    (32 - (cols - 1).leading_zeros()).max(1)
}

/// Cycles from a row on `valid_i` to its class on `class_valid_o`: one per tree level, then
/// [`ARGMAX_STORE_LATENCY`]. 8 columns: 3 + 1 = 4; up to 4 columns also 4.
pub fn argmax_latency(cols: u32) -> u64 {
    u64::from(argmax_levels(cols)) + ARGMAX_STORE_LATENCY
}

/// The first maximum of `row[..ncols]`, as (value, column): a plain left-to-right scan that
/// keeps the earlier column on ties. Column 0 counts even when `ncols` is 0.
pub fn row_first_max(row: &[i64], ncols: usize) -> (i64, usize) {
    let mut best = (row[0], 0);
    for (c, &v) in row.iter().enumerate().take(ncols).skip(1) {
        if v > best.0 {
            best = (v, c);
        }
    }
    best
}

/// One cycle of the argmax's input: a row, or an idle cycle (`valid` false).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArgmaxRow {
    pub valid: bool,
    pub first: bool,
    pub last: bool,
    pub image: u32,
    /// Class of column 0 (16 bits).
    pub base: u32,
    pub ncols: u32,
    pub row: Vec<i64>,
}

/// The running argmax of a batch: per image the best (value, class), `None` before the
/// image's first row.
#[derive(Debug, Clone)]
pub struct ArgmaxModel {
    best: Vec<Option<(i64, u32)>>,
    /// Classes wrap at this (the class field's bits), as in the RTL.
    mask: u32,
}

impl ArgmaxModel {
    /// A store of `batch` images, all empty, with `count_bits`-bit classes.
    pub fn new(batch: u32, count_bits: u32) -> ArgmaxModel {
        ArgmaxModel {
            best: vec![None; batch as usize],
            mask: ((1u64 << count_bits) - 1) as u32,
        }
    }

    /// Whether the image has had a first row.
    pub fn started(&self, image: u32) -> bool {
        self.best[image as usize].is_some()
    }

    /// Apply one cycle's input; returns the image's class when the row is its last.
    ///
    /// # Panics
    /// On a row of an image that has had no `first` row (the RTL's word is undefined).
    pub fn step(&mut self, r: &ArgmaxRow) -> Option<u32> {
        if !r.valid {
            return None;
        }
        let (val, col) = row_first_max(&r.row, r.ncols as usize);
        let cls = (r.base + col as u32) & self.mask;
        let slot = &mut self.best[r.image as usize];
        let keep = match *slot {
            _ if r.first => None,
            Some((old, old_cls)) if val <= old => Some((old, old_cls)),
            Some(_) => None,
            None => panic!("image {} has no first row", r.image),
        };
        let new = keep.unwrap_or((val, cls));
        *slot = Some(new);
        r.last.then_some(new.1)
    }
}

/// The argmax testbench's input, one entry per cycle: directed cases (equal maxima in one
/// row; an equal maximum in a later N-tile that must not replace, a larger one that must;
/// negative values and the extremes; columns past `ncols` larger than the valid ones; `first`
/// replacing an image's larger old best; several images interleaved; rows of one image back
/// to back, two, three and four cycles apart, larger, equal and smaller), then `random`
/// seeded rows of interleaved images with gaps of 0 to 3 idle cycles and values from a small
/// range (many ties) or the full `sum_bits` range. Images are below `batch`; every image's
/// first row in the sequence has `first` set; bases are `count_bits` wide (the directed ones
/// wrap there, as the RTL's class does).
pub fn test_rows(
    cols: u32,
    sum_bits: u32,
    count_bits: u32,
    batch: u32,
    random: usize,
    seed: u64,
) -> Vec<ArgmaxRow> {
    let c = cols as usize;
    let mask = ((1u64 << count_bits) - 1) as u32;
    let lo = -(1i64 << (sum_bits - 1));
    let hi = (1i64 << (sum_bits - 1)) - 1;
    let mut out: Vec<ArgmaxRow> = Vec::new();
    let mut started = vec![false; batch as usize];
    let mut push = |out: &mut Vec<ArgmaxRow>,
                    gap: usize,
                    image: u32,
                    first,
                    last,
                    row: Vec<i64>,
                    ncols: u32,
                    base: u32| {
        for _ in 0..gap {
            out.push(idle(c));
        }
        let image = image % batch;
        let first = first || !started[image as usize];
        started[image as usize] = true;
        out.push(ArgmaxRow {
            valid: true,
            first,
            last,
            image,
            base: base & mask,
            ncols: ncols.min(cols),
            row,
        });
    };
    // A row of `c` values from a pattern (repeated or cut).
    let row = |pat: &[i64]| -> Vec<i64> { (0..c).map(|i| pat[i % pat.len()]).collect() };
    let full = cols;
    // Equal maxima in one row: the lowest column.
    push(&mut out, 0, 0, true, true, row(&[5]), full, 0);
    push(&mut out, 1, 0, true, true, row(&[1, 7, 3, 7]), full, 100);
    // A later N-tile's equal maximum does not replace; a larger one does.
    push(&mut out, 1, 1, true, false, row(&[2, 3, 9, 9]), full, 0);
    push(&mut out, 2, 1, false, false, row(&[9, 1]), full, 8);
    push(&mut out, 2, 1, false, true, row(&[8]), full, 16);
    push(&mut out, 1, 2, true, false, row(&[4]), full, 0);
    push(&mut out, 2, 2, false, true, row(&[0, 5]), full, 8);
    // Negative values and the extremes.
    push(&mut out, 1, 3, true, true, row(&[-5, -3, -3, -8]), full, 0);
    push(&mut out, 1, 3, true, true, row(&[lo]), full, 0);
    push(&mut out, 1, 3, true, false, row(&[lo, lo + 1]), full, 0);
    push(&mut out, 1, 3, false, true, row(&[lo]), full, 8);
    push(&mut out, 1, 4, true, false, row(&[hi - 1, hi]), full, 0);
    push(&mut out, 3, 4, false, true, row(&[hi, hi - 1]), full, 8);
    // Columns past ncols are larger and ignored.
    let ramp: Vec<i64> = (0..c as i64).map(|i| 10 * i).collect();
    for n in 1..=cols {
        push(&mut out, 1, 5, true, true, ramp.clone(), n, 40);
    }
    push(&mut out, 1, 5, true, false, row(&[1]), full, 0);
    push(
        &mut out,
        1,
        5,
        false,
        true,
        ramp.iter().map(|v| v - 5).collect(),
        1,
        8,
    );
    // first replaces a larger old best.
    push(&mut out, 1, 6, true, true, row(&[100, 50]), full, 0);
    push(&mut out, 1, 6, true, true, row(&[1, 2]), full, 24);
    // Interleaved images.
    for (k, image) in [7u32, 8, 9, 7, 8, 9, 7, 8, 9].iter().enumerate() {
        let t = k / 3;
        let v = [[3i64, 5, 5], [3, 5, 4], [9, 5, 9]][*image as usize - 7][t];
        let mut r = row(&[0]);
        r[(t + *image as usize) % c] = v;
        push(
            &mut out,
            k % 2,
            *image,
            t == 0,
            t == 2,
            r,
            full,
            8 * t as u32,
        );
    }
    // One image back to back (gap 0) and 2, 3, 4 cycles apart: larger, equal, smaller.
    for gap in 0..4 {
        for (a, b) in [(3i64, 4i64), (4, 4), (4, 3), (lo, hi), (hi, lo)] {
            push(&mut out, 2, 10, true, false, row(&[a]), full, 0);
            push(&mut out, gap, 10, false, true, row(&[b]), full, 8);
        }
        // Three rows: rising, then a tie, then a fall.
        push(&mut out, 2, 11, true, false, row(&[1]), full, 0);
        push(&mut out, gap, 11, false, false, row(&[0, 2]), full, 8);
        push(&mut out, gap, 11, false, false, row(&[2]), full, 16);
        push(&mut out, gap, 11, false, true, row(&[1, 1, 3]), full, 24);
        // Two images alternating back to back.
        for k in 0..4u32 {
            push(
                &mut out,
                0,
                12 + k % 2,
                k < 2,
                k >= 2,
                row(&[k as i64 / 2 + 1, 0]),
                full,
                8 * k,
            );
        }
    }
    // Random rows.
    let mut rng = Rng::new(seed);
    let mut open: Vec<(u32, u32)> = Vec::new(); // (image, N-tiles left)
    let mut n = 0;
    while n < random {
        if open.is_empty() || (open.len() < 4 && rng.chance(1, 3)) {
            let image = rng.below(u64::from(batch)) as u32;
            if !open.iter().any(|o| o.0 == image) {
                open.push((image, 1 + rng.below(4) as u32));
                let k = open.len() - 1;
                let r = random_row(&mut rng, c, lo, hi);
                let ncols = 1 + rng.below(u64::from(cols)) as u32;
                let gap = gap(&mut rng);
                let last = open[k].1 == 1;
                push(
                    &mut out,
                    gap,
                    image,
                    true,
                    last,
                    r,
                    ncols,
                    rng.below(1 << (count_bits - 1)) as u32,
                );
                open[k].1 -= 1;
                n += 1;
            }
        } else {
            let k = rng.below(open.len() as u64) as usize;
            let image = open[k].0;
            let last = open[k].1 == 1;
            let r = random_row(&mut rng, c, lo, hi);
            let ncols = 1 + rng.below(u64::from(cols)) as u32;
            let gap = gap(&mut rng);
            push(
                &mut out,
                gap,
                image,
                false,
                last,
                r,
                ncols,
                rng.below(1 << count_bits) as u32,
            );
            open[k].1 -= 1;
            n += 1;
        }
        open.retain(|o| o.1 > 0);
    }
    out
}

fn idle(c: usize) -> ArgmaxRow {
    ArgmaxRow {
        valid: false,
        first: false,
        last: false,
        image: 0,
        base: 0,
        ncols: 0,
        row: vec![0; c],
    }
}

/// Mostly no gap or one idle cycle.
fn gap(rng: &mut Rng) -> usize {
    [0, 0, 0, 1, 1, 2, 3][rng.below(7) as usize]
}

/// Values from -3..=3 (ties), or the full range.
fn random_row(rng: &mut Rng, c: usize, lo: i64, hi: i64) -> Vec<i64> {
    let small = rng.chance(1, 2);
    (0..c)
        .map(|_| {
            if small {
                rng.range_i64(-3, 3)
            } else {
                rng.range_i64(lo, hi)
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_and_latency() {
        assert_eq!(
            [1, 2, 3, 4, 5, 8, 9, 16, 64].map(argmax_levels),
            [3, 3, 3, 3, 3, 3, 4, 4, 6]
        );
        assert_eq!(argmax_latency(8), 4);
        assert_eq!(
            [1, 2, 3, 4, 5, 8, 9, 16, 64].map(argmax_tree_levels),
            [1, 1, 2, 2, 3, 3, 4, 4, 6]
        );
        assert_eq!(argmax_latency(1), 4);
    }

    /// Worked by hand.
    #[test]
    fn first_maximum_by_hand() {
        // Ties in a row: the lowest column.
        assert_eq!(row_first_max(&[1, 7, 3, 7], 4), (7, 1));
        assert_eq!(row_first_max(&[5, 5, 5], 3), (5, 0));
        // Negative values.
        assert_eq!(row_first_max(&[-5, -3, -3, -8], 4), (-3, 1));
        // Columns past ncols are ignored; column 0 always counts.
        assert_eq!(row_first_max(&[0, 10, 20, 30], 2), (10, 1));
        assert_eq!(row_first_max(&[0, 10, 20, 30], 1), (0, 0));
        assert_eq!(row_first_max(&[0, 10, 20, 30], 0), (0, 0));

        let r = |first, last, image, base, ncols, row: &[i64]| ArgmaxRow {
            valid: true,
            first,
            last,
            image,
            base,
            ncols,
            row: row.to_vec(),
        };
        let mut m = ArgmaxModel::new(2, 16);
        // Image 0: 9 at column 2 of tile 0 (class 2); tile 1's 9 (class 8) does not replace;
        // tile 2's 10 at column 1 (class 17) does.
        assert_eq!(m.step(&r(true, false, 0, 0, 4, &[2, 3, 9, 9])), None);
        assert_eq!(m.step(&r(false, false, 0, 8, 4, &[9, 1, 1, 1])), None);
        // Image 1 interleaved: only its columns 0, 1 count (ncols 2): 4 at column 1, class 5.
        assert_eq!(m.step(&r(true, true, 1, 4, 2, &[3, 4, 50, 60])), Some(5));
        assert_eq!(m.step(&r(false, true, 0, 16, 4, &[1, 10, 10, 0])), Some(17));
        // first replaces a larger best: image 0 restarts with -1 at column 0, class 3.
        assert_eq!(m.step(&r(true, true, 0, 3, 4, &[-1, -2, -3, -4])), Some(3));
        // An idle cycle changes nothing.
        assert_eq!(m.step(&idle(4)), None);
        assert!(m.started(1));
    }

    /// The directed rows hold what the doc promises, and every image starts with `first`.
    #[test]
    fn test_rows_are_well_formed() {
        for (cols, batch, count) in [(1, 1, 3), (2, 3, 16), (4, 16, 7), (8, 64, 16), (5, 2, 5)] {
            let rows = test_rows(cols, 9, count, batch, 300, 7);
            let mut m = ArgmaxModel::new(batch, count);
            let mut classes = 0;
            for r in &rows {
                assert_eq!(r.row.len(), cols as usize);
                assert!(r.image < batch && (1..=cols).contains(&r.ncols) || !r.valid);
                assert!(!r.valid || r.first || m.started(r.image));
                classes += usize::from(m.step(r).is_some());
                assert!(r.row.iter().all(|&v| (-256..256).contains(&v)));
                assert!(r.base < 1 << count);
            }
            assert!(classes > 60, "{cols} {batch}: {classes}");
            // Back to back rows of one image.
            assert!(rows
                .windows(2)
                .any(|w| w[0].valid && w[1].valid && !w[1].first && w[0].image == w[1].image));
        }
    }
}
