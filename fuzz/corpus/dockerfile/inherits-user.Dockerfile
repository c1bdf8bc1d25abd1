FROM alpine:3.19@sha256:cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc AS base
RUN adduser -D app
USER app
HEALTHCHECK CMD wget -qO- http://localhost:8080/health || exit 1

# Inherits USER app and the health check from the stage it is built on.
FROM base
COPY app /usr/local/bin/app
