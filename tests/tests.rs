//! Integration tests: each runs the real `tmkit` binary in a temporary
//! directory. Regressions are named after their issue.

mod cli;
mod dispatch;
mod errors;
mod index;
mod serve;
mod store;
mod util;
