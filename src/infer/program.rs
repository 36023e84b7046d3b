//! An exported integer model as an accelerator program: the accelerator design its formats
//! need ([`accel_design`], memory sizes derived from the model), the layer descriptors, the
//! weight and bias memory images ([`Program`]) and the activation words of an image.
//!
//! Feature maps (ws) are stored image-major, one word per pixel and channel word (C channels
//! of one pixel, zero past the channels): word `(image·H·W + pixel)·⌈ch/C⌉ + channel word`.
//! A convolution's K-tiles are its kernel positions (row, column) × channel words, so its
//! weight rows are ordered that way; a dense layer after a convolution reads the feature map
//! as one vector, pixel-major, so its weight rows are the model's CHW-flattened inputs
//! permuted to that order.

use super::plan::{plan, LayerPlan, Shape};
use super::InferError;
use crate::config::{AccelRequest, ArrayShape, Dataflow, Design};
use crate::emit::hex;
use crate::hw::accel::{AccelWidths, BiasEntry, Descriptor, Geometry, MAX_S, M_BITS};
use crate::model::IntModel;

/// Images of one simulator run: the testbench's image store holds this many.
pub fn chunk_images(batch: u32) -> u32 {
    batch * 16
}

/// The accelerator design for `model` on a `side`×`side` array with `batch` images per
/// pass: the model's weight and activation formats, `max_dot_length` = the largest K, and
/// memories just large enough for the model (`docs/guide/03-accelerator.md`).
pub fn accel_design(
    model: &IntModel,
    shape: ArrayShape,
    batch: u32,
    name: &str,
) -> Result<Design, InferError> {
    if shape.rows != shape.cols {
        return Err(InferError::Unsupported(format!(
            "the accelerator needs a square array (e.g. 8x8:ws or 8x8:os), got {}x{}:{}",
            shape.rows,
            shape.cols,
            shape.dataflow.name()
        )));
    }
    let plans = plan(model)?;
    let f = model.layers[0].format;
    if let Some(l) = model.layers.iter().position(|l| l.format != f) {
        return Err(InferError::Unsupported(format!(
            "layer {l} has weight format {} and layer 0 {}; the accelerator has one MAC format \
             for all layers",
            model.layers[l].format.label(),
            f.label()
        )));
    }
    let side = shape.rows as usize;
    let words = |n: usize| n.div_ceil(side) as u32;
    let origin = "the exported model";
    let weights = crate::model::lower::weight_format(&f, origin)?;
    let builder = Design::builder(
        name,
        &weights,
        model.act_bits,
        false,
        // os steps a dense layer after a convolution through its map's padded lanes too.
        plans
            .iter()
            .map(|p| match shape.dataflow {
                Dataflow::Os => p.k.max(p.os_tile_steps(side)),
                Dataflow::Ws => p.k,
            } as u64)
            .max()
            .unwrap_or(1),
    )
    .array(ArrayShape {
        rows: side as u32,
        cols: side as u32,
        dataflow: shape.dataflow,
    });
    let base = builder.clone().build(origin)?;
    let bias_bits = model.layers.iter().map(|l| l.acc_width).max().unwrap_or(1);
    let os = shape.dataflow == Dataflow::Os;
    let max_words = plans
        .iter()
        .map(|p| {
            let (i, o) = p.words(side);
            i.max(o) as u32
        })
        .max()
        .unwrap_or(1);
    let accel = AccelRequest {
        batch: Some(batch),
        // ws: per N-tile, kernel positions × channel words K-tiles of R rows; os: ⌈N/C⌉
        // tiles of K rows.
        weight_words: Some(
            plans
                .iter()
                .map(|p| {
                    if os {
                        p.os_tile_steps(side) as u32 * words(p.n)
                    } else {
                        (p.k_tiles(side) * side) as u32 * words(p.n)
                    }
                })
                .sum(),
        ),
        // os: R banks of ⌈B/R⌉ words per feature word.
        act_words: Some(if os {
            batch.div_ceil(side as u32) * side as u32 * max_words
        } else {
            batch * max_words
        }),
        bias_words: Some(plans.iter().map(|p| words(p.n)).sum()),
        bias_bits: Some(bias_bits.max(base.widths.acc)),
        layers: Some(plans.len() as u32),
        image_words: Some(chunk_images(batch) * plans[0].words(side).0 as u32),
        // The last layer's N-tiles, so that the host may ask for every logit.
        out_tiles: Some(plans.last().map_or(1, |p| words(p.n))),
        // The sequencer's convolution path only when the model has convolutions.
        conv: Some(plans.iter().any(|p| p.conv.is_some())),
        // A block of rows holds at least one image of every layer.
        psum_rows: (!os).then(|| {
            plans
                .iter()
                .map(|p| p.rows_per_image() as u32)
                .max()
                .unwrap_or(1)
                .max(batch)
        }),
    };
    Ok(builder.accelerator(accel).build(origin)?)
}

