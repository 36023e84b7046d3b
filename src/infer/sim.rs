//! The accelerator's testbench on a simulator: built (Verilator) or compiled (Icarus) once per
//! design folder, then run as often as needed with the run's files named by plusargs
//! ([`AccelSim`]); its output lines parsed into classes, rows and cycles ([`parse_output`]).

use super::InferError;
use crate::tools::{parse_result, Bench, Image, Sim, SimOutcome};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// One printed post-op row: a value per column, `None` for x.
pub type Row = Vec<Option<i64>>;

/// What one testbench run printed.
#[derive(Debug, Clone, Default)]
pub struct SimOutput {
    /// Class per image (test-set index); `None` when the hardware printed x.
    pub classes: HashMap<usize, Option<usize>>,
    /// Post-op rows per (layer, image, N-tile), in the order they were written (one per
    /// output pixel of a convolution, one for a dense layer): one value per column, `None`
    /// for x.
    pub rows: HashMap<(usize, usize, usize), Vec<Row>>,
    /// Cycles per pass, in order (the pass-end records).
    pub cycles: Vec<u64>,
    /// The run's counters, read over the bus at its end: run, busy, stall-in, stall-out
    /// cycles, passes (`RUN` line).
    pub run: Option<[u64; 5]>,
    /// Array side (columns per row).
    pub side: usize,
    /// Wall time of the simulator run.
    pub elapsed: Duration,
}

impl SimOutput {
    /// The same output with every image index moved up by `offset` (the testbench numbers
    /// the images of each run from 0).
    pub fn shifted(self, offset: usize) -> SimOutput {
        SimOutput {
            classes: self
                .classes
                .into_iter()
                .map(|(i, c)| (i + offset, c))
                .collect(),
            rows: self
                .rows
                .into_iter()
                .map(|((l, i, t), r)| ((l, i + offset, t), r))
                .collect(),
            ..self
        }
    }

    /// The first `n` outputs of layer `l` for image `s`, channel-major with `pixels` output
    /// pixels per channel (1 for a dense layer): output j is channel c = j / pixels, pixel
    /// j mod pixels, i.e. column c mod C of that pixel's row of N-tile c / C; `None` where a
    /// row is missing or x.
    pub fn layer_values(&self, l: usize, s: usize, n: usize, pixels: usize) -> Vec<Option<i64>> {
        (0..n)
            .map(|j| {
                let (c, p) = (j / pixels, j % pixels);
                self.rows
                    .get(&(l, s, c / self.side))
                    .and_then(|r| r.get(p))
                    .and_then(|r| r.get(c % self.side).copied().flatten())
            })
            .collect()
    }
}

/// A field of `bits` bits at bit `lsb` of a hex word (two's complement); `None` if any of its
/// digits is not a hex digit (x or z).
fn field(hex: &str, lsb: u32, bits: u32) -> Option<i64> {
    let digits: Vec<u8> = hex.bytes().rev().collect();
    let mut v: i128 = 0;
    for i in (0..bits).rev() {
        let b = lsb + i;
        let d = match digits.get((b / 4) as usize) {
            None => 0,
            Some(c) => (*c as char).to_digit(16)?,
        };
        v = (v << 1) | i128::from((d >> (b % 4)) & 1);
    }
    Some(crate::hw::wrap_signed(v, bits) as i64)
}

/// Parse a testbench log: `ROW`, `CLASS` and `CYCLES` lines (see `templates/tb/accel.v`).
pub fn parse_output(log: &str, side: usize, sum_bits: u32) -> Result<SimOutput, String> {
    let mut out = SimOutput {
        side,
        ..SimOutput::default()
    };
    for (i, line) in log.lines().enumerate() {
        let f: Vec<&str> = line.split_whitespace().collect();
        let bad = || format!("line {}: cannot read `{line}`", i + 1);
        let num = |s: &str| s.parse::<usize>().map_err(|_| bad());
        match f.first().copied() {
            Some("ROW") if f.len() == 5 => {
                let row = (0..side as u32)
                    .map(|c| field(f[4], c * sum_bits, sum_bits))
                    .collect();
                out.rows
                    .entry((num(f[1])?, num(f[2])?, num(f[3])?))
                    .or_default()
                    .push(row);
            }
            Some("CLASS") if f.len() == 3 => {
                out.classes.insert(num(f[1])?, f[2].parse().ok());
            }
            Some("CYCLES") if f.len() == 3 => {
                out.cycles.push(f[2].parse().map_err(|_| bad())?);
            }
            Some("RUN") if f.len() == 6 => {
                let mut c = [0u64; 5];
                for (k, v) in c.iter_mut().enumerate() {
                    *v = f[k + 1].parse().map_err(|_| bad())?;
                }
                out.run = Some(c);
            }
            _ => {}
        }
    }
    Ok(out)
}

