//! The OAuth settings checked, their secrets read from files, and what
//! follows from them (the audience, the parsed tool scopes). Every failure
//! is one line naming the setting, never a secret's value.

use std::path::Path;

use super::{
    AuthSettings, ConfigError, OAuthSettings, checks::read_setting_file, oauth::ToolScopeList,
};

impl OAuthSettings {
    /// Checks the settings, reads the secret files and fills in the
    /// defaults; the tokens file's tokens join `auth.auth_tokens`.
    pub(super) fn resolve(&mut self, auth: &mut AuthSettings) -> Result<(), ConfigError> {
        if let Some(path) = &self.tokens_file {
            auth.auth_tokens.extend(read_tokens_file(path)?);
        }
        let urls = [
            ("MCP_AUTH_ISSUER", &self.issuer),
            ("MCP_AUTH_JWKS_URL", &self.jwks_url),
            ("MCP_AUTH_INTROSPECTION_URL", &self.introspection_url),
        ];
        for (name, url) in urls {
            if let Some(url) = url
                && !is_http_url(url)
            {
                return Err(ConfigError(format!(
                    "{name}: '{url}' is not an http(s) URL"
                )));
            }
        }
        if self.jwks_url.is_some() && self.issuer.is_none() {
            return Err(ConfigError(
                "MCP_AUTH_JWKS_URL: needs MCP_AUTH_ISSUER (a token's `iss` is checked against it)"
                    .into(),
            ));
        }
        if let Some(audience) = &self.audience
            && (audience.is_empty() || audience.chars().any(|c| c.is_whitespace() || c == '"'))
        {
            return Err(ConfigError(format!(
                "MCP_AUTH_AUDIENCE: '{audience}' is not a URI"
            )));
        }
        if self.is_enabled() && self.audience.is_none() {
            let Some(public_url) = &auth.public_url else {
                return Err(ConfigError(
                    "MCP_AUTH_ISSUER/MCP_AUTH_INTROSPECTION_URL: needs MCP_PUBLIC_URL or \
                     MCP_AUTH_AUDIENCE (the audience tokens must be issued for)"
                        .into(),
                ));
            };
            self.audience = Some(format!("{}/mcp", public_url.trim_end_matches('/')));
        }
        if self.introspection_url.is_some() {
            self.introspection_client_secret = Some(self.read_client_secret()?);
        }
        self.scopes_by_tool = parse_tool_scopes(&self.tool_scopes)?;
        if !self.scopes_by_tool.is_empty() && !self.is_enabled() && auth.auth_tokens.is_empty() {
            return Err(ConfigError(
                "MCP_TOOL_SCOPES: needs authentication (MCP_AUTH_ISSUER, \
                 MCP_AUTH_INTROSPECTION_URL or bearer tokens)"
                    .into(),
            ));
        }
        Ok(())
    }

    fn read_client_secret(&self) -> Result<String, ConfigError> {
        if self
            .introspection_client_id
            .as_ref()
            .is_none_or(|id| id.trim().is_empty())
        {
            return Err(ConfigError(
                "MCP_AUTH_INTROSPECTION_URL: needs MCP_AUTH_INTROSPECTION_CLIENT_ID".into(),
            ));
        }
        let Some(path) = &self.introspection_client_secret_file else {
            return Err(ConfigError(
                "MCP_AUTH_INTROSPECTION_URL: needs MCP_AUTH_INTROSPECTION_CLIENT_SECRET_FILE"
                    .into(),
            ));
        };
        let secret = read_setting_file("MCP_AUTH_INTROSPECTION_CLIENT_SECRET_FILE", path)?;
        let secret = secret.trim();
        if secret.is_empty() {
            return Err(ConfigError(format!(
                "MCP_AUTH_INTROSPECTION_CLIENT_SECRET_FILE: '{}' is empty",
                path.display()
            )));
        }
        Ok(secret.to_owned())
    }
}

