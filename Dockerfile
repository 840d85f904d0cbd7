# syntax=docker/dockerfile:1
# One image with all three programs: portal (default), gateway, worker.
# templates/ and static/ are embedded in the binaries, so only they are copied.

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o /out/bin/ ./portal ./gateway ./worker \
 && mkdir -p /out/data/documents

# The programs: `docker run IMAGE` is the portal; `docker run IMAGE gateway` or `worker` the others.
FROM gcr.io/distroless/static-debian12:nonroot AS runtime
COPY --from=build /out/bin/ /usr/local/bin/
# An empty documents directory owned by nonroot, so a fresh volume mounted here is writable.
COPY --from=build --chown=65532:65532 /out/data/ /data/
ENV DOCUMENTS_DIR=/data/documents
USER 65532:65532
EXPOSE 8080 8081 8082
CMD ["portal"]

# One-shot database setup for compose: `portal migrate && portal seed-demo`
# (the distroless debug image adds a busybox shell for the &&).
FROM gcr.io/distroless/static-debian12:debug-nonroot AS migrate
COPY --from=build /out/bin/ /usr/local/bin/
USER 65532:65532
ENTRYPOINT ["/busybox/sh", "-c"]
CMD ["portal migrate && portal seed-demo"]

# The last stage is the default build target.
FROM runtime
