//! Entry point: parse configuration, start logging, run the chosen command.

use std::process::ExitCode;

use clap::{
    Parser,
    error::{ContextKind, ContextValue},
};
use mcp_rust_server::{
    app::{self, Application},
    config::{Cli, Command},
    healthcheck, lifecycle,
    mcp::{McpServer, stdio},
    tasks::Tasks,
    telemetry::{self, Traces},
};

/// Exit code for invalid configuration, as for any usage error.
const CONFIG_ERROR: u8 = 2;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => {
            // --help and --version: print as clap would, and succeed.
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) => return config_error(&usage_error(&e)),
    };
    let command = cli.command.unwrap_or(Command::Serve);
    let config = match cli.settings.resolve() {
        Ok(config) => config,
        Err(e) => return config_error(&format!("error: {e}")),
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => return failure(&format!("cannot start the async runtime: {e}")),
    };
    if command == Command::Healthcheck {
        return match runtime.block_on(healthcheck::check(config.port)) {
            Ok(()) => ExitCode::SUCCESS,
            Err(reason) => failure(&reason),
        };
    }
    telemetry::init(config.log_level, config.log_format);
    // Inside the runtime: a grpc exporter's channel lives on it.
    let traces = {
        let _runtime = runtime.enter();
        Traces::start(config.telemetry.trace_export().as_ref())
    };
    let code = match command {
        Command::Healthcheck => ExitCode::SUCCESS,
        Command::Stdio => {
            let server = McpServer::new(
                app::catalog(&config.toolsets, config.request_state.codec()),
                Default::default(),
                Tasks::in_memory(&config.tasks),
            );
            match runtime.block_on(stdio::run(server, config.telemetry.audit_log)) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => failure(&format!("stdio server failed: {e:#}")),
            }
        }
        Command::Serve => {
            let served = runtime.block_on(async {
                let app = Application::build(&config)
                    .await
                    .map_err(|e| e.to_string())?;
                app.run_until_stopped(lifecycle::signal())
                    .await
                    .map_err(|e| format!("server failed: {e}"))
            });
            match served {
                Ok(()) => ExitCode::SUCCESS,
                Err(reason) => failure(&reason),
            }
        }
    };
    // The runtime is still alive: the batch exporter flushes through it.
    traces.shutdown();
    code
}

/// clap's error as one line: its first line, plus the allowed values when
/// clap knows them (clap puts those on a later line).
fn usage_error(error: &clap::Error) -> String {
    let rendered = error.to_string();
    let first = rendered
        .lines()
        .next()
        .unwrap_or("error: invalid arguments");
    match error.get(ContextKind::ValidValue) {
        Some(ContextValue::Strings(values)) if !values.is_empty() => {
            format!("{first} (possible values: {})", values.join(", "))
        }
        _ => first.to_owned(),
    }
}

fn config_error(line: &str) -> ExitCode {
    eprintln!("{line}");
    ExitCode::from(CONFIG_ERROR)
}

fn failure(reason: &str) -> ExitCode {
    eprintln!("error: {reason}");
    ExitCode::FAILURE
}
