//! Progress bars on stderr, drawn only when stderr is a terminal.

use indicatif::{ProgressBar, ProgressStyle};
use tmkit_engine::Progress;

/// An import's progress: how far into the file, units, rate and ETA.
/// Hidden when stderr is not a terminal.
pub struct Bar(Option<ProgressBar>);

/// A bar labelled `label`.
pub fn bar(label: &str) -> Bar {
    if !crate::out::stderr_is_terminal() {
        return Bar(None);
    }
    let pb = ProgressBar::new(0);
    let style = ProgressStyle::with_template(
        "{spinner} {prefix} [{bar:30}] {percent:>3}% {msg}, {elapsed} elapsed, ETA {eta}",
    )
    .unwrap_or_else(|_| ProgressStyle::default_bar())
    .progress_chars("=> ");
    pb.set_style(style);
    pb.set_prefix(label.to_string());
    Bar(Some(pb))
}

impl Bar {
    /// Shows `p`: the file's bytes give the fraction and the ETA, the units
    /// the count and the rate.
    pub fn set(&self, p: Progress) {
        if let Some(pb) = &self.0 {
            pb.set_length(p.bytes_total.max(1));
            pb.set_position(p.bytes_read.min(p.bytes_total));
            let seconds = pb.elapsed().as_secs_f64().max(1e-3);
            pb.set_message(format!(
                "{} units ({:.0}/s)",
                p.units,
                p.units as f64 / seconds
            ));
        }
    }

    /// Removes the bar.
    pub fn finish(&self) {
        if let Some(pb) = &self.0 {
            pb.finish_and_clear();
        }
    }
}
