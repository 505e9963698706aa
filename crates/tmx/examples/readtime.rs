//! Times reading a TMX file held in memory, for quick comparisons while
//! tuning: `cargo run --release -p tmkit-tmx --example readtime -- FILE|gen:N [RUNS] [bare|slice|stream]`.

use std::time::Instant;

#[path = "../benches/common/mod.rs"]
mod common;

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().expect("usage: readtime FILE [RUNS]");
    let runs: usize = args.next().and_then(|r| r.parse().ok()).unwrap_or(5);
    // `gen:N` reads the bench's generated N-unit document instead of a file.
    let bytes = match path.strip_prefix("gen:") {
        Some(n) => common::generate(n.parse().expect("a unit count")).into_bytes(),
        None => std::fs::read(&path).expect("readable file"),
    };
    // `bare` as third argument times quick-xml's buffered event loop alone
    // (the bench's baseline), `slice` its in-place loop over the bytes;
    // `stream` reads through `from_reader`, as for a file or pipe.
    let mode = args.next();
    let bare = mode.as_deref() == Some("bare");
    let slice = mode.as_deref() == Some("slice");
    let stream = mode.as_deref() == Some("stream");
    let mut best = f64::MAX;
    for _ in 0..runs {
        let start = Instant::now();
        let units = if bare {
            common::bare_loop(&bytes)
        } else if slice {
            common::in_place_loop(&bytes)
        } else if stream {
            tmkit_tmx::TmxReader::from_reader(std::io::Cursor::new(bytes.clone()), &path)
                .expect("TMX")
                .filter(Result::is_ok)
                .count()
        } else {
            let reader = tmkit_tmx::TmxReader::from_slice(&bytes, &path).expect("TMX");
            // `TMKIT_AHEAD=0|1` turns parsing ahead off or on (default: by size).
            let reader = match std::env::var("TMKIT_AHEAD").as_deref() {
                Ok("0") => reader.parse_ahead(false),
                Ok("1") => reader.parse_ahead(true),
                _ => reader,
            };
            reader.filter(Result::is_ok).count()
        };
        let secs = start.elapsed().as_secs_f64();
        best = best.min(secs);
        eprintln!("{units} units in {secs:.3} s");
    }
    println!(
        "best {:.1} MB/s over {} bytes",
        bytes.len() as f64 / best / 1e6,
        bytes.len()
    );
}
