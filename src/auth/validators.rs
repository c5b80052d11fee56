//! Every configured way of accepting a token, tried in one order: static
//! tokens (`MCP_AUTH_TOKENS`, `MCP_AUTH_TOKENS_FILE`), then a JWT-shaped
//! token against the issuer's keys, any other token at the introspection
//! endpoint. A JWT that fails its checks is refused there and then, so a
//! flood of forged JWTs never reaches the introspection endpoint.

use super::{
    AuthError, BoxFuture, Principal, StaticTokens, TokenValidator,
    introspection::Introspection,
    jwt::{JwtValidator, looks_like_jwt},
};

pub struct Validators {
    pub static_tokens: Option<StaticTokens>,
    pub jwt: Option<JwtValidator>,
    pub introspection: Option<Introspection>,
}

impl Validators {
    pub fn is_empty(&self) -> bool {
        self.static_tokens.is_none() && self.jwt.is_none() && self.introspection.is_none()
    }

    async fn check(&self, token: &str) -> Result<Principal, AuthError> {
        if let Some(tokens) = &self.static_tokens
            && let Ok(principal) = tokens.validate(token).await
        {
            return Ok(principal);
        }
        match (&self.jwt, &self.introspection) {
            (Some(jwt), _) if looks_like_jwt(token) => jwt.validate(token).await,
            (_, Some(introspection)) => introspection.validate(token).await,
            _ => Err(AuthError::Invalid),
        }
    }
}

impl TokenValidator for Validators {
    fn validate<'a>(&'a self, token: &'a str) -> BoxFuture<'a, Result<Principal, AuthError>> {
        Box::pin(self.check(token))
    }

    /// A static token, or one verified before. A token that is neither
    /// (wrong, new, expired from the cache) is left to [`Self::validate`],
    /// which gives the same answer for static tokens and decides the rest.
    fn decided(&self, token: &str) -> Option<Result<Principal, AuthError>> {
        if let Some(Some(Ok(principal))) = self.static_tokens.as_ref().map(|t| t.decided(token)) {
            return Some(Ok(principal));
        }
        match (&self.jwt, &self.introspection) {
            (Some(jwt), _) if looks_like_jwt(token) => jwt.decided(token),
            (_, Some(introspection)) => introspection.decided(token),
            // Static tokens alone: the static answer is the whole answer.
            _ => self.static_tokens.as_ref().map(|_| Err(AuthError::Invalid)),
        }
    }
}
