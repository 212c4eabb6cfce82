# kind's external load balancer, offline: an image under the name kind v0.33.0 runs for it
# (pkg/cluster/internal/loadbalancer/const.go, docker.io/envoyproxy/envoy:v1.36.2), laid out like
# envoy's own (github.com/envoyproxy/envoy distribution/docker/Dockerfile-envoy: the envoy user,
# /etc/envoy, its docker-entrypoint.sh, which drops to that user with su-exec), with Debian's haproxy
# doing the balancing. Its `envoy` runs haproxy from the file-based xDS that kind writes
# (/home/envoy/cds.yaml, lds.yaml) and reloads it when they change; see kind/image/README.md.
ARG BASE_IMAGE
FROM ${BASE_IMAGE}
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      ca-certificates adduser haproxy yq \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb /var/cache/apt/*.bin \
 && mkdir -p /etc/envoy \
 && adduser --group --system --home /home/envoy envoy
EXPOSE 10000
COPY docker-entrypoint.sh /
COPY su-exec envoy /usr/local/bin/
COPY xds-to-haproxy.jq /usr/local/lib/kube-claims/
ENTRYPOINT ["/docker-entrypoint.sh"]
