# escape=`
FROM mcr.microsoft.com/windows/servercore:ltsc2022@sha256:ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff
ENV ADMIN_PASSWORD=Sup3rS3cret! `
    OTHER=value
USER ContainerUser
HEALTHCHECK CMD ["cmd", "/c", "exit 0"]
