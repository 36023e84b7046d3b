//! A timed fuzz driver for the config loader that runs on stable Rust (no cargo-fuzz, no
//! nightly): seeded random and mutated YAML documents go to `Design::from_yaml` until the time
//! is up. A finding (a panic, a document slower than 1 s, or an error that does not name its
//! origin or field) is saved to `FINDINGS/finding-<seed>-<n>.yaml` and makes the exit code 1.
//!
//! Usage: `cargo run --release --example fuzz_config -- SECONDS [SEED] [FINDINGS]`, normally
//! through `benches/fuzz_config.sh`.

#[path = "../tests/common/mutate.rs"]
mod mutate;

use potmac::config::Design;
use potmac::rng::Rng;
use std::path::PathBuf;
use std::time::{Duration, Instant};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: fuzz_config SECONDS [SEED] [FINDINGS_DIR]";
    let secs: u64 = args
        .first()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("{usage}"));
    let seed: u64 = args.get(1).map_or(1, |s| s.parse().expect(usage));
    let findings = PathBuf::from(args.get(2).map_or("fuzz_findings", String::as_str));
    let seeds = mutate::seeds(&PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    let mut rng = Rng::new(seed);
    let t0 = Instant::now();
    let limit = Duration::from_secs(secs);
    let (mut n, mut found, mut accepted, mut slowest) = (0u64, 0u64, 0u64, Duration::ZERO);
    std::panic::set_hook(Box::new(|_| {}));
    while t0.elapsed() < limit {
        // Longer mutation chains than the CI test: stack up to 12 on one document.
        let mut doc = mutate::document(&mut rng, &seeds, n);
        for _ in 0..rng.below(9) {
            mutate::mutate_once(&mut rng, &mut doc);
        }
        let origin = format!("fuzz{n}.yaml");
        let t = Instant::now();
        let result = std::panic::catch_unwind(|| Design::from_yaml(&doc, &origin));
        let dt = t.elapsed();
        slowest = slowest.max(dt);
        let problem = match &result {
            Err(_) => Some("panic".to_string()),
            Ok(_) if dt > Duration::from_secs(1) => Some(format!("slow: {dt:?}")),
            Ok(r) => {
                if r.is_ok() {
                    accepted += 1;
                }
                mutate::check(&doc, &origin, r).err()
            }
        };
        if let Some(p) = problem {
            found += 1;
            std::fs::create_dir_all(&findings).unwrap();
            let f = findings.join(format!("finding-{seed}-{n}.yaml"));
            std::fs::write(&f, &doc).unwrap();
            eprintln!(
                "finding {found}: document {n}: {p} (saved to {})",
                f.display()
            );
        }
        n += 1;
    }
    let el = t0.elapsed().as_secs_f64();
    println!(
        "seed {seed}: {n} documents in {el:.1} s ({:.0}/s), {accepted} accepted, slowest {:.1} ms, {found} findings",
        n as f64 / el,
        slowest.as_secs_f64() * 1e3
    );
    std::process::exit(i32::from(found > 0));
}
