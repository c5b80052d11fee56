//! Entry point: parse configuration, start logging, run the chosen command.

use std::process::ExitCode;

use clap::Parser;
use mcp_rust_server::{
    app::{self, Application},
    config::{Cli, Command},
    healthcheck,
    mcp::{McpServer, stdio},
    shutdown, telemetry,
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
        Err(e) => return config_error(e.to_string().lines().next().unwrap_or("invalid arguments")),
    };
    if let Err(reason) = cli.settings.validate() {
        return config_error(&format!("error: {reason}"));
    }
    let settings = cli.settings;
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => return failure(&format!("cannot start the async runtime: {e}")),
    };
    match cli.command.unwrap_or(Command::Serve) {
        Command::Healthcheck => match runtime.block_on(healthcheck::check(settings.port)) {
            Ok(()) => ExitCode::SUCCESS,
            Err(reason) => failure(&reason),
        },
        Command::Stdio => {
            telemetry::init(settings.log_level, settings.log_format);
            let server = McpServer::new(app::catalog(&settings.toolsets), Default::default());
            match runtime.block_on(stdio::run(server)) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => failure(&format!("stdio server failed: {e:#}")),
            }
        }
        Command::Serve => {
            telemetry::init(settings.log_level, settings.log_format);
            let served = runtime.block_on(async {
                let app = Application::build(&settings).await.map_err(|e| {
                    format!("cannot listen on {}:{}: {e}", settings.host, settings.port)
                })?;
                app.run_until_stopped(shutdown::signal())
                    .await
                    .map_err(|e| format!("server failed: {e}"))
            });
            match served {
                Ok(()) => ExitCode::SUCCESS,
                Err(reason) => failure(&reason),
            }
        }
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
