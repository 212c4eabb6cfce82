# etcd as Kubernetes builds registry.k8s.io/etcd (k8s.io/kubernetes cluster/images/etcd, up to 1.35):
# a distroless static runner, Debian's bash-static copied to /bin/sh, etcd, etcdctl and etcdutl in
# /usr/local/bin, WORKDIR /. No other program: no busybox, no coreutils, no ps.
ARG STAGE_IMAGE
ARG DISTROLESS_IMAGE
FROM ${STAGE_IMAGE} AS builder
FROM ${DISTROLESS_IMAGE}
WORKDIR /
COPY --from=builder /bin/bash-static /bin/sh
EXPOSE 2379 2380 4001 7001
COPY etcd etcdctl etcdutl /usr/local/bin/
