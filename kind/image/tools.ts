// Versions of the tools built from Go modules for the host and every node image.
export const TOOLS = {
  /** kind CLI; its module also supplies the node's entrypoint and systemd units (images/base/files). */
  kind: 'v0.33.0',
  /**
   * The node's container runtime: the versions kind v0.33.0's own base image builds
   * (images/base/Dockerfile, CONTAINERD_VERSION and RUNC_VERSION), so that an offline node runs
   * the runtime of the upstream kindest/node images of the same kind release.
   */
  containerd: 'v2.3.4',
  runc: 'v1.4.3',
} as const;
