# A base like gcr.io/distroless/static-debian12 (the base of upstream's go-runner, etcd, coredns and,
# with its C libraries, distroless-iptables images), from Debian's packages: passwd and group with
# root, nobody and nonroot (65532), CA certificates, tzdata, netbase's services and protocols,
# os-release, /tmp, /root and /home/nonroot. No shell, no package manager, no other program.
ARG STAGE_IMAGE
FROM ${STAGE_IMAGE} AS build
RUN set -eu; r=/rootfs; mkdir -p $r/etc/ssl/certs $r/usr/share $r/usr/lib $r/tmp $r/root $r/home/nonroot \
 && printf '%s\n' 'root:x:0:0:root:/root:/sbin/nologin' 'nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin' \
      'nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin' > $r/etc/passwd \
 && printf '%s\n' 'root:x:0:' 'nobody:x:65534:' 'tty:x:5:' 'staff:x:50:' 'nonroot:x:65532:' > $r/etc/group \
 && printf '%s\n' 'hosts: files dns' > $r/etc/nsswitch.conf \
 && cp /etc/ssl/certs/ca-certificates.crt $r/etc/ssl/certs/ \
 && cp -a /usr/share/zoneinfo $r/usr/share/ \
 && cp /etc/services /etc/protocols /etc/ethertypes $r/etc/ \
 && cp /usr/lib/os-release $r/usr/lib/ && ln -s ../usr/lib/os-release $r/etc/os-release \
 && chmod 1777 $r/tmp && chmod 0700 $r/root $r/home/nonroot && chown 65532:65532 $r/home/nonroot
FROM scratch
COPY --from=build /rootfs/ /
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
