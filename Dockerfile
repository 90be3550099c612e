# The runner builds this image on every job, so the build does only what
# the binary needs: `go build` fetches just the modules it imports (the
# test-only ones are never downloaded), and the result is one static file.
FROM golang:1.26-alpine AS build
WORKDIR /src
ENV CGO_ENABLED=0 GOFLAGS=-trimpath GOTOOLCHAIN=local
COPY go.mod go.sum main.go ./
COPY internal ./internal
RUN go build -ldflags="-s -w" -o /prefect-secrets . \
 && mkdir -p /rootfs/etc/ssl/certs \
 && ln -s prefect-secrets /rootfs/prefect-secrets-post \
 && cp /etc/ssl/certs/ca-certificates.crt /rootfs/etc/ssl/certs/

# The final image holds the CA certificates and the binary, nothing else.
# It runs as root: GitHub requires it for Docker actions, because the
# runner's file-command files belong to root.
FROM scratch
COPY --from=build /rootfs/ /
COPY --from=build /prefect-secrets /prefect-secrets
ENTRYPOINT ["/prefect-secrets"]
