# syntax=docker/dockerfile:1
# The miglint container image (ghcr.io/miglint/miglint:<version>): the static miglint binary on Alpine, with
# git for `miglint check --since`, run as a non-root user in /src. For CI systems that run jobs in an image
# (GitLab CI: examples/gitlab-ci.yml) and for `docker run --rm -v "$PWD:/src" ghcr.io/miglint/miglint check .`
#
# Both builds need BuildKit (`docker buildx build`, or `docker build` since Docker 23).
#
# From source, the default target (`image`): the repository is the build context.
#   docker build -t miglint --build-arg VERSION=0.1.0 \
#     --build-arg MIGLINT_COMMIT="$(git rev-parse --short=12 HEAD)" .
# (.dockerignore keeps .git out of the context, so `miglint --version` names the commit only when
# MIGLINT_COMMIT is given; build.rs reads it.)
#
# From the release binaries, with no second compile (the target `release`, what release.yml builds): the
# context is a folder holding the release archives of the two Linux targets unpacked, as each holds its
# binary: miglint-x86_64-unknown-linux-musl/miglint and miglint-aarch64-unknown-linux-musl/miglint.
#   for t in x86_64 aarch64; do tar -xzf "dist/miglint-$t-unknown-linux-musl.tar.gz" -C dist; done
#   docker buildx build --target release --platform linux/amd64,linux/arm64 -f Dockerfile \
#     --build-arg VERSION=0.1.0 --build-arg MIGLINT_COMMIT="$(git rev-parse --short=12 HEAD)" \
#     -t ghcr.io/miglint/miglint:0.1.0 --push dist
# (The .dockerignore beside this file is the repository's; the dist folder, as context, has none.)

# --- builder: the static binary, built as the release workflow builds it ---------------------------------
# Debian with musl's C toolchain and Rust's musl target, not rust:alpine: pg_query's build script runs
# bindgen, which loads libclang at run time, and on a musl host Rust links build scripts statically, where
# loading a library is impossible ("Dynamic loading not supported", rust-lang/rust-bindgen#2360). The usual
# way round it, `-C target-feature=-crt-static`, would make miglint itself a dynamic binary.
FROM rust:1-bookworm AS builder
# Not pinned (DL3008): Debian replaces a package's version at each point release; this stage is not shipped.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends libclang-dev musl-tools \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /build
COPY . .
# The commit `miglint --version` names (build.rs); without it the binary says `unknown`.
ARG MIGLINT_COMMIT=
# The target of the machine building, x86_64 or aarch64. bindgen's clang finds no C headers for a musl
# target by itself: it gets musl's (Debian's musl-dev) as the system headers. The caches keep crates and
# builds between builds; `locked`, because a multi-platform build would otherwise share them at once.
RUN --mount=type=cache,target=/usr/local/cargo/registry,sharing=locked \
    --mount=type=cache,target=/build/target,sharing=locked \
    set -eux; \
    arch="$(uname -m)"; \
    target="$arch-unknown-linux-musl"; \
    rustup target add "$target"; \
    env "BINDGEN_EXTRA_CLANG_ARGS_${arch}_unknown_linux_musl=-isystem /usr/include/$arch-linux-musl" \
      MIGLINT_COMMIT="$MIGLINT_COMMIT" \
      cargo build --locked --profile dist --target "$target"; \
    cp "target/$target/dist/miglint" /miglint

# --- the release binaries, per architecture (target `release`) ------------------------------------------
# BuildKit builds only the stages the target needs: these COPYs run only for `--target release`, and only
# the one for the platform being built.
FROM scratch AS prebuilt-amd64
COPY miglint-x86_64-unknown-linux-musl/miglint /miglint
FROM scratch AS prebuilt-arm64
COPY miglint-aarch64-unknown-linux-musl/miglint /miglint
# A stage of this file, not an image to pull (DL3006 cannot tell).
# hadolint ignore=DL3006
FROM prebuilt-${TARGETARCH} AS prebuilt

# --- runtime: what both images share ----------------------------------------------------------------------
FROM alpine:3.22 AS runtime
# git: `miglint check --since REV` asks git what changed. ca-certificates: for git over HTTPS.
# The versions are not pinned: Alpine's repositories keep only the newest build of each package of a
# release, so a pinned version stops installing at its first security update; alpine:3.22 fixes the release.
# hadolint ignore=DL3018
RUN apk add --no-cache git ca-certificates \
 && addgroup -S -g 10001 miglint \
 && adduser -S -u 10001 -G miglint -h /home/miglint miglint \
 && git config --system --add safe.directory '*'
# safe.directory: the project is mounted or checked out by another user (the host's, the CI runner's) than
# the one miglint runs as, and git refuses a repository it does not own unless told it is safe.
ARG VERSION=unknown
ARG MIGLINT_COMMIT=
LABEL org.opencontainers.image.title="miglint" \
      org.opencontainers.image.description="Gate PostgreSQL schema migrations in CI: locks, rewrites, data loss, with the safe recipe" \
      org.opencontainers.image.source="https://github.com/miglint/miglint" \
      org.opencontainers.image.documentation="https://github.com/miglint/miglint#readme" \
      org.opencontainers.image.licenses="MIT OR Apache-2.0" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${MIGLINT_COMMIT}"
WORKDIR /src
# By number, so that a runtime that must prove the user is not root (Kubernetes' runAsNonRoot) can.
USER 10001:10001
ENTRYPOINT ["miglint"]
CMD ["--help"]

# --- release: the image from the release binary of the platform being built -----------------------------
FROM runtime AS release
COPY --from=prebuilt --chmod=0755 /miglint /usr/local/bin/miglint

# --- image (the default target): the image from the binary built above ----------------------------------
FROM runtime AS image
COPY --from=builder /miglint /usr/local/bin/miglint
