// How the API server stores objects in etcd (k8s.io/apimachinery/pkg/runtime/serializer/protobuf):
// the 4-byte magic "k8s\0", then a runtime.Unknown message:
//   1 typeMeta { 1 apiVersion, 2 kind }   2 raw (the object's own protobuf)   3 contentEncoding   4 contentType
// Inside raw, every API object has its ObjectMeta as field 1: { 1 name, 2 generateName, 3 namespace, 5 uid, 6
// resourceVersion }.
// A small reader (and a writer, for fixtures) of the protobuf wire format is enough for that.

export const K8S_MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]); // "k8s\0"

export type WireType = 0 | 1 | 2 | 5;

export interface ProtoField {
  number: number;
  wireType: WireType;
  /** Varints as bigint, fixed64/fixed32 as bigint, length-delimited as bytes. */
  value: bigint | Buffer;
}

export class ProtobufError extends Error {
  override name = 'ProtobufError';
}

function readVarint(buf: Buffer, pos: number): [bigint, number] {
  let result = 0n;
  let shift = 0n;
  for (let i = 0; i < 10; i++) {
    if (pos >= buf.length) throw new ProtobufError(`varint runs past the end at byte ${pos}`);
    const byte = buf[pos++]!;
    result |= BigInt(byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) return [result, pos];
    shift += 7n;
  }
  throw new ProtobufError(`varint longer than 10 bytes at byte ${pos}`);
}

/** The top-level fields of one message, in order (repeated fields appear several times). */
export function readFields(buf: Buffer): ProtoField[] {
  const fields: ProtoField[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const [tag, afterTag] = readVarint(buf, pos);
    const number = Number(tag >> 3n);
    const wireType = Number(tag & 7n);
    if (number === 0) throw new ProtobufError(`field number 0 at byte ${pos}`);
    pos = afterTag;
    switch (wireType) {
      case 0: {
        const [v, next] = readVarint(buf, pos);
        fields.push({ number, wireType, value: v });
        pos = next;
        break;
      }
      case 1:
        if (pos + 8 > buf.length) throw new ProtobufError(`fixed64 field ${number} runs past the end`);
        fields.push({ number, wireType, value: buf.readBigUInt64LE(pos) });
        pos += 8;
        break;
      case 2: {
        const [len, start] = readVarint(buf, pos);
        const end = start + Number(len);
        if (end > buf.length)
          throw new ProtobufError(
            `field ${number} declares ${len} bytes at byte ${start}, only ${buf.length - start} left`,
          );
        fields.push({ number, wireType, value: buf.subarray(start, end) });
        pos = end;
        break;
      }
      case 5:
        if (pos + 4 > buf.length) throw new ProtobufError(`fixed32 field ${number} runs past the end`);
        fields.push({ number, wireType, value: BigInt(buf.readUInt32LE(pos)) });
        pos += 4;
        break;
      default:
        throw new ProtobufError(`unsupported wire type ${wireType} (field ${number}) at byte ${pos}`);
    }
  }
  return fields;
}

function bytesField(fields: ProtoField[], number: number): Buffer | undefined {
  const f = fields.filter((x) => x.number === number).at(-1);
  if (!f) return undefined;
  if (f.wireType !== 2) throw new ProtobufError(`field ${number} has wire type ${f.wireType}, not length-delimited`);
  return f.value as Buffer;
}

const stringField = (fields: ProtoField[], number: number) => bytesField(fields, number)?.toString('utf8');

export interface UnknownEnvelope {
  apiVersion?: string;
  kind?: string;
  raw: Buffer;
  contentEncoding?: string;
  contentType?: string;
}

export function hasK8sMagic(value: Buffer): boolean {
  return value.length >= K8S_MAGIC.length && value.subarray(0, K8S_MAGIC.length).equals(K8S_MAGIC);
}

/** Decodes a stored value; throws ProtobufError when it is not a k8s\0 envelope. */
export function decodeStorageValue(value: Buffer): UnknownEnvelope {
  if (!hasK8sMagic(value))
    throw new ProtobufError(
      `no k8s\\0 envelope: the value starts with ${JSON.stringify(value.subarray(0, 12).toString('latin1'))}`,
    );
  const fields = readFields(value.subarray(K8S_MAGIC.length));
  const typeMeta = bytesField(fields, 1);
  const tm = typeMeta ? readFields(typeMeta) : [];
  return {
    apiVersion: stringField(tm, 1),
    kind: stringField(tm, 2),
    raw: bytesField(fields, 2) ?? Buffer.alloc(0),
    contentEncoding: stringField(fields, 3),
    contentType: stringField(fields, 4),
  };
}

export interface DecodedObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
}

/** The ObjectMeta (field 1) of an API object's protobuf. */
export function decodeObjectMeta(raw: Buffer): DecodedObjectMeta {
  const meta = bytesField(readFields(raw), 1);
  if (!meta) throw new ProtobufError('the object has no metadata (field 1)');
  const f = readFields(meta);
  return {
    name: stringField(f, 1),
    generateName: stringField(f, 2),
    namespace: stringField(f, 3),
    uid: stringField(f, 5),
    resourceVersion: stringField(f, 6),
  };
}

// Writing, for fixtures and tests.

function writeVarint(n: bigint | number): Buffer {
  let v = BigInt(n);
  if (v < 0n) throw new ProtobufError('negative varints are not supported');
  const out: number[] = [];
  do {
    const byte = Number(v & 0x7fn);
    v >>= 7n;
    out.push(v ? byte | 0x80 : byte);
  } while (v);
  return Buffer.from(out);
}

/** One field: a string or bytes (length-delimited), or a number/bigint (varint). */
export function encodeField(number: number, value: string | Buffer | number | bigint): Buffer {
  if (typeof value === 'number' || typeof value === 'bigint')
    return Buffer.concat([writeVarint((BigInt(number) << 3n) | 0n), writeVarint(value)]);
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  return Buffer.concat([writeVarint((BigInt(number) << 3n) | 2n), writeVarint(bytes.length), bytes]);
}

export function encodeMessage(fields: Array<[number, string | Buffer | number | bigint | undefined]>): Buffer {
  return Buffer.concat(fields.filter(([, v]) => v !== undefined).map(([n, v]) => encodeField(n, v!)));
}

/** A stored value as the API server writes it: magic + runtime.Unknown{typeMeta, raw, contentEncoding, contentType}. */
export function encodeStorageValue(envelope: UnknownEnvelope): Buffer {
  return Buffer.concat([
    K8S_MAGIC,
    encodeMessage([
      [
        1,
        encodeMessage([
          [1, envelope.apiVersion],
          [2, envelope.kind],
        ]),
      ],
      [2, envelope.raw],
      [3, envelope.contentEncoding],
      [4, envelope.contentType],
    ]),
  ]);
}

export function encodeObjectMeta(meta: DecodedObjectMeta): Buffer {
  return encodeMessage([
    [1, meta.name],
    [2, meta.generateName],
    [3, meta.namespace],
    [5, meta.uid],
    [6, meta.resourceVersion],
  ]);
}
