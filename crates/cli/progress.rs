//! Progress bars on stderr, drawn only when stderr is a terminal.

use indicatif::{ProgressBar, ProgressStyle};

/// A counter of units with a rate; hidden when stderr is not a terminal.
pub struct Bar(Option<ProgressBar>);

/// A spinner-style counter labelled `label`.
pub fn bar(label: &str) -> Bar {
    if !crate::out::stderr_is_terminal() {
        return Bar(None);
    }
    let pb = ProgressBar::new_spinner();
    let style =
        ProgressStyle::with_template("{spinner} {prefix} {human_pos} units ({per_sec}, {elapsed})")
            .unwrap_or_else(|_| ProgressStyle::default_spinner());
    pb.set_style(style);
    pb.set_prefix(label.to_string());
    Bar(Some(pb))
}

impl Bar {
    /// Sets the count; cheap enough to call per unit.
    pub fn set(&self, n: u64) {
        if let Some(pb) = &self.0 {
            if n % 1024 == 0 {
                pb.set_position(n);
            }
        }
    }

    /// Removes the bar.
    pub fn finish(&self) {
        if let Some(pb) = &self.0 {
            pb.finish_and_clear();
        }
    }
}