/// The memory images of a model on an accelerator design.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Program {
    /// One descriptor per layer.
    pub descriptors: Vec<Descriptor>,
    /// Weight memory words, C codes each (element c = column c).
    pub weights: Vec<Vec<u32>>,
    /// Bias memory words, C entries each (element c = column c): the output's bias and its
    /// requantization M, S (per output channel; a per-tensor layer repeats its M, S; the
    /// last layer and columns past N: M = 0, S = 1).
    pub biases: Vec<Vec<BiasEntry>>,
    /// Activation words per input image.
    pub in_words: u32,
    /// The input feature map (channels, height, width).
    pub input: Shape,
}

/// The bias-memory entries of layer `l`, one per output channel: its bias and requantization
/// (the last layer: M = 0, S = 1, which the bypass ignores). M and S must fit the post-op
/// unit's fields; the error names the layer and the channel.
fn bias_entries(model: &IntModel, l: usize) -> Result<Vec<BiasEntry>, InferError> {
    let last = model.layers.len() - 1;
    let layer = &model.layers[l];
    if l == last {
        if layer.requantizes() {
            return Err(InferError::Unsupported(format!(
                "layer {l}: the last layer's outputs are the logits; it has no requantization"
            )));
        }
        return Ok(layer.bias.iter().map(|&b| BiasEntry::bypass(b)).collect());
    }
    layer
        .bias
        .iter()
        .enumerate()
        .map(|(o, &bias)| {
            let rq = layer.requant_for(o).ok_or_else(|| {
                InferError::Unsupported(format!(
                    "layer {l}, output channel {o}: no requantization (only the last layer may \
                     have none)"
                ))
            })?;
            if !(0..1 << M_BITS).contains(&rq.m) || !(1..=MAX_S).contains(&rq.s) {
                return Err(InferError::Unsupported(format!(
                    "layer {l}, output channel {o}: requantization M = {}, S = {} is outside the \
                     post-op unit's M < 2^{M_BITS}, S in 1..={MAX_S}",
                    rq.m, rq.s
                )));
            }
            Ok(BiasEntry {
                bias,
                m: rq.m as u32,
                s: rq.s,
            })
        })
        .collect()
}

/// The weight code of output `col`, step `e` of an os tile (0 past K or N): a convolution's
/// steps are kernel positions, then the input's channels (channel `ch` = the ws K-tile's
/// word `ch / C`, row `ch mod C`); a dense layer's are its input map's words' lanes in
/// order (word `e / C`, row `e mod C`).
fn os_code(p: &LayerPlan, codes: &[u32], side: usize, e: usize, col: usize) -> u32 {
    let (kt, r) = match p.conv {
        Some(_) => {
            let kp = p.os_steps(side);
            let (pos, ch) = (e / kp, e % kp);
            (pos * p.input.0.div_ceil(side) + ch / side, ch % side)
        }
        None => (e / side, e % side),
    };
    ws_code(p, codes, side, kt, r, col)
}

