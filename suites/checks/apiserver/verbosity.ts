// Checks of what kubectl logs at -v 6 and -v 8 (§3), and of the client-go source behind it (§3.1, §3.2).
// Pure functions of observations (kubectl's stderr, Go source text); each returns what differs.
import { loggedExchanges, type KlogEntry, type LoggedExchange } from '../../../helpers/klog.ts';
import { finding, type Differences } from '../../differences.ts';
import { show } from './common.ts';

// ---------------------------------------------------------------------------------------------------------
// API-12: the pod list request of `kubectl get pods -v 8`

export interface PodListExpectation {
  /** https://HOST:PORT from the kubeconfig. */
  server: string;
  /** The kubeconfig context's namespace, default when it names none. */
  namespace: string;
  /** kubectl get's default --chunk-size (from its own --help). */
  limit: number;
}

/** The pod list requests among the logged exchanges. */
export function podListRequests(exchanges: LoggedExchange[]): LoggedExchange[] {
  return exchanges.filter((x) => /\/api\/v1\/(namespaces\/[^/]+\/)?pods(\?|$)/.test(x.url));
}

export function checkPodListRequest(exchanges: LoggedExchange[], want: PodListExpectation): Differences {
  const lists = podListRequests(exchanges);
  const url = `${want.server}/api/v1/namespaces/${want.namespace}/pods?limit=${want.limit}`;
  if (lists.length !== 1)
    return [
      finding(
        'pod-list-count',
        `${lists.length} pod list requests logged, 1 expected (${lists.map((x) => `${x.verb} ${x.url}`).join('; ') || 'none'})`,
        { expected: 1, actual: lists.length },
      ),
    ];
  const x = lists[0]!;
  const diffs: Differences = [];
  if (x.verb !== 'GET')
    diffs.push(
      finding('pod-list-verb', `the pod list is requested with ${x.verb}, not GET`, {
        expected: 'GET',
        actual: x.verb,
      }),
    );
  if (x.url !== url)
    diffs.push(finding('pod-list-url', `kubectl requested ${x.url}, not ${url}`, { expected: url, actual: x.url }));
  if (x.status !== '200 OK')
    diffs.push(
      finding('pod-list-status', `the pod list request was answered ${show(x.status)}, not "200 OK"`, {
        expected: '200 OK',
        actual: x.status ?? 'absent',
      }),
    );
  return diffs;
}

/** The request path and query of the one pod list request: what the §3.3 claims ask for themselves. */
export function observedPodListPath(exchanges: LoggedExchange[]): string | undefined {
  const [x] = podListRequests(exchanges);
  if (!x || !URL.canParse(x.url)) return undefined;
  const u = new URL(x.url);
  return `${u.pathname}${u.search}`;
}

// ---------------------------------------------------------------------------------------------------------
// API-13: what -v 6 and -v 8 log

/** At -v 6: each request with its verb, URL, status and time, and no header and no body. */
export function checkLevel6(stderr: string, entries: KlogEntry[]): Differences {
  const exchanges = loggedExchanges(entries);
  const diffs: Differences = [];
  if (!exchanges.length)
    return [finding('request-logged', 'no request is logged', { expected: 'a logged request', actual: 'none' })];
  for (const x of exchanges) {
    const what = `${x.verb} ${x.url}`;
    if (!x.verb || !x.url)
      diffs.push(finding('verb-and-url', `a request is logged without its verb or URL: ${what}`, { actual: what }));
    if (!x.status)
      diffs.push(
        finding('status-logged', `${what}: no status logged`, { expected: `${what}: a status`, actual: 'absent' }),
      );
    if (x.milliseconds === undefined || Number.isNaN(x.milliseconds))
      diffs.push(finding('time-logged', `${what}: no time logged`, { expected: `${what}: a time`, actual: 'absent' }));
    if (x.requestHeaders.names().length)
      diffs.push(
        finding('no-request-headers', `${what}: request headers are logged (${x.requestHeaders.names().join(', ')})`, {
          expected: 'none',
          actual: x.requestHeaders.names().join(', '),
        }),
      );
    if (x.responseHeaders?.names().length)
      diffs.push(
        finding('no-response-headers', `${what}: response headers are logged`, {
          expected: 'none',
          actual: x.responseHeaders?.names().join(', '),
        }),
      );
  }
  if (entries.some((e) => /^(Request|Response) Body$/.test(e.message)))
    diffs.push(finding('no-bodies', 'bodies are logged', { expected: 'none', actual: 'bodies' }));
  return diffs;
}

/**
 * At -v 8: headers both ways and the response body, a body longer than `limit` cut there with " [truncated N chars]".
 */
