FROM python:3.12-slim@sha256:dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd
# Public values that look like secrets to naive rules: a GPG fingerprint and version pins.
ENV GPG_KEY=A035C8C19219BA821ECEA86B64E628F8D684696D \
    PYTHON_VERSION=3.12.1 \
    PIP_VERSION=24.0
ENV DATABASE_PASSWORD=correct-horse-battery
ENV AWS_SECRET_ACCESS_KEY $AWS_SECRET_FROM_BUILD
LABEL api_token="tok_9f8e7d6c5b4a"
ARG NPM_TOKEN
ARG STRIPE_KEY=sk_live_4eC39HqLyjWDarjtT1zdp7dcXYZab
USER 10001
HEALTHCHECK CMD ["python", "-c", "print(1)"]
