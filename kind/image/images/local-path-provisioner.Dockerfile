# local-path-provisioner as kind builds docker.io/kindest/local-path-provisioner
# (sigs.k8s.io/kind images/local-path-provisioner/Dockerfile): the binary at
# /usr/local/bin/local-path-provisioner on distroless static, its ENTRYPOINT. Upstream writes it in
# shell form, which distroless (no shell) cannot run; kind's manifest gives a command anyway, and
# here the form is exec. No /LICENSES (upstream collects them with go-licenses, from GitHub).
ARG DISTROLESS_IMAGE
FROM ${DISTROLESS_IMAGE}
COPY local-path-provisioner /usr/local/bin/local-path-provisioner
ENTRYPOINT ["/usr/local/bin/local-path-provisioner"]
