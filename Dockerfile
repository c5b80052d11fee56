# syntax=docker/dockerfile:1
# Image for mcp-rust-server: a static binary on `scratch`, nothing else.
#
#   docker build -t mcp-rust-server:$(cargo pkgid | cut -d'#' -f2) .
#
# Where no base image can be pulled (CI here), scripts/build-image.sh builds the
# same static binary on the host and reuses the `runtime` stage below verbatim,
# so both paths produce the same final layout.

ARG RUST_VERSION=1.95

# --- chef: cargo-chef caches the dependency build in its own layer ---------
FROM rust:${RUST_VERSION}-bookworm AS chef
RUN cargo install cargo-chef --locked --version 0.1.78
WORKDIR /build
# glibc, linked statically: no musl toolchain needed, and `scratch` has no libc.
ENV RUSTFLAGS="-C target-feature=+crt-static"

FROM chef AS planner
COPY . .
RUN cargo chef prepare --recipe-path recipe.json

FROM chef AS builder
COPY --from=planner /build/recipe.json recipe.json
# An explicit --target keeps RUSTFLAGS off build scripts and proc-macros,
# which must stay dynamically linked to load into rustc.
RUN TARGET="$(rustc -vV | sed -n 's/^host: //p')" \
 && cargo chef cook --release --target "$TARGET" --recipe-path recipe.json
COPY . .
# The last test fails the build, not the pod, if the binary is not static.
RUN TARGET="$(rustc -vV | sed -n 's/^host: //p')" \
 && cargo build --release --locked --target "$TARGET" \
 && mkdir -p /out \
 && cp "target/$TARGET/release/mcp-rust-server" /out/mcp-rust-server \
 && ! ldd /out/mcp-rust-server 2>/dev/null | grep -q '=>'

# --- runtime: build-image.sh copies from this marker to the end -----------
FROM scratch AS runtime
ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="mcp-rust-server" \
      org.opencontainers.image.description="Model Context Protocol server (Streamable HTTP + REST)" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="Apache-2.0"
COPY --from=builder /out/mcp-rust-server /mcp-rust-server
# The server binds 127.0.0.1 by default; in a container it must listen on all
# interfaces or neither the kubelet nor a Service can reach it.
ENV HOST=0.0.0.0 \
    PORT=8000 \
    LOG_FORMAT=json
# Numeric, so runAsNonRoot can verify it without an /etc/passwd (there is none).
USER 65532:65532
EXPOSE 8000
# No shell or curl in scratch: the binary checks itself (GET /health, 2 s).
HEALTHCHECK --interval=10s --timeout=5s --start-period=5s --retries=3 \
    CMD ["/mcp-rust-server", "healthcheck"]
ENTRYPOINT ["/mcp-rust-server"]
CMD ["serve"]
