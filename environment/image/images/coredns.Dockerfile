# coredns as its own Dockerfile (github.com/coredns/coredns, Dockerfile) builds it: /coredns with
# cap_net_bind_service, on distroless static (:nonroot), USER nonroot:nonroot, WORKDIR /,
# ENTRYPOINT ["/coredns"].
ARG STAGE_IMAGE
ARG DISTROLESS_IMAGE
FROM ${STAGE_IMAGE} AS build
COPY coredns /coredns
RUN setcap cap_net_bind_service=+ep /coredns
FROM ${DISTROLESS_IMAGE}
COPY --from=build /coredns /coredns
USER nonroot:nonroot
WORKDIR /
EXPOSE 53 53/udp
ENTRYPOINT ["/coredns"]
