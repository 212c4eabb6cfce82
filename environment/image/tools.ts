// Versions of the tools built from Go modules for the host and every node image.
export const TOOLS = {
  /** kind CLI; its module also supplies the node's entrypoint and systemd units (images/base/files). */
  kind: 'v0.30.0',
} as const;
