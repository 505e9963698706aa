//! `tmkit serve` as a process: what it answers equals what `tmkit lookup
//! --json` prints, other commands say where the store is served, and
//! SIGTERM stops it cleanly.

use std::{
    io::{BufRead, BufReader, Read, Write},
    net::{SocketAddr, TcpStream},
    process::{Child, ChildStderr, Command},
    time::{Duration, Instant},
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
        Serving::start_with(dir, &[])
    }

    /// As [`Serving::start`], with `extra` arguments.
    fn start_with(dir: &Dir, extra: &[&str]) -> Serving {
        let args = [&["serve", "--db", "tm", "--addr", "127.0.0.1:0"][..], extra].concat();
        let mut child = dir.spawn(&args);
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

    /// Sends `signal` (`TERM`, `KILL`) to the server.
    fn signal(&self, signal: &str) {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill")
            .args([&format!("-{signal}"), &pid])
            .status();
        assert!(sent.is_ok_and(|s| s.success()), "kill -{signal} {pid}");
    }

    /// Sends SIGTERM and waits for the exit; returns the exit code and the
    /// rest of stderr.
    fn terminate(self) -> (Option<i32>, String) {
        self.signal("TERM");
        self.wait()
    }

    /// Waits for the exit; returns the exit code and the rest of stderr.
    fn wait(mut self) -> (Option<i32>, String) {
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

const TOKEN: &str = "0123456789abcdef-serve-test";

#[test]
fn issue13_a_write_in_progress_at_sigterm_is_finished_and_stored() {
    let dir = Dir::new();
    dir.tsv_store(PAIRS);
    dir.write("token", format!("{TOKEN}\n"));
    let server = Serving::start_with(&dir, &["--token-file", "token"]);
    let body = json!({"src_lang": "fr", "tgt_lang": "en", "units": [{"source": "Bonsoir.", "target": "Good evening."}]})
        .to_string();
    let (head, tail) = body.split_at(10);
    let mut stream = TcpStream::connect(server.addr).unwrap();
    write!(
        stream,
        "POST /api/tmkit/v1/units HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\n\
         Content-Type: application/json\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{head}",
        body.len()
    )
    .unwrap();
    stream.flush().unwrap();
    // Once the server has read its head (it counts in /metrics, beside the
    // /metrics request itself), the request is under way: the server waits
    // for the rest of its body. SIGTERM; once the server accepts no more
    // connections it is stopping.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let metrics = http::get(server.addr, "/metrics").unwrap();
        if metrics.body.contains("tmkit_requests_in_flight 2") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the write never started: {}",
            metrics.body
        );
    }
    server.signal("TERM");
    let deadline = Instant::now() + Duration::from_secs(60);
    while TcpStream::connect(server.addr).is_ok() {
        assert!(
            Instant::now() < deadline,
            "still accepting 60 s after SIGTERM"
        );
    }
    stream.write_all(tail.as_bytes()).unwrap();
    let mut reply = String::new();
    stream.read_to_string(&mut reply).unwrap();
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    assert!(reply.contains("\"added\":1"), "{reply}");
    let (code, said) = server.wait();
    assert_eq!(code, Some(0), "{said}");
    dir.tmkit(&["check", "--db", "tm"]).ok();
    assert_eq!(dir.units("tm"), 6);
}

#[test]
fn issue13_kill_9_during_a_write_leaves_a_sound_store_and_a_claim_that_is_ignored() {
    let dir = Dir::new();
    dir.tsv_store(PAIRS);
    dir.write("token", format!("{TOKEN}\n"));
    let server = Serving::start_with(&dir, &["--token-file", "token"]);
    let units: Vec<Value> = (0..20_000)
        .map(|i| json!({"source": format!("Phrase numéro {i} du lot."), "target": format!("Sentence number {i} of the batch.")}))
        .collect();
    let body = json!({"src_lang": "fr", "tgt_lang": "en", "units": units}).to_string();
    let mut stream = TcpStream::connect(server.addr).unwrap();
    write!(
        stream,
        "POST /api/tmkit/v1/units HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    stream.flush().unwrap();
    // Whenever the kill lands (reading the body, storing, after), the store
    // opens sound with the batch whole or absent.
    server.signal("KILL");
    let (code, _) = server.wait();
    assert_eq!(code, None, "killed by a signal");
    // The killed server's DIR/tmkit.serve is left behind, unlocked: the
    // next commands neither wait for it nor name it.
    assert!(dir.path("tm").join("tmkit.serve").exists());
    dir.tmkit(&["check", "--db", "tm"]).ok();
    let units = dir.units("tm");
    assert!(units == 5 || units == 20_005, "{units} units");
}
