//! Traces and the audit trail. The trace settings are the standard
//! OpenTelemetry variables, so a collector set-up written for any other
//! service works here unchanged; the SDK reads the rest of them
//! (`OTEL_EXPORTER_OTLP_HEADERS`, `_TIMEOUT`, `_COMPRESSION`, `OTEL_BSP_*`,
//! `OTEL_RESOURCE_ATTRIBUTES`) from the environment itself.

use clap::{Args, ValueEnum};

use super::checks::ConfigError;

#[derive(Debug, Clone, Args)]
pub struct TelemetrySettings {
    /// OpenTelemetry collector base URL (`http://otel-collector:4318` for
    /// http/protobuf, `http://otel-collector:4317` for grpc), plain http.
    /// Set: one span per MCP request is exported; unset: no tracing at all.
    #[arg(long, env = "OTEL_EXPORTER_OTLP_ENDPOINT", global = true)]
    pub otel_exporter_otlp_endpoint: Option<String>,

    /// The traces endpoint itself (used as is, no `/v1/traces` appended);
    /// wins over OTEL_EXPORTER_OTLP_ENDPOINT.
    #[arg(long, env = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", global = true)]
    pub otel_exporter_otlp_traces_endpoint: Option<String>,

    /// OTLP transport.
    #[arg(
        long,
        env = "OTEL_EXPORTER_OTLP_PROTOCOL",
        default_value = "http/protobuf",
        global = true
    )]
    pub otel_exporter_otlp_protocol: OtlpProtocol,

    /// `service.name` of the exported spans.
    #[arg(long, env = "OTEL_SERVICE_NAME", default_value = env!("CARGO_PKG_NAME"), global = true)]
    pub otel_service_name: String,

    /// Which traces are kept. `parentbased_*` follows the caller's decision
    /// when a request carries a trace context.
    #[arg(
        long,
        env = "OTEL_TRACES_SAMPLER",
        default_value = "parentbased_always_on",
        global = true
    )]
    pub otel_traces_sampler: TracesSampler,

    /// The ratio for `traceidratio` and `parentbased_traceidratio`, 0 to 1.
    #[arg(long, env = "OTEL_TRACES_SAMPLER_ARG", global = true)]
    pub otel_traces_sampler_arg: Option<f64>,

    /// One `audit` log event per tools/call, resources/read and prompts/get:
    /// who, what, outcome, duration, JSON-RPC id and trace id (never
    /// arguments or tokens).
    #[arg(
        long,
        env = "MCP_AUDIT_LOG",
        default_value_t = true,
        action = clap::ArgAction::Set,
        value_parser = clap::builder::BoolishValueParser::new(),
        global = true
    )]
    pub audit_log: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OtlpProtocol {
    #[value(name = "http/protobuf")]
    HttpProtobuf,
    Grpc,
}

/// The samplers the OpenTelemetry specification names for
/// `OTEL_TRACES_SAMPLER` (the ones without a remote service).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
#[value(rename_all = "snake_case")]
pub enum TracesSampler {
    AlwaysOn,
    AlwaysOff,
    #[value(name = "traceidratio")]
    TraceIdRatio,
    ParentbasedAlwaysOn,
    ParentbasedAlwaysOff,
    #[value(name = "parentbased_traceidratio")]
    ParentbasedTraceIdRatio,
}

/// Where spans go, once the settings are checked.
#[derive(Debug, Clone, PartialEq)]
pub struct TraceExport {
    pub protocol: OtlpProtocol,
    /// The full traces URL for http/protobuf, the collector's for grpc.
    pub endpoint: String,
    pub service_name: String,
    pub sampler: TracesSampler,
    /// The ratio for the ratio samplers (1 when not given, as the
    /// specification says).
    pub ratio: f64,
}

impl TelemetrySettings {
    /// `None` when no endpoint is set: tracing is off.
    pub fn trace_export(&self) -> Option<TraceExport> {
        let endpoint = match (
            &self.otel_exporter_otlp_traces_endpoint,
            &self.otel_exporter_otlp_endpoint,
        ) {
            (Some(traces), _) => traces.clone(),
            // http/protobuf: the base URL plus the signal's path; grpc: the
            // collector itself.
            (None, Some(base)) => match self.otel_exporter_otlp_protocol {
                OtlpProtocol::HttpProtobuf => format!("{}/v1/traces", base.trim_end_matches('/')),
                OtlpProtocol::Grpc => base.clone(),
            },
            (None, None) => return None,
        };
        Some(TraceExport {
            protocol: self.otel_exporter_otlp_protocol,
            endpoint,
            service_name: self.otel_service_name.clone(),
            sampler: self.otel_traces_sampler,
            ratio: self.otel_traces_sampler_arg.unwrap_or(1.0),
        })
    }