/// The accelerator testbench of a design folder on one simulator.
#[derive(Debug, Clone)]
pub struct AccelSim {
    pub dir: PathBuf,
    pub sim: Sim,
    image: Image,
}

impl AccelSim {
    /// Build (Verilator) or compile (Icarus) the testbench, into `build/accel_<simulator>`.
    pub fn build(
        dir: &Path,
        sim: Sim,
        tb_top: &str,
        tb_file: &str,
        timeout: Duration,
    ) -> Result<AccelSim, InferError> {
        let bench = Bench::testbench(&format!("build/accel_{}", sim.name()), dir, tb_top, tb_file);
        let image = sim.build(&bench, timeout)?;
        Ok(AccelSim {
            dir: dir.to_path_buf(),
            sim,
            image,
        })
    }

    /// Compile `bench` (another set of sources around the same testbench, such as a gate
    /// netlist) on `sim`.
    pub fn from_bench(bench: &Bench, sim: Sim, timeout: Duration) -> Result<AccelSim, InferError> {
        let image = sim.build(bench, timeout)?;
        Ok(AccelSim {
            dir: bench.dir.clone(),
            sim,
            image,
        })
    }

    /// The log of a run named `what`.
    pub fn log(&self, what: &str) -> PathBuf {
        self.image.log(&format!("{what}.log"))
    }

    /// Run the testbench with `plusargs` (without `+`), log `what`; parse its output.
    pub fn run(
        &self,
        plusargs: &[String],
        what: &str,
        timeout: Duration,
        side: usize,
        sum_bits: u32,
    ) -> Result<(SimOutcome, SimOutput), InferError> {
        let args: Vec<String> = plusargs.iter().map(|a| format!("+{a}")).collect();
        let log = self.log(what);
        let r = self.sim.run(&self.image, &args, &log, timeout)?;
        let err = |message: String| InferError::Output {
            log: log.display().to_string(),
            message,
        };
        let outcome = parse_result(&r.output)
            .ok_or_else(|| err("the testbench printed no PASS/FAIL line".into()))?;
        if let Some(l) = r.output.lines().find(|l| l.starts_with("FAIL usage")) {
            return Err(err(l.to_string()));
        }
        let mut out = parse_output(&r.output, side, sum_bits).map_err(err)?;
        out.elapsed = r.elapsed;
        Ok((outcome, out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_rows_classes_and_cycles() {
        // Two columns of 6 bits: column 0 = 0b111111 = -1, column 1 = 0b000101 = 5 → 0x17f.
        let log = "ROW 2 7 1 17f\nCLASS 7 3\nCLASS 8 x\nCYCLES 0 123\nRUN 9 8 1 0 1\nPASS 2\n";
        let o = parse_output(log, 2, 6).unwrap();
        assert_eq!(o.rows[&(2, 7, 1)], vec![vec![Some(-1), Some(5)]]);
        assert_eq!(o.classes[&7], Some(3));
        assert_eq!(o.classes[&8], None);
        assert_eq!(o.cycles, vec![123]);
        assert_eq!(
            o.layer_values(2, 7, 4, 1),
            vec![None, None, Some(-1), Some(5)]
        );
        // A convolution's rows, one per pixel: channels 0, 1 of pixels 0, 1 (N-tile 0), as
        // the model orders them, channel-major: c0p0, c0p1, c1p0, c1p1.
        let log = "ROW 0 3 0 102
ROW 0 3 0 304
";
        let o = parse_output(log, 2, 8).unwrap();
        assert_eq!(
            o.layer_values(0, 3, 4, 2),
            vec![Some(2), Some(4), Some(1), Some(3)]
        );
        assert_eq!(field("x7f", 0, 6), Some(-1));
        assert_eq!(field("x7f", 8, 4), None);
        assert!(parse_output("CYCLES 0 abc", 2, 6).is_err());
    }
}
