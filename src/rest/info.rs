//! `GET /`: what this service is and where its endpoints are.

use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

/// `GET /`: what this service is and where its endpoints are.
#[derive(Debug, Serialize, ToSchema)]
pub struct ServiceInfo {
    pub service: &'static str,
    pub version: &'static str,
    pub protocol: &'static str,
    pub endpoints: Endpoints,
}

/// Endpoint name → path.
#[derive(Debug, Serialize, ToSchema)]
pub struct Endpoints {
    pub mcp: &'static str,
    pub health: &'static str,
    pub ready: &'static str,
    pub tools: &'static str,
    pub resources: &'static str,
    pub execute: &'static str,
    pub resource: &'static str,
}

/// Service information.
#[utoipa::path(get, path = "/", tag = "info",
    responses((status = 200, description = "Service name, version and endpoints", body = ServiceInfo)))]
pub async fn root() -> Json<ServiceInfo> {
    Json(ServiceInfo {
        service: crate::NAME,
        version: crate::VERSION,
        protocol: "Model Context Protocol",
        endpoints: Endpoints {
            mcp: "/mcp",
            health: "/health",
            ready: "/ready",
            tools: "/mcp/tools",
            resources: "/mcp/resources",
            execute: "/mcp/execute",
            resource: "/mcp/resource/{uri}",
        },
    })
}
