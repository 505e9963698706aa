//! Running the real `tmkit` binary in a temporary directory.

use std::{
    path::PathBuf,
    process::{Command, Output},
};

/// The flags naming the store `tm` and the pair French to English, which
/// most commands in these tests take.
pub const TM: [&str; 6] = ["--db", "tm", "--src-lang", "fr", "--tgt-lang", "en"];

/// A temporary directory, and the `tmkit` binary run inside it.
pub struct Dir {
    pub tmp: tempfile::TempDir,
}

/// What a run printed, and how it ended.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Dir {
    pub fn new() -> Dir {
        Dir {
            tmp: tempfile::tempdir().expect("temporary directory"),
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.tmp.path().join(name)
    }

    /// Writes `contents` to `name` in the directory.
    pub fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, contents).expect("write test file");
        path
    }

    /// Runs `tmkit ARGS` in the directory, with no store configured by default.
    pub fn tmkit(&self, args: &[&str]) -> Run {
        let out: Output = Command::new(env!("CARGO_BIN_EXE_tmkit"))
            .args(args)
            .current_dir(self.tmp.path())
            .env_remove("TMKIT_DB")
            .env("XDG_DATA_HOME", self.path("xdg"))
            .output()
            .expect("run tmkit");
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

impl Dir {
    /// Runs `tmkit align` on the bundled dispatch (French to English), with
    /// `extra` arguments after the languages.
    pub fn align_dispatch(&self, extra: &[&str]) -> Run {
        let fr = example("dispatch/dispatch.fr.txt");
        let en = example("dispatch/dispatch.en.txt");
        let (fr, en) = (fr.to_str().unwrap(), en.to_str().unwrap());
        self.tmkit(
            &[
                &["align", fr, en, "--src-lang", "fr", "--tgt-lang", "en"][..],
                extra,
            ]
            .concat(),
        )
    }

    /// Imports `pairs` (`french<TAB>english` lines) into the store `tm`.
    pub fn tsv_store(&self, pairs: &str) {
        self.write("pairs.tsv", pairs);
        self.tm(&["import", "pairs.tsv"]).ok();
    }

    /// Starts `tmkit ARGS` in the directory without waiting for it, with
    /// its stdout and stderr piped and its debug events on (`TMKIT_LOG=debug`:
    /// the store held, each import batch on disk), for tests to wait on.
    pub fn spawn(&self, args: &[&str]) -> std::process::Child {
        Command::new(env!("CARGO_BIN_EXE_tmkit"))
            .args(args)
            .current_dir(self.tmp.path())
            .env_remove("TMKIT_DB")
            .env("TMKIT_LOG", "debug")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("start tmkit")
    }

    /// Runs `tmkit ARGS` on the store `tm`, French to English ([`TM`]).
    pub fn tm(&self, args: &[&str]) -> Run {
        self.tmkit(&[args, &TM[..]].concat())
    }

    /// How many units the store `db` holds, by `tmkit stats --json`.
    pub fn units(&self, db: &str) -> u64 {
        self.tmkit(&["stats", "--db", db, "--json"]).ok().json()["units"]
            .as_u64()
            .unwrap()
    }
}

impl Run {
    /// Stdout parsed as one JSON value.
    #[track_caller]
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(self.stdout.trim())
            .unwrap_or_else(|e| panic!("stdout is not one JSON value ({e}): {}", self.stdout))
    }

    /// Panics with the output unless the exit code is `code`.
    #[track_caller]
    pub fn expect_code(self, code: i32) -> Run {
        assert_eq!(
            self.code, code,
            "exit code {} (expected {code})\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        );
        self
    }

    #[track_caller]
    pub fn ok(self) -> Run {
        self.expect_code(0)
    }

    /// Panics with stderr unless it contains every one of `needles`.
    #[track_caller]
    pub fn expect_stderr(&self, needles: &[&str]) -> &Run {
        for needle in needles {
            assert!(
                self.stderr.contains(needle),
                "stderr lacks {needle:?}:\n{}",
                self.stderr
            );
        }
        self
    }
}

/// A file of the bundled examples.
pub use tmkit_testkit::example;
