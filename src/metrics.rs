//! Typed Prometheus metrics, kept in shared state (not a global recorder) so
//! tests and handlers read them directly, served at `GET /metrics` (and on
//! `METRICS_PORT` when set).
//!
//! Every label comes from a fixed set: route templates (axum's
//! [`MatchedPath`], never the raw URI), a fixed list of HTTP methods, the
//! status code, a fixed list of JSON-RPC methods, registered tool names and
//! a fixed outcome list. Nothing a client sends becomes a label value.
//!
//! Hot-path cost: the per-tool and per-JSON-RPC-method series are resolved
//! once at start-up, so recording them is a few relaxed atomic adds (the
//! latency histogram is our own [`AtomicHistogram`], lock-free, because
//! `prometheus_client`'s histogram takes a lock per observation). The HTTP
//! request counter is a `Family` lookup (an uncontended read lock and a hash
//! of three small labels) because status codes are not known in advance.

use std::{
    hash::{Hash, Hasher},
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use axum::{
    Router,
    extract::{MatchedPath, State},
    http::{HeaderValue, Method, header},
    response::{IntoResponse, Response},
    routing::get,
};
use clap::Args;
use prometheus_client::{
    encoding::{
        EncodeLabelSet, EncodeLabelValue, EncodeMetric, LabelValueEncoder, MetricEncoder,
        NoLabelSet,
    },
    metrics::{
        MetricType, TypedMetric, counter::Counter, family::Family, gauge::Gauge, info::Info,
    },
    registry::Registry,
};
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;

use crate::{catalog::Catalog, inspect::METHODS};

/// Metrics settings (flattened into [`crate::config::Settings`]).
#[derive(Debug, Clone, Args)]
pub struct MetricsSettings {
    /// Also serve `GET /metrics` alone on this port (same host), e.g. for a
    /// scrape port that is not exposed through the Service. `/metrics` stays
    /// on the main port either way.
    #[arg(long, env = "METRICS_PORT", global = true)]
    pub metrics_port: Option<u16>,
}

/// The OpenMetrics text content type Prometheus negotiates.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// All of the server's metrics. Cheap to share behind an `Arc`.
pub struct Metrics {
    registry: Registry,
    http_requests: Family<HttpLabels, Counter>,
    http_in_flight: Gauge,
    mcp_requests: [Counter; METHODS.len()],
    rejected: [Counter; Rejection::ALL.len()],
    tool_calls: Family<ToolLabels, Counter>,
    tool_duration: Family<ToolNameLabel, AtomicHistogram>,
    legacy_sessions: Gauge,
    /// Read at scrape time: the open legacy sessions are rmcp's, not ours.
    sessions: Option<Arc<LocalSessionManager>>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Metrics {
    /// Registers every metric. `sessions` is the legacy session manager whose
    /// open sessions the `mcp_legacy_sessions` gauge reports.
    pub fn new(sessions: Option<Arc<LocalSessionManager>>) -> Self {
        let mut registry = Registry::default();
        let http_requests = Family::<HttpLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by method, route template and status",
            http_requests.clone(),
        );
        let http_in_flight = Gauge::default();
        registry.register(
            "http_requests_in_flight",
            "HTTP requests being handled now (until the response head is sent)",
            http_in_flight.clone(),
        );
        let mcp_family = Family::<McpLabels, Counter>::default();
        registry.register(
            "mcp_requests",
            "JSON-RPC messages POSTed to /mcp, by method (unknown methods: other)",
            mcp_family.clone(),
        );
        let mcp_requests = std::array::from_fn(|i| {
            mcp_family
                .get_or_create(&McpLabels { method: METHODS[i] })
                .clone()
        });
        let rejected_family = Family::<RejectionLabels, Counter>::default();
        registry.register(
            "http_rejected",
            "Requests refused before reaching a handler, by reason",
            rejected_family.clone(),
        );
        let rejected = std::array::from_fn(|i| {
            rejected_family
                .get_or_create(&RejectionLabels {
                    reason: Rejection::ALL[i],
                })
                .clone()
        });
        let tool_calls = Family::<ToolLabels, Counter>::default();
        registry.register(
            "mcp_tool_calls",
            "Tool calls (MCP and REST), by tool and outcome",
            tool_calls.clone(),
        );
        let tool_duration = Family::<ToolNameLabel, AtomicHistogram>::default();
        registry.register(
            "mcp_tool_call_duration_seconds",
            "Tool call latency, by tool",
            tool_duration.clone(),
        );
        let legacy_sessions = Gauge::default();
        registry.register(
            "mcp_legacy_sessions",
            "Open legacy (Mcp-Session-Id) sessions",
            legacy_sessions.clone(),
        );
        registry.register(
            "build",
            "Build information",
            Info::new(vec![
                ("name", crate::NAME),
                ("version", crate::VERSION),
                ("rmcp", "3.11.0"),
            ]),
        );
        Self {
            registry,
            http_requests,
            http_in_flight,
            mcp_requests,
            rejected,
            tool_calls,
            tool_duration,
            legacy_sessions,
            sessions,
        }
    }

    /// Resolves each tool's series once, so a call records with atomics only.
    pub fn attach_to(&self, catalog: &Catalog) {
        for tool in catalog.tools() {
            let name: Arc<str> = Arc::from(tool.name());
            let calls = std::array::from_fn(|i| {
                self.tool_calls
                    .get_or_create(&ToolLabels {
                        tool: ToolName(Arc::clone(&name)),
                        outcome: TOOL_OUTCOMES[i],
                    })
                    .clone()
            });
            let duration = self
                .tool_duration
                .get_or_create(&ToolNameLabel {
                    tool: ToolName(Arc::clone(&name)),
                })
                .clone();
            tool.attach_metrics(ToolMetrics { calls, duration });
        }
    }

    /// Counts one JSON-RPC message by its label (see [`crate::inspect`]).
    pub fn count_mcp_method(&self, label: &str) {
        let index = METHODS
            .iter()
            .position(|m| *m == label)
            .unwrap_or(METHODS.len() - 1);
        self.mcp_requests[index].inc();
    }

    pub fn count_rejection(&self, rejection: Rejection) {
        self.rejected[rejection as usize].inc();
    }

    /// Total HTTP requests answered with `status` on `route` (for tests).
    pub fn http_requests(&self, method: &Method, route: &str, status: u16) -> u64 {
        self.http_requests
            .get(&HttpLabels {
                method: HttpMethod::from(method),
                route: RouteLabel::Owned(route.into()),
                status,
            })
            .map_or(0, |c| c.get())
    }

    /// The Prometheus text exposition of every metric.
    pub async fn render(&self) -> String {
        if let Some(sessions) = &self.sessions {
            let open = sessions.sessions.read().await.len();
            self.legacy_sessions.set(open as i64);
        }
        let mut text = String::with_capacity(4096);
        // Why this cannot fail: writing to a String never errors, and every
        // label value we encode is a plain string or number.
        prometheus_client::encoding::text::encode(&mut text, &self.registry)
            .expect("metrics encode into a String");
        text
    }
}

/// Why a request was refused before it reached a handler.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Rejection {
    Unauthorized = 0,
    Overloaded = 1,
    Timeout = 2,
    BodyTooLarge = 3,
    SessionLimit = 4,
}

