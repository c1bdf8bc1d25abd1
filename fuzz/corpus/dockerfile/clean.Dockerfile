# syntax=docker/dockerfile:1.7
FROM golang:1.22.2@sha256:1111111111111111111111111111111111111111111111111111111111111111 AS build
WORKDIR /src
COPY . .
RUN --mount=type=secret,id=netrc,target=/root/.netrc go build -o /out/app ./cmd/app

FROM gcr.io/distroless/static:nonroot@sha256:2222222222222222222222222222222222222222222222222222222222222222
COPY --from=build /out/app /app
USER 65532:65532
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=2s CMD ["/app", "-healthcheck"]
ENTRYPOINT ["/app"]
