// Unit tests of the stored-value decoder, on fixtures encoded here and on bytes written out by hand
// from the protobuf wire format (so the decoder is not only checked against its own encoder).
import { describe, expect, test } from 'vitest';
import {
  decodeObjectMeta,
  decodeStorageValue,
  encodeField,
  encodeMessage,
  encodeObjectMeta,
  encodeStorageValue,
  hasK8sMagic,
  K8S_MAGIC,
  ProtobufError,
  readFields,
} from './protobuf.ts';

/** A Namespace as the API server would store it: metadata, an empty spec, status {phase}. */
function namespaceFixture(name: string, uid: string) {
  const raw = encodeMessage([
    [1, encodeObjectMeta({ name, uid, resourceVersion: '42' })],
    [2, encodeMessage([[1, 'kubernetes']])],
    [3, encodeMessage([[1, 'Active']])],
  ]);
  return {
    raw,
    value: encodeStorageValue({ apiVersion: 'v1', kind: 'Namespace', raw, contentEncoding: '', contentType: '' }),
  };
}

describe('stored-value decoder', () => {
  test('decodes the envelope and the metadata of an encoded Namespace', () => {
    const { raw, value } = namespaceFixture('kube-system', '0b1f3a2c-1111-2222-3333-444455556666');
    expect(hasK8sMagic(value)).toBe(true);
    const env = decodeStorageValue(value);
    expect(env).toMatchObject({ apiVersion: 'v1', kind: 'Namespace', contentEncoding: '', contentType: '' });
    expect(env.raw.equals(raw)).toBe(true);
    expect(decodeObjectMeta(env.raw)).toEqual({
      name: 'kube-system',
      uid: '0b1f3a2c-1111-2222-3333-444455556666',
      resourceVersion: '42',
    });
  });

  test('reads bytes written by hand from the wire format', () => {
    // "k8s\0", field 1 (tag 0x0a) of 15 bytes: {field 1 "v1", field 2 "Namespace"}, field 2 (tag 0x12) of 9 bytes:
    // {field 1 (0x0a) of 7 bytes: {field 1 "ns", field 5 (tag 0x2a) "u"}}.
    const bytes = Buffer.from([
      0x6b,
      0x38,
      0x73,
      0x00,
      0x0a,
      0x0f,
      0x0a,
      0x02,
      0x76,
      0x31,
      0x12,
      0x09,
      ...Buffer.from('Namespace'),
      0x12,
      0x09,
      0x0a,
      0x07,
      0x0a,
      0x02,
      0x6e,
      0x73,
      0x2a,
      0x01,
      0x75,
    ]);
    const env = decodeStorageValue(bytes);
    expect([env.apiVersion, env.kind]).toEqual(['v1', 'Namespace']);
    expect(decodeObjectMeta(env.raw)).toMatchObject({ name: 'ns', uid: 'u' });
  });

  test('multi-byte lengths and varints', () => {
    const long = 'x'.repeat(300); // length 300 = varint ac 02
    const field = encodeField(1, long);
    expect([...field.subarray(0, 3)]).toEqual([0x0a, 0xac, 0x02]);
    const max = encodeField(7, 18446744073709551615n);
    expect(readFields(Buffer.concat([field, max]))).toEqual([
      { number: 1, wireType: 2, value: Buffer.from(long) },
      { number: 7, wireType: 0, value: 18446744073709551615n },
    ]);
    expect(decodeObjectMeta(encodeMessage([[1, encodeObjectMeta({ name: long })]])).name).toBe(long);
  });

  test('skips fields it does not know, of every wire type', () => {
    const fixed64 = Buffer.from([0x19, 1, 2, 3, 4, 5, 6, 7, 8]); // field 3, wire type 1
    const fixed32 = Buffer.from([0x25, 1, 2, 3, 4]); // field 4, wire type 5
    const meta = Buffer.concat([
      encodeField(9, 12345),
      fixed64,
      fixed32,
      encodeObjectMeta({ name: 'a', namespace: 'b', uid: 'c' }),
    ]);
    expect(
      decodeObjectMeta(
        encodeMessage([
          [1, meta],
          [2, 'spec'],
        ]),
      ),
    ).toEqual({ name: 'a', namespace: 'b', uid: 'c' });
  });

  test('refuses what is not a k8s\\0 envelope, saying what it starts with', () => {
    const json = Buffer.from(JSON.stringify({ kind: 'Namespace', apiVersion: 'v1' }));
    expect(hasK8sMagic(json)).toBe(false);
    expect(() => decodeStorageValue(json)).toThrow(/no k8s\\0 envelope: the value starts with "\{\\"kind\\":\\"Nam"/);
    expect(() => decodeStorageValue(Buffer.from('k8s:enc:aescbc:v1:key1:xxxx'))).toThrow(ProtobufError);
  });

  test('refuses truncated input', () => {
    const { value } = namespaceFixture('default', 'u');
    expect(() => decodeStorageValue(value.subarray(0, value.length - 3))).toThrow(/runs past the end|declares/);
    expect(() => readFields(Buffer.from([0x08, 0x80]))).toThrow(/varint runs past the end/);
    expect(K8S_MAGIC.toString('latin1')).toBe('k8s\0');
  });
});
