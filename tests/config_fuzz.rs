//! Property test of the config loader: at least 10,000 seeded random and mutated YAML documents
//! (the committed good configs with characters and lines deleted, duplicated and swapped, YAML
//! syntax inserted, numbers at their limits, values made null) go to `Design::from_yaml`. None
//! may panic or take long; every error names its origin and, for a field error, the field; a
//! sample also goes through `potmac generate`, which must exit 0 or 2 and write nothing on 2.
//!
//! The seed is printed; rerun one with `POTMAC_FUZZ_SEED=S cargo test --test config_fuzz`.
//! For longer runs, `benches/fuzz_config.sh` (see docs/robustness.md).

mod common;
#[path = "common/mutate.rs"]
mod mutate;

use common::{potmac, root, scratch};
use potmac::config::Design;
use potmac::rng::Rng;
use std::time::{Duration, Instant};

const DOCUMENTS: u64 = 10_000;

fn seed() -> u64 {
    std::env::var("POTMAC_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_261_202)
}

#[test]
fn ten_thousand_mutated_configs_never_panic_and_errors_name_origin_and_field() {
    let seed = seed();
    eprintln!("config fuzz seed {seed} (POTMAC_FUZZ_SEED={seed} to rerun)");
    let seeds = mutate::seeds(&root());
    let mut rng = Rng::new(seed);
    let t0 = Instant::now();
    let (mut accepted, mut field_errors, mut slowest) = (0, 0, Duration::ZERO);
    for i in 0..DOCUMENTS {
        let doc = mutate::document(&mut rng, &seeds, i);
        let origin = format!("doc{i}.yaml");
        let t = Instant::now();
        let result = std::panic::catch_unwind(|| Design::from_yaml(&doc, &origin))
            .unwrap_or_else(|_| panic!("seed {seed}, document {i} panicked:\n{doc:?}"));
        let dt = t.elapsed();
        slowest = slowest.max(dt);
        assert!(
            dt < Duration::from_secs(2),
            "seed {seed}, document {i} took {dt:?}:\n{doc:?}"
        );
        if let Err(why) = mutate::check(&doc, &origin, &result) {
            panic!("seed {seed}, document {i}: {why}\n{doc:?}");
        }
        match result {
            Ok(_) => accepted += 1,
            Err(potmac::config::ConfigError::Field { .. }) => field_errors += 1,
            Err(_) => {}
        }
    }
    eprintln!(
        "{DOCUMENTS} documents in {:.2} s (slowest {:.1} ms): {accepted} accepted, \
         {field_errors} field errors, {} parse errors",
        t0.elapsed().as_secs_f64(),
        slowest.as_secs_f64() * 1e3,
        DOCUMENTS - accepted - field_errors
    );
    // The mix exercises every outcome.
    assert!(
        accepted > 100 && field_errors > 100,
        "{accepted} / {field_errors}"
    );
}

/// Through the binary: a bad document exits 2 naming the file and writes nothing; a good one
/// exits 0.
#[test]
fn mutated_configs_through_generate_write_nothing_when_rejected() {
    let seed = seed() ^ 0x5eed;
    eprintln!("config fuzz (cli) seed {seed}");
    let seeds = mutate::seeds(&root());
    let mut rng = Rng::new(seed);
    let dir = scratch("fuzz_cli");
    let cfg = dir.join("config.yaml");
    for i in 0..40 {
        let doc = mutate::document(&mut rng, &seeds, i);
        std::fs::write(&cfg, &doc).unwrap();
        let out = dir.join(format!("out{i}"));
        let o = potmac()
            .args(["generate", "--vectors", "0", "--out"])
            .arg(&out)
            .arg(&cfg)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        match o.status.code() {
            Some(0) => assert!(out.is_dir(), "document {i}"),
            Some(2) => {
                assert!(
                    err.starts_with(&format!("error: {}: ", cfg.display())),
                    "document {i}: {err}\n{doc:?}"
                );
                assert!(!out.exists(), "document {i} wrote {}", out.display());
            }
            c => panic!("seed {seed}, document {i}: exit {c:?}: {err}\n{doc:?}"),
        }
    }
}
