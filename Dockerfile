# Build a static binary, then ship it alone in a minimal non-root image.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/denytrail ./cmd/denytrail

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/denytrail /usr/local/bin/denytrail
USER nonroot:nonroot
ENTRYPOINT ["denytrail"]
CMD ["demo"]