/// One token a line (or several, comma-separated, as in `MCP_AUTH_TOKENS`);
/// blank lines and `#` comments skipped. A bad line is named by its number.
fn read_tokens_file(path: &Path) -> Result<Vec<String>, ConfigError> {
    let text = read_setting_file("MCP_AUTH_TOKENS_FILE", path)?;
    let mut tokens = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        for token in line.split(',').map(str::trim) {
            if !super::checks::is_b64token(token) {
                return Err(ConfigError(format!(
                    "MCP_AUTH_TOKENS_FILE: line {} of '{}' is not a valid bearer token",
                    index + 1,
                    path.display()
                )));
            }
            tokens.push(token.to_owned());
        }
    }
    if tokens.is_empty() {
        return Err(ConfigError(format!(
            "MCP_AUTH_TOKENS_FILE: '{}' holds no token",
            path.display()
        )));
    }
    Ok(tokens)
}

fn is_http_url(url: &str) -> bool {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    rest.is_some_and(|rest| !rest.is_empty() && !url.chars().any(|c| c.is_whitespace() || c == '"'))
}

/// `MCP_TOOL_SCOPES` entries, `tool=scope[ scope…]`, into each tool's
/// scopes. Scopes are RFC 6749 `scope-token`s: printable ASCII but space,
/// `"` and `\`.
pub(super) fn parse_tool_scopes(entries: &[String]) -> Result<ToolScopeList, ConfigError> {
    let mut parsed: ToolScopeList = Vec::new();
    for entry in entries {
        let bad = |why: &str| ConfigError(format!("MCP_TOOL_SCOPES: '{entry}' {why}"));
        let Some((tool, scopes)) = entry.split_once('=') else {
            return Err(bad("is not tool=scope[ scope…]"));
        };
        let tool = tool.trim();
        if tool.is_empty() {
            return Err(bad("names no tool"));
        }
        let scopes: Vec<String> = scopes.split_whitespace().map(str::to_owned).collect();
        if scopes.is_empty() {
            return Err(bad("lists no scope"));
        }
        if let Some(scope) = scopes.iter().find(|s| !is_scope_token(s)) {
            return Err(bad(&format!("has an invalid scope '{scope}'")));
        }
        if parsed.iter().any(|(t, _)| t == tool) {
            return Err(bad("names a tool listed before"));
        }
        parsed.push((tool.to_owned(), scopes));
    }
    Ok(parsed)
}

fn is_scope_token(scope: &str) -> bool {
    scope
        .bytes()
        .all(|b| b == 0x21 || (0x23..=0x5b).contains(&b) || (0x5d..=0x7e).contains(&b))
}

#[cfg(test)]
mod tests {
    use std::{fs, io::Write};

    use clap::Parser;

    use super::*;
    use crate::config::Cli;

    fn resolve(args: &[&str]) -> Result<crate::config::Resolved, ConfigError> {
        Cli::try_parse_from(std::iter::once("mcp-rust-server").chain(args.iter().copied()))
            .expect("the flags parse")
            .settings
            .resolve()
    }

    fn temp_file(name: &str, content: &str) -> std::path::PathBuf {
        let path = std::env::temp_dir().join(format!("mcp-oauth-{}-{name}", std::process::id()));
        let mut file = fs::File::create(&path).expect("the temp dir is writable");
        file.write_all(content.as_bytes())
            .expect("the temp dir is writable");
        path
    }

    #[test]
    fn tool_scopes_parse_into_each_tools_list() {
        let entries = [
            "calculate=math:write math:read".to_owned(),
            " echo = say".to_owned(),
        ];
        assert_eq!(
            parse_tool_scopes(&entries).unwrap(),
            vec![
                (
                    "calculate".to_owned(),
                    vec!["math:write".to_owned(), "math:read".to_owned()]
                ),
                ("echo".to_owned(), vec!["say".to_owned()]),
            ]
        );
    }

    #[test]
    fn bad_tool_scopes_are_one_line_naming_the_entry() {
        for (entry, why) in [
            ("calculate", "is not tool=scope"),
            ("=x", "names no tool"),
            ("echo=", "lists no scope"),
            ("echo=a\"b", "invalid scope 'a\"b'"),
            ("echo=a\\b", "invalid scope"),
        ] {
            let error = parse_tool_scopes(&[entry.to_owned()]).unwrap_err().0;
            assert!(error.starts_with("MCP_TOOL_SCOPES: '"), "{error}");
            assert!(error.contains(why), "{entry}: {error}");
        }
        let twice = ["echo=a".to_owned(), "echo=b".to_owned()];
        assert!(
            parse_tool_scopes(&twice)
                .unwrap_err()
                .0
                .contains("listed before")
        );
    }

