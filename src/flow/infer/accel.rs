//! The accelerator engine: the whole network on the generated accelerator in RTL simulation,
//! over the test images of the export's data set, in passes of a batch. Every image's logits
//! and class and every pass's cycle count must equal the integer model's and the cycle model's;
//! on the first disagreement the failing pass runs again with every layer's outputs printed, to
//! name the first layer that differs.

use super::report::{write_reports, InferReport, RunInfo, RunResult, SimResult};
use super::{Engine, InferOptions, Samples};
use crate::emit;
use crate::flow::{lock_folders, reuse, Context, Regenerate, Result};
use crate::hw::accel::{self, pass_cycles, AccelWidths};
use crate::infer::plan::plan;
use crate::infer::program::chunk_images;
use crate::infer::{
    accel_design, check_pass, compile, first_bad_layer, layer_usage, AccelSim, Expected,
};
use crate::model::read::Export;
use crate::tools::SimOutcome;
use crate::train::data;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Instant;

/// The whole network on the accelerator.
#[derive(Debug, Clone, Copy, Default)]
pub struct Accelerator;

/// Write `text` to `path`.
pub(super) fn write(path: &std::path::Path, text: &str) -> Result<()> {
    std::fs::write(path, text).context(|| format!("writing {}", path.display()))
}

/// The design's folder, generated (or reused) under `run.out` while its lock is held (the
/// returned guards), with the program, the weights (and the weight memory's banks, as
/// `WeightInit = "infer/weights"` reads them) and the biases written to its `infer/`; also the
/// design's top module.
pub(super) fn prepare(
    design: &crate::config::Design,
    program: &crate::infer::program::Program,
    run: &crate::flow::RunOpts,
) -> Result<(Vec<crate::flow::DesignLock>, PathBuf, PathBuf, String)> {
    let bundle = emit::bundle(design, &emit::Options::default())?;
    let lock = lock_folders([bundle.name.as_str()], &run.out, run.timeout)?;
    let top = bundle.top.clone();
    let dir = match run.regenerate {
        Regenerate::Reuse => reuse(bundle, &run.out)?.1,
        Regenerate::Always => emit::write(&bundle, &run.out)?,
    };
    let run_dir = dir.join("infer");
    std::fs::create_dir_all(&run_dir).context(|| format!("creating {}", run_dir.display()))?;
    let (prog, weights, biases) = program.files(design);
    for (f, text) in [
        ("program.hex", &prog),
        ("weights.hex", &weights),
        ("bias.hex", &biases),
    ] {
        write(&run_dir.join(f), text)?;
    }
    let lines: Vec<&str> = weights.lines().collect();
    for (b, bank) in lines.chunks(1 << accel::BANK_BITS).enumerate() {
        let mut text = bank.join("\n");
        text.push('\n');
        write(&run_dir.join(format!("weights_b{b:03}.hex")), &text)?;
    }
    Ok((lock, dir, run_dir, top))
}

/// The image file and the log name of the `k`-th of the runs made at once (the first keeps
/// the names a single run has).
fn run_files(k: usize) -> (String, String) {
    match k {
        0 => ("images.hex".into(), "run".into()),
        _ => (format!("images_{k}.hex"), format!("run_{k}")),
    }
}

/// The first `n` test images (`per` values each) quantized to the model's inputs, and the
/// integer model's result for each.
pub(super) fn expected(
    model: &crate::model::IntModel,
    x: &[f32],
    n: usize,
    per: usize,
) -> (Vec<Vec<i64>>, Vec<Expected>) {
    let wdec = model.decoded();
    let xs: Vec<Vec<i64>> = (0..n)
        .map(|i| model.quantize_input(&x[i * per..(i + 1) * per]))
        .collect();
    let expected = xs.iter().map(|x| Expected::new(model, &wdec, x)).collect();
    (xs, expected)
}

