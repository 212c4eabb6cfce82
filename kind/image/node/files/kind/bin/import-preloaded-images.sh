#!/bin/sh
# Imports /kind/images/*.tar into containerd's k8s.io namespace, pinned like kind's own preloads.
set -eu
for i in $(seq 1 60); do ctr version >/dev/null 2>&1 && break; sleep 1; done
for tar in /kind/images/*.tar; do
  ctr -n k8s.io images import --all-platforms "$tar"
done
ctr -n k8s.io images ls -q | grep -v '^sha256:' | while read -r ref; do
  ctr -n k8s.io images label "$ref" io.cri-containerd.pinned=pinned >/dev/null
done