impl Rejection {
    const ALL: [Rejection; 5] = [
        Rejection::Unauthorized,
        Rejection::Overloaded,
        Rejection::Timeout,
        Rejection::BodyTooLarge,
        Rejection::SessionLimit,
    ];

    fn as_str(self) -> &'static str {
        match self {
            Rejection::Unauthorized => "unauthorized",
            Rejection::Overloaded => "overloaded",
            Rejection::Timeout => "timeout",
            Rejection::BodyTooLarge => "body_too_large",
            Rejection::SessionLimit => "session_limit",
        }
    }
}

impl EncodeLabelValue for Rejection {
    fn encode(&self, encoder: &mut LabelValueEncoder) -> Result<(), std::fmt::Error> {
        std::fmt::Write::write_str(encoder, self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct RejectionLabels {
    reason: Rejection,
}

/// `/metrics` handler.
pub async fn serve(State(metrics): State<Arc<Metrics>>) -> Response {
    let mut response = metrics.render().await.into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    response
}

/// A router with only `/metrics`, for `METRICS_PORT`.
pub fn router(metrics: Arc<Metrics>) -> Router {
    Router::new()
        .route("/metrics", get(serve))
        .with_state(metrics)
}

impl Metrics {
    /// Counts `response` by method, route template and status once it is
    /// answered, and as in flight meanwhile (also if it is dropped unanswered,
    /// e.g. when the client goes away). Called by the admission middleware,
    /// outermost, so refusals are counted too.
    pub async fn track_http(
        &self,
        method: &Method,
        route: Option<MatchedPath>,
        response: impl Future<Output = Response>,
    ) -> Response {
        let method = HttpMethod::from(method);
        let route = route.map_or(RouteLabel::Unmatched, RouteLabel::Matched);
        let in_flight = InFlight::new(&self.http_in_flight);
        let response = response.await;
        drop(in_flight);
        self.http_requests
            .get_or_create(&HttpLabels {
                method,
                route,
                status: response.status().as_u16(),
            })
            .inc();
        response
    }
}

/// Holds one unit of the in-flight gauge.
struct InFlight<'a>(&'a Gauge);

impl<'a> InFlight<'a> {
    fn new(gauge: &'a Gauge) -> Self {
        gauge.inc();
        Self(gauge)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.dec();
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct McpLabels {
    method: &'static str,
}

/// Tool call outcomes: `success` plus [`crate::catalog::ToolError::kind`]s.
const TOOL_OUTCOMES: [&str; 5] = [
    "success",
    "invalid_arguments",
    "failed",
    "protocol_error",
    "other",
];

/// One tool's pre-resolved series.
#[derive(Debug, Clone)]
pub struct ToolMetrics {
    calls: [Counter; TOOL_OUTCOMES.len()],
    duration: AtomicHistogram,
}

impl ToolMetrics {
    /// Records one call: `outcome` is `"success"` or the error's kind.
    pub fn observe(&self, outcome: &str, elapsed: Duration) {
        let index = TOOL_OUTCOMES
            .iter()
            .position(|o| *o == outcome)
            .unwrap_or(TOOL_OUTCOMES.len() - 1);
        self.calls[index].inc();
        self.duration.observe(elapsed);
    }
}

/// A tool name, known at registration (never taken from a request).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct ToolName(Arc<str>);

impl EncodeLabelValue for ToolName {
    fn encode(&self, encoder: &mut LabelValueEncoder) -> Result<(), std::fmt::Error> {
        std::fmt::Write::write_str(encoder, &self.0)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct ToolLabels {
    tool: ToolName,
    outcome: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct ToolNameLabel {
    tool: ToolName,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct HttpLabels {
    method: HttpMethod,
    route: RouteLabel,
    status: u16,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EncodeLabelValue)]
#[allow(clippy::upper_case_acronyms)]
enum HttpMethod {
    GET,
    POST,
    DELETE,
    HEAD,
    OPTIONS,
    PUT,
    PATCH,
    OTHER,
}

impl From<&Method> for HttpMethod {
    fn from(method: &Method) -> Self {
        match *method {
            Method::GET => HttpMethod::GET,
            Method::POST => HttpMethod::POST,
            Method::DELETE => HttpMethod::DELETE,
            Method::HEAD => HttpMethod::HEAD,
            Method::OPTIONS => HttpMethod::OPTIONS,
            Method::PUT => HttpMethod::PUT,
            Method::PATCH => HttpMethod::PATCH,
            _ => HttpMethod::OTHER,
        }
    }
}

/// A route template: the `MatchedPath` (an `Arc<str>` inside, so cloning it
/// per request does not allocate), or `unmatched` for 404s.
#[derive(Debug, Clone)]
enum RouteLabel {
    Matched(MatchedPath),
    Unmatched,
    /// For lookups in tests.
    Owned(String),
}

impl RouteLabel {
    fn as_str(&self) -> &str {
        match self {
            RouteLabel::Matched(path) => path.as_str(),
            RouteLabel::Unmatched => "unmatched",
            RouteLabel::Owned(route) => route,
        }
    }
}

impl PartialEq for RouteLabel {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for RouteLabel {}

impl Hash for RouteLabel {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl EncodeLabelValue for RouteLabel {
    fn encode(&self, encoder: &mut LabelValueEncoder) -> Result<(), std::fmt::Error> {
        std::fmt::Write::write_str(encoder, self.as_str())
    }
}

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 14] = [
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0, 30.0,
];

/// A latency histogram of relaxed atomics: observing never takes a lock.
/// The sum is kept in whole nanoseconds so it is a plain `fetch_add`.
#[derive(Debug, Clone, Default)]
pub struct AtomicHistogram {
    inner: Arc<HistogramInner>,
}

#[derive(Debug, Default)]
struct HistogramInner {
    /// Per bucket, not cumulative; the last one is `+Inf`.
    buckets: [AtomicU64; BUCKETS.len() + 1],
    count: AtomicU64,
    sum_nanos: AtomicU64,
}

impl AtomicHistogram {
    pub fn observe(&self, elapsed: Duration) {
        let seconds = elapsed.as_secs_f64();
        let bucket = BUCKETS
            .iter()
            .position(|upper| seconds <= *upper)
            .unwrap_or(BUCKETS.len());
        let inner = &self.inner;
        inner.buckets[bucket].fetch_add(1, Ordering::Relaxed);
        inner.count.fetch_add(1, Ordering::Relaxed);
        let nanos = u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX);
        inner.sum_nanos.fetch_add(nanos, Ordering::Relaxed);
    }

    pub fn count(&self) -> u64 {
        self.inner.count.load(Ordering::Relaxed)
    }
}

impl TypedMetric for AtomicHistogram {
    const TYPE: MetricType = MetricType::Histogram;
}

impl EncodeMetric for AtomicHistogram {
    fn encode(&self, mut encoder: MetricEncoder) -> Result<(), std::fmt::Error> {
        let inner = &self.inner;
        let buckets: Vec<(f64, u64)> = BUCKETS
            .iter()
            .copied()
            .chain(std::iter::once(f64::INFINITY))
            .zip(inner.buckets.iter().map(|b| b.load(Ordering::Relaxed)))
            .collect();
        // A scrape racing an observation may see the count one ahead of a
        // bucket; Prometheus tolerates that, and no lock is worth avoiding it.
        let count = inner.count.load(Ordering::Relaxed);
        let sum = inner.sum_nanos.load(Ordering::Relaxed) as f64 / 1e9;
        encoder.encode_histogram::<NoLabelSet>(sum, count, &buckets, None)
    }

    fn metric_type(&self) -> MetricType {
        MetricType::Histogram
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_histogram_buckets_and_sums_observations() {
        let histogram = AtomicHistogram::default();
        histogram.observe(Duration::from_micros(50));
        histogram.observe(Duration::from_millis(3));
        histogram.observe(Duration::from_secs(60));
        assert_eq!(histogram.count(), 3);
        let inner = &histogram.inner;
        assert_eq!(inner.buckets[0].load(Ordering::Relaxed), 1);
        assert_eq!(inner.buckets[5].load(Ordering::Relaxed), 1);
        assert_eq!(inner.buckets[BUCKETS.len()].load(Ordering::Relaxed), 1);
        assert_eq!(inner.sum_nanos.load(Ordering::Relaxed), 60_003_050_000);
    }

    #[test]
    fn build_info_and_every_family_are_exposed() {
        let metrics = Metrics::new(None);
        let text = futures_lite_block_on(metrics.render());
        assert!(text.contains(&format!(
            "build_info{{name=\"{}\",version=\"{}\",rmcp=\"3.11.0\"}} 1",
            crate::NAME,
            crate::VERSION
        )));
        assert!(text.contains("mcp_requests_total{method=\"tools/call\"} 0"));
        assert!(text.contains("http_rejected_total{reason=\"overloaded\"} 0"));
        assert!(text.ends_with("# EOF\n"));
    }

    /// Cost of what every request and tool call records. Not a pass/fail
    /// test: `cargo test --release --lib metrics_overhead -- --ignored
    /// --nocapture` prints nanoseconds per operation.
    #[test]
    #[ignore]
    fn metrics_overhead() {
        use std::{hint::black_box, time::Instant};
        const N: u32 = 2_000_000;
        let metrics = Arc::new(Metrics::new(None));
        let labels = HttpLabels {
            method: HttpMethod::POST,
            route: RouteLabel::Owned("/mcp/execute".into()),
            status: 200,
        };
        let time = |name: &str, f: &dyn Fn()| {
            let started = Instant::now();
            for _ in 0..N {
                f();
            }
            let ns = started.elapsed().as_nanos() as f64 / f64::from(N);
            eprintln!("{name:<58} {ns:>7.1} ns/op");
        };
        time(
            "http request: in-flight inc/dec + Family lookup + inc",
            &|| {
                metrics.http_in_flight.inc();
                metrics.http_in_flight.dec();
                metrics
                    .http_requests
                    .get_or_create(black_box(&labels))
                    .inc();
            },
        );
        let tool = ToolMetrics {
            calls: std::array::from_fn(|_| Counter::default()),
            duration: AtomicHistogram::default(),
        };
        time("tool call: outcome counter + AtomicHistogram", &|| {
            tool.observe(black_box("success"), black_box(Duration::from_micros(40)));
        });
        let locked = prometheus_client::metrics::histogram::Histogram::new(BUCKETS);
        time(
            "(for comparison) prometheus_client Histogram::observe",
            &|| {
                locked.observe(black_box(0.00004));
            },
        );
        time("MCP method counter by label", &|| {
            metrics.count_mcp_method(black_box("tools/call"));
        });
        // Two threads hammering the same series: the contended case.
        let started = Instant::now();
        std::thread::scope(|scope| {
            for _ in 0..2 {
                scope.spawn(|| {
                    for _ in 0..N {
                        metrics
                            .http_requests
                            .get_or_create(black_box(&labels))
                            .inc();
                    }
                });
            }
        });
        let ns = started.elapsed().as_nanos() as f64 / f64::from(2 * N);
        eprintln!(
            "{:<58} {ns:>7.1} ns/op",
            "http request counter, 2 threads, same series"
        );
        let started = Instant::now();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        for _ in 0..1000 {
            black_box(runtime.block_on(metrics.render()));
        }
        eprintln!(
            "{:<58} {:>7.1} µs/scrape",
            "render /metrics",
            started.elapsed().as_micros() as f64 / 1000.0
        );
    }

    fn futures_lite_block_on<F: std::future::Future>(future: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(future)
    }
}