impl Engine for Accelerator {
    fn run(&self, export: &Export, o: &InferOptions) -> Result<InferReport> {
        let wall = Instant::now();
        let dataset = export.dataset()?;
        let model = &export.model;
        let mut test = data::load(dataset, o.data_dir.as_deref())?.test;
        let per = model.input.0 * model.input.1 * model.input.2;
        if let Samples::First(n) = o.samples {
            test.truncate(n, per);
        }
        let n = test.len();
        let fmt = model.layers[0].format.label().replace(':', "");
        let a = o.array;
        let name = format!("infer_{fmt}_{}{}x{}", a.dataflow.name(), a.rows, a.cols);
        let design = accel_design(model, a, o.batch, &name)?;
        let program = compile(model, &design)?;
        let w = AccelWidths::new(&design);
        for s in &o.sims {
            s.require()?;
        }
        let timeout = o.run.timeout;

        let (_lock, dir, run_dir, _top) = prepare(&design, &program, &o.run)?;

        // The integer model on every image.
        let (xs, expected) = expected(model, &test.x, n, per);
        let m = emit::AccelModules::new(&design);
        let last = model.layers.len() - 1;
        let chunk = chunk_images(o.batch) as usize;
        let batch = o.batch as usize;
        let image_text = |xs: &[Vec<i64>]| -> String {
            xs.iter()
                .flat_map(|x| program.image_words(&design, x))
                .map(|w| w + "\n")
                .collect()
        };
        let mut results = Vec::new();
        for &sim in &o.sims {
            let t0 = Instant::now();
            let s = AccelSim::build(&dir, sim, &m.tb, &m.tb_file, timeout)
                .context(|| format!("building the accelerator testbench on {}", sim.name()))?;
            let mut r = SimResult::new(sim.name(), t0.elapsed().as_secs_f64());
            let bar = crate::progress::step(&format!("{}: images", sim.name()), Some(n as u64));
            let args = |images: &str, count: usize, dump: bool, maxc: u64, start: usize| {
                let mut v = vec![
                    "program=infer/program.hex".to_string(),
                    "weights=infer/weights.hex".into(),
                    "bias=infer/bias.hex".into(),
                    format!("images={images}"),
                    format!("words={}", program.in_words),
                    format!("count={count}"),
                    format!("batch={}", o.batch),
                    format!("maxcycles={maxc}"),
                ];
                if dump {
                    v.push("dump".into());
                }
                if o.stall > 0 {
                    v.push(format!("stall={}", o.stall));
                    v.push(format!("seed={}", start + 1));
                }
                v
            };
            let maxc = pass_cycles(w.side, w.dataflow, &program.descriptors, o.batch) * 2 + 1000;
            let runs: Vec<(usize, usize)> = (0..n)
                .step_by(chunk)
                .map(|start| (start, (start + chunk).min(n)))
                .collect();
            let t_sim = Instant::now();
            // A pool of `jobs` workers: each takes the next run, writes its image file and runs
            // the simulator, so a core never waits for the other's run to end; the results are
            // checked in order, as one run after the other would be, and the first failure
            // stops the workers after their current run.
            let jobs = o.jobs.max(1).min(runs.len()).max(1);
            let next = AtomicUsize::new(0);
            let stop = AtomicBool::new(false);
            let mut handle = |start: usize,
                              end: usize,
                              log: &str,
                              res: Result<(SimOutcome, crate::infer::SimOutput)>|
             -> Result<bool> {
                let (outcome, out) = res?;
                let passes: Vec<(usize, usize)> = (start..end)
                    .step_by(batch)
                    .map(|p| (p, (p + batch).min(end)))
                    .collect();
                // The testbench numbers images from 0 in each run.
                let out = out.shifted(start);
                r.sim_seconds += out.elapsed.as_secs_f64();
                // A failed testbench still printed what it saw: its first disagreement with
                // the integer model names the sample; without one, the log says why.
                let tb_failed = matches!(outcome, SimOutcome::Fail(_));
                let busy: u64 = out.cycles.iter().sum();
                match out.run {
                    Some([run, b, _, _, p]) if b == busy && p as usize == passes.len() => {
                        r.run_cycles += run;
                    }
                    _ if tb_failed => {}
                    got => {
                        r.failure = Some(format!(
                            "the run's counters ({got:?}: run, busy, stall-in, stall-out, \
                         passes) disagree with its {} pass ends ({busy} cycles)",
                            passes.len()
                        ));
                        return Ok(true);
                    }
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
                    let Some(dis) = check_pass(&out, p0, &expected[p0..p1], last, model_cycles, pi)
                    else {
                        continue;
                    };
                    // Rerun this pass alone with every layer's outputs printed.
                    write(&run_dir.join("images_fail.hex"), &image_text(&xs[p0..p1]))?;
                    let (_, dump) = s.run(
                        &args("infer/images_fail.hex", p1 - p0, true, maxc, p0),
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
                    return Ok(true);
                }
                if tb_failed {
                    r.failure = Some(format!(
                        "the testbench failed (log: {})",
                        s.log(log).display()
                    ));
                    return Ok(true);
                }
                bar.inc((end - start) as u64);
                Ok(false)
            };
            std::thread::scope(|scope| -> Result<()> {
                let (tx, rx) = std::sync::mpsc::channel();
                for k in 0..jobs {
                    let (tx, next, stop, runs) = (tx.clone(), &next, &stop, &runs);
                    let (s, image_text, args, run_dir) = (&s, &image_text, &args, &run_dir);
                    let (xs, w) = (&xs, &w);
                    scope.spawn(move || {
                        let (file, log) = run_files(k);
                        while !stop.load(Ordering::Relaxed) {
                            let i = next.fetch_add(1, Ordering::Relaxed);
                            let Some(&(start, end)) = runs.get(i) else {
                                break;
                            };
                            let res = write(&run_dir.join(&file), &image_text(&xs[start..end]))
                                .and_then(|()| {
                                    let plusargs = args(
                                        &format!("infer/{file}"),
                                        end - start,
                                        false,
                                        maxc,
                                        start,
                                    );
                                    Ok(s.run(
                                        &plusargs,
                                        &log,
                                        timeout,
                                        w.side as usize,
                                        w.postop.sum,
                                    )?)
                                });
                            if tx.send((i, log.clone(), res)).is_err() {
                                break;
                            }
                        }
                    });
                }
                drop(tx);
                let mut done = std::collections::BTreeMap::new();
                let mut want = 0;
                for (i, log, res) in rx {
                    done.insert(i, (log, res));
                    while let Some((log, res)) = done.remove(&want) {
                        let (start, end) = runs[want];
                        want += 1;
                        let failed = handle(start, end, &log, res);
                        if !matches!(failed, Ok(false)) {
                            stop.store(true, Ordering::Relaxed);
                            return failed.map(|_| ());
                        }
                    }
                }
                Ok(())
            })?;
            r.sim_wall_seconds = t_sim.elapsed().as_secs_f64();
            r.processes = jobs;
            drop(bar);
            r.requested = n;
            results.push(r);
        }
        let wall = wall.elapsed();
        let usage = layer_usage(
            &plan(model)?,
            &program.descriptors,
            w.side,
            w.dataflow,
            o.batch,
        );
        let info = RunInfo {
            design: &name,
            dataset: dataset.name(),
            array: &a,
            batch: o.batch,
            wall,
        };
        write_reports(&run_dir, &info, &results, &usage)?;
        Ok(InferReport {
            design: name,
            dataset: Some(dataset.name()),
            results: results.into_iter().map(RunResult::Images).collect(),
            report_dir: Some(run_dir),
            wall,
        })
    }
}
