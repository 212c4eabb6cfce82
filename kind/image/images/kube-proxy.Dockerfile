# kube-proxy on a base like registry.k8s.io/build-image/distroless-iptables (kubernetes/release
# images/build/distroless-iptables): distroless with Debian's iptables (legacy and nft, behind the
# iptables wrapper), ipset, kmod, nft, the C libraries they load, dash as /bin/sh and the few tools
# the wrapper uses (cat chmod grep ln rm sleep wc), /go-runner; kube-proxy at /usr/local/bin
# (build/server-image/Dockerfile). The ENTRYPOINT, if the line's server image has one, is appended.
ARG STAGE_IMAGE
ARG DISTROLESS_IMAGE
FROM ${STAGE_IMAGE} AS stage
COPY iptables-wrapper /opt/stage/usr/sbin/iptables-wrapper
RUN kc-stage /opt/stage --package iptables --package ipset --package kmod /usr/sbin/nft \
      /bin/dash /bin/cat /bin/chmod /bin/grep /bin/ln /bin/rm /bin/sleep /usr/bin/wc \
 && ln -sf dash /opt/stage/bin/sh \
 && for c in iptables iptables-save iptables-restore ip6tables ip6tables-save ip6tables-restore; do \
      rm -f /opt/stage/usr/sbin/$c; ln -s iptables-wrapper /opt/stage/usr/sbin/$c; done \
 && rm -rf /opt/stage/etc/alternatives /opt/stage/usr/share/base-files /opt/stage/usr/share/man
FROM ${DISTROLESS_IMAGE}
COPY --from=stage /opt/stage/ /
COPY go-runner /go-runner
COPY kube-proxy /usr/local/bin/kube-proxy
