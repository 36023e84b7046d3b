//! An exported integer model as an accelerator program: the accelerator design its formats
//! need ([`accel_design`], memory sizes derived from the model), the layer descriptors, the
//! weight and bias memory images ([`Program`]) and the activation words of an image.

use super::InferError;
use crate::config::{AccelRequest, ArrayShape, Dataflow, Design};
use crate::emit::hex;
use crate::hw::accel::{AccelWidths, Descriptor, COUNT_BITS, MAX_S, M_BITS};
use crate::model::arch::LayerKind;
use crate::model::IntModel;

/// (K, N) of every layer; only dense layers run on the accelerator.
pub fn dense_shapes(model: &IntModel) -> Result<Vec<(u32, u32)>, InferError> {
    model
        .layers
        .iter()
        .enumerate()
        .map(|(l, layer)| match layer.kind {
            LayerKind::Dense { inputs, outputs } => {
                let lim = 1usize << COUNT_BITS;
                if inputs >= lim || outputs >= lim {
                    return Err(InferError::Unsupported(format!(
                        "layer {l}: {inputs}x{outputs} is larger than the accelerator's \
                         {COUNT_BITS}-bit counts"
                    )));
                }
                Ok((inputs as u32, outputs as u32))
            }
            LayerKind::Conv(_) => Err(InferError::Unsupported(format!(
                "layer {l} is a convolution; the accelerator runs dense layers only (MLPs), \
                 the convolution path (im2col addressing) is not built yet"
            ))),
        })
        .collect()
}

/// Images of one simulator run: the testbench's image store holds this many.
pub fn chunk_images(batch: u32) -> u32 {
    batch * 16
}

/// The accelerator design for `model` on a `side`×`side` ws array with `batch` images per
/// pass: the model's weight and activation formats, `max_dot_length` = the largest K, and
/// memories just large enough for the model (`docs/accelerator.md`).
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
    let shapes = dense_shapes(model)?;
    let f = model.layers[0].format;
    if let Some(l) = model.layers.iter().position(|l| l.format != f) {
        return Err(InferError::Unsupported(format!(
            "layer {l} has weight format {} and layer 0 {}; the accelerator has one MAC format \
             for all layers",
            model.layers[l].format.label(),
            f.label()
        )));
    }
    let side = shape.rows;
    let words = |n: u32| n.div_ceil(side);
    let origin = "the exported model";
    let weights = crate::model::lower::weight_format(&f, origin)?;
    let builder = Design::builder(
        name,
        &weights,
        model.act_bits,
        false,
        shapes.iter().map(|s| u64::from(s.0)).max().unwrap_or(1),
    )
    .array(ArrayShape {
        rows: side,
        cols: side,
        dataflow: shape.dataflow,
    });
    let base = builder.clone().build(origin)?;
    let max_words = shapes
        .iter()
        .map(|&(k, n)| words(k).max(words(n)))
        .max()
        .unwrap_or(1);
    let bias_bits = model.layers.iter().map(|l| l.acc_width).max().unwrap_or(1);
    let os = shape.dataflow == Dataflow::Os;
    let accel = AccelRequest {
        batch: Some(batch),
        // ws: ⌈K/R⌉·⌈N/C⌉ tiles of R rows; os: ⌈N/C⌉ tiles of K rows.
        weight_words: Some(
            shapes
                .iter()
                .map(|&(k, n)| {
                    if os {
                        k * words(n)
                    } else {
                        words(k) * words(n) * side
                    }
                })
                .sum(),
        ),
        // os: R banks of ⌈B/R⌉ words per feature word.
        act_words: Some(if os {
            batch.div_ceil(side) * side * max_words
        } else {
            batch * max_words
        }),
        bias_words: Some(shapes.iter().map(|&(_, n)| words(n)).sum()),
        bias_bits: Some(bias_bits.max(base.widths.acc)),
        layers: Some(shapes.len() as u32),
        image_words: Some(chunk_images(batch) * words(shapes[0].0)),
        // The last layer's N-tiles, so that the host may ask for every logit.
        out_tiles: Some(shapes.last().map_or(1, |&(_, n)| words(n))),
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
    /// Bias memory words, C biases each.
    pub biases: Vec<Vec<i64>>,
    /// Activation words per input image.
    pub in_words: u32,
}

