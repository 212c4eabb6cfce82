// Checks of §3.3: what anonymous requests, requests with credentials and kubectl proxy must show.
// Pure functions of observations; each returns the differences from the claim, worded to say what differed.
import type { HttpResponse, TcpProbe } from '../../../helpers/http.ts';
import { finding, type Differences } from '../../differences.ts';
import { diffJson, parseJson, show, statusLine } from './common.ts';

function header(r: HttpResponse, name: string): string | undefined {
  const v = r.headers[name.toLowerCase()];
  return Array.isArray(v) ? v.join(', ') : v;
}

// ---------------------------------------------------------------------------------------------------------
// API-08, API-09, API-10: the pod list, anonymous, with credentials, through kubectl proxy

/** The Status the API server answers when `user` may not list pods in `namespace` (§3.3, anchors). */
export function forbiddenPodListStatus(namespace: string, user = 'system:anonymous') {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: `pods is forbidden: User "${user}" cannot list resource "pods" in API group "" in the namespace "${namespace}"`,
    reason: 'Forbidden',
    details: { kind: 'pods' },
    code: 403,
  };
}

export function checkAnonymousPodListForbidden(r: HttpResponse, namespace: string): Differences {
  const diffs: Differences = [];
  if (r.status !== 403)
    diffs.push(finding('http-status', `expected 403, got ${statusLine(r)}`, { expected: 403, actual: statusLine(r) }));
  const type = header(r, 'content-type');
  if (type !== 'application/json')
    diffs.push(
      finding('content-type', `Content-Type is ${show(type)}, expected "application/json"`, {
        expected: 'application/json',
        actual: type ?? 'absent',
      }),
    );
  const body = parseJson(r.body);
  if (!body.ok)
    return [
      ...diffs,
      finding('body-json', `the body is not JSON (${body.error}): ${r.body.slice(0, 200)}`, {
        expected: 'JSON',
        actual: body.error,
      }),
    ];
  const kind = body.value && typeof body.value === 'object' ? (body.value as { kind?: unknown }).kind : undefined;
  if (kind !== 'Status')
    return [
      ...diffs,
      finding('body-kind', `the body is ${kind ? `a ${kind}` : 'no Kubernetes object'}, not a Status`, {
        expected: 'Status',
        actual: typeof kind === 'string' ? kind : 'no Kubernetes object',
      }),
    ];
  const expected = forbiddenPodListStatus(namespace);
  const fields = diffJson(expected, body.value);
  diffs.push(...fields.map((d) => ({ ...d, message: `Status ${d.message}` })));
  if (
    !fields.length &&
    body.value &&
    typeof body.value === 'object' &&
    Object.keys(body.value).join() !== Object.keys(expected).join()
  ) {
    diffs.push(
      finding(
        'status-field-order',
        `Status fields come in the order ${Object.keys(body.value).join(', ')}, expected ${Object.keys(expected).join(', ')}`,
        { expected: Object.keys(expected).join(', '), actual: Object.keys(body.value).join(', ') },
      ),
    );
  }
  return diffs;
}

/**
 * A 200 with a PodList carrying metadata.resourceVersion (what §3.3 shows through kubectl proxy), listing `expected`
 * pods among its items.
 */
