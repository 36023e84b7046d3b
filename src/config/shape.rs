//! The text forms of an array: `ws`/`os` for a [`Dataflow`], `RxC:ws|os` for an
//! [`ArrayShape`]. Parsed here once, for the command line (`--array`), the sweep spec
//! (`arrays:`) and anything else that spells an array as text.

use super::{ArrayShape, Dataflow, MAX_ARRAY_DIM};
use std::fmt;
use std::str::FromStr;

impl FromStr for Dataflow {
    type Err = String;
    fn from_str(s: &str) -> Result<Dataflow, String> {
        match s {
            "ws" => Ok(Dataflow::Ws),
            "os" => Ok(Dataflow::Os),
            _ => Err(format!("expected ws or os, got `{s}`")),
        }
    }
}

impl fmt::Display for Dataflow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for ArrayShape {
    type Err = String;
    /// `RxC:ws` or `RxC:os`, each side in `1..=MAX_ARRAY_DIM`.
    fn from_str(s: &str) -> Result<ArrayShape, String> {
        let err = || format!("`{s}`: expected ROWSxCOLS:ws or ROWSxCOLS:os, e.g. 4x4:ws");
        let (dims, flow) = s.split_once(':').ok_or_else(err)?;
        let (r, c) = dims.split_once('x').ok_or_else(err)?;
        let dataflow = flow.parse::<Dataflow>().map_err(|_| err())?;
        r.parse::<u64>().map_err(|_| err())?;
        c.parse::<u64>().map_err(|_| err())?;
        let dim = |d: &str| match d.parse::<u32>() {
            Ok(n) if (1..=MAX_ARRAY_DIM).contains(&n) => Ok(n),
            _ => Err(format!(
                "`{s}`: rows and columns must be in 1..={MAX_ARRAY_DIM}, e.g. 4x4:ws"
            )),
        };
        Ok(ArrayShape {
            rows: dim(r)?,
            cols: dim(c)?,
            dataflow,
        })
    }
}

impl fmt::Display for ArrayShape {
    /// `RxC:ws`, the form [`FromStr`] reads.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}x{}:{}", self.rows, self.cols, self.dataflow)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_parse_and_print() {
        let a: ArrayShape = "4x8:os".parse().unwrap();
        assert_eq!(
            a,
            ArrayShape {
                rows: 4,
                cols: 8,
                dataflow: Dataflow::Os
            }
        );
        assert_eq!(a.to_string(), "4x8:os");
        assert_eq!("64x1:ws".parse::<ArrayShape>().unwrap().rows, 64);
        for bad in [
            "4x4",
            "4x4:xs",
            "0x4:ws",
            "65x1:ws",
            "4:ws",
            "ax4:ws",
            "4x4:ws:ws",
            "",
        ] {
            assert!(bad.parse::<ArrayShape>().is_err(), "{bad}");
        }
        assert!("99999999999x1:ws"
            .parse::<ArrayShape>()
            .unwrap_err()
            .contains("1..=64"));
    }
}
