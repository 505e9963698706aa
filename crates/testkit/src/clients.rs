//! Finding the real clients, and xmllint.

use std::path::Path;
use std::process::Command;

/// Whether the real clients (xmllint, OmegaT, translate-toolkit) must be
/// present: `.ci/run` sets `TMKIT_REQUIRE_CLIENTS=1` after installing them.
pub fn clients_required() -> bool {
    std::env::var("TMKIT_REQUIRE_CLIENTS").is_ok_and(|v| v == "1")
}

/// Whether `probe` (a command that succeeds when `client` is usable) runs
/// and succeeds. When it does not: panics if clients are required, else
/// prints that the test is skipped.
#[track_caller]
pub fn have(client: &str, probe: &mut Command) -> bool {
    let ok = probe.output().is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            !clients_required(),
            "{client} is required (TMKIT_REQUIRE_CLIENTS=1) but not installed"
        );
        eprintln!("skipped: {client} not installed");
    }
    ok
}

/// Where Debian's `omegat` package puts OmegaT.
const OMEGAT_JAR: &str = "/usr/share/omegat/OmegaT.jar";

/// Whether OmegaT (its jar and java) can run; see [`have`].
#[track_caller]
pub fn have_omegat() -> bool {
    if !Path::new(OMEGAT_JAR).exists() {
        assert!(
            !clients_required(),
            "OmegaT is required (TMKIT_REQUIRE_CLIENTS=1) but {OMEGAT_JAR} is missing"
        );
        eprintln!("skipped: OmegaT not installed ({OMEGAT_JAR})");
        return false;
    }
    have("OmegaT (java)", Command::new("java").arg("-version"))
}

/// The jar [`have_omegat`] found.
pub(crate) fn omegat_jar() -> &'static Path {
    Path::new(OMEGAT_JAR)
}

/// The Python interpreter that has translate-toolkit: `$TMKIT_PYTHON`
/// (`.ci/run` points it at its venv), else `python3`.
pub fn python() -> String {
    std::env::var("TMKIT_PYTHON").unwrap_or_else(|_| "python3".into())
}

/// Validates `file` against `dtd` with xmllint (no network): `None` when
/// it is valid and xmllint said nothing, else what xmllint said, with its
/// exit code. Check [`have`]`("xmllint", …)` first.
pub fn xmllint_dtd_errors(dtd: &Path, file: &Path) -> Option<String> {
    let out = Command::new("xmllint")
        .args(["--noout", "--nonet", "--dtdvalid"])
        .arg(dtd)
        .arg(file)
        .output();
    match out {
        Err(e) => Some(format!("xmllint could not run: {e}")),
        Ok(out) => {
            let stderr = String::from_utf8_lossy(&out.stderr);
            (!out.status.success() || !stderr.trim().is_empty())
                .then(|| format!("exit {:?}: {stderr}", out.status.code()))
        }
    }
}
