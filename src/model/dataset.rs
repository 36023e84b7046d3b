//! The data sets an export can name ([`DataSet`]): the name written in `manifest.json`
//! (`dataset`), the image shape and the class count a model trained on it has. Loading the
//! images is the training engine's business (`crate::train::data::by_name`); this floor only
//! knows the names and shapes, so that reading an export can check them.

use super::IntModel;
use std::fmt;
use std::str::FromStr;

/// A data set potmac knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DataSet {
    /// The embedded UCI handwritten digits, 8×8, 10 classes.
    Digits,
    /// Fashion-MNIST from idx files, 28×28, 10 classes.
    FashionMnist,
}

impl DataSet {
    /// Every data set, in the order error messages list them.
    pub const ALL: [DataSet; 2] = [DataSet::Digits, DataSet::FashionMnist];

    /// The name in exports, reports and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            DataSet::Digits => "digits",
            DataSet::FashionMnist => "fashion-mnist",
        }
    }

    /// Image shape (channels, height, width).
    pub fn input(self) -> (usize, usize, usize) {
        match self {
            DataSet::Digits => (1, 8, 8),
            DataSet::FashionMnist => (1, 28, 28),
        }
    }

    /// How a raw sample becomes the model's float input, as the export records it
    /// (`input_preprocessing` in `manifest.json`): the loader's scaling into [0, 1], with no
    /// mean or standard deviation applied.
    pub fn preprocessing(self) -> &'static str {
        match self {
            DataSet::Digits => "x / 16 (pixel counts 0..16 to [0, 1]), no normalization",
            DataSet::FashionMnist => "x / 255 (8-bit pixels to [0, 1]), no normalization",
        }
    }

    /// Number of classes.
    pub fn classes(self) -> usize {
        10
    }

    /// A model fits the data set when its input shape and class count are the data set's;
    /// the error names both.
    pub fn check(self, m: &IntModel) -> Result<(), String> {
        if m.input == self.input() && m.classes == self.classes() {
            return Ok(());
        }
        let shape =
            |(c, h, w): (usize, usize, usize), k: usize| format!("{c}×{h}×{w} inputs, {k} classes");
        Err(format!(
            "the model ({}) was not trained on {} ({})",
            shape(m.input, m.classes),
            self.name(),
            shape(self.input(), self.classes())
        ))
    }
}

impl fmt::Display for DataSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for DataSet {
    type Err = String;

    /// `digits` or `fashion-mnist`; anything else is an error listing the known names.
    fn from_str(s: &str) -> Result<Self, String> {
        DataSet::ALL
            .into_iter()
            .find(|d| d.name() == s)
            .ok_or_else(|| {
                let known: Vec<&str> = DataSet::ALL.iter().map(|d| d.name()).collect();
                format!(
                    "`{s}` is not a data set potmac knows ({})",
                    known.join(", ")
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_names_are_errors() {
        for d in DataSet::ALL {
            assert_eq!(d.name().parse::<DataSet>(), Ok(d));
        }
        let e = "mnist".parse::<DataSet>().unwrap_err();
        assert!(
            e.contains("`mnist`") && e.contains("digits, fashion-mnist"),
            "{e}"
        );
    }
}