    pub(super) fn check(&self) -> Result<(), ConfigError> {
        for (name, url) in [
            (
                "OTEL_EXPORTER_OTLP_ENDPOINT",
                &self.otel_exporter_otlp_endpoint,
            ),
            (
                "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
                &self.otel_exporter_otlp_traces_endpoint,
            ),
        ] {
            let Some(url) = url else { continue };
            // No TLS stack is built in (it would take the image past its
            // size budget): TLS to a remote collector is a local agent's job.
            if url.starts_with("https://") {
                return Err(ConfigError(format!(
                    "{name}: '{url}': https is not supported; export over http to a collector \
                     agent (sidecar or node agent) that forwards over TLS"
                )));
            }
            if !url.starts_with("http://") {
                return Err(ConfigError(format!("{name}: '{url}' is not an http URL")));
            }
        }
        if let Some(ratio) = self.otel_traces_sampler_arg
            && !(0.0..=1.0).contains(&ratio)
        {
            return Err(ConfigError(format!(
                "OTEL_TRACES_SAMPLER_ARG: {ratio} is not a ratio between 0 and 1"
            )));
        }
        if self.otel_service_name.trim().is_empty() {
            return Err(ConfigError("OTEL_SERVICE_NAME: empty".into()));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::config::Cli;

    fn settings(args: &[&str]) -> TelemetrySettings {
        Cli::try_parse_from(std::iter::once("mcp-rust-server").chain(args.iter().copied()))
            .unwrap()
            .settings
            .telemetry
    }

    #[test]
    fn no_endpoint_means_no_tracing_and_the_audit_log_is_on() {
        let off = settings(&[]);
        assert_eq!(off.trace_export(), None);
        assert!(off.audit_log);
    }

    #[test]
    fn the_http_endpoint_gets_the_signal_path_and_grpc_does_not() {
        let http = settings(&["--otel-exporter-otlp-endpoint", "http://c:4318/"]);
        assert_eq!(
            http.trace_export().unwrap().endpoint,
            "http://c:4318/v1/traces"
        );
        let grpc = settings(&[
            "--otel-exporter-otlp-endpoint",
            "http://c:4317",
            "--otel-exporter-otlp-protocol",
            "grpc",
        ]);
        let export = grpc.trace_export().unwrap();
        assert_eq!(
            (export.endpoint.as_str(), export.protocol),
            ("http://c:4317", OtlpProtocol::Grpc)
        );
        let traces = settings(&[
            "--otel-exporter-otlp-endpoint",
            "http://c:4318",
            "--otel-exporter-otlp-traces-endpoint",
            "http://t:1/x",
        ]);
        assert_eq!(traces.trace_export().unwrap().endpoint, "http://t:1/x");
    }

    #[test]
    fn a_ratio_outside_zero_to_one_and_a_schemeless_endpoint_are_refused() {
        let ratio = settings(&["--otel-traces-sampler-arg", "1.5"]);
        assert_eq!(
            ratio.check().unwrap_err().0,
            "OTEL_TRACES_SAMPLER_ARG: 1.5 is not a ratio between 0 and 1"
        );
        let url = settings(&["--otel-exporter-otlp-endpoint", "collector:4318"]);
        assert_eq!(
            url.check().unwrap_err().0,
            "OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' is not an http URL"
        );
        let tls = settings(&[
            "--otel-exporter-otlp-traces-endpoint",
            "https://c/v1/traces",
        ]);
        assert!(tls.check().unwrap_err().0.starts_with(
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://c/v1/traces': https is not supported"
        ),);
        let sampler = settings(&["--otel-traces-sampler", "parentbased_traceidratio"]);
        assert_eq!(
            sampler.otel_traces_sampler,
            TracesSampler::ParentbasedTraceIdRatio
        );
    }
}
