//! Reading a whole request body under the pipeline's one cap: admission
//! wraps a body without a declared length so no reader can pass
//! `MAX_BODY_BYTES`, and tells the readers the cap ([`BodyLimit`]) so that
//! running into it reads as a 413, not as a broken body.

use axum::{
    body::{Body, Bytes, HttpBody},
    http::StatusCode,
};
use http_body_util::{BodyExt, LengthLimitError};

use super::ApiError;

/// The body cap in force for a request whose body the pipeline wrapped.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimit(pub usize);

/// Why a body could not be read whole.
#[derive(Debug)]
pub enum UnreadBody {
    /// It ran past the cap (its value).
    TooLarge(usize),
    /// The client broke off, or the bytes were not a valid body.
    Failed(axum::Error),
}

/// Reads `body` whole; `limit` is the request's [`BodyLimit`], if any.
pub async fn read_body(body: Body, limit: Option<BodyLimit>) -> Result<Bytes, UnreadBody> {
    read_whole(body).await.map_err(|error| match limit {
        Some(BodyLimit(limit)) if is_length_limit(&error) => UnreadBody::TooLarge(limit),
        _ => UnreadBody::Failed(error),
    })
}

/// The data frames of `body`, joined (trailers are dropped). A body that
/// arrives as one frame, as a small request's usually does, is returned as
/// that frame, with no buffer to collect it into.
async fn read_whole(mut body: Body) -> Result<Bytes, axum::Error> {
    let mut whole = Vec::new();
    while let Some(frame) = body.frame().await {
        let Ok(data) = frame?.into_data() else {
            continue;
        };
        if whole.is_empty() && body.is_end_stream() {
            return Ok(data);
        }
        whole.extend_from_slice(&data);
    }
    Ok(Bytes::from(whole))
}

impl From<UnreadBody> for ApiError {
    fn from(unread: UnreadBody) -> Self {
        match unread {
            UnreadBody::TooLarge(limit) => ApiError::body_too_large(limit),
            UnreadBody::Failed(error) => ApiError::new(
                StatusCode::BAD_REQUEST,
                format!("Failed to read the request body: {error}"),
            ),
        }
    }
}

fn is_length_limit(error: &axum::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(current) = source {
        if current.is::<LengthLimitError>() {
            return true;
        }
        source = current.source();
    }
    false
}
