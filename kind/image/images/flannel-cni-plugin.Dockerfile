# flannel's CNI plugin image (upstream ghcr.io/flannel-io/flannel-cni-plugin, whose recipe is in
# github.com/flannel-io/cni-plugin, a module the proxy refuses): what kube-flannel.yml's
# install-cni-plugin init container needs of it, `/flannel` and `cp`. On the distroless base with
# Debian's cp and the libraries it loads (images/kc-stage.sh).
ARG STAGE_IMAGE
ARG DISTROLESS_IMAGE
FROM ${STAGE_IMAGE} AS stage
RUN kc-stage /opt/stage /bin/cp
FROM ${DISTROLESS_IMAGE}
COPY --from=stage /opt/stage/ /
COPY flannel /flannel
