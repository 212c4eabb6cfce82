// What the node-level claims read of a control-plane node's files, observed once per node per run (suites/node-files.ts
// reads it when the session opens; the run hands it to every worker). It holds admin.conf's key: it is handed to
// the workers in memory and never written to a report or a log.

export interface NodeFiles {
  node: string;
  /** When it was read (ISO 8601): the evidence says the claims judged this moment. */
  readAt: string;
  root: string;
  /** `stat -c '%a|%F|%n'` lines of the entries asked for (a missing entry has none). */
  stat: string;
  /** `ls -la ROOT`. */
  listing: string;
  /** Absolute path → content exactly as stored, or null where it could not be read. */
  texts: Record<string, string | null>;
}

/** Node name → its files, or why they could not be read. Nodes without access are not in it. */
export type RunNodeFiles = Record<string, NodeFiles | { error: string }>;
