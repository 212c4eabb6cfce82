# kube-apiserver, kube-controller-manager, kube-scheduler as k8s.io/kubernetes builds them
# (build/server-image/Dockerfile, and build/server-image/kube-apiserver/Dockerfile where it exists):
# the binary at /usr/local/bin/NAME on the go-runner base (distroless static with /go-runner,
# ENTRYPOINT ["/go-runner"], user root), kube-apiserver with cap_net_bind_service set on it.
ARG STAGE_IMAGE
ARG DISTROLESS_IMAGE
FROM ${STAGE_IMAGE} AS setcap
ARG BINARY
ARG SETCAP=
COPY ${BINARY} /binary_to_set
RUN if [ -n "${SETCAP}" ]; then setcap "${SETCAP}" /binary_to_set; fi
FROM ${DISTROLESS_IMAGE}
ARG BINARY
COPY --from=setcap /binary_to_set /usr/local/bin/${BINARY}
COPY go-runner /go-runner
ENTRYPOINT ["/go-runner"]
