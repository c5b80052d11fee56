//! `MCP_AUTH_TOKENS`: a fixed set of opaque bearer tokens.

use subtle::{Choice, ConstantTimeEq};

use super::{AuthError, BoxFuture, Principal, TokenValidator};
use crate::catalog::Grant;

/// A fixed set of opaque tokens, compared in constant time.
pub struct StaticTokens {
    tokens: Vec<Vec<u8>>,
}

impl StaticTokens {
    pub fn new(tokens: &[String]) -> Self {
        Self {
            tokens: tokens.iter().map(|t| t.as_bytes().to_vec()).collect(),
        }
    }

    /// Index of the matching token. Every configured token is compared in
    /// full, and the time depends only on the configured tokens' lengths,
    /// never on where the presented token first differs.
    fn find(&self, presented: &[u8]) -> Option<usize> {
        let mut found = None;
        for (index, expected) in self.tokens.iter().enumerate() {
            let mut equal = Choice::from(u8::from(presented.len() == expected.len()));
            for (i, byte) in expected.iter().enumerate() {
                let other = presented.get(i).copied().unwrap_or(0);
                equal &= other.ct_eq(byte);
            }
            if bool::from(equal) {
                found = Some(index);
            }
        }
        found
    }
}

impl StaticTokens {
    fn check(&self, token: &str) -> Result<Principal, AuthError> {
        self.find(token.as_bytes())
            .map(|index| Principal {
                subject: format!("static-token-{}", index + 1),
                // A static token carries no scopes to check: it may do all.
                grant: Grant::Everything,
            })
            .ok_or(AuthError::Invalid)
    }
}

impl TokenValidator for StaticTokens {
    fn validate<'a>(&'a self, token: &'a str) -> BoxFuture<'a, Result<Principal, AuthError>> {
        Box::pin(std::future::ready(self.check(token)))
    }

    fn decided(&self, token: &str) -> Option<Result<Principal, AuthError>> {
        Some(self.check(token))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens() -> StaticTokens {
        StaticTokens::new(&["alpha-token".into(), "beta~token==".into()])
    }

    #[test]
    fn only_exact_configured_tokens_match() {
        let tokens = tokens();
        assert_eq!(tokens.find(b"alpha-token"), Some(0));
        assert_eq!(tokens.find(b"beta~token=="), Some(1));
        assert_eq!(tokens.find(b"alpha-toke"), None);
        assert_eq!(tokens.find(b"alpha-tokenX"), None);
        assert_eq!(tokens.find(b""), None);
        assert_eq!(tokens.find(b"ALPHA-TOKEN"), None);
    }
}
