//! A hand-rolled timing loop, steadier than a statistics framework on a small shared VM.
//!
//! Each implementation of a scenario is calibrated to a batch of iterations that takes about
//! [`Config::sample_ms`]; then the implementations take their samples in turn (A, B, C, A, B,
//! C, ...), so a slow phase of the machine hits them all alike. The figure reported is the
//! median of the per-sample ns/op.

use std::hint::black_box;
use std::time::{Duration, Instant};

/// How long to measure.
#[derive(Debug, Clone, Copy)]
pub struct Config {
    /// Samples per implementation.
    pub samples: usize,
    /// Target duration of one sample.
    pub sample_ms: u64,
}

impl Config {
    /// From `BENCH_SAMPLES` and `BENCH_SAMPLE_MS`, defaulting to 31 samples of 10 ms.
    pub fn from_env() -> Self {
        let get = |k: &str, d: u64| {
            std::env::var(k)
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(d)
        };
        Config {
            samples: get("BENCH_SAMPLES", 31) as usize,
            sample_ms: get("BENCH_SAMPLE_MS", 10),
        }
    }
}

/// One implementation under test: a name and an operation returning a value to keep alive.
pub struct Case<'a> {
    /// Row label.
    pub name: &'static str,
    /// The operation; its result goes through `black_box`.
    pub op: Box<dyn FnMut() -> u64 + 'a>,
}

/// The result for one implementation.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    /// Median ns per operation.
    pub median_ns: f64,
    /// Fastest sample's ns per operation.
    pub min_ns: f64,
}

fn run_batch(op: &mut dyn FnMut() -> u64, iters: u64) -> Duration {
    let start = Instant::now();
    for _ in 0..iters {
        black_box(op());
    }
    start.elapsed()
}

fn calibrate(op: &mut dyn FnMut() -> u64, target: Duration) -> u64 {
    let mut iters = 1u64;
    loop {
        let t = run_batch(op, iters);
        if t >= target / 4 || iters >= 1 << 30 {
            let per = t.as_secs_f64() / iters as f64;
            return ((target.as_secs_f64() / per.max(1e-12)) as u64).max(1);
        }
        iters *= 4;
    }
}

/// Times every case, samples interleaved.
pub fn measure(cfg: Config, cases: &mut [Case<'_>]) -> Vec<Timing> {
    let target = Duration::from_millis(cfg.sample_ms);
    let iters: Vec<u64> = cases
        .iter_mut()
        .map(|c| calibrate(&mut c.op, target))
        .collect();
    let mut samples = vec![Vec::with_capacity(cfg.samples); cases.len()];
    for _ in 0..cfg.samples {
        for (i, c) in cases.iter_mut().enumerate() {
            let t = run_batch(&mut c.op, iters[i]);
            samples[i].push(t.as_nanos() as f64 / iters[i] as f64);
        }
    }
    samples
        .into_iter()
        .map(|mut s| {
            s.sort_by(f64::total_cmp);
            Timing {
                median_ns: s[s.len() / 2],
                min_ns: s[0],
            }
        })
        .collect()
}
