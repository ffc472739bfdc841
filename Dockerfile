# okta-scim-ci: the container behind the GitHub Action, and an image for GitLab, Jenkins and plain Docker.
# No USER and no WORKDIR: GitHub runs Docker actions as root with the workspace as working directory.
ARG BASE_IMAGE=python:3.12-slim@sha256:78387bc3881b8273120a12ebe6c1ab22b018ccc2c9adf565ae1ac9b536e184ea
FROM ${BASE_IMAGE}

LABEL org.opencontainers.image.title="okta-scim-ci" \
      org.opencontainers.image.description="Okta SCIM provisioning lifecycle checks for CI" \
      com.github.actions.name="okta-scim-ci" \
      com.github.actions.icon="check-circle" \
      com.github.actions.color="blue"

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

COPY pyproject.toml README.md /src/
COPY okta_scim_ci /src/okta_scim_ci
RUN python3 -m venv /opt/okta-scim-ci \
 && /opt/okta-scim-ci/bin/pip install --quiet /src \
 && rm -rf /src \
 && ln -s /opt/okta-scim-ci/bin/okta-scim-ci /usr/local/bin/okta-scim-ci

COPY entrypoint.py /entrypoint.py
RUN printf '#!/bin/sh\nexec /opt/okta-scim-ci/bin/python /entrypoint.py post\n' > /post-entrypoint \
 && chmod 755 /post-entrypoint

ENTRYPOINT ["/opt/okta-scim-ci/bin/python", "/entrypoint.py"]