/// The weight code of output `col`, K-tile `kt`, row `r` of a ws layer (0 past K or N):
/// convolutions K-tile = (kernel row, kernel column, channel word), dense layers K-tile =
/// (input pixel, channel word) of the input feature map, both with row r = channel
/// cw·C + r.
fn ws_code(p: &LayerPlan, codes: &[u32], side: usize, kt: usize, r: usize, col: usize) -> u32 {
    let (c_in, h, w) = p.input;
    let cwords = c_in.div_ceil(side);
    let (pos, cw) = (kt / cwords, kt % cwords);
    let ch = cw * side + r;
    if ch >= c_in || col >= p.n {
        return 0;
    }
    match p.conv {
        Some(s) => {
            let (ky, kx) = (pos / s.k, pos % s.k);
            codes[col * s.col_rows() + (ch * s.k + ky) * s.k + kx]
        }
        None => codes[col * p.k + ch * h * w + pos],
    }
}

/// Compile `model` for the accelerator `d`: per layer N-tile outer, K-tile inner, R weight
/// rows per tile (codes past K or N are code 0: they meet zero activations or masked columns).
pub fn compile(model: &IntModel, d: &Design) -> Result<Program, InferError> {
    let w = AccelWidths::new(d);
    let x = d.accel.expect("an accelerator design");
    let side = w.side as usize;
    let os = w.dataflow == Dataflow::Os;
    let plans = plan(model)?;
    let (mut descriptors, mut weights, mut biases) = (Vec::new(), Vec::new(), Vec::new());
    let last = model.layers.len() - 1;
    let batch = x.batch as usize;
    for (l, (layer, p)) in model.layers.iter().zip(&plans).enumerate() {
        let entries = bias_entries(model, l)?;
        let nt = p.n.div_ceil(side);
        let (in_words, out_words) = p.words(side);
        // Every image of the batch in and out must fit an activation buffer (its half).
        for (what, words) in [("input", in_words), ("output", out_words)] {
            if batch * words > x.act_words as usize {
                return Err(InferError::Fit(format!(
                    "layer {l}: its {what} feature map is {words} words per image, {} for a \
                     batch of {batch}; the accelerator's activation buffer holds {} words",
                    batch * words,
                    x.act_words
                )));
            }
        }
        let rows = p.rows_per_image();
        if !os && rows > x.psum_rows as usize {
            return Err(InferError::Fit(format!(
                "layer {l}: one image streams {rows} rows (output pixels), the partial-sum \
                 memory holds {} (accelerator.psum_rows)",
                x.psum_rows
            )));
        }
        let ipb = (x.psum_rows as usize / rows).clamp(1, batch) as u32;
        if p.conv.is_some() && !w.conv {
            return Err(InferError::Unsupported(format!(
                "layer {l} is a convolution; this accelerator was built for dense layers only \
                 (accelerator.conv: false)"
            )));
        }
        let (k_tiles, geo) = match (os, p.conv) {
            (true, None) => (p.os_steps(side) as u32, Geometry::dense(1)),
            (false, None) => (in_words as u32, Geometry::dense(ipb)),
            (_, Some(c)) => (
                if os {
                    p.os_steps(side) as u32
                } else {
                    p.input.0.div_ceil(side) as u32
                },
                Geometry {
                    k: c.k as u32,
                    stride: c.stride as u32,
                    pad: c.pad as u32,
                    pool: p.pool,
                    in_h: c.in_h as u32,
                    in_w: c.in_w as u32,
                    out_h: p.output.1 as u32,
                    out_w: p.output.2 as u32,
                    ipb,
                },
            ),
        };
        descriptors.push(Descriptor {
            last: l == last,
            k_tiles,
            n_tiles: nt as u32,
            n: p.n as u32,
            w_base: weights.len() as u32,
            b_base: biases.len() as u32,
            geo,
        });
        for t in 0..nt {
            if os {
                // Per N-tile, one word per step: kernel position, then its steps (a
                // channel, or an element of the input map's words), as ws K-tiles and rows.
                for e in 0..p.os_tile_steps(side) {
                    weights.push(
                        (0..side)
                            .map(|c| os_code(p, &layer.codes, side, e, t * side + c))
                            .collect(),
                    );
                }
            } else {
                for kt in 0..p.k_tiles(side) {
                    for r in 0..side {
                        weights.push(
                            (0..side)
                                .map(|c| ws_code(p, &layer.codes, side, kt, r, t * side + c))
                                .collect(),
                        );
                    }
                }
            }
            biases.push(
                (0..side)
                    .map(|c| {
                        entries
                            .get(t * side + c)
                            .copied()
                            .unwrap_or(BiasEntry::bypass(0))
                    })
                    .collect(),
            );
        }
    }
    let fit = |what: &str, need: usize, have: u32| {
        if need > have as usize {
            Err(InferError::Fit(format!(
                "the model needs {need} {what} words, the accelerator has {have}"
            )))
        } else {
            Ok(())
        }
    };
    fit("weight memory", weights.len(), x.weight_words)?;
    fit("bias memory", biases.len(), x.bias_words)?;
    fit("program memory", descriptors.len(), x.layers)?;
    // CHECK refuses a last layer of more N-tiles than the output buffer holds.
    if let Some(d) = descriptors.last() {
        if d.n_tiles > x.out_tiles {
            return Err(InferError::Fit(format!(
                "layer {}: its {} outputs are {} N-tiles, the accelerator's out_tiles is {}",
                descriptors.len() - 1,
                d.n,
                d.n_tiles,
                x.out_tiles
            )));
        }
    }
    if os {
        let max_words = plans
            .iter()
            .map(|p| {
                let (i, o) = p.words(side);
                i.max(o)
            })
            .max()
            .unwrap_or(1);
        let act_need = x.batch.div_ceil(w.side) * w.side * max_words as u32;
        fit("activation buffer", act_need as usize, x.act_words)?;
    }
    // The design's sizes bound every field (`hw::accel::count_bits`); say so if not.
    for (l, d) in descriptors.iter().enumerate() {
        if let Some((name, v, bits)) = d.bounded(&w).into_iter().find(|&(_, v, b)| v >= 1 << b) {
            return Err(InferError::Fit(format!(
                "layer {l}: its {name} ({v}) needs more than the accelerator's {bits}-bit field"
            )));
        }
    }
    if let Some(b) = model
        .layers
        .iter()
        .position(|l| l.acc_width > w.postop.bias)
    {
        return Err(InferError::Fit(format!(
            "layer {b}: biases need {} bits, the accelerator has {}",
            model.layers[b].acc_width, w.postop.bias
        )));
    }
    Ok(Program {
        descriptors,
        weights,
        biases,
        in_words: plans[0].words(side).0 as u32,
        input: plans[0].input,
    })
}

