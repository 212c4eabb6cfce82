// The article's literal outputs as data: every value its command blocks print that a cluster can be asked for
// again, each with the line of the seed it stands on. One parser reads the article and a run's own output of
// the same command, so a literal and its observation are keyed alike (scripts/extract-article.ts writes
// literals.json from the seed once; a unit test holds it to the seed where the seed is at hand).

/** What a literal is, so the comparison knows how to read the run's value beside it. */
export type LiteralKind =
  | 'source-location' // a klog line's file:line (loader.go:402)
  | 'feature-gate' // "Feature gate default state" feature=NAME enabled=…
  | 'server' // the scheme, host and port a request went to
  | 'request-path' // the path and query a request asked for
  | 'request-header'
  | 'response-status'
  | 'response-header'
  | 'body-field' // a string field of a JSON body (/version's, a Status's, a list's)
  | 'version-line' // kubectl version's Client/Kustomize/Server Version lines
  | 'prompt' // the etcd pod's shell prompt
  | 'etcdctl-version'
  | 'member-field' // a field of etcdctl member list's line
  | 'registry-key';

export interface ArticleLiteral {
  /** The command it is the output of, as the article types it (continuation lines left out). */
  command: string;
  kind: LiteralKind;
  /** What in the output it is (a header's name, a field's key, a member list column); the value for a key. */
  field: string;
  /** The article's value, character for character. */
  value: string;
  /** Its line in the seed (1-based). */
  line: number;
}

/** A literal's identity across the article and a run: the same command, kind and field. */
export const literalKey = (l: Pick<ArticleLiteral, 'command' | 'kind' | 'field'>) =>
  `${l.command} | ${l.kind} | ${l.field}`;

export const MEMBER_FIELDS = ['ID', 'status', 'name', 'peer URL', 'client URL', 'is learner'] as const;

/** The commands the article runs whose outputs are compared, by how the article types them. */
const COMMAND = /^(?:\[[^\]]*\]\$|sh-\d+\.\d+#)\s+(.*?)\s*\\?\s*$/;

/** The literals of one command's output (`lines`, the first at `firstLine`), as the article or a run prints them. */
export function parseOutput(command: string, lines: readonly string[], firstLine: number): ArticleLiteral[] {
  const out: ArticleLiteral[] = [];
  const add = (kind: LiteralKind, field: string, value: string, i: number) => {
    if (!out.some((l) => l.kind === kind && l.field === field))
      out.push({ command, kind, field, value, line: firstLine + i });
  };
  let headers: 'request-header' | 'response-header' | undefined;
  let members = 0;
  lines.forEach((raw, i) => {
    const line = raw.trimEnd();
    const klog = /^[IWE]\d{4} [\d:.]+\s+\d+ ([\w.-]+\.go):(\d+)\] (.*)$/.exec(line);
    if (klog) {
      const [, file, at, message] = klog as unknown as [string, string, string, string];
      const what = message
        .replace(/\s+\w+=.*$/, '')
        .replace(/:\s.*$/, '')
        .trim();
      add('source-location', `${file} ${what}`, `${file}:${at}`, i);
      const gate = /"Feature gate default state" feature="(\w+)" enabled=(\w+)/.exec(message);
      if (gate) add('feature-gate', gate[1]!, `enabled=${gate[2]}`, i);
      const request = /"Request" verb="(\w+)" url="(https?:\/\/[^/"]+)([^"]*)"/.exec(message);
      if (request) {
        add('server', request[1]!, request[2]!, i);
        add('request-path', request[1]!, request[3]!, i);
      }
      const response = /"Response" status="([^"]+)"/.exec(message);
      if (response) add('response-status', 'status', response[1]!, i);
      headers = / headers=<$/.test(message) ? (request ? 'request-header' : 'response-header') : undefined;
      return;
    }
    if (headers) {
      const header = /^\s+([\w-]+): (.*)$/.exec(line);
      if (header) return add(headers, header[1]!, header[2]!, i);
      if (/^\s*>/.test(line)) headers = undefined;
    }
    const field = /^\s*"(\w+)": "([^"]*)",?$/.exec(line);
    if (field) return add('body-field', field[1]!, field[2]!, i);
    const version = /^(Client Version|Kustomize Version|Server Version): (\S+)$/.exec(line);
    if (version) return add('version-line', version[1]!, version[2]!, i);
    const etcdctl = /^(etcdctl version|API version): (\S+)$/.exec(line);
    if (etcdctl) return add('etcdctl-version', etcdctl[1]!, etcdctl[2]!, i);
    const member = /^([0-9a-f]{1,16}), (\w+), ([^,]+), ([^,]+), ([^,]+), (true|false)$/.exec(line);
    if (member) {
      // One member line per member: the first is the article's (it has one member); a run's first likewise.
      if (members++ === 0) MEMBER_FIELDS.forEach((f, n) => add('member-field', f, member[n + 1]!, i));
      return;
    }
    if (/^\/registry\/\S+$/.test(line)) return add('registry-key', line, line, i);
    // The prompt the exec into the etcd pod leaves (later ones only end the article's etcdctl sessions).
    if (/ exec -it /.test(command) && /^sh-\d+\.\d+#\s*$/.test(line)) add('prompt', 'prompt', line.trim(), i);
  });
  return out;
}

/** The command's name as the run types it: without the article's shell prompt, host and addresses. */
export function commandOf(line: string): string | undefined {
  return COMMAND.exec(line.trimEnd())?.[1]?.trim();
}

/**
 * Every literal of the article: its fenced blocks, each split at the commands it types, and the one request
 * the prose quotes inline (§3.3's `kubectl get pods -v 8` URL).
 */
export function extractArticle(text: string): ArticleLiteral[] {
  const lines = text.split('\n');
  const literals: ArticleLiteral[] = [];
  let inBlock = false;
  let command: string | undefined;
  let start = 0;
  let continuing = false;
  const flush = (end: number) => {
    if (command) literals.push(...parseOutput(command, lines.slice(start, end), start + 1));
  };
  lines.forEach((line, i) => {
    if (/^```/.test(line)) {
      if (inBlock) flush(i);
      inBlock = !inBlock;
      command = undefined;
      return;
    }
    if (!inBlock) {
      const inline = /`(kubectl get pods -v 8)` .*url="(https?:\/\/[^/"]+)([^"]*)"/.exec(line);
      if (inline)
        literals.push({ command: inline[1]!, kind: 'request-path', field: 'GET', value: inline[3]!, line: i + 1 });
      return;
    }
    if (continuing) {
      continuing = /\\\s*$/.test(line);
      start = i + 1;
      return;
    }
    const typed = commandOf(line);
    if (typed) {
      flush(i);
      command = typed;
      start = i + 1;
      continuing = /\\\s*$/.test(line);
    }
  });
  return literals;
}
