//! The REST API's one error shape, `{"detail": "..."}` (FastAPI's, so seed
//! clients keep working), and a JSON extractor that answers bad bodies in it.

use axum::{
    Json,
    extract::{FromRequest, Request, rejection::JsonRejection},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde::{Serialize, de::DeserializeOwned};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    pub detail: String,
}

impl ApiError {
    pub fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        Self {
            status,
            detail: detail.into(),
        }
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, detail)
    }

    pub fn unprocessable(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, detail)
    }
}

#[derive(Serialize)]
struct Detail<'a> {
    detail: &'a str,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        // Client errors are caused by bad input, so they are not logged as
        // server errors; the request log line already records the status.
        (
            self.status,
            Json(Detail {
                detail: &self.detail,
            }),
        )
            .into_response()
    }
}

/// `Json<T>` whose rejections are `ApiError`s: a body that is not JSON is a
/// 400, JSON of the wrong shape a 422, a missing JSON content type a 415.
pub struct JsonBody<T>(pub T);

impl<S, T> FromRequest<S> for JsonBody<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(value)) => Ok(JsonBody(value)),
            Err(rejection) => Err(match rejection {
                JsonRejection::JsonDataError(e) => {
                    ApiError::unprocessable(format!("Invalid request body: {}", e.body_text()))
                }
                JsonRejection::JsonSyntaxError(e) => ApiError::new(
                    StatusCode::BAD_REQUEST,
                    format!("Request body is not valid JSON: {}", e.body_text()),
                ),
                other => ApiError::new(other.status(), other.body_text()),
            }),
        }
    }
}

/// Fallback for unknown paths: 404 in the same shape.
pub async fn not_found() -> ApiError {
    ApiError::not_found("Not Found")
}

/// Fallback for a known path called with the wrong method.
pub async fn method_not_allowed() -> ApiError {
    ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "Method Not Allowed")
}
