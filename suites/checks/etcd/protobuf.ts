// §4.3, ETCD-14 and ETCD-16: values stored as protobuf in the k8s\0 envelope, agreeing with the API, and more
// compact than the same objects as JSON.
import { decodeObjectMeta, decodeStorageValue, hasK8sMagic, ProtobufError } from '../../../helpers/etcd/protobuf.ts';
import { finding, type Differences } from '../../differences.ts';

// ---------------------------------------------------------------------------------------------------------------
// ETCD-14: stored values

export interface ApiObjectIdentity {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
  uid: string;
}

export function checkStoredValue(key: string, value: Buffer | null | undefined, api: ApiObjectIdentity): Differences {
  if (!value) return [finding('value-present', `${key}: no value in etcd`, { expected: key, actual: 'absent' })];
  if (!hasK8sMagic(value)) {
    const start = value.subarray(0, 16).toString('latin1');
    const looks = start.startsWith('{') ? ' (JSON)' : start.startsWith('k8s:enc:') ? ' (encrypted at rest)' : '';
    return [
      finding('envelope-magic', `${key}: no k8s\\0 envelope, the value starts with ${JSON.stringify(start)}${looks}`, {
        expected: 'k8s\\0',
        actual: `${JSON.stringify(start)}${looks}`,
      }),
    ];
  }
  const diffs: Differences = [];
  try {
    const env = decodeStorageValue(value);
    if (env.apiVersion !== api.apiVersion)
      diffs.push(
        finding(
          'envelope-api-version',
          `${key}: envelope apiVersion is ${JSON.stringify(env.apiVersion)}, the API says ${api.apiVersion}`,
          { expected: api.apiVersion, actual: env.apiVersion },
        ),
      );
    if (env.kind !== api.kind)
      diffs.push(
        finding('envelope-kind', `${key}: envelope kind is ${JSON.stringify(env.kind)}, the API says ${api.kind}`, {
          expected: api.kind,
          actual: env.kind,
        }),
      );
    if (env.contentEncoding)
      diffs.push(
        finding('content-encoding', `${key}: content encoding ${JSON.stringify(env.contentEncoding)}, none expected`, {
          expected: 'none',
          actual: env.contentEncoding,
        }),
      );
    const meta = decodeObjectMeta(env.raw);
    if (meta.name !== api.name)
      diffs.push(
        finding('stored-name', `${key}: stored name is ${JSON.stringify(meta.name)}, the API says ${api.name}`, {
          expected: api.name,
          actual: meta.name,
        }),
      );
    if ((meta.namespace ?? '') !== (api.namespace ?? ''))
      diffs.push(
        finding(
          'stored-namespace',
          `${key}: stored namespace is ${JSON.stringify(meta.namespace ?? '')}, the API says ${JSON.stringify(api.namespace ?? '')}`,
          { expected: api.namespace ?? '', actual: meta.namespace ?? '' },
        ),
      );
    if (meta.uid !== api.uid)
      diffs.push(
        finding('stored-uid', `${key}: stored uid is ${JSON.stringify(meta.uid)}, the API says ${api.uid}`, {
          expected: api.uid,
          actual: meta.uid,
        }),
      );
  } catch (e) {
    if (e instanceof ProtobufError)
      diffs.push(
        finding('envelope-decodes', `${key}: not a valid protobuf envelope: ${e.message}`, { actual: e.message }),
      );
    else throw e;
  }
  return diffs;
}

// ---------------------------------------------------------------------------------------------------------------
// ETCD-16: protobuf against JSON

export interface StoredSize {
  key: string;
  /** Bytes of the value under /registry. */
  stored: number;
  /** The value starts with the k8s\0 protobuf envelope. */
  protobuf: boolean;
  /** Bytes of the same object (same resourceVersion) as compact JSON from the API. */
  json: number;
}

/** Every value is protobuf and smaller than its JSON. */
export function checkCompactness(sizes: StoredSize[]): Differences {
  if (!sizes.length)
    return [
      finding(
        'objects-compared',
        'no object could be compared (none had the same resourceVersion in etcd and in the API)',
        { expected: 'an object with the same resourceVersion', actual: 'none' },
      ),
    ];
  return sizes.flatMap((s) => {
    if (!s.protobuf)
      return [
        finding(
          'stored-protobuf',
          `${s.key}: stored as ${s.stored} bytes of JSON, not protobuf (${s.json} bytes as JSON from the API)`,
          { expected: 'protobuf', actual: 'JSON' },
        ),
      ];
    return s.stored < s.json
      ? []
      : [
          finding(
            'stored-smaller',
            `${s.key}: ${s.stored} bytes stored, not fewer than the ${s.json} bytes of its JSON`,
            { expected: `< ${s.json} bytes`, actual: `${s.stored} bytes` },
          ),
        ];
  });
}

export function describeSizes(sizes: StoredSize[]): string {
  const total = (f: (s: StoredSize) => number) => sizes.reduce((n, s) => n + f(s), 0);
  const byKind = new Map<string, StoredSize[]>();
  for (const s of sizes) {
    const k = s.key.split('/')[2]!;
    byKind.set(k, [...(byKind.get(k) ?? []), s]);
  }
  const rows = [...byKind].map(
    ([k, list]) =>
      `${k}: ${list.length} objects, ${list.reduce((n, s) => n + s.stored, 0)} bytes stored, ${list.reduce((n, s) => n + s.json, 0)} bytes as JSON`,
  );
  return [
    ...rows,
    `total: ${total((s) => s.stored)} bytes stored against ${total((s) => s.json)} bytes of JSON (${Math.round(
      (100 * total((s) => s.stored)) /
        Math.max(
          1,
          total((s) => s.json),
        ),
    )}%)`,
  ].join('\n');
}
