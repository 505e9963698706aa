// Each test binary uses a part of what is here.
#![allow(dead_code)]

//! What the server's tests share: a real server over a small store, bound
//! to a free loopback port and run on its own thread.

use std::{net::SocketAddr, thread::JoinHandle};

use tmkit_core::{Lang, Tu};
use tmkit_engine::Tm;
use tmkit_server::{Config, Server};
use tmkit_testkit::http::{self, Reply};

pub const TOKEN: &str = "0123456789abcdef-test-token";

/// A server running on its own thread; stopped and joined when dropped.
pub struct Running {
    pub addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<tmkit_server::Result<()>>>,
    _dir: tempfile::TempDir,
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let stopped = thread.join();
            if !std::thread::panicking() {
                stopped
                    .expect("server thread")
                    .expect("server stops cleanly");
            }
        }
    }
}

fn units(src: &str, tgt: &str, pairs: &[(&str, &str)]) -> Vec<Tu> {
    let (src, tgt) = (Lang::parse(src).unwrap(), Lang::parse(tgt).unwrap());
    pairs
        .iter()
        .map(|(s, t)| Tu::bilingual(src.clone(), *s, tgt.clone(), *t))
        .collect()
}

pub fn start(config: Config) -> Running {
    let dir = tempfile::tempdir().unwrap();
    let tm = Tm::create(&dir.path().join("tm")).unwrap();
    let fr = Lang::parse("fr").unwrap();
    tm.add_units(
        "test",
        &fr,
        units(
            "fr",
            "en",
            &[
                ("Le chat dort sur le canapé.", "The cat sleeps on the sofa."),
                (
                    "Le chien dort sur le canapé.",
                    "The dog sleeps on the sofa.",
                ),
                ("Entrée/Sortie du système", "System input/output"),
                ("/usr/bin est un dossier", "/usr/bin is a folder"),
                ("Le chat dors.", "The cat sleep."),
            ],
        ),
    )
    .unwrap();
    let en = Lang::parse("en").unwrap();
    tm.add_units(
        "test-pt",
        &en,
        units("en", "pt", &[("Open the file", "Abrir o arquivo")]),
    )
    .unwrap();
    let server = Server::bind(
        tm,
        Config {
            addr: "127.0.0.1:0".parse().unwrap(),
            ..config
        },
    )
    .unwrap();
    let addr = server.local_addr();
    let (tx, rx) = tokio::sync::oneshot::channel();
    let thread = std::thread::spawn(move || {
        server.run(async {
            let _ = rx.await;
        })
    });
    Running {
        addr,
        stop: Some(tx),
        thread: Some(thread),
        _dir: dir,
    }
}

impl Running {
    #[track_caller]
    pub fn get(&self, target: &str) -> Reply {
        http::get(self.addr, target).expect("request")
    }

    #[track_caller]
    pub fn send(&self, method: &str, target: &str, token: Option<&str>, body: &str) -> Reply {
        let auth = token.map(|t| format!("Bearer {t}"));
        let mut headers = vec![("Content-Type", "application/json")];
        if let Some(auth) = &auth {
            headers.push(("Authorization", auth.as_str()));
        }
        http::request(self.addr, method, target, &headers, body.as_bytes()).expect("request")
    }
}
