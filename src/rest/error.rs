//! The REST API's one error shape, `{"detail": "..."}` (FastAPI's, so
//! existing clients keep working), and a JSON extractor that answers bad
//! bodies in it.

use axum::{
    Json,
    extract::{FromRequest, Request, rejection::JsonRejection},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::{Serialize, de::DeserializeOwned};

use super::body::{BodyLimit, read_body};
use utoipa::ToSchema;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    pub detail: String,
}

/// The error body every REST error uses.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// What went wrong, for a person.
    pub detail: String,
}

/// Longest `detail` sent. serde's messages about deeply nested input repeat
/// the path (`[0][0]…`) once per level; a person needs its start and the
/// reason at its end, so the middle is cut.
const MAX_DETAIL: usize = 300;

impl ApiError {
    pub fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        let detail = detail.into();
        let detail = if detail.len() > MAX_DETAIL {
            let mut head = MAX_DETAIL / 2;
            while !detail.is_char_boundary(head) {
                head -= 1;
            }
            let mut tail = detail.len() - MAX_DETAIL / 2;
            while !detail.is_char_boundary(tail) {
                tail += 1;
            }
            format!("{}…{}", &detail[..head], &detail[tail..])
        } else {
            detail
        };
        Self { status, detail }
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, detail)
    }

    pub fn unprocessable(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, detail)
    }

    /// 413: the one wording for every body over the cap, wherever it is
    /// noticed.
    pub fn body_too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("Request body is larger than {limit} bytes"),
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        // Client errors are caused by bad input, so they are not logged as
        // server errors; the request log line already records the status.
        (
            self.status,
            Json(ErrorBody {
                detail: self.detail,
            }),
        )
            .into_response()
    }
}

/// `Json<T>` whose rejections are `ApiError`s: a body that is not JSON is a
/// 400, JSON of the wrong shape a 422, a missing JSON content type a 415, a
/// body over the cap a 413.
pub struct JsonBody<T>(pub T);

impl<S, T> FromRequest<S> for JsonBody<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, _state: &S) -> Result<Self, Self::Rejection> {
        if !is_json(&req) {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "Expected request with `Content-Type: application/json`",
            ));
        }
        // Read here rather than by axum's `Bytes` extractor, whose own cap
        // (2 MB unless configured) would differ from MAX_BODY_BYTES: the
        // pipeline's cap is the one cap (see `crate::http`).
        let limit = req.extensions().get::<BodyLimit>().copied();
        let bytes = read_body(req.into_body(), limit).await?;
        match Json::<T>::from_bytes(&bytes) {
            Ok(Json(value)) => Ok(JsonBody(value)),
            Err(JsonRejection::JsonDataError(e)) => Err(ApiError::unprocessable(format!(
                "Invalid request body: {}",
                e.body_text()
            ))),
            Err(JsonRejection::JsonSyntaxError(e)) => Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                format!("Request body is not valid JSON: {}", e.body_text()),
            )),
            Err(other) => Err(ApiError::new(other.status(), other.body_text())),
        }
    }
}

/// `application/json` or a `+json` type, as axum's `Json` accepts.
fn is_json(request: &Request) -> bool {
    request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<mime::Mime>().ok())
        .is_some_and(|mime| {
            mime.type_() == "application"
                && (mime.subtype() == "json" || mime.suffix().is_some_and(|s| s == "json"))
        })
}

/// Fallback for unknown paths: 404 in the same shape.
pub async fn not_found() -> ApiError {
    ApiError::not_found("Not Found")
}

/// Fallback for a known path called with the wrong method.
pub async fn method_not_allowed() -> ApiError {
    ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "Method Not Allowed")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_detail_keeps_its_start_and_end_cut_on_character_boundaries() {
        let long = format!("start {} the reason", "é".repeat(400));
        let error = ApiError::unprocessable(long);
        assert!(error.detail.len() <= MAX_DETAIL + '…'.len_utf8());
        assert!(error.detail.starts_with("start é"), "{}", error.detail);
        assert!(error.detail.ends_with("é the reason"), "{}", error.detail);
        assert!(error.detail.contains("é…é"), "{}", error.detail);
        assert_eq!(ApiError::unprocessable("short").detail, "short");
    }
}
