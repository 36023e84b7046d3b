//! `potmac infer EXPORT --array 8x8:ws [--sim ...] [--samples N|all]`: a trained network (a
//! `potmac qat` export) runs end to end on the generated accelerator in RTL simulation, on the
//! test set of the data set it was trained on; hardware accuracy, cycles and speed are
//! reported beside the integer model's and the cycle model's, and every image's logits and
//! class must equal the integer model's. `--per-layer` is the debugging mode that runs each
//! layer alone on an array (`per_layer.rs`).

use super::common::{at_least_one, lock_folders, DEFAULT_OUT};
use super::infer_report::{write_reports, SimResult};
use super::per_layer::parse_array;
use super::sim::Simulators;
use super::ui::Ui;
use super::Verdict;
use crate::config::ArrayShape;
use crate::emit;
use crate::hw::accel::{pass_cycles, AccelWidths};
use crate::infer::{accel_design, check_pass, compile, first_bad_layer, AccelSim, Expected};
use crate::model::read::load_export;
use crate::tools::SimOutcome;
use crate::train::data;
use anyhow::{bail, Context, Result};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Arguments of `potmac infer`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A `potmac qat` or `potmac import` export folder (model.json, manifest.json naming the
    /// data set).
    export: PathBuf,
    /// Array shape and dataflow; the accelerator needs a square ws array, e.g. `8x8:ws`.
    #[arg(long, default_value = "8x8:ws", value_parser = parse_array)]
    array: ArrayShape,
    /// Simulator(s).
    #[arg(long = "sim", value_enum, default_value_t = Simulators::Verilator)]
    sim: Simulators,
    /// Test images to run: a count from the start of the test set, or `all`.
    #[arg(long, default_value = "all", value_parser = samples)]
    samples: Samples,
    /// Images per pass (the activation buffers hold a batch; weight tiles are reused across it).
    #[arg(long, default_value_t = 64, value_parser = batch)]
    batch: u32,
    /// Directory with the Fashion-MNIST idx.gz files [default: /usr/share/datasets/fashion-mnist].
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Output folder for the accelerator design (and its `infer/` run files and reports).
    #[arg(long, default_value = DEFAULT_OUT)]
    out: PathBuf,
    /// Timeout per tool invocation, in seconds.
    #[arg(long, default_value_t = 3600, value_parser = at_least_one::<u64>)]
    timeout: u64,
    /// Run the design folder in --out as it is (e.g. after editing its RTL).
    #[arg(long)]
    no_generate: bool,
    /// Debugging mode: run each layer alone on an array (`--array` may be any RxC:ws|os), on
    /// the export's golden samples, with its inputs from the integer model.
    #[arg(long)]
    per_layer: bool,
}

/// `--samples`: the first N test images, or all of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Samples {
    All,
    First(usize),
}

fn samples(s: &str) -> Result<Samples, String> {
    if s == "all" {
        return Ok(Samples::All);
    }
    at_least_one::<usize>(s)
        .map(Samples::First)
        .map_err(|e| format!("{e} or `all`"))
}

fn batch(s: &str) -> Result<u32, String> {
    let b = at_least_one::<u32>(s)?;
    if b > crate::config::MAX_BATCH {
        return Err(format!(
            "at most {} images per pass, got `{s}`",
            crate::config::MAX_BATCH
        ));
    }
    Ok(b)
}

