//! `/metrics`: requests by route and status, and their latency, in the
//! Prometheus text format (version 0.0.4).

use std::{
    collections::BTreeMap,
    fmt::Write,
    sync::{
        atomic::{AtomicU64, Ordering},
        Mutex,
    },
    time::Duration,
};

/// Upper bounds of the latency histogram's buckets, in seconds: a lookup
/// takes about a millisecond on a million units (docs/BENCHMARKS.md), an
/// import seconds.
const BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0, 30.0,
];

/// Counts of the requests served so far.
#[derive(Default)]
pub(crate) struct Metrics {
    inner: Mutex<Inner>,
    /// Requests whose head was read and whose response is not yet made.
    in_flight: AtomicU64,
}

/// A request being served, counted in flight until dropped.
pub(crate) struct InFlight<'m>(&'m Metrics);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

#[derive(Default)]
struct Inner {
    /// Requests by (route, status).
    requests: BTreeMap<(String, u16), u64>,
    /// Latency histogram by route: counts per bucket (the last is +Inf),
    /// sum of seconds.
    latency: BTreeMap<String, ([u64; BUCKETS.len() + 1], f64)>,
}

impl Metrics {
    /// Counts a request in flight while the guard lives.
    pub(crate) fn start(&self) -> InFlight<'_> {
        self.in_flight.fetch_add(1, Ordering::Relaxed);
        InFlight(self)
    }

    /// Records a request to `route` (the route's pattern, not the path
    /// asked for, so that the labels stay few) that ended with `status`
    /// after `elapsed`.
    pub(crate) fn record(&self, route: &str, status: u16, elapsed: Duration) {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        *inner
            .requests
            .entry((route.to_string(), status))
            .or_default() += 1;
        let secs = elapsed.as_secs_f64();
        let (counts, sum) = inner.latency.entry(route.to_string()).or_default();
        let bucket = BUCKETS
            .iter()
            .position(|&b| secs <= b)
            .unwrap_or(BUCKETS.len());
        counts[bucket] += 1;
        *sum += secs;
    }

    /// The text `/metrics` returns, with `units` the store's units.
    pub(crate) fn render(&self, units: Option<u64>) -> String {
        let inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let mut out = String::new();
        let label = |s: &str| s.replace('\\', "\\\\").replace('"', "\\\"");
        out.push_str("# HELP tmkit_requests_total HTTP requests served, by route and status.\n");
        out.push_str("# TYPE tmkit_requests_total counter\n");
        for ((route, status), n) in &inner.requests {
            let _ = writeln!(
                out,
                "tmkit_requests_total{{route=\"{}\",status=\"{status}\"}} {n}",
                label(route)
            );
        }
        out.push_str(
            "# HELP tmkit_request_duration_seconds Time from request to response, by route.\n",
        );
        out.push_str("# TYPE tmkit_request_duration_seconds histogram\n");
        for (route, (counts, sum)) in &inner.latency {
            let route = label(route);
            let mut cumulative = 0;
            for (i, count) in counts.iter().enumerate() {
                cumulative += count;
                let le = BUCKETS.get(i).map_or("+Inf".to_string(), |b| b.to_string());
                let _ = writeln!(
                    out,
                    "tmkit_request_duration_seconds_bucket{{route=\"{route}\",le=\"{le}\"}} {cumulative}"
                );
            }
            let _ = writeln!(
                out,
                "tmkit_request_duration_seconds_sum{{route=\"{route}\"}} {sum}"
            );
            let _ = writeln!(
                out,
                "tmkit_request_duration_seconds_count{{route=\"{route}\"}} {cumulative}"
            );
        }
        out.push_str(
            "# HELP tmkit_requests_in_flight Requests being served (this one included).\n",
        );
        out.push_str("# TYPE tmkit_requests_in_flight gauge\n");
        let _ = writeln!(
            out,
            "tmkit_requests_in_flight {}",
            self.in_flight.load(Ordering::Relaxed)
        );
        if let Some(units) = units {
            out.push_str("# HELP tmkit_units Units in the store.\n");
            out.push_str("# TYPE tmkit_units gauge\n");
            let _ = writeln!(out, "tmkit_units {units}");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_counted_by_route_and_status_and_bucketed() {
        let m = Metrics::default();
        m.record(
            "/tmserver/{slang}/{tlang}/unit/{*text}",
            200,
            Duration::from_micros(700),
        );
        m.record(
            "/tmserver/{slang}/{tlang}/unit/{*text}",
            200,
            Duration::from_millis(20),
        );
        m.record("/healthz", 404, Duration::from_secs(100));
        let during = m.start();
        assert!(m.render(None).contains("tmkit_requests_in_flight 1"));
        drop(during);
        let text = m.render(Some(42));
        assert!(text.contains("tmkit_requests_in_flight 0"));
        assert!(text.contains(
            "tmkit_requests_total{route=\"/tmserver/{slang}/{tlang}/unit/{*text}\",status=\"200\"} 2"
        ));
        assert!(text.contains("tmkit_requests_total{route=\"/healthz\",status=\"404\"} 1"));
        assert!(text.contains(
            "tmkit_request_duration_seconds_bucket{route=\"/tmserver/{slang}/{tlang}/unit/{*text}\",le=\"0.0005\"} 0"
        ));
        assert!(text.contains(
            "tmkit_request_duration_seconds_bucket{route=\"/tmserver/{slang}/{tlang}/unit/{*text}\",le=\"0.001\"} 1"
        ));
        assert!(
            text.contains("tmkit_request_duration_seconds_bucket{route=\"/healthz\",le=\"30\"} 0")
        );
        assert!(text
            .contains("tmkit_request_duration_seconds_bucket{route=\"/healthz\",le=\"+Inf\"} 1"));
        assert!(text.contains("tmkit_units 42\n"));
    }
}