export function checkLevel8(entries: KlogEntry[], limit: number): Differences {
  const exchanges = loggedExchanges(entries);
  const diffs: Differences = [];
  if (!exchanges.length)
    return [finding('request-logged', 'no request is logged', { expected: 'a logged request', actual: 'none' })];
  let truncatedSeen = false;
  for (const x of exchanges) {
    const what = `${x.verb} ${x.url}`;
    if (!x.requestHeaders.names().length)
      diffs.push(
        finding('request-headers-logged', `${what}: no request header logged`, {
          expected: `${what}: headers`,
          actual: 'none',
        }),
      );
    if (!x.responseHeaders?.names().length)
      diffs.push(
        finding('response-headers-logged', `${what}: no response header logged`, {
          expected: `${what}: headers`,
          actual: 'none',
        }),
      );
    if (x.responseBody === undefined) {
      diffs.push(
        finding('response-body-logged', `${what}: no response body logged`, {
          expected: `${what}: a body`,
          actual: 'none',
        }),
      );
      continue;
    }
    const m = / \[truncated (\d+) chars\]$/.exec(x.responseBody);
    if (m) {
      truncatedSeen = true;
      const kept = x.responseBody.length - m[0].length;
      if (kept !== limit)
        diffs.push(
          finding('body-cut-at', `${what}: the body is cut after ${kept} characters, not after ${limit}`, {
            expected: limit,
            actual: kept,
          }),
        );
    } else if (x.responseBody.length > limit) {
      diffs.push(
        finding(
          'body-cut-at',
          `${what}: a body of ${x.responseBody.length} characters is logged whole, not cut at ${limit}`,
          { expected: limit, actual: `${x.responseBody.length} (whole)` },
        ),
      );
    }
  }
  if (!truncatedSeen)
    diffs.push(
      finding('body-cut-seen', `no response body was long enough to show the cut at ${limit} characters`, {
        expected: `a body cut at ${limit}`,
        actual: 'none',
      }),
    );
  return diffs;
}

/** client-go's body limit at -v 8, from rest/request.go's truncateBody: `case …V(8)…: max = N`. */
export function truncationLimit(requestGo: string): number | undefined {
  const m = /func truncateBody[\s\S]*?V\(8\)\.Enabled\(\)\)?:\s*\n\s*max = (\d+)/.exec(requestGo);
  return m ? Number(m[1]) : undefined;
}

// ---------------------------------------------------------------------------------------------------------
// API-14: "Feature gate default state"

/**
 * client-go's known feature gates and their defaults (the latest spec of a versioned gate), from
 * features/known_features.go.
 */
export function parseKnownFeatures(source: string): Map<string, boolean> {
  const names = new Map<string, string>();
  for (const m of source.matchAll(/^\s*(\w+)\s+Feature\s*=\s*"([^"]+)"/gm)) names.set(m[1]!, m[2]!);
  const start = source.search(/var default(?:Versioned)?KubernetesFeatureGates\s*=/);
  const out = new Map<string, boolean>();
  if (start < 0) return out;
  const body = source.slice(start, source.indexOf('\n}', start));
  // gofmt indents the map's keys with one tab; an entry runs to the next key.
  const keys = [...body.matchAll(/^\t(\w+):/gm)];
  keys.forEach((k, n) => {
    const entry = body.slice(k.index, keys[n + 1]?.index ?? body.length);
    const defaults = [...entry.matchAll(/Default:\s*(true|false)/g)];
    if (names.has(k[1]!) && defaults.length) out.set(names.get(k[1]!)!, defaults.at(-1)![1] === 'true');
  });
  return out;
}

export function featureGateLines(entries: KlogEntry[]): Map<string, boolean> {
  const out = new Map<string, boolean>();
  for (const e of entries.filter((x) => x.message === 'Feature gate default state'))
    out.set(e.fields.feature ?? '', e.fields.enabled === 'true');
  return out;
}

export function checkFeatureGates(logged: Map<string, boolean>, known: Map<string, boolean>): Differences {
  const diffs: Differences = [];
  if (!known.size)
    return [
      finding('known-gates-read', "no feature gate could be read from client-go's features/known_features.go", {
        expected: 'known feature gates',
        actual: 'none',
      }),
    ];
  for (const [gate, def] of known) {
    if (!logged.has(gate))
      diffs.push(
        finding('gate-logged', `${gate}: no "Feature gate default state" line`, { expected: gate, actual: 'absent' }),
      );
    else if (logged.get(gate) !== def)
      diffs.push(
        finding('gate-default', `${gate}: logged enabled=${logged.get(gate)}, client-go's default is ${def}`, {
          expected: `${gate}=${def}`,
          actual: `${gate}=${logged.get(gate)}`,
        }),
      );
  }
  for (const gate of logged.keys())
    if (!known.has(gate))
      diffs.push(
        finding('gate-known', `${gate}: logged, but client-go knows no such gate`, {
          expected: 'a gate client-go knows',
          actual: gate,
        }),
      );
  return diffs;
}

