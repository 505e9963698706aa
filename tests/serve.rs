//! `tmkit serve` as a process: what it answers equals what `tmkit lookup
//! --json` prints, other commands say where the store is served, and
//! SIGTERM stops it cleanly.

use std::{
    io::{BufRead, BufReader, Read},
    net::SocketAddr,
    process::{Child, ChildStderr, Command},
};

use serde_json::{json, Value};
use tmkit_testkit::http::{self, quote};

use crate::util::Dir;

const PAIRS: &str = "Le chat dort sur le canapé.\tThe cat sleeps on the sofa.\n\
Le chien dort sur le canapé.\tThe dog sleeps on the sofa.\n\
Le chat dort sur le lit.\tThe cat sleeps on the bed.\n\
Le chat mange sa pâtée.\tThe cat eats its food.\n\
Il fait beau aujourd'hui.\tThe weather is fine today.\n";

/// A running `tmkit serve`, bound to a free loopback port.
struct Serving {
    child: Child,
    addr: SocketAddr,
    stderr: BufReader<ChildStderr>,
    /// What it printed on stderr up to `listening on`.
    said: String,
}

impl Serving {
    /// Starts `tmkit serve --db tm --addr 127.0.0.1:0` and waits until it
    /// says where it listens.
    fn start(dir: &Dir) -> Serving {
        let mut child = dir.spawn(&["serve", "--db", "tm", "--addr", "127.0.0.1:0"]);
        let stderr = BufReader::new(child.stderr.take().expect("piped stderr"));
        // Dropped (the child killed and waited for) if it never listens.
        let mut serving = Serving {
            child,
            addr: SocketAddr::from(([0, 0, 0, 0], 0)),
            stderr,
            said: String::new(),
        };
        loop {
            let mut line = String::new();
            let read = serving.stderr.read_line(&mut line).expect("read stderr");
            assert!(
                read > 0,
                "tmkit serve ended before it listened:\n{}",
                serving.said
            );
            serving.said.push_str(&line);
            if let Some(addr) = line.trim().strip_prefix("tmkit: listening on http://") {
                serving.addr = addr.parse().expect("an address");
                return serving;
            }
        }
    }

    /// Sends SIGTERM and waits for the exit; returns the exit code and the
    /// rest of stderr.
    fn terminate(mut self) -> (Option<i32>, String) {
        let pid = self.child.id().to_string();
        let killed = Command::new("kill").args(["-TERM", &pid]).status();
        assert!(killed.is_ok_and(|s| s.success()), "kill -TERM {pid}");
        let mut rest = String::new();
        let _ = self.stderr.read_to_string(&mut rest);
        let status = self.child.wait().expect("wait for tmkit serve");
        (status.code(), rest)
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        // Only reached with the child still running when a test failed.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn issue13_serve_lookup_equals_cli_lookup_json() {
    let dir = Dir::new();
    dir.tsv_store(PAIRS);
    let query = "Le chat dort sur le tapis.";
    let cli = dir
        .tm(&["lookup", "--json", "--min", "70", "--top", "5", query])
        .ok();
    let cli: Value = serde_json::from_str(cli.stdout.lines().next().unwrap()).unwrap();
    assert!(cli["matches"].as_array().unwrap().len() >= 2, "{cli}");

    let server = Serving::start(&dir);
    let body =
        json!({"src_lang": "fr", "tgt_lang": "en", "segments": [query], "min": 70, "top": 5});
    let reply = http::request(
        server.addr,
        "POST",
        "/api/tmkit/v1/lookup",
        &[("Content-Type", "application/json")],
        body.to_string().as_bytes(),
    )
    .unwrap();
    assert_eq!(reply.status, 200, "{}", reply.body);
    let api = reply.json();
    assert_eq!(api[0]["matches"], cli["matches"]);
    assert_eq!(api[0]["query"], cli["query"]);

    let reply = http::get(
        server.addr,
        &format!("/tmserver/fr/en/unit/{}", quote(query)),
    )
    .unwrap();
    let candidates: Vec<(Value, Value, Value)> = reply
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["source"].clone(),
                c["target"].clone(),
                c["quality"].clone(),
            )
        })
        .collect();
    let expected: Vec<(Value, Value, Value)> = cli["matches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["source"].clone(), m["target"].clone(), m["score"].clone()))
        .collect();
    assert_eq!(candidates, expected);
    let (code, said) = server.terminate();
    assert_eq!(code, Some(0), "{said}");
}

#[test]
fn issue13_serve_stops_cleanly_on_sigterm_and_other_commands_name_it() {
    let dir = Dir::new();
    dir.tsv_store(PAIRS);
    let server = Serving::start(&dir);
    let announced = dir.path("tm").join("tmkit.serve");
    assert!(announced.exists(), "{}", server.said);
    assert_eq!(http::get(server.addr, "/healthz").unwrap().status, 200);

    let pid = server.child.id();
    let busy = dir.tmkit(&["stats", "--db", "tm"]).expect_code(2);
    busy.expect_stderr(&[&format!(
        "a tmkit server (pid {pid}) serves this store at http://{}",
        server.addr
    )]);

    let (code, said) = server.terminate();
    assert_eq!(code, Some(0), "{said}");
    assert!(said.contains("stopped"), "{said}");
    assert!(!announced.exists());
    dir.tmkit(&["check", "--db", "tm"]).ok();
    assert_eq!(dir.units("tm"), 5);
}
