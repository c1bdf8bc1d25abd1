ARG VARIANT=latest
FROM node:${VARIANT} AS deps
RUN npm ci

FROM nginx
COPY --from=deps /app /usr/share/nginx/html
USER nginx
HEALTHCHECK NONE