impl Program {
    /// `$readmemh` texts of the program, weight and bias memories (a bias word: per column c,
    /// `{S, M, bias}` at bits `[c·bias_col +: bias_col]`, [`BiasEntry`]).
    pub fn files(&self, d: &Design) -> (String, String, String) {
        let w = AccelWidths::new(d);
        let prog = hex::file(self.descriptors.iter().map(|x| hex::pack(&x.fields(&w))));
        let words = |row: &mut dyn Iterator<Item = (i128, u32)>| {
            let mut f: Vec<(i128, u32)> = row.collect();
            f.reverse();
            hex::pack(&f)
        };
        let weights = hex::file(
            self.weights
                .iter()
                .map(|r| words(&mut r.iter().map(|&c| (i128::from(c), w.code)))),
        );
        let biases = hex::file(
            self.biases
                .iter()
                .map(|r| hex::pack(&BiasEntry::word(r, &w))),
        );
        (prog, weights, biases)
    }

    /// The activation words of one quantized input image (CHW): word `pixel·⌈ch/C⌉ + cw`
    /// holds channels cw·C … cw·C + C − 1 of the pixel, zero past the channels (a vector is
    /// one pixel: element c of word j = feature j·C + c).
    pub fn image_words(&self, d: &Design, x_int: &[i64]) -> Vec<String> {
        let w = AccelWidths::new(d);
        let side = w.side as usize;
        let (ch, h, wd) = self.input;
        let cwords = ch.div_ceil(side);
        (0..self.in_words as usize)
            .map(|j| {
                let (pix, cw) = (j / cwords, j % cwords);
                let mut f: Vec<(i128, u32)> = (0..side)
                    .map(|c| {
                        let at = cw * side + c;
                        let v = if at < ch {
                            x_int.get(at * h * wd + pix).copied().unwrap_or(0)
                        } else {
                            0
                        };
                        (i128::from(v), w.act)
                    })
                    .collect();
                f.reverse();
                hex::pack(&f)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::arch::{ConvShape, LayerKind};
    use crate::model::{IntLayer, Requant};

    /// The weight memory's row order by hand, on 2×2. A 3×3 convolution over 2 channels of a
    /// 3×3 map, 3 outputs, code of (output o, channel ch, ky, kx) = 100·o + 10·ch + 3·ky + kx:
    /// one channel word, so K-tile kt is kernel position (kt div 3, kt mod 3) and row r is
    /// channel r; K-tile 5 (ky 1, kx 2), row 1, output 2 → 215; output 3 is past N → 0. A dense
    /// layer after a 3-channel 2×2 map (two channel words), code of (output o, CHW input
    /// f = 4·ch + pixel) = 100·o + f: K-tile 5 is pixel 2, channel word 1, so row 0 is channel
    /// 2, f = 10 → 110 for output 1; row 1 would be channel 3, past the channels → 0.
    #[test]
    fn ws_weight_rows_by_hand() {
        let s = ConvShape {
            in_c: 2,
            in_h: 3,
            in_w: 3,
            out_c: 3,
            k: 3,
            pad: 1,
            stride: 1,
        };
        let conv = LayerPlan {
            input: (2, 3, 3),
            output: (3, 3, 3),
            conv: Some(s),
            pool: false,
            k: 18,
            n: 3,
        };
        let codes: Vec<u32> = (0..3u32)
            .flat_map(|o| {
                (0..2u32).flat_map(move |ch| (0..9u32).map(move |p| 100 * o + 10 * ch + p))
            })
            .collect();
        assert_eq!(conv.k_tiles(2), 9);
        assert_eq!(ws_code(&conv, &codes, 2, 5, 1, 2), 215);
        assert_eq!(ws_code(&conv, &codes, 2, 0, 0, 0), 0);
        assert_eq!(ws_code(&conv, &codes, 2, 8, 1, 1), 118);
        assert_eq!(ws_code(&conv, &codes, 2, 5, 1, 3), 0);
        let dense = LayerPlan {
            input: (3, 2, 2),
            output: (2, 1, 1),
            conv: None,
            pool: false,
            k: 12,
            n: 2,
        };
        let codes: Vec<u32> = (0..2u32)
            .flat_map(|o| (0..12).map(move |f| 100 * o + f))
            .collect();
        assert_eq!(dense.k_tiles(2), 8);
        assert_eq!(ws_code(&dense, &codes, 2, 5, 0, 1), 110);
        assert_eq!(ws_code(&dense, &codes, 2, 5, 1, 1), 0);
        assert_eq!(ws_code(&dense, &codes, 2, 0, 1, 0), 4);
    }

    /// os steps by hand. The 3×3 convolution over 2 channels on 2×2: 2 steps per kernel
    /// position (channel 0, 1), so step 11 = position 5 (ky 1, kx 2), channel 1: code
    /// o·100 + 10 + 5. The dense layer over a 3-channel 2×2 map on 2×2: 2 words per pixel,
    /// 4 lanes per pixel (the fourth a pad), so step 9 = pixel 2, lane 1 = channel 1: feature
    /// 1·4 + 2 = 6; step 7 = pixel 1, lane 3 (channel 3 > 2): code 0.
    #[test]
    fn os_weight_steps_by_hand() {
        let s = ConvShape {
            in_c: 2,
            in_h: 3,
            in_w: 3,
            out_c: 3,
            k: 3,
            pad: 1,
            stride: 1,
        };
        let conv = LayerPlan {
            input: (2, 3, 3),
            output: (3, 3, 3),
            conv: Some(s),
            pool: false,
            k: 18,
            n: 3,
        };
        let codes: Vec<u32> = (0..3u32)
            .flat_map(|o| {
                (0..2u32).flat_map(move |ch| (0..9u32).map(move |p| 100 * o + 10 * ch + p))
            })
            .collect();
        assert_eq!(conv.os_steps(2), 2);
        assert_eq!(os_code(&conv, &codes, 2, 11, 2), 215);
        assert_eq!(os_code(&conv, &codes, 2, 0, 0), 0);
        assert_eq!(os_code(&conv, &codes, 2, 17, 1), 118);
        assert_eq!(os_code(&conv, &codes, 2, 4, 3), 0);
        let dense = LayerPlan {
            input: (3, 2, 2),
            output: (2, 1, 1),
            conv: None,
            pool: false,
            k: 12,
            n: 2,
        };
        let codes: Vec<u32> = (0..2u32)
            .flat_map(|o| (0..12).map(move |f| 100 * o + f))
            .collect();
        assert_eq!(dense.os_steps(2), 16);
        assert_eq!(os_code(&dense, &codes, 2, 9, 1), 106);
        assert_eq!(os_code(&dense, &codes, 2, 7, 0), 0);
        // Step 2: pixel 0, word 1, lane 0 = channel 2: feature 2·4 + 0.
        assert_eq!(os_code(&dense, &codes, 2, 2, 0), 8);
        // A vector input: steps are its features.
        let mlp = LayerPlan {
            input: (5, 1, 1),
            ..dense
        };
        assert_eq!(mlp.os_steps(2), 5);
        assert_eq!(os_code(&mlp, &codes, 2, 3, 1), 103);
    }
    use crate::quant::spec::{FormatKind, FormatSpec, ZeroSpec};

    /// A dense 3 → 3 hidden layer and a 3 → 2 last layer on 2×2: the hidden layer's two
    /// N-tiles hold channels 0, 1 and 2, then a column past N.
    fn model(requant: Option<Requant>, channels: Option<Vec<Requant>>) -> IntModel {
        let layer = |inputs, outputs, bias, requant, requant_channels| IntLayer {
            kind: LayerKind::Dense { inputs, outputs },
            pool: false,
            format: FormatSpec {
                kind: FormatKind::Uniform,
                bits: 8,
                zero: ZeroSpec::Code,
            },
            codes: vec![1; inputs * outputs],
            bias,
            w_scale: 1.0,
            in_scale: 1.0,
            out_scale: None,
            requant,
            requant_channels,
            acc_width: 16,
        };
        IntModel {
            input: (3, 1, 1),
            classes: 2,
            act_bits: 8,
            input_scale: 1.0 / 255.0,
            layers: vec![
                layer(3, 3, vec![1, 2, 3], requant, channels),
                layer(3, 2, vec![7, -7], None, None),
            ],
        }
    }

    #[test]
    fn bias_words_carry_each_channels_requantization() {
        let rq = |m, s| Requant { m, s };
        let e = |bias, m, s| BiasEntry { bias, m, s };
        let pc = model(
            None,
            Some(vec![rq(40000, 20), rq(50000, 21), rq(60000, 22)]),
        );
        let d = accel_design(&pc, "2x2:ws".parse().unwrap(), 4, "t").unwrap();
        let p = compile(&pc, &d).unwrap();
        let last = [BiasEntry::bypass(7), BiasEntry::bypass(-7)];
        assert_eq!(
            p.biases,
            [
                vec![e(1, 40000, 20), e(2, 50000, 21)],
                vec![e(3, 60000, 22), BiasEntry::bypass(0)],
                last.to_vec(),
            ]
        );
        // Per tensor: every channel repeats the layer's M, S.
        let pt = model(Some(rq(40000, 20)), None);
        let p = compile(&pt, &d).unwrap();
        assert_eq!(p.biases[1], [e(3, 40000, 20), BiasEntry::bypass(0)]);
        // A channel outside the post-op unit's fields is named.
        let bad = model(None, Some(vec![rq(40000, 20), rq(70000, 20), rq(1, 1)]));
        let err = compile(&bad, &d).unwrap_err().to_string();
        assert!(
            err.contains("layer 0, output channel 1: requantization M = 70000, S = 20"),
            "{err}"
        );
        let bad = model(None, Some(vec![rq(40000, 20), rq(40000, 20), rq(40000, 0)]));
        let err = compile(&bad, &d).unwrap_err().to_string();
        assert!(err.contains("layer 0, output channel 2:"), "{err}");
    }
}
