//! The server's protocols, in process: a real server bound to a free
//! loopback port over a small store, and a plain HTTP client.

mod support;

use std::time::Duration;

use serde_json::Value;
use support::{start, TOKEN};
use tmkit_server::Config;
use tmkit_testkit::http::{quote, Reply};

/// The (source, quality) of each candidate of a 200 tmserver reply.
#[track_caller]
fn candidates(reply: &Reply) -> Vec<(String, u64)> {
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.header("content-type"), Some("application/json"));
    let Value::Array(list) = reply.json() else {
        panic!("not a list: {}", reply.body)
    };
    list.iter()
        .map(|c| {
            for field in ["source", "target", "quality", "rank", "context"] {
                assert!(c.get(field).is_some(), "no {field} in {c}");
            }
            (
                c["source"].as_str().unwrap().to_string(),
                c["quality"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn tmserver_lookups_at_both_prefixes_best_first() {
    let s = start(Config::default());
    for prefix in ["/tmserver", "/api/v1"] {
        let exact = s.get(&format!(
            "{prefix}/fr/en/unit/{}",
            quote("Le chat dort sur le canapé.")
        ));
        let found = candidates(&exact);
        assert_eq!(found[0], ("Le chat dort sur le canapé.".into(), 100));
        assert_eq!(exact.json()[0]["target"], "The cat sleeps on the sofa.");
        let fuzzy = candidates(&s.get(&format!(
            "{prefix}/fr/en/unit/{}",
            quote("Le chat dort sur le lit.")
        )));
        assert_eq!(fuzzy[0].0, "Le chat dort sur le canapé.");
        assert!((70..100).contains(&fuzzy[0].1), "{fuzzy:?}");
        assert!(fuzzy.windows(2).all(|w| w[0].1 >= w[1].1), "{fuzzy:?}");
    }
}

#[test]
fn the_text_is_the_decoded_rest_of_the_path_slashes_included() {
    let s = start(Config::default());
    for target in [
        "/tmserver/fr/en/unit/Entr%C3%A9e%2FSortie%20du%20syst%C3%A8me",
        "/tmserver/fr/en/unit/Entr%C3%A9e/Sortie%20du%20syst%C3%A8me",
        "/tmserver/fr/en/unit/%2Fusr%2Fbin%20est%20un%20dossier",
        "/tmserver/fr/en/unit//usr/bin%20est%20un%20dossier",
        "/tmserver/fr/en/unit/?source=Entr%C3%A9e%2FSortie+du+syst%C3%A8me",
    ] {
        let found = candidates(&s.get(target));
        assert_eq!(found.first().map(|c| c.1), Some(100), "{target}: {found:?}");
    }
    assert_eq!(s.get("/tmserver/fr/en/unit/").status, 404);
    assert_eq!(s.get("/tmserver/fr/en/unit/?source=").status, 404);
}

#[test]
fn parameters_limit_raise_or_are_ignored() {
    let s = start(Config::default());
    let q = quote("Le chat dort sur le canapé.");
    let all = candidates(&s.get(&format!("/tmserver/fr/en/unit/{q}")));
    assert!(all.len() >= 2, "{all:?}");
    let one = candidates(&s.get(&format!("/tmserver/fr/en/unit/{q}?max_candidates=1")));
    assert_eq!(one.len(), 1);
    let ignored = candidates(&s.get(&format!(
        "/tmserver/fr/en/unit/{q}?max_candidates=x&min_similarity=abc"
    )));
    assert_eq!(ignored, all);
    // Below 70 is raised to 70: nothing under 70 comes back.
    let low = candidates(&s.get(&format!(
        "/tmserver/fr/en/unit/{}?min_similarity=0",
        quote("Le chat")
    )));
    assert!(low.iter().all(|c| c.1 >= 70), "{low:?}");
    let strict = candidates(&s.get(&format!("/tmserver/fr/en/unit/{q}?min_similarity=100")));
    assert_eq!(strict, vec![("Le chat dort sur le canapé.".into(), 100)]);
}

#[test]
fn scorer_chars_gives_amagamas_quality() {
    let s = start(Config::default());
    // One substitution over 13 characters: 100 - 100 * 1 / 13 = 92.3.
    let found = candidates(&s.get(&format!(
        "/tmserver/fr/en/unit/{}?scorer=chars",
        quote("Le chat dort.")
    )));
    assert_eq!(found[0], ("Le chat dors.".into(), 92));
    let bad = s.get("/tmserver/fr/en/unit/x?scorer=bleu");
    assert_eq!(bad.status, 400);
    assert!(bad.body.contains("bleu"), "{}", bad.body);
}

#[test]
fn an_unknown_pair_is_an_empty_list_and_codes_fall_back_to_the_base_language() {
    let s = start(Config::default());
    assert_eq!(candidates(&s.get("/tmserver/en/de/unit/test")), vec![]);
    let q = quote("Open the file");
    for pair in ["en/pt", "en/pt_br", "en/pt-BR", "en_us/pt_pt", "EN/PT_BR"] {
        let found = candidates(&s.get(&format!("/tmserver/{pair}/unit/{q}")));
        assert_eq!(found, vec![("Open the file".into(), 100)], "{pair}");
    }
    let bad = s.get("/tmserver/12/en/unit/x");
    assert_eq!(bad.status, 400);
    assert!(
        bad.body.contains("\\\"12\\\" is not a language tag"),
        "{}",
        bad.body
    );
}

#[test]
fn languages_are_listed_in_weblates_spelling() {
    let s = start(Config::default());
    for target in ["/tmserver/languages/", "/api/v1/languages/"] {
        let reply = s.get(target);
        assert_eq!(reply.status, 200);
        let v = reply.json();
        let list = |k: &str| -> Vec<String> {
            v[k].as_array()
                .unwrap()
                .iter()
                .map(|s| s.as_str().unwrap().to_string())
                .collect()
        };
        let mut src = list("sourceLanguages");
        src.sort();
        assert_eq!(src, ["en", "fr", "pt"]);
        assert_eq!(list("targetLanguages").len(), 3);
    }
}

#[test]
fn jsonp_wraps_the_reply_in_a_validated_callback() {
    let s = start(Config::default());
    let q = quote("Le chat dort sur le canapé.");
    for param in ["jsoncallback", "callback"] {
        let reply = s.get(&format!("/tmserver/fr/en/unit/{q}?{param}=cb_1"));
        assert_eq!(reply.status, 200);
        assert_eq!(reply.header("content-type"), Some("application/javascript"));
        assert!(
            reply.body.starts_with("cb_1([{") && reply.body.ends_with("}])"),
            "{}",
            reply.body
        );
    }
    let evil = s.get(&format!("/tmserver/fr/en/unit/{q}?callback=alert(1)%3B//"));
    assert_eq!(evil.status, 400);
    assert!(
        evil.body.contains("not a JavaScript identifier"),
        "{}",
        evil.body
    );
    let langs = s.get("/tmserver/languages/?jsoncallback=f");
    assert!(langs.body.starts_with("f({"), "{}", langs.body);
}

#[test]
fn long_texts_and_big_bodies_are_refused_with_the_limit() {
    let s = start(Config {
        max_query: 100,
        max_body: 1000,
        token: Some(TOKEN.into()),
        ..Config::default()
    });
    let long = "a".repeat(101);
    let reply = s.get(&format!("/tmserver/fr/en/unit/{long}"));
    assert_eq!(reply.status, 414);
    assert!(
        reply.body.contains("101 bytes") && reply.body.contains("100"),
        "{}",
        reply.body
    );
    let body = format!(r#"{{"source": "{}", "target": "x"}}"#, "a".repeat(2000));
    let reply = s.send("PUT", "/tmserver/fr/en/unit/x", Some(TOKEN), &body);
    assert_eq!(reply.status, 413, "{}", reply.body);
    let batch = format!(r#"{{"src_lang": "fr", "tgt_lang": "en", "segments": ["{long}"]}}"#);
    let reply = s.send("POST", "/api/tmkit/v1/lookup", None, &batch);
    assert_eq!(reply.status, 413, "{}", reply.body);
}

#[test]
fn writes_need_the_token() {
    let closed = start(Config::default());
    let unit = r#"{"source": "Bonjour le monde", "target": "Hello world"}"#;
    let reply = closed.send("PUT", "/tmserver/fr/en/unit/Bonjour", Some(TOKEN), unit);
    assert_eq!(reply.status, 403);
    assert!(reply.body.contains("--token-file"), "{}", reply.body);

    let s = start(Config {
        token: Some(TOKEN.into()),
        ..Config::default()
    });
    let reply = s.send("PUT", "/tmserver/fr/en/unit/Bonjour", None, unit);
    assert_eq!(reply.status, 401);
    assert_eq!(reply.header("www-authenticate"), Some("Bearer"));
    let reply = s.send(
        "PUT",
        "/tmserver/fr/en/unit/Bonjour",
        Some("0123456789abcdef-test-tokeN"),
        unit,
    );
    assert_eq!(reply.status, 401);
    let q = format!("/tmserver/fr/en/unit/{}", quote("Bonjour le monde"));
    assert_eq!(candidates(&s.get(&q)), vec![]);
    let reply = s.send("PUT", "/tmserver/fr/en/unit/Bonjour", Some(TOKEN), unit);
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.json()["added"], 1);
    assert_eq!(
        candidates(&s.get(&q)),
        vec![("Bonjour le monde".into(), 100)]
    );

    let list = r#"[{"source": "Au revoir", "target": "Goodbye"}, {"source": "Merci", "target": "Thanks"}]"#;
    let reply = s.send(
        "POST",
        "/tmserver/fr/en/store/messages.po",
        Some(TOKEN),
        list,
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.json()["added"], 2);
    assert_eq!(candidates(&s.get("/tmserver/fr/en/unit/Merci"))[0].1, 100);
    let reply = s.send("POST", "/tmserver/fr/en/store/x", Some(TOKEN), "not json");
    assert_eq!(reply.status, 400, "{}", reply.body);
    assert!(
        reply.body.contains("expected a JSON object"),
        "{}",
        reply.body
    );
}

#[test]
fn tmkit_api_lookup_concordance_stats_and_units() {
    let s = start(Config {
        token: Some(TOKEN.into()),
        ..Config::default()
    });
    let reply = s.send(
        "POST",
        "/api/tmkit/v1/lookup",
        None,
        r#"{"src_lang": "fr", "tgt_lang": "en", "segments": ["Le chat dort sur le canapé.", "Rien à voir ici"], "min": 60, "top": 2}"#,
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    let v = reply.json();
    assert_eq!(v[0]["type"], "query");
    assert_eq!(v[0]["query"], "Le chat dort sur le canapé.");
    assert_eq!(v[0]["matches"][0]["score"], 100);
    assert!(v[0]["matches"][0]["explanation"].is_object(), "{v}");
    assert!(v[0]["matches"].as_array().unwrap().len() <= 2);
    assert_eq!(v[1]["matches"], Value::Array(vec![]));

    let reply = s.send(
        "POST",
        "/api/tmkit/v1/lookup",
        None,
        r#"{"src_lang": "fr"}"#,
    );
    assert_eq!(reply.status, 422, "{}", reply.body);
    assert!(reply.body.contains("expected"), "{}", reply.body);

    let reply = s.get("/api/tmkit/v1/concordance?src_lang=fr&tgt_lang=en&text=canap%C3%A9");
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.json().as_array().unwrap().len(), 2);

    let stats = s.get("/api/tmkit/v1/stats").json();
    assert_eq!(stats["units"], 6);

    let reply = s.send(
        "POST",
        "/api/tmkit/v1/units",
        Some(TOKEN),
        r#"{"src_lang": "fr", "tgt_lang": "en", "units": [{"source": "Oui", "target": "Yes"}]}"#,
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(s.get("/api/tmkit/v1/stats").json()["units"], 7);
    let found = s.send(
        "POST",
        "/api/tmkit/v1/lookup",
        None,
        r#"{"src_lang": "fr", "tgt_lang": "en", "segments": ["Oui"]}"#,
    );
    let id = found.json()[0]["matches"][0]["id"].as_u64().unwrap();
    assert_eq!(
        s.send("DELETE", &format!("/api/tmkit/v1/units/{id}"), None, "")
            .status,
        401
    );
    let reply = s.send(
        "DELETE",
        &format!("/api/tmkit/v1/units/{id}"),
        Some(TOKEN),
        "",
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(s.get("/api/tmkit/v1/stats").json()["units"], 6);
    let reply = s.send(
        "DELETE",
        &format!("/api/tmkit/v1/units/{id}"),
        Some(TOKEN),
        "",
    );
    assert_eq!(reply.status, 404, "{}", reply.body);

    let openapi = s.get("/api/tmkit/v1/openapi.json").json();
    assert!(openapi["paths"]["/lookup"].is_object(), "{openapi}");
}

#[test]
fn health_metrics_and_unknown_routes() {
    let s = start(Config::default());
    let health = s.get("/healthz");
    assert_eq!((health.status, health.body.as_str()), (200, "ok\n"));
    s.get("/tmserver/fr/en/unit/Bonjour");
    s.get("/tmserver/fr/en/unit/Bonjour");
    let missing = s.get("/nowhere");
    assert_eq!(missing.status, 404);
    assert!(missing.body.contains("GET /nowhere"), "{}", missing.body);
    let metrics = s.get("/metrics");
    assert_eq!(metrics.status, 200);
    assert!(
        metrics.body.contains(
            "tmkit_requests_total{route=\"/tmserver/{slang}/{tlang}/unit/{*text}\",status=\"200\"} 2"
        ),
        "{}",
        metrics.body
    );
    assert!(metrics
        .body
        .contains("tmkit_requests_total{route=\"(unmatched)\",status=\"404\"} 1"));
    assert!(metrics.body.contains("tmkit_units 6\n"), "{}", metrics.body);
}

#[test]
fn a_slow_request_times_out() {
    let s = start(Config {
        timeout: Duration::from_millis(200),
        ..Config::default()
    });
    // A body announced but never sent: the handler waits for it until the
    // timeout answers.
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(s.addr).unwrap();
    stream
        .write_all(b"PUT /tmserver/fr/en/unit/x HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: 50\r\n\r\n{")
        .unwrap();
    let mut reply = Vec::new();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let _ = stream.read_to_end(&mut reply);
    let reply = String::from_utf8_lossy(&reply);
    assert!(reply.starts_with("HTTP/1.1 408"), "{reply}");
}

#[test]
fn scorer_chars_qualities_are_translate_toolkits() {
    let python = tmkit_testkit::python();
    if !tmkit_testkit::have(
        "translate-toolkit",
        std::process::Command::new(&python).args(["-c", "import translate.search.lshtein"]),
    ) {
        return;
    }
    let s = start(Config::default());
    let mut pairs = Vec::new();
    for query in [
        "Le chat dort.",
        "Le chien dort sur le canapé.",
        "le chat dort sur le canapé",
        "Entrée/Sortie du systeme",
        "/usr/bin est un dossier !",
    ] {
        let target = format!(
            "/tmserver/fr/en/unit/{}?scorer=chars&max_candidates=30",
            quote(query)
        );
        for (source, quality) in candidates(&s.get(&target)) {
            pairs.push((query.to_string(), source, quality));
        }
    }
    assert!(pairs.len() >= 6, "{pairs:?}");
    // translate-toolkit's LevenshteinComparer, as amaGama calls it; its
    // similarity is a float that tmkit's chars score floors.
    let script = "import json, math, sys\n\
        from translate.search.lshtein import LevenshteinComparer\n\
        c = LevenshteinComparer(1000)\n\
        print(json.dumps([math.floor(c.similarity(q, s, 0)) for q, s in json.load(sys.stdin)]))";
    let mut child = std::process::Command::new(&python)
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run python");
    let input: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(q, s, _)| (q.as_str(), s.as_str()))
        .collect();
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        stdin
            .write_all(serde_json::to_string(&input).unwrap().as_bytes())
            .unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let oracle: Vec<u64> = serde_json::from_slice(&out.stdout).unwrap();
    let ours: Vec<u64> = pairs.iter().map(|p| p.2).collect();
    assert_eq!(ours, oracle, "{pairs:?}");
}

#[test]
fn a_client_that_never_finishes_its_headers_is_cut_off() {
    let s = start(Config {
        header_timeout: Duration::from_millis(200),
        ..Config::default()
    });
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(s.addr).unwrap();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut reply = Vec::new();
    // Ends (the server closed the connection) long before the read timeout.
    let read = stream.read_to_end(&mut reply);
    assert!(read.is_ok(), "{read:?}");
    let reply = String::from_utf8_lossy(&reply);
    assert!(!reply.contains("200 OK"), "{reply}");
}

/// A TMX document with `units` (French, English), then `extra` as written.
fn tmx(units: &[(&str, &str)], extra: &str) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<tmx version=\"1.4\"><header creationtool=\"test\" \
         creationtoolversion=\"1\" datatype=\"plaintext\" segtype=\"sentence\" adminlang=\"en\" srclang=\"fr\" \
         o-tmf=\"test\"/><body>\n",
    );
    for (fr, en) in units {
        out.push_str(&format!(
            "<tu><tuv xml:lang=\"fr\"><seg>{fr}</seg></tuv><tuv xml:lang=\"en\"><seg>{en}</seg></tuv></tu>\n"
        ));
    }
    out.push_str(extra);
    out.push_str("</body></tmx>\n");
    out
}

#[test]
fn a_file_imported_through_the_api_reports_as_tmkit_import_does() {
    let s = start(Config {
        token: Some(TOKEN.into()),
        ..Config::default()
    });
    let night = tmx(
        &[
            ("Bonne nuit.", "Good night."),
            ("À demain.", "See you tomorrow."),
        ],
        "",
    );
    let reply = s.send("POST", "/api/tmkit/v1/import?name=night.tmx", None, &night);
    assert_eq!(reply.status, 401);
    let reply = s.send(
        "POST",
        "/api/tmkit/v1/import?name=night.tmx",
        Some(TOKEN),
        &night,
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    let summary = reply.json();
    assert_eq!(summary["type"], "summary");
    assert_eq!(summary["file"], "night.tmx");
    assert_eq!(
        (summary["tus"].as_u64(), summary["imported"].as_u64()),
        (Some(2), Some(2))
    );
    assert_eq!(
        candidates(&s.get(&format!("/tmserver/fr/en/unit/{}", quote("À demain.")))),
        vec![("À demain.".into(), 100)]
    );

    // A unit without its source variant is skipped and reported where it is.
    let broken = tmx(
        &[("Bonjour.", "Hello.")],
        "<tu><tuv xml:lang=\"en\"><seg>Alone</seg></tuv></tu>\n",
    );
    let reply = s.send(
        "POST",
        "/api/tmkit/v1/import?name=broken.tmx",
        Some(TOKEN),
        &broken,
    );
    assert_eq!(reply.status, 422, "{}", reply.body);
    let summary = reply.json();
    assert_eq!(
        (summary["imported"].as_u64(), summary["skipped"].as_u64()),
        (Some(1), Some(1))
    );
    let error = summary["errors"][0].as_str().unwrap();
    assert!(error.starts_with("broken.tmx:4:"), "{error}");
    assert!(!reply.body.contains("tmkit-serve-"), "{}", reply.body);

    let reply = s.send(
        "POST",
        "/api/tmkit/v1/import?name=cut.tmx",
        Some(TOKEN),
        "<tmx version=\"1.4\"><body>",
    );
    assert_eq!(reply.status, 422, "{}", reply.body);
    assert!(
        reply.json()["fatal"]
            .as_str()
            .unwrap()
            .starts_with("cut.tmx"),
        "{}",
        reply.body
    );

    for name in ["../up.tmx", "a%2Fb.tmx", ".hidden.tmx"] {
        let reply = s.send(
            "POST",
            &format!("/api/tmkit/v1/import?name={name}"),
            Some(TOKEN),
            &night,
        );
        assert_eq!(reply.status, 400, "{name}: {}", reply.body);
        assert!(reply.body.contains("bare file name"), "{}", reply.body);
    }
}

#[test]
fn a_tmx_put_to_a_tmserver_store_is_imported() {
    let s = start(Config {
        token: Some(TOKEN.into()),
        ..Config::default()
    });
    let body = tmx(
        &[
            ("Bonne nuit.", "Good night."),
            ("À demain.", "See you tomorrow."),
        ],
        "",
    );
    let reply = s.send(
        "PUT",
        "/tmserver/fr/en/store/project/night.tmx",
        Some(TOKEN),
        &body,
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body, "added 2 units from project/night.tmx\n");
    assert_eq!(
        candidates(&s.get("/tmserver/fr/en/unit/Bonne%20nuit."))[0].1,
        100
    );
}