    #[test]
    fn the_audience_defaults_to_the_public_mcp_endpoint() {
        let config = resolve(&[
            "--auth-issuer",
            "https://idp.example.com",
            "--public-url",
            "https://mcp.example.com/",
        ])
        .unwrap();
        assert_eq!(
            config.oauth.audience.as_deref(),
            Some("https://mcp.example.com/mcp")
        );
        let error = resolve(&["--auth-issuer", "https://idp.example.com"])
            .unwrap_err()
            .0;
        assert!(
            error.contains("needs MCP_PUBLIC_URL or MCP_AUTH_AUDIENCE"),
            "{error}"
        );
    }

    #[test]
    fn urls_must_be_http_and_the_jwks_url_needs_an_issuer() {
        let error = resolve(&["--auth-issuer", "idp.example.com", "--auth-audience", "x"])
            .unwrap_err()
            .0;
        assert_eq!(
            error,
            "MCP_AUTH_ISSUER: 'idp.example.com' is not an http(s) URL"
        );
        let error = resolve(&["--auth-jwks-url", "https://idp.example.com/jwks"])
            .unwrap_err()
            .0;
        assert!(
            error.starts_with("MCP_AUTH_JWKS_URL: needs MCP_AUTH_ISSUER"),
            "{error}"
        );
    }

    #[test]
    fn tool_scopes_need_authentication() {
        let error = resolve(&["--tool-scopes", "echo=say"]).unwrap_err().0;
        assert!(
            error.starts_with("MCP_TOOL_SCOPES: needs authentication"),
            "{error}"
        );
        let config = resolve(&["--tool-scopes", "echo=say", "--auth-tokens", "t0k3n"]).unwrap();
        assert_eq!(
            config.oauth.scopes_by_tool,
            vec![("echo".to_owned(), vec!["say".to_owned()])]
        );
    }

    #[test]
    fn the_tokens_file_adds_tokens_and_names_a_bad_line_by_number() {
        let good = temp_file("good", "# staff\nalpha-token\n\nbeta-token,gamma-token\n");
        let config = resolve(&[
            "--auth-tokens",
            "env-token",
            "--auth-tokens-file",
            good.to_str().unwrap(),
        ])
        .unwrap();
        assert_eq!(
            config.auth.auth_tokens,
            ["env-token", "alpha-token", "beta-token", "gamma-token"]
        );
        let bad = temp_file("bad", "alpha-token\nhas space\n");
        let error = resolve(&["--auth-tokens-file", bad.to_str().unwrap()])
            .unwrap_err()
            .0;
        assert!(error.contains("line 2 of"), "{error}");
        assert!(!error.contains("has space"), "{error}");
        let error = resolve(&["--auth-tokens-file", "/nonexistent/tokens"])
            .unwrap_err()
            .0;
        assert!(
            error.starts_with("MCP_AUTH_TOKENS_FILE: cannot read /nonexistent/tokens"),
            "{error}"
        );
        for path in [good, bad] {
            let _ = fs::remove_file(path);
        }
    }

    #[test]
    fn introspection_needs_a_client_and_reads_its_secret_from_a_file() {
        let base = [
            "--auth-introspection-url",
            "https://idp.example.com/introspect",
            "--auth-audience",
            "https://mcp.example.com/mcp",
        ];
        let error = resolve(&base).unwrap_err().0;
        assert!(
            error.contains("needs MCP_AUTH_INTROSPECTION_CLIENT_ID"),
            "{error}"
        );
        let secret = temp_file("secret", "  s3cr3t-value\n");
        let mut args = base.to_vec();
        let path = secret.to_str().unwrap().to_owned();
        args.extend([
            "--auth-introspection-client-id",
            "mcp",
            "--auth-introspection-client-secret-file",
            &path,
        ]);
        let config = resolve(&args).unwrap();
        assert_eq!(
            config.oauth.introspection_client_secret.as_deref(),
            Some("s3cr3t-value")
        );
        let printed = format!("{:?}", config.oauth);
        assert!(!printed.contains("s3cr3t"), "{printed}");
        let _ = fs::remove_file(secret);
    }
}
