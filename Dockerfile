# syntax=docker/dockerfile:1
# Image for mcp-rust-server: a static binary on `scratch`, nothing else.
#
#   docker build -t mcp-rust-server:$(cargo pkgid | cut -d'#' -f2) .
#
# Where no base image can be pulled (CI here), scripts/build-image.sh builds the
# same static binary on the host and reuses the `runtime` stage below verbatim,
# so both paths produce the same final layout.

ARG RUST_VERSION=1.95

# --- builder: the profile-guided static binary (scripts/build-release.sh) ----
# No cargo-chef layer for dependencies: a profile-guided build compiles them
# with the profile, and the profile comes from this source's own training run.
FROM rust:${RUST_VERSION}-bookworm AS builder
# llvm-profdata of rustc's own LLVM major merges the profile; python3 drives
# the training run.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 \
      "llvm-$(rustc -vV | sed -n 's/^LLVM version: \([0-9]*\).*/\1/p')" \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /build
COPY . .
# glibc, linked statically (no musl toolchain needed; `scratch` has no libc).
# The last test fails the build, not the pod, if the binary is not static.
RUN bin="$(scripts/build-release.sh --static)" \
 && mkdir -p /out \
 && cp "$bin" /out/mcp-rust-server \
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
