# codex-shim as a shared gateway: the prebuilt Linux binary on a distroless base, non-root.
#
#   npm run build                       # or download the release binaries into dist/
#   docker build -t codex-shim .        # docker buildx build --platform linux/amd64,linux/arm64 … for both
#   docker run -p 8765:8765 -e CODEX_SHIM_TOKEN=… \
#     -v "$PWD/models.json:/home/nonroot/.codex-shim/models.json:ro" codex-shim
#
# It listens on 0.0.0.0 inside the container, so CODEX_SHIM_TOKEN is required: without it the
# binary refuses to start (anyone who could reach the port could spend the keys it holds).

# Pick this platform's binary (buildx sets TARGETARCH to amd64 or arm64).
FROM debian:bookworm-slim AS binary
ARG TARGETARCH=amd64
COPY dist/codex-shim-linux-x64 dist/codex-shim-linux-arm64* /dist/
RUN set -eu; \
    case "$TARGETARCH" in amd64) arch=x64 ;; arm64) arch=arm64 ;; *) echo "no codex-shim build for $TARGETARCH" >&2; exit 1 ;; esac; \
    install -m 0755 "/dist/codex-shim-linux-$arch" /codex-shim; \
    mkdir -p /home-nonroot/.codex-shim /home-nonroot/.codex

# The binary links only glibc (libc, libm, libpthread, libdl): distroless/cc has it, and no shell.
FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=binary /codex-shim /usr/local/bin/codex-shim
# The settings folders, made here and owned by nonroot (65532): a file mounted into a folder the
# image lacks (-v …/models.json:/home/nonroot/.codex-shim/models.json, a Kubernetes subPath) makes
# the runtime create that folder as root, and the proxy could then not write its pid file and exit.
COPY --from=binary --chown=65532:65532 /home-nonroot/ /home/nonroot/
ENV CODEX_SHIM_HOME=/home/nonroot/.codex-shim \
    CODEX_HOME=/home/nonroot/.codex \
    CODEX_SHIM_LOG_LEVEL=info \
    BUN_CONFIG_MAX_HTTP_REQUESTS=16384
# Numeric (distroless's nonroot): Kubernetes' runAsNonRoot cannot verify a user given by name.
USER 65532:65532
EXPOSE 8765
# No curl here: the binary checks itself. `status` reads the pid file that `start --foreground`
# writes and asks /health on the port it records; exit 1 when it does not answer.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD ["/usr/local/bin/codex-shim", "status"]
ENTRYPOINT ["/usr/local/bin/codex-shim"]
CMD ["start", "--foreground", "--host", "0.0.0.0", "--port", "8765"]
