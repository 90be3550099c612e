# The runner builds this image on every job, so the build does only what
# the binary needs: `go build` fetches just the modules it imports (the
# test-only ones are never downloaded), and the result is one static file.
FROM golang:1.26-alpine AS build
WORKDIR /src
ENV CGO_ENABLED=0 GOFLAGS=-trimpath GOTOOLCHAIN=local
COPY go.mod go.sum main.go ./
COPY internal ./internal
RUN go build -ldflags="-s -w" -o /prefect-secrets-action . \
 && mkdir -p /rootfs/etc/ssl/certs /rootfs/ko-app \
 && cp /etc/ssl/certs/ca-certificates.crt /rootfs/etc/ssl/certs/ \
 && ln -s prefect-secrets-action /rootfs/ko-app/prefect-secrets-post

# The final image holds the CA certificates and the binary, nothing else,
# at the path the released image (built with ko) has it, and the link
# /ko-app/prefect-secrets-post to it that action.yml's post-entrypoint
# names: the binary knows the post step by that name. It runs as root: GitHub
# requires it for Docker actions, because the runner's file-command files
# belong to root.
FROM scratch
COPY --from=build /rootfs/ /
COPY --from=build /prefect-secrets-action /ko-app/prefect-secrets-action
ENTRYPOINT ["/ko-app/prefect-secrets-action"]
