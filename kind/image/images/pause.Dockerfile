# pause as k8s.io/kubernetes builds it (build/pause/Dockerfile, BASE scratch on Linux):
# /pause alone, USER 65535:65535, ENTRYPOINT ["/pause"].
FROM scratch
COPY pause /pause
USER 65535:65535
ENTRYPOINT ["/pause"]
