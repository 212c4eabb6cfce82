# A component image from a prepared root filesystem of static binaries
# (kube-apiserver, kube-controller-manager, kube-scheduler, etcd, coredns, pause).
FROM scratch
COPY rootfs/ /
ENV PATH=/usr/local/bin:/usr/bin:/bin
