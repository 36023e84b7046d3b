//! Input normalization folded into the first layer (`potmac import --input-norm MEAN,STD`).
//!
//! A network trained on `(x − mean) / std` reads pixels `x ∈ [0, 1]` on the accelerator, so
//! its first layer becomes `W' = W / std` and `b' = b − (mean / std) · Σ_i W[o][i]`, exact
//! when every input the layer reads is a pixel. A convolution's zero padding reads no pixel:
//! the network padded the normalized image with 0 (a pixel of value `mean`), the folded
//! layer pads the pixels with 0, so a padded first convolution is refused unless `mean` is 0.

use super::model::Network;
use super::QatError;
use crate::model::arch::LayerKind;

/// Fold `(x − mean) / std` into `net`'s first layer.
pub fn fold_input_norm(net: &mut Network, mean: f64, std: f64) -> Result<(), QatError> {
    if !(mean.is_finite() && std.is_finite() && std > 0.0) {
        return Err(QatError::Config(format!(
            "--input-norm {mean},{std}: the mean must be finite and the standard deviation positive"
        )));
    }
    let def = net.arch.layers[0];
    if let LayerKind::Conv(s) = def.kind {
        if s.pad > 0 && mean != 0.0 {
            let origin = net
                .origins
                .first()
                .map_or(String::new(), |o| format!(" ({o})"));
            return Err(QatError::Config(format!(
                "--input-norm {mean},{std}: the first layer{origin} is a convolution with zero \
                 padding {}; it padded the normalized image with 0, i.e. with pixels of value \
                 {mean}, which padding the pixels with 0 cannot reproduce. Import a model \
                 whose first convolution has no padding, or one trained on pixels in [0, 1]",
                s.pad
            )));
        }
    }
    let fan_in = def.fan_in();
    let (w, b) = (&mut net.weights[0], &mut net.biases[0]);
    for (row, bias) in w.chunks_exact_mut(fan_in).zip(b.iter_mut()) {
        let sum: f64 = row.iter().map(|&v| v as f64).sum();
        *bias = (*bias as f64 - mean / std * sum) as f32;
        for v in row {
            *v = (*v as f64 / std) as f32;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::arch::{Arch, CnnSpec, Padding};

    /// The folded network on pixels equals the original on normalized pixels, for a dense
    /// first layer and an unpadded convolution; a padded one is refused, naming the flag.
    #[test]
    fn folded_normalization_equals_normalizing_the_input() {
        let (mean, std) = (0.3, 0.4);
        let mut spec = CnnSpec::new(&[3]);
        spec.stage.padding = Padding::None;
        for arch in [
            Arch::mlp((1, 4, 4), &[5], 3),
            Arch::cnn((1, 6, 6), &spec, 3).unwrap(),
        ] {
            let net = Network::new(arch, 3).unwrap();
            let x: Vec<f32> = (0..2 * net.arch.input.1 * net.arch.input.2)
                .map(|i| (i * 7 % 11) as f32 / 10.0)
                .collect();
            let norm: Vec<f32> = x
                .iter()
                .map(|&v| ((v as f64 - mean) / std) as f32)
                .collect();
            let want = net.forward_float(None, &norm, 2);
            let mut folded = net.clone();
            fold_input_norm(&mut folded, mean, std).unwrap();
            let got = folded.forward_float(None, &x, 2);
            for (a, b) in got.iter().zip(&want) {
                assert!((a - b).abs() < 1e-4, "{got:?} vs {want:?}");
            }
        }
        let mut padded =
            Network::new(Arch::cnn((1, 6, 6), &CnnSpec::new(&[3]), 3).unwrap(), 1).unwrap();
        let e = fold_input_norm(&mut padded, mean, std)
            .unwrap_err()
            .to_string();
        assert!(e.contains("--input-norm") && e.contains("padding"), "{e}");
        assert!(fold_input_norm(&mut padded, 0.0, 0.5).is_ok());
        assert!(fold_input_norm(&mut padded, 0.0, 0.0).is_err());
    }
}
