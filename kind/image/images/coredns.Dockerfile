# coredns as its own Dockerfile (github.com/coredns/coredns, Dockerfile) builds it: /coredns with
# cap_net_bind_service=+ep (set in coredns.tar, which ADD keeps), on distroless static (:nonroot),
# USER nonroot:nonroot, WORKDIR /, ENTRYPOINT ["/coredns"].
ARG DISTROLESS_IMAGE
FROM ${DISTROLESS_IMAGE}
ADD coredns.tar /
USER nonroot:nonroot
WORKDIR /
EXPOSE 53 53/udp
ENTRYPOINT ["/coredns"]
