/*!
What tmkit's tests share: paths into the repository, and the real clients the
tests drive to check tmkit's TMX (xmllint with the TMX 1.4 DTD,
translate-toolkit's parser, OmegaT 3.6 in console mode).

A missing client makes [`have`] print `skipped: … not installed` and return
`false`, so its test passes without checking anything, unless
`TMKIT_REQUIRE_CLIENTS=1` (set by `.ci/run` after installing them), which
makes it fail instead. Tests read only files of the repository: nothing
here reaches outside it.

The items that matter:

* [`have`], [`have_omegat`] and [`python`], to find the clients;
* [`xmllint_dtd_errors`], which validates a TMX file against [`tmx_dtd`];
* [`omegat_translate`], which runs OmegaT on a project whose memory is a
  given TMX file and returns its [`OmegatRun`];
* [`http`], a minimal HTTP client for the server's tests;
* [`toml_cases`], the one loader of the behaviour cases that crates keep in
  TOML files of their `testdata/`.

```
let dtd = tmkit_testkit::tmx_dtd();
assert!(dtd.ends_with("tmx/spec/tmx14.dtd") && dtd.exists());
```
*/

// The tests of two packages read these docs.
#![deny(missing_docs)]

pub use crate::{
    cases::toml_cases,
    clients::{clients_required, have, have_omegat, python, xmllint_dtd_errors},
    http::Reply,
    omegat::{omegat_translate, OmegatRun},
    paths::{example, repo, tmx_dtd},
};

mod cases;
mod clients;
pub mod http;
mod omegat;
mod paths;
