# shipshape ignore=SS401 this image must run as root to bind port 80 on legacy hosts
# shipshape ignore=SS502 health is checked by the load balancer
FROM alpine:3.19@sha256:cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc
CMD ["httpd", "-f"]
