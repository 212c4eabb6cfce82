# kube-apiserver, kube-controller-manager, kube-scheduler as k8s.io/kubernetes builds them
# (build/server-image/Dockerfile, and build/server-image/kube-apiserver/Dockerfile where it exists):
# the binary at /usr/local/bin/NAME on the go-runner base (distroless static with /go-runner,
# ENTRYPOINT ["/go-runner"], user root). binary.tar holds /usr/local/bin/NAME, for kube-apiserver
# with the capability its Dockerfile sets (cap_net_bind_service=+ep): ADD keeps it, COPY would not.
ARG DISTROLESS_IMAGE
FROM ${DISTROLESS_IMAGE}
ADD binary.tar /
COPY go-runner /go-runner
ENTRYPOINT ["/go-runner"]
