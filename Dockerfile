# mlpc as a container image: the Argo CD config management plugin sidecar
# (examples/argocd-cmp/) and CI jobs (examples/ci/) run this image.
#
#   docker build -t registry.example.com/platform/mlpc:0.1.0 .
#
# Build stage: Alpine's Rust targets musl, so the binary is linked statically
# (libgit2 is vendored, TLS is rustls + ring: no OpenSSL, no shared libraries).
FROM rust:1.95-alpine AS build
RUN apk add --no-cache musl-dev build-base
# libz-sys would link a system zlib when it finds one: build its bundled zlib
# into the binary instead (a glibc build without this links libz.so).
ENV LIBZ_SYS_STATIC=1
WORKDIR /src
COPY . .
# (Rust's musl targets link statically by default: crt-static.)
RUN cargo build --release --locked --bin mlpc \
 && ./target/release/mlpc --version

# Runtime stage: a small image with a shell (the CMP's generate command runs
# `sh -c`) and git (CI checkouts; `mlpc diff` reads revisions with the
# vendored libgit2, not the git binary). Runs as uid 999, argocd's user, so
# the sidecar shares the repo-server's files without running as root.
FROM alpine:3.22
RUN apk add --no-cache ca-certificates git \
 && adduser -D -H -u 999 -s /sbin/nologin mlpc
COPY --from=build /src/target/release/mlpc /usr/local/bin/mlpc
USER 999:999
WORKDIR /work
CMD ["mlpc", "--help"]
