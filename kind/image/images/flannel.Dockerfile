# flannel as its images/Dockerfile (github.com/flannel-io/flannel) builds ghcr.io/flannel-io/flannel:
# a distribution with iproute2, ca-certificates, nftables and iptables (legacy and nft) behind the
# iptables wrapper, wireguard-tools; /opt/bin/flanneld, /opt/bin/install-conf, /opt/bin/mk-docker-opts.sh;
# ENTRYPOINT ["/opt/bin/flanneld"]. Upstream's distribution is Alpine, ours Debian bookworm (the
# project's base); strongswan (the ipsec backend's daemon) is left out, and the wrapper is
# kube-claims' own (images/iptables-wrapper.sh): see kind/image/README.md.
ARG BASE_IMAGE
FROM ${BASE_IMAGE}
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      iproute2 ca-certificates nftables iptables wireguard-tools \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb /var/cache/apt/*.bin
COPY flanneld install-conf mk-docker-opts.sh /opt/bin/
COPY iptables-wrapper /usr/sbin/iptables-wrapper
# What `iptables-wrapper install` does upstream: the iptables commands become the wrapper, which
# picks legacy or nft on first use (both must be there).
RUN command -v xtables-legacy-multi && command -v xtables-nft-multi \
 && for c in iptables iptables-save iptables-restore ip6tables ip6tables-save ip6tables-restore; do \
      ln -sf iptables-wrapper /usr/sbin/$c; done
ENTRYPOINT ["/opt/bin/flanneld"]
