# The local-path-provisioner helper pod's image as kind builds docker.io/kindest/local-path-helper
# (sigs.k8s.io/kind images/local-path-helper/Dockerfile): distroless static with what the helper
# scripts of kind's storage manifest run, sh, rm and mkdir, staged from Debian with their libraries.
# kind replaces sh by bash before staging it; so does this one.
ARG STAGE_IMAGE
ARG DISTROLESS_IMAGE
FROM ${STAGE_IMAGE} AS stage
RUN kc-stage /opt/stage /bin/bash /bin/rm /bin/mkdir && ln -s bash /opt/stage/bin/sh
FROM ${DISTROLESS_IMAGE}
COPY --from=stage /opt/stage/ /