// ---------------------------------------------------------------------------------------------------------
// API-15: source references

export interface SourceReference {
  /** file.go */
  file: string;
  line: number;
  /** The logged message ("Config loaded from file:  /etc/…" for a plain entry: only its words are looked for). */
  message: string;
  structured: boolean;
}

export function sourceReferences(entries: KlogEntry[]): SourceReference[] {
  const seen = new Map<string, SourceReference>();
  for (const e of entries) {
    const [file, line] = e.source.split(':');
    const key = `${e.source} ${e.structured ? e.message : ''}`;
    if (!seen.has(key))
      seen.set(key, { file: file!, line: Number(line), message: e.message, structured: e.structured });
  }
  return [...seen.values()];
}

const LOG_CALL =
  /\b(klog|logger|loggerV|log)\b[\w.()]*\.(Info|InfoS|Infof|Infoln|Error|ErrorS|Warning|V)\b|\.Info(S|f|ln)?\(/;
/** A REST request made through client-go: its bodies are logged with a call depth that names this statement. */
const REST_CALL = /\.Do(Raw)?\(/;
/**
 * Bodies are logged by client-go's logBody with WithCallDepth: the reference is the statement that made the request.
 */
const CALLER_LOGGED = new Set(['Request Body', 'Response Body']);

/** The Go string literals in a piece of source. */
function goStrings(text: string): string[] {
  return [...text.matchAll(/"((?:[^"\\\n]|\\.)*)"/g)].map((m) => m[1]!.replace(/\\(.)/g, '$1'));
}

/**
 * Whether a literal of the statement produced the logged message: equal, a printf format matching it, or (Infoln) its
 * start.
 */
function producedBy(literal: string, ref: SourceReference): boolean {
  if (ref.structured) return literal === ref.message;
  if (!literal.trim()) return false;
  if (/%[-+# 0-9.]*[a-zA-Z]/.test(literal)) {
    const pattern = literal
      .split(/%[-+# 0-9.]*[a-zA-Z]/)
      .map((part) => part.replace(/%%/g, '%').replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*');
    return new RegExp(`^${pattern}$`, 's').test(ref.message.trim());
  }
  return ref.message.startsWith(literal.trim());
}

/**
 * How many lines above a logged file:line its statement may start (Go names a line inside a call that spans several).
 */
export const LOOK_BACK = 3;

/**
 * Whether `lines` (1-based `line`) holds the statement that logs `ref`: a logging call on that line, or one
 * that starts at most LOOK_BACK lines above and is still open there, with a literal that produced the message; for
 * a request or response body, the statement that made the request (client-go logs bodies with a call depth).
 */
export function isLogStatement(lines: string[], ref: SourceReference): boolean {
  const at = ref.line - 1;
  if (at < 0 || at >= lines.length) return false;
  const open = (from: number, to: number) => {
    const t = lines.slice(from, to).join('\n');
    return t.split('(').length - t.split(')').length;
  };
  for (let start = at; start >= Math.max(0, at - LOOK_BACK); start--) {
    if (start < at && open(start, at) <= 0) continue;
    const statement = lines.slice(start, at + 4).join('\n');
    if (CALLER_LOGGED.has(ref.message) && start === at && REST_CALL.test(lines[at]!)) return true;
    if (LOG_CALL.test(lines[start]!) && goStrings(statement).some((l) => producedBy(l, ref))) return true;
  }
  return false;
}

/** The json tags of a Go struct `type NAME struct { … }`. */
export function structJsonTags(source: string, name: string): string[] {
  const m = new RegExp(`type ${name} struct \\{([\\s\\S]*?)\\n\\}`).exec(source);
  if (!m) return [];
  return [...m[1]!.matchAll(/`json:"([^",]+)/g)].map((x) => x[1]!);
}

/** Every top-level key of a kubeconfig file is a field of clientcmd's Config (its json tags). */
export function checkConfigKeys(file: string, keys: string[], tags: string[]): Differences {
  if (!tags.length)
    return [
      finding('config-tags-read', "no json tags read from clientcmd's Config struct", {
        expected: 'json tags',
        actual: 'none',
      }),
    ];
  return keys
    .filter((k) => !tags.includes(k))
    .map((k) =>
      finding(
        'config-key',
        `${file}: top-level key ${k} is no field of clientcmd's Config (json tags: ${tags.join(', ')})`,
        { expected: tags.join(', '), actual: k },
      ),
    );
}
