FROM ubuntu:24.04@sha256:eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee
ADD https://example.com/tool.tar.gz /opt/
ADD --checksum=sha256:0000000000000000000000000000000000000000000000000000000000000000 https://example.com/ok.tar.gz /opt/
RUN curl -fsSL https://get.example.com | bash
RUN <<EOT
set -e
wget -qO- https://example.com/setup.sh | sudo sh
EOT
RUN curl -fsSLO https://example.com/pinned.sh && sha256sum -c pinned.sh.sha256
USER 1000
HEALTHCHECK CMD ["/bin/true"]
