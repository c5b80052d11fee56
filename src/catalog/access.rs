//! Which tools one caller may see and call: OAuth scopes per tool. The
//! authentication stage (a transport concern) decides what a token grants
//! and puts a [`ToolAccess`] in the request's extensions; the MCP handler
//! and the REST API filter their tool lists through it, and a call to a tool
//! it does not permit is refused before the tool runs. No `ToolAccess` in a
//! request: every tool (authentication off, or no tool needs a scope).

use std::{collections::HashMap, sync::Arc};

use super::Catalog;

/// The scopes each tool needs: the configured list where it names the tool,
/// else what the tool declares in code ([`super::Tool::SCOPES`]).
#[derive(Debug, Default)]
pub struct ToolScopes {
    by_tool: HashMap<String, Vec<String>>,
}

impl ToolScopes {
    /// `configured` overrides what the catalog's tools declare; entries for
    /// tools the catalog lacks are kept (they refuse nothing).
    pub fn new(catalog: &Catalog, configured: &[(String, Vec<String>)]) -> Self {
        let mut by_tool: HashMap<String, Vec<String>> = catalog
            .tools()
            .iter()
            .filter(|tool| !tool.scopes().is_empty())
            .map(|tool| {
                let scopes = tool.scopes().iter().map(|s| (*s).to_owned()).collect();
                (tool.name().to_owned(), scopes)
            })
            .collect();
        by_tool.extend(configured.iter().cloned());
        Self { by_tool }
    }

    /// True when no tool needs a scope.
    pub fn is_empty(&self) -> bool {
        self.by_tool.is_empty()
    }

    /// What `tool` needs (all of it).
    pub fn required(&self, tool: &str) -> &[String] {
        self.by_tool.get(tool).map_or(&[], Vec::as_slice)
    }

    /// Every scope some tool needs, sorted and once each: the protected
    /// resource metadata's `scopes_supported`.
    pub fn all(&self) -> Vec<String> {
        let mut all: Vec<String> = self.by_tool.values().flatten().cloned().collect();
        all.sort();
        all.dedup();
        all
    }
}

/// What a caller's credential grants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Grant {
    /// Every scope: a static token, which carries none to check.
    Everything,
    /// The token's scopes.
    Scopes(Arc<[String]>),
}

impl Grant {
    fn holds(&self, scope: &str) -> bool {
        match self {
            Grant::Everything => true,
            Grant::Scopes(scopes) => scopes.iter().any(|s| s == scope),
        }
    }
}

/// One caller's access to the tools, carried in the request's extensions.
#[derive(Debug, Clone)]
pub struct ToolAccess {
    grant: Grant,
    required: Arc<ToolScopes>,
    /// Where a client learns how to get a token with more scopes (the RFC
    /// 9728 metadata URL): the step-up challenge names it.
    pub resource_metadata: Arc<str>,
}

impl ToolAccess {
    pub fn new(grant: Grant, required: Arc<ToolScopes>, resource_metadata: Arc<str>) -> Self {
        Self {
            grant,
            required,
            resource_metadata,
        }
    }

    /// `None` when the caller may call `tool`; otherwise every scope the tool
    /// needs (what a client must ask for when it steps up).
    pub fn refused(&self, tool: &str) -> Option<&[String]> {
        let required = self.required.required(tool);
        (!required.iter().all(|scope| self.grant.holds(scope))).then_some(required)
    }

    pub fn permits(&self, tool: &str) -> bool {
        self.refused(tool).is_none()
    }
}

/// Whether the request whose extensions are `extensions` may use `tool`.
pub fn permitted(extensions: &http::Extensions, tool: &str) -> bool {
    extensions
        .get::<ToolAccess>()
        .is_none_or(|access| access.permits(tool))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{Tool, ToolContext, ToolError, ToolOutput};

    struct Audited;

    impl Tool for Audited {
        type Args = crate::catalog::NoArgs;
        const NAME: &'static str = "audited";
        const DESCRIPTION: &'static str = "Needs a scope declared in code";
        const SCOPES: &'static [&'static str] = &["audit:read"];

        async fn call(&self, _: Self::Args, _: ToolContext) -> Result<ToolOutput, ToolError> {
            Ok(ToolOutput::text("ok"))
        }
    }

    struct Open;

    impl Tool for Open {
        type Args = crate::catalog::NoArgs;
        const NAME: &'static str = "echo";
        const DESCRIPTION: &'static str = "Needs no scope unless configured";

        async fn call(&self, _: Self::Args, _: ToolContext) -> Result<ToolOutput, ToolError> {
            Ok(ToolOutput::text("ok"))
        }
    }

    fn scopes(configured: &[(&str, &[&str])]) -> Arc<ToolScopes> {
        let catalog = Catalog::builder().tool(Audited).tool(Open).build();
        let configured: Vec<(String, Vec<String>)> = configured
            .iter()
            .map(|(t, s)| ((*t).to_owned(), s.iter().map(|s| (*s).to_owned()).collect()))
            .collect();
        Arc::new(ToolScopes::new(&catalog, &configured))
    }

    fn access(grant: &[&str], required: &Arc<ToolScopes>) -> ToolAccess {
        let grant = Grant::Scopes(grant.iter().map(|s| (*s).to_owned()).collect());
        ToolAccess::new(grant, Arc::clone(required), "https://m/.well-known".into())
    }

    #[test]
    fn a_tool_declared_scope_applies_unless_configured_otherwise() {
        let declared = scopes(&[]);
        assert_eq!(declared.required("audited"), ["audit:read"]);
        assert_eq!(declared.required("echo"), [] as [String; 0]);
        let overridden = scopes(&[("audited", &["admin"]), ("echo", &["say", "loud"])]);
        assert_eq!(overridden.required("audited"), ["admin"]);
        assert_eq!(overridden.all(), ["admin", "loud", "say"]);
    }

    #[test]
    fn a_tool_is_permitted_only_with_every_scope_it_needs() {
        let required = scopes(&[("echo", &["say", "loud"])]);
        assert!(access(&["say", "loud", "other"], &required).permits("echo"));
        assert_eq!(
            access(&["say"], &required).refused("echo"),
            Some(["say".to_owned(), "loud".to_owned()].as_slice())
        );
        assert!(!access(&[], &required).permits("audited"));
        assert!(access(&[], &required).permits("unknown-tool"));
        let everything = ToolAccess::new(Grant::Everything, required, "m".into());
        assert!(everything.permits("echo") && everything.permits("audited"));
    }
}
