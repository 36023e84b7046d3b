//! `potmac qat`: float pre-training, quantization-aware fine-tuning, integer export and
//! format sweeps on the digits and Fashion-MNIST data sets. The flags map to a
//! [`crate::train::settings::Request`] ([`QatArgs::request`]); the run is
//! [`crate::flow::qat::run`] or [`crate::flow::qat::sweep`].

pub use super::qat_flags::QatArgs;
use super::qat_flags::{ModelArg, DEFAULT_CHANNELS};
use super::ui::Ui;
use super::Verdict;
use crate::flow::qat as flow;
use crate::model::arch::{Arch, CnnSpec, Padding};
use crate::model::ModelError;
use crate::train::report::pct;
use anyhow::Result;

/// Checks of flag combinations that no single flag's parser can make, before any data is
/// read: the convolution flags need `--model cnn`, and every convolution stage must leave at
/// least one pixel on the data set's images (each 2×2 max-pool and each stride 2 halves the
/// map, a kernel without padding shrinks it).
fn check_args(args: &QatArgs) -> Result<()> {
    if args.model == ModelArg::Mlp {
        for (flag, given) in [
            ("--kernel", args.kernel.is_some()),
            ("--stride", args.stride.is_some()),
            ("--padding", args.padding.is_some()),
            ("--no-pool", args.no_pool),
        ] {
            if given {
                anyhow::bail!(
                    "{flag}: shapes the convolutions of --model cnn; an MLP has none (add \
                     --model cnn, or leave {flag} out)"
                );
            }
        }
        return Ok(());
    }
    let set = args.dataset.set();
    let stage = args.stage();
    let spec = CnnSpec {
        channels: args.channels.clone(),
        stage,
        hidden: args.hidden_widths(),
    };
    let why = match Arch::cnn(set.input(), &spec, set.classes()) {
        Ok(_) => return Ok(()),
        Err(ModelError::Config(why)) => why,
        Err(e) => e.to_string(),
    };
    let list = |v: &[usize]| {
        v.iter()
            .map(|c| c.to_string())
            .collect::<Vec<_>>()
            .join(",")
    };
    let flags = format!(
        "--channels {}{} --kernel {} --stride {} --padding {}{}",
        list(&spec.channels),
        if spec.channels == DEFAULT_CHANNELS {
            " (the default)"
        } else {
            ""
        },
        stage.k,
        stage.stride,
        stage.padding.name(),
        if stage.pool { "" } else { " --no-pool" }
    );
    let (_, h, w) = set.input();
    let fit = spec.stages_that_fit(set.input());
    let mut fixes = Vec::new();
    if fit >= 1 && fit < spec.channels.len() {
        fixes.push(format!(
            "fewer --channels stages (at most {fit} fit{})",
            if stage.stride > 1 || stage.padding == Padding::None || !stage.pool {
                " with these flags"
            } else {
                ""
            }
        ));
    }
    if stage.stride > 1 {
        fixes.push("--stride 1".to_string());
    }
    if stage.padding == Padding::None && stage.k > 1 {
        fixes.push("--padding same".to_string());
    }
    if stage.pool {
        fixes.push("--no-pool".to_string());
    }
    let fixes = match fixes.split_last() {
        None => String::new(),
        Some((last, [])) => format!("; use {last}"),
        Some((last, head)) => format!("; use {} or {last}", head.join(", ")),
    };
    anyhow::bail!(
        "{flags}: the {h}x{w} {} images do not fit: {why}{fixes}",
        set.name()
    )
}

/// Run `potmac qat`. A disagreement of the integer-only path with the fake-quant path is a
/// verification failure ([`Verdict::Fail`], exit code 1); the files are still written so the
/// disagreement can be inspected.
pub fn run(args: &QatArgs, ui: &Ui) -> Result<Verdict> {
    check_args(args)?;
    let opts = args.opts();
    if args.sweep {
        let s = flow::sweep(&opts, &args.sweep_bits)?;
        write!(ui, "{}", s.markdown)?;
        ui.note(&format!("wrote {}", s.out.join("sweep.md").display()));
        for (format, n) in &s.failures {
            writeln!(
                ui,
                "FAIL {format}: the integer path disagrees with the fake-quant path on {n} of {} test samples",
                s.test_samples
            )?;
        }
        return Ok(if s.failures.is_empty() {
            Verdict::Pass
        } else {
            Verdict::Fail
        });
    }
    let r = flow::run(&opts)?;
    let (dataset, model, label) = (args.dataset.set().name(), opts.model.name(), &r.label);
    if args.seeds > 1 {
        for s in &r.seeds.runs {
            writeln!(
                ui,
                "seed {}: FP {}% ({} epochs), QAT (integer path) {}%, delta {:+.2} points",
                s.seed,
                pct(s.fp_test_acc),
                s.fp_epochs,
                pct(s.qat_test_acc),
                100.0 * (s.qat_test_acc - s.fp_test_acc)
            )?;
        }
    }
    if let Some(n) = &r.narrow_accumulator {
        let overflows: u64 = n.layers.iter().map(|l| l.overflows).sum();
        let steps: u64 = n.layers.iter().map(|l| l.steps).sum();
        writeln!(
            ui,
            "{}-bit accumulator ({}): {overflows} of {steps} accumulation steps overflowed, in {} of {} test samples; accuracy {}% (exact {}%), {} predictions changed",
            n.bits,
            n.overflow,
            n.samples_with_overflow,
            n.samples,
            pct(n.narrow_acc),
            pct(n.exact_acc),
            n.class_changes
        )?;
    }
    if args.seeds > 1 {
        let summary = &r.seeds;
        writeln!(
            ui,
            "{dataset} {model} {label}, {} seeds (mean ± std): FP {}%, QAT (integer path) {}%, delta {} points; exported seed {} to {}",
            args.seeds,
            summary.fp.pct(),
            summary.qat.pct(),
            summary.delta.signed_pct(),
            summary.exported_seed,
            r.out.display()
        )?;
    } else {
        writeln!(
            ui,
            "{dataset} {model} {label}: FP {}%, QAT (integer path) {}%, fake-quant/integer class mismatches {}; wrote {}",
            pct(r.fp_test_acc),
            pct(r.verification.int_acc),
            r.verification.class_mismatches,
            r.out.display()
        )?;
    }
    let bad = r.layer_mismatches();
    if bad > 0 {
        writeln!(
            ui,
            "FAIL the integer path disagrees with the fake-quant path on {bad} test samples (see {})",
            r.out.join("report.md").display()
        )?;
        return Ok(Verdict::Fail);
    }
    Ok(Verdict::Pass)
}