/// Run `potmac infer`.
pub fn run(a: &Args, ui: &Ui) -> Result<Verdict> {
    if a.per_layer {
        return super::per_layer::run(
            &super::per_layer::Args {
                export: &a.export,
                array: a.array,
                sim: a.sim,
                out: &a.out,
                timeout: a.timeout,
            },
            ui,
        );
    }
    let wall = Instant::now();
    let export = load_export(&a.export)?;
    let dataset = export.dataset()?;
    let model = export.model;
    let mut test = data::load(dataset, a.data_dir.as_deref())?.test;
    let per = model.input.0 * model.input.1 * model.input.2;
    if let Samples::First(n) = a.samples {
        test.truncate(n, per);
    }
    let n = test.len();
    let fmt = model.layers[0].format.label().replace(':', "");
    let name = format!(
        "infer_{fmt}_{}{}x{}",
        a.array.dataflow.name(),
        a.array.rows,
        a.array.cols
    );
    let design = accel_design(&model, a.array, a.batch, &name)?;
    let program = compile(&model, &design)?;
    let w = AccelWidths::new(&design);
    let sims = a.sim.require()?;
    let timeout = Duration::from_secs(a.timeout);

    let bundle = emit::bundle(&design, &emit::Options::default())?;
    let _lock = lock_folders([bundle.name.as_str()], &a.out, ui, timeout)?;
    let dir = if a.no_generate {
        let dir = a.out.join(&bundle.name);
        if let Some(f) = emit::missing_files(&bundle, &dir).first() {
            bail!(
                "{}: missing (run without --no-generate first)",
                dir.join(f).display()
            );
        }
        dir
    } else {
        emit::write(&bundle, &a.out)?
    };
    let run_dir = dir.join("infer");
    std::fs::create_dir_all(&run_dir).with_context(|| format!("creating {}", run_dir.display()))?;
    let (prog, weights, biases) = program.files(&design);
    for (f, text) in [
        ("program.hex", &prog),
        ("weights.hex", &weights),
        ("bias.hex", &biases),
    ] {
        std::fs::write(run_dir.join(f), text)
            .with_context(|| format!("writing {}", run_dir.join(f).display()))?;
    }

    // The integer model on every image.
    let wdec = model.decoded();
    let xs: Vec<Vec<i64>> = (0..n)
        .map(|i| model.quantize_input(&test.x[i * per..(i + 1) * per]))
        .collect();
    let expected: Vec<Expected> = xs.iter().map(|x| Expected::new(&model, &wdec, x)).collect();
    let m = crate::emit::AccelModules::new(&design);
    let last = model.layers.len() - 1;
    let chunk = crate::infer::program::chunk_images(a.batch) as usize;
    let mut verdict = Verdict::Pass;
    let mut results = Vec::new();
    for sim in sims {
        let t0 = Instant::now();
        let s = AccelSim::build(&dir, sim, &m.tb, &m.tb_file, timeout)
            .with_context(|| format!("building the accelerator testbench on {}", sim.name()))?;
        let build_s = t0.elapsed().as_secs_f64();
        let mut r = SimResult::new(sim.name(), build_s);
        let bar = crate::progress::step(&format!("{}: images", sim.name()), Some(n as u64));
        let base_args = |images: &str, count: usize, dump: bool, maxc: u64| {
            let mut v = vec![
                "program=infer/program.hex".to_string(),
                "weights=infer/weights.hex".into(),
                "bias=infer/bias.hex".into(),
                format!("images={images}"),
                format!("words={}", program.in_words),
                format!("count={count}"),
                format!("batch={}", a.batch),
                format!("maxcycles={maxc}"),
            ];
            if dump {
                v.push("dump".into());
            }
            v
        };
        'chunks: for start in (0..n).step_by(chunk) {
            let end = (start + chunk).min(n);
            let text: String = xs[start..end]
                .iter()
                .flat_map(|x| program.image_words(&design, x))
                .map(|w| w + "\n")
                .collect();
            std::fs::write(run_dir.join("images.hex"), text).context("writing images.hex")?;
            let passes: Vec<(usize, usize)> = (start..end)
                .step_by(a.batch as usize)
                .map(|p| (p, (p + a.batch as usize).min(end)))
                .collect();
            let maxc = pass_cycles(w.side, w.dataflow, &program.descriptors, a.batch) * 2 + 1000;
            let (outcome, mut out) = s.run(
                &base_args("infer/images.hex", end - start, false, maxc),
                "run",
                timeout,
                w.side as usize,
                w.postop.sum,
            )?;
            // The testbench numbers images from 0 in each run.
            out = out.shifted(start);
            r.sim_seconds += out.elapsed.as_secs_f64();
            if let SimOutcome::Fail(_) = outcome {
                r.failure = Some(format!(
                    "the testbench failed (log: {})",
                    s.log("run").display()
                ));
                verdict = Verdict::Fail;
                break;
            }
            for (pi, &(p0, p1)) in passes.iter().enumerate() {
                let model_cycles =
                    pass_cycles(w.side, w.dataflow, &program.descriptors, (p1 - p0) as u32);
                r.model_cycles += model_cycles;
                r.rtl_cycles += out.cycles.get(pi).copied().unwrap_or(0);
                for (i, e) in expected.iter().enumerate().take(p1).skip(p0) {
                    let y = usize::from(test.y[i]);
                    r.images += 1;
                    r.hw_ok += usize::from(out.classes.get(&i) == Some(&Some(y)));
                    r.int_ok += usize::from(e.class == y);
                }
                if let Some(dis) = check_pass(&out, p0, &expected[p0..p1], last, model_cycles, pi) {
                    // Rerun this pass alone with every layer's outputs printed.
                    let text: String = xs[p0..p1]
                        .iter()
                        .flat_map(|x| program.image_words(&design, x))
                        .map(|w| w + "\n")
                        .collect();
                    std::fs::write(run_dir.join("images_fail.hex"), text)
                        .context("writing images_fail.hex")?;
                    let (_, dump) = s.run(
                        &base_args("infer/images_fail.hex", p1 - p0, true, maxc),
                        "dump",
                        timeout,
                        w.side as usize,
                        w.postop.sum,
                    )?;
                    let dump = dump.shifted(p0);
                    let layer = first_bad_layer(&dump, dis.sample, &expected[dis.sample]).map_or(
                        "no layer output differs in the per-layer rerun".into(),
                        |(l, w)| format!("first differing layer {l} (output {w})"),
                    );
                    r.failure = Some(format!(
                        "sample {}: {}; {layer}; per-layer log: {}",
                        dis.sample,
                        dis.what,
                        s.log("dump").display()
                    ));
                    verdict = Verdict::Fail;
                    break 'chunks;
                }
            }
            bar.inc((end - start) as u64);
        }
        drop(bar);
        writeln!(ui, "{}", r.line(&name, n))?;
        results.push(r);
    }
    writeln!(
        ui,
        "{name}: wall time {:.1} s (generate, simulator builds, simulation, integer model)",
        wall.elapsed().as_secs_f64()
    )?;
    write_reports(
        &run_dir,
        &name,
        dataset.name(),
        &a.array,
        a.batch,
        &results,
        wall.elapsed(),
    )?;
    ui.note(&format!(
        "reports: {} and {}",
        run_dir.join("report.json").display(),
        run_dir.join("report.md").display()
    ));
    Ok(verdict)
}
