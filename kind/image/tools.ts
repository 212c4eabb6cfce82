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
  /**
   * The node's default CNI (/kind/manifests/default-cni.yaml): flannel, whose manifest
   * (Documentation/kube-flannel.yml) and image recipe (images/Dockerfile) the module carries.
   */
  flannel: 'v0.28.10',
  /**
   * flannel's CNI plugin: the proxy refuses github.com/flannel-io/cni-plugin (the manifest's
   * v1.9.1-flannel3 and every other version); v0.9.1 is the last containernetworking/plugins
   * release with plugins/meta/flannel, the code that repository was forked from.
   */
  flannelCniPlugin: 'v0.9.1',
  /**
   * The node's default storage (/kind/manifests/default-storage.yaml): rancher's
   * local-path-provisioner. kind v0.33.0 builds v0.0.34 (images/local-path-provisioner/Makefile);
   * the proxy serves v0.0.30 alone.
   */
  localPathProvisioner: 'v0.0.30',
} as const;