export function checkPodListResponse(
  r: HttpResponse,
  via: string,
  namespace = 'default',
  expected: readonly string[] = [],
): Differences {
  const diffs: Differences = [];
  const body = parseJson(r.body);
  const value =
    body.ok && body.value && typeof body.value === 'object' ? (body.value as Record<string, unknown>) : undefined;
  if (r.status !== 200) {
    const what = value?.kind === 'Status' ? `: ${value.message}` : '';
    return [
      finding('http-status', `${via}: expected 200, got ${statusLine(r)}${what}`, {
        expected: 200,
        actual: `${statusLine(r)}${what}`,
      }),
    ];
  }
  const type = header(r, 'content-type');
  if (type !== 'application/json')
    diffs.push(
      finding('content-type', `${via}: Content-Type is ${show(type)}, expected "application/json"`, {
        expected: 'application/json',
        actual: type ?? 'absent',
      }),
    );
  if (!value)
    return [
      ...diffs,
      finding('body-object', `${via}: the body is not a JSON object`, {
        expected: 'a JSON object',
        actual: body.ok ? show(body.value) : body.error,
      }),
    ];
  if (value.kind !== 'PodList')
    diffs.push(
      finding('body-kind', `${via}: kind is ${show(value.kind)}, expected "PodList"`, {
        expected: 'PodList',
        actual: value.kind ?? 'absent',
      }),
    );
  if (value.apiVersion !== 'v1')
    diffs.push(
      finding('api-version', `${via}: apiVersion is ${show(value.apiVersion)}, expected "v1"`, {
        expected: 'v1',
        actual: value.apiVersion ?? 'absent',
      }),
    );
  const rv = (value.metadata as { resourceVersion?: unknown } | undefined)?.resourceVersion;
  if (typeof rv !== 'string' || !/^\d+$/.test(rv))
    diffs.push(
      finding('resource-version', `${via}: metadata.resourceVersion is ${show(rv)}, expected a decimal string`, {
        expected: 'a decimal string',
        actual: rv ?? 'absent',
      }),
    );
  if (!Array.isArray(value.items))
    diffs.push(
      finding('items-list', `${via}: items is ${show(value.items)}, expected a list`, {
        expected: 'a list',
        actual: value.items ?? 'absent',
      }),
    );
  else {
    const elsewhere = (value.items as Array<{ metadata?: { namespace?: string; name?: string } }>).filter(
      (p) => p.metadata?.namespace !== namespace,
    );
    if (elsewhere.length)
      diffs.push(
        finding(
          'pod-namespace',
          `${via}: pods of other namespaces listed: ${elsewhere.map((p) => `${p.metadata?.namespace}/${p.metadata?.name}`).join(', ')}`,
          {
            expected: namespace,
            actual: elsewhere.map((p) => `${p.metadata?.namespace}/${p.metadata?.name}`).join(', '),
          },
        ),
      );
    const names = new Set((value.items as Array<{ metadata?: { name?: string } }>).map((p) => p.metadata?.name));
    for (const n of expected.filter((x) => !names.has(x)))
      diffs.push(
        finding(
          'workload-pod-listed',
          `${via}: ${namespace}/${n}, a pod of the StatefulSet this run applied there, is not in the list`,
          { expected: `${namespace}/${n}`, actual: 'absent' },
        ),
      );
  }
  return diffs;
}

// ---------------------------------------------------------------------------------------------------------
// API-10, API-11: kubectl proxy

export function checkProxyBanner(output: string, expectHost: string, port: number): Differences {
  const line = output.split('\n').find((l) => l.includes('Starting to serve on'));
  const want = `Starting to serve on ${expectHost}:${port}`;
  if (!line)
    return [
      finding(
        'proxy-banner',
        `kubectl proxy printed no "Starting to serve on" line (output: ${show(output.trim().slice(0, 300))})`,
        { expected: want, actual: 'absent' },
      ),
    ];
  return line.trim() === want
    ? []
    : [
        finding('proxy-banner', `kubectl proxy printed ${show(line.trim())}, expected ${show(want)}`, {
          expected: want,
          actual: line.trim(),
        }),
      ];
}

/**
 * kubectl proxy's host filter: a request naming a local Host is forwarded, one naming another host is refused with 403.
 */
export function checkHostFilter(local: HttpResponse, foreign: HttpResponse, foreignHost: string): Differences {
  const diffs: Differences = [];
  if (local.status !== 200)
    diffs.push(
      finding(
        'local-host-status',
        `a request with Host ${show(local.url)} was answered ${statusLine(local)}, expected 200`,
        { expected: 200, actual: statusLine(local) },
      ),
    );
  if (foreign.status !== 403)
    diffs.push(
      finding(
        'foreign-host-status',
        `a request with Host ${foreignHost} was answered ${statusLine(foreign)}, expected 403 from the proxy's host filter`,
        { expected: 403, actual: statusLine(foreign) },
      ),
    );
  return diffs;
}

/** The proxy answers on its loopback address, and every other address refuses the connection. */
export function checkLoopbackOnly(own: TcpProbe, others: TcpProbe[]): Differences {
  const diffs: Differences = [];
  if (own.outcome !== 'connected')
    diffs.push(
      finding(
        'loopback-reachable',
        `the proxy itself is not reachable on ${own.host}:${own.port} (${own.outcome}${own.code ? ` ${own.code}` : ''}), so nothing can be judged`,
        { expected: `${own.host}:${own.port} connected`, actual: `${own.host}:${own.port} ${own.outcome}` },
      ),
    );
  for (const p of others) {
    if (p.outcome === 'connected')
      diffs.push(
        finding(
          'other-address-refused',
          `${p.host}:${p.port} accepted a connection: the proxy listens beyond loopback`,
          { expected: `${p.host}:${p.port} refused`, actual: `${p.host}:${p.port} connected` },
        ),
      );
    else if (p.outcome !== 'refused')
      diffs.push(
        finding(
          'other-address-refused',
          `${p.host}:${p.port}: ${p.outcome}${p.code ? ` (${p.code})` : ''}, expected the connection to be refused (ECONNREFUSED)`,
          { expected: `${p.host}:${p.port} refused`, actual: `${p.host}:${p.port} ${p.outcome}` },
        ),
      );
  }
  return diffs;
}
