//! OAuth 2.1 resource server settings: JWT access tokens from an issuer,
//! RFC 7662 introspection of opaque tokens, per-tool scopes, and secrets
//! read from files (a Kubernetes Secret mounted as a volume) rather than
//! from the environment.
//!
//! Secrets are never printed: `Debug` shows whether one is set, and a bad
//! file is named by its path and line, never by its content.

use std::{fmt, path::PathBuf};

use clap::Args;

#[derive(Clone, Args)]
pub struct OAuthSettings {
    /// A file of bearer tokens, one a line (blank lines and `#` comments
    /// skipped), accepted like MCP_AUTH_TOKENS (both may be set).
    #[arg(long = "auth-tokens-file", env = "MCP_AUTH_TOKENS_FILE", global = true)]
    pub tokens_file: Option<PathBuf>,

    /// The OAuth authorization server whose JWT access tokens are accepted
    /// (its `iss`). Its signing keys are found through its RFC 8414 or
    /// OpenID discovery document, unless MCP_AUTH_JWKS_URL is set. Listed in
    /// the protected resource metadata.
    #[arg(long = "auth-issuer", env = "MCP_AUTH_ISSUER", global = true)]
    pub issuer: Option<String>,

    /// Where the issuer's signing keys (JWKS) are, instead of discovery.
    #[arg(long = "auth-jwks-url", env = "MCP_AUTH_JWKS_URL", global = true)]
    pub jwks_url: Option<String>,

    /// The `aud` a token must carry (RFC 8707 resource indicator). Default:
    /// the canonical URI of this server's MCP endpoint, MCP_PUBLIC_URL + `/mcp`.
    #[arg(long = "auth-audience", env = "MCP_AUTH_AUDIENCE", global = true)]
    pub audience: Option<String>,

    /// Least seconds between two fetches of the issuer's keys for a token
    /// signed by a key not yet known (rotation): a flood of made-up key ids
    /// costs the issuer at most one request per this many seconds.
    #[arg(long = "auth-jwks-refetch-seconds", env = "MCP_AUTH_JWKS_REFETCH_SECONDS", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(1..=3600), global = true)]
    pub jwks_refetch_seconds: u64,

    /// RFC 7662 introspection endpoint: opaque (non-JWT) tokens are checked
    /// there. Needs the client id and secret file below.
    #[arg(
        long = "auth-introspection-url",
        env = "MCP_AUTH_INTROSPECTION_URL",
        global = true
    )]
    pub introspection_url: Option<String>,

    /// This server's client id at the introspection endpoint.
    #[arg(
        long = "auth-introspection-client-id",
        env = "MCP_AUTH_INTROSPECTION_CLIENT_ID",
        global = true
    )]
    pub introspection_client_id: Option<String>,

    /// A file holding this server's client secret at the introspection
    /// endpoint (surrounding whitespace trimmed).
    #[arg(
        long = "auth-introspection-client-secret-file",
        env = "MCP_AUTH_INTROSPECTION_CLIENT_SECRET_FILE",
        global = true
    )]
    pub introspection_client_secret_file: Option<PathBuf>,

    /// Scopes a token needs to see and call a tool:
    /// `tool=scope[ scope…],…` (all the listed scopes are needed). Tools not
    /// named need none beyond a valid token. Static tokens hold every scope.
    #[arg(long, env = "MCP_TOOL_SCOPES", value_delimiter = ',', global = true)]
    pub tool_scopes: Vec<String>,

    /// The introspection client secret, read from its file by
    /// [`Settings::resolve`](super::Settings::resolve).
    #[arg(skip)]
    pub introspection_client_secret: Option<String>,

    /// MCP_TOOL_SCOPES parsed, by [`Settings::resolve`](super::Settings::resolve).
    #[arg(skip)]
    pub scopes_by_tool: ToolScopeList,
}

/// `MCP_TOOL_SCOPES` parsed: each tool with the scopes it needs.
pub type ToolScopeList = Vec<(String, Vec<String>)>;

impl OAuthSettings {
    /// Whether JWT or introspection validation is configured.
    pub fn is_enabled(&self) -> bool {
        self.issuer.is_some() || self.introspection_url.is_some()
    }
}

impl fmt::Debug for OAuthSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuthSettings")
            .field("tokens_file", &self.tokens_file)
            .field("issuer", &self.issuer)
            .field("jwks_url", &self.jwks_url)
            .field("audience", &self.audience)
            .field("jwks_refetch_seconds", &self.jwks_refetch_seconds)
            .field("introspection_url", &self.introspection_url)
            .field("introspection_client_id", &self.introspection_client_id)
            .field(
                "introspection_client_secret",
                &self
                    .introspection_client_secret
                    .as_ref()
                    .map(|_| "<redacted>"),
            )
            .field("tool_scopes", &self.tool_scopes)
            .finish()
    }
}
