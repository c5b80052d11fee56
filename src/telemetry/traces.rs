//! Trace export: the OpenTelemetry SDK with an OTLP exporter (http/protobuf
//! or grpc), built only when an endpoint is configured.
//!
//! Off (no endpoint), [`tracer`] is `None` and nothing else here exists: no
//! exporter, no thread, no span. On, spans go through the SDK's batch
//! processor: a bounded queue (`OTEL_BSP_MAX_QUEUE_SIZE`, 2048 by default)
//! drained by its own thread, so a collector that is slow or down costs a
//! request nothing: when the queue is full, spans are dropped, never waited
//! for. [`Traces::shutdown`] flushes what is queued when the server stops.

use std::sync::OnceLock;

use opentelemetry::{InstrumentationScope, trace::TracerProvider};
use opentelemetry_otlp::{Protocol, SpanExporter, WithExportConfig};
use opentelemetry_sdk::{
    Resource,
    trace::{Sampler, SdkTracer, SdkTracerProvider},
};

use crate::config::{OtlpProtocol, TraceExport, TracesSampler};

/// The process's tracer, set once by [`Traces::start`]. A global because
/// spans start in places the configuration does not reach (rmcp's
/// handlers, the stdio transport); reading it is one atomic load.
static TRACER: OnceLock<SdkTracer> = OnceLock::new();

/// The tracer, when traces are exported.
pub fn tracer() -> Option<&'static SdkTracer> {
    TRACER.get()
}

/// The running trace pipeline; [`Traces::shutdown`] flushes it.
#[must_use = "call shutdown() at exit, or queued spans are lost"]
pub struct Traces {
    provider: Option<SdkTracerProvider>,
}

impl Traces {
    /// Builds the exporter and installs the tracer; `export` `None`: off.
    /// Must run inside the Tokio runtime (the grpc exporter's channel lives
    /// on it). A pipeline that cannot be built is logged and left off: the
    /// server still serves, without traces.
    pub fn start(export: Option<&TraceExport>) -> Self {
        let Some(export) = export else {
            return Self { provider: None };
        };
        match provider(export) {
            Ok(provider) => {
                let scope = InstrumentationScope::builder(env!("CARGO_PKG_NAME"))
                    .with_version(env!("CARGO_PKG_VERSION"))
                    .build();
                let _ = TRACER.set(provider.tracer_with_scope(scope));
                tracing::info!(endpoint = %export.endpoint, protocol = ?export.protocol,
                    "exporting traces");
                Self {
                    provider: Some(provider),
                }
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot export traces; running without them");
                Self { provider: None }
            }
        }
    }

    /// Exports what is still queued (bounded by the exporter's timeout).
    /// Call it outside the runtime's `block_on` but while the runtime
    /// exists: the batch thread blocks on the export.
    pub fn shutdown(self) {
        if let Some(provider) = self.provider
            && let Err(e) = provider.shutdown()
        {
            tracing::warn!(error = %e, "trace export did not flush at shutdown");
        }
    }
}

fn provider(
    export: &TraceExport,
) -> Result<SdkTracerProvider, opentelemetry_otlp::ExporterBuildError> {
    let exporter = match export.protocol {
        OtlpProtocol::HttpProtobuf => SpanExporter::builder()
            .with_http()
            .with_protocol(Protocol::HttpBinary)
            .with_endpoint(&export.endpoint)
            .build()?,
        OtlpProtocol::Grpc => SpanExporter::builder()
            .with_tonic()
            .with_protocol(Protocol::Grpc)
            .with_endpoint(&export.endpoint)
            .build()?,
    };
    Ok(SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_sampler(sampler(export.sampler, export.ratio))
        .with_resource(
            Resource::builder()
                .with_service_name(export.service_name.clone())
                .build(),
        )
        .build())
}

fn sampler(kind: TracesSampler, ratio: f64) -> Sampler {
    let parent_based = |root: Sampler| Sampler::ParentBased(Box::new(root));
    match kind {
        TracesSampler::AlwaysOn => Sampler::AlwaysOn,
        TracesSampler::AlwaysOff => Sampler::AlwaysOff,
        TracesSampler::TraceIdRatio => Sampler::TraceIdRatioBased(ratio),
        TracesSampler::ParentbasedAlwaysOn => parent_based(Sampler::AlwaysOn),
        TracesSampler::ParentbasedAlwaysOff => parent_based(Sampler::AlwaysOff),
        TracesSampler::ParentbasedTraceIdRatio => parent_based(Sampler::TraceIdRatioBased(ratio)),
    }
}