/// Compile `model` for the accelerator `d`: per layer N-tile outer, K-tile inner, R weight
/// rows per tile (codes past K or N are code 0: they meet zero activations or masked columns).
pub fn compile(model: &IntModel, d: &Design) -> Result<Program, InferError> {
    let w = AccelWidths::new(d);
    let x = d.accel.expect("an accelerator design");
    let side = w.side as usize;
    let shapes = dense_shapes(model)?;
    let (mut descriptors, mut weights, mut biases) = (Vec::new(), Vec::new(), Vec::new());
    let last = model.layers.len() - 1;
    for (l, (layer, &(k, n))) in model.layers.iter().zip(&shapes).enumerate() {
        let (k, n) = (k as usize, n as usize);
        let (kt, nt) = (k.div_ceil(side), n.div_ceil(side));
        let (m, s) = match layer.requant {
            Some(rq) if l != last => {
                if !(0..1 << M_BITS).contains(&rq.m) || !(1..=MAX_S).contains(&rq.s) {
                    return Err(InferError::Unsupported(format!(
                        "layer {l}: requantization M = {}, S = {} is outside the post-op unit's \
                         M < 2^{M_BITS}, S in 1..={MAX_S}",
                        rq.m, rq.s
                    )));
                }
                (rq.m as u32, rq.s)
            }
            None if l == last => (0, 1),
            _ => {
                return Err(InferError::Unsupported(format!(
                    "layer {l}: only the last layer may have no requantization"
                )))
            }
        };
        let os = w.dataflow == Dataflow::Os;
        descriptors.push(Descriptor {
            last: l == last,
            k_tiles: if os { k as u32 } else { kt as u32 },
            n_tiles: nt as u32,
            n: n as u32,
            w_base: weights.len() as u32,
            b_base: biases.len() as u32,
            m,
            s,
        });
        // ws: per N-tile and K-tile, R rows; os: per N-tile, the K rows in order.
        let (tiles_k, rows) = if os { (1, k) } else { (kt, side) };
        for t in 0..nt {
            for kk in 0..tiles_k {
                for r in 0..rows {
                    let row = kk * side + r;
                    weights.push(
                        (0..side)
                            .map(|c| {
                                let col = t * side + c;
                                if row < k && col < n {
                                    layer.codes[col * k + row]
                                } else {
                                    0
                                }
                            })
                            .collect(),
                    );
                }
            }
            biases.push(
                (0..side)
                    .map(|c| layer.bias.get(t * side + c).copied().unwrap_or(0))
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
    let max_words = shapes
        .iter()
        .map(|&(k, n)| k.div_ceil(w.side).max(n.div_ceil(w.side)))
        .max()
        .unwrap_or(1);
    let act_need = if w.dataflow == Dataflow::Os {
        x.batch.div_ceil(w.side) * w.side * max_words
    } else {
        x.batch * max_words
    };
    fit("activation buffer", act_need as usize, x.act_words)?;
    // The design's sizes bound every count (`hw::accel::count_bits`); say so if not.
    if let Some((l, d)) = descriptors
        .iter()
        .enumerate()
        .find(|(_, d)| d.k_tiles.max(d.n_tiles).max(d.n) >= 1 << w.count)
    {
        return Err(InferError::Fit(format!(
            "layer {l}: its counts (k_tiles {}, n_tiles {}, n {}) need more than the \
             accelerator's {}-bit count fields",
            d.k_tiles, d.n_tiles, d.n, w.count
        )));
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
        in_words: shapes[0].0.div_ceil(w.side),
    })
}

impl Program {
    /// `$readmemh` texts of the program, weight and bias memories.
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
                .map(|r| words(&mut r.iter().map(|&b| (i128::from(b), w.postop.bias)))),
        );
        (prog, weights, biases)
    }

    /// The activation words of one quantized input image (element c of word j = feature
    /// j·C + c, zero past the end).
    pub fn image_words(&self, d: &Design, x_int: &[i64]) -> Vec<String> {
        let w = AccelWidths::new(d);
        let side = w.side as usize;
        (0..self.in_words as usize)
            .map(|j| {
                let mut f: Vec<(i128, u32)> = (0..side)
                    .map(|c| {
                        (
                            i128::from(x_int.get(j * side + c).copied().unwrap_or(0)),
                            w.act,
                        )
                    })
                    .collect();
                f.reverse();
                hex::pack(&f)
            })
            .collect()
    }
}
