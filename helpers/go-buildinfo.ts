// Go's build information, read from a binary without Go (what `go version -m` prints): the toolchain, the main
// package and module with its version and go.sum hash, every dependency, and the build settings. The linker
// writes it into the ELF section .go.buildinfo (debug/buildinfo's format since Go 1.18: a 32-byte header
// starting "\xff Go buildinf:", then the version and the module text inline as varint-prefixed strings).
// It is independent of the -X stamps a build writes into gitVersion: the go command records the module
// version the sources came from.

/** Reads `length` bytes at `offset` of a binary (a local file, or a file on a node read by od). */
export type ByteReader = (offset: number, length: number) => Promise<Buffer>;

export interface GoModule {
  path: string;
  version: string;
  /** go.sum's h1: hash of the module's files; absent for the main module of a build from a checkout ("(devel)"). */
  sum?: string;
  /** A replace directive's target, as `go version -m` prints it after "=>". */
  replacedBy?: GoModule;
}

export interface GoBuildInfo {
  /** The toolchain that built it, e.g. go1.26.8. */
  goVersion: string;
  /** The main package's import path. */
  path: string;
  main?: GoModule;
  deps: GoModule[];
  /** `build` lines: -trimpath=true, CGO_ENABLED=0, vcs.revision=…, -ldflags=… (keys in order of appearance). */
  settings: Record<string, string>;
}

export class NoBuildInfo extends Error {
  override name = 'NoBuildInfo';
}

const MAGIC = Buffer.from('\xff Go buildinf:', 'latin1');
const HEADER_SIZE = 32;
const FLAG_BIG_ENDIAN = 0x1;
const FLAG_VERSION_INLINE = 0x2;

/** The ELF section `name`'s file offset and size (64-bit little-endian ELF, as Go builds for linux/amd64 and arm64). */
export async function elfSection(read: ByteReader, name: string): Promise<{ offset: number; size: number }> {
  const header = await read(0, 64);
  if (header.length < 64 || header.toString('latin1', 0, 4) !== '\x7fELF') throw new NoBuildInfo('not an ELF file');
  if (header[4] !== 2 || header[5] !== 1) throw new NoBuildInfo('not a 64-bit little-endian ELF file');
  const shoff = Number(header.readBigUInt64LE(0x28));
  const shentsize = header.readUInt16LE(0x3a);
  const shnum = header.readUInt16LE(0x3c);
  const shstrndx = header.readUInt16LE(0x3e);
  const table = await read(shoff, shentsize * shnum);
  const section = (i: number) => ({
    name: table.readUInt32LE(i * shentsize),
    offset: Number(table.readBigUInt64LE(i * shentsize + 24)),
    size: Number(table.readBigUInt64LE(i * shentsize + 32)),
  });
  const strtab = section(shstrndx);
  const names = await read(strtab.offset, strtab.size);
  for (let i = 0; i < shnum; i++) {
    const s = section(i);
    const end = names.indexOf(0, s.name);
    if (names.toString('latin1', s.name, end < 0 ? undefined : end) === name) return { offset: s.offset, size: s.size };
  }
  throw new NoBuildInfo(`no ${name} section: not a Go binary, or one built before Go 1.18 or stripped of it`);
}

/** The build information of a Go binary, read through `read`. */
export async function readBuildInfo(read: ByteReader): Promise<GoBuildInfo> {
  const { offset, size } = await elfSection(read, '.go.buildinfo');
  return parseBuildInfoSection(await read(offset, size));
}

function uvarint(data: Buffer, at: number): [number, number] {
  let value = 0;
  let shift = 0;
  for (let i = at; i < data.length && i < at + 10; i++) {
    const b = data[i]!;
    value += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) return [value, i + 1];
    shift += 7;
  }
  throw new NoBuildInfo('malformed build information (bad length)');
}

function inlineString(data: Buffer, at: number): [string, number] {
  const [length, start] = uvarint(data, at);
  if (start + length > data.length) throw new NoBuildInfo('malformed build information (string past the section)');
  return [data.toString('utf8', start, start + length), start + length];
}

/** The .go.buildinfo section's bytes → the build information (debug/buildinfo's decoding of Go ≥ 1.18). */
export function parseBuildInfoSection(section: Buffer): GoBuildInfo {
  // The header is 16-byte aligned within the section.
  let at = -1;
  for (let i = section.indexOf(MAGIC); i >= 0; i = section.indexOf(MAGIC, i + 1))
    if (i % 16 === 0) {
      at = i;
      break;
    }
  if (at < 0) throw new NoBuildInfo('no "\\xff Go buildinf:" header in the section');
  const flags = section[at + 15]!;
  if (!(flags & FLAG_VERSION_INLINE))
    throw new NoBuildInfo('build information of a Go before 1.18 (pointers, not inline strings): not read');
  if (flags & FLAG_BIG_ENDIAN) throw new NoBuildInfo('big-endian build information: not read');
  const [goVersion, next] = inlineString(section, at + HEADER_SIZE);
  let [modText] = inlineString(section, next);
  // The module text is framed by 16-byte sentinels (runtime/debug's infoStart/infoEnd).
  if (modText.length >= 33 && modText[modText.length - 17] === '\n') modText = modText.slice(16, -16);
  return { goVersion, ...parseModuleText(modText) };
}

/** runtime/debug.BuildInfo's text form (what `go version -m` prints after the first line, without the tabs' indent). */
export function parseModuleText(text: string): Omit<GoBuildInfo, 'goVersion'> {
  const info: Omit<GoBuildInfo, 'goVersion'> = { path: '', deps: [], settings: {} };
  let last: GoModule | undefined;
  for (const line of text.split('\n')) {
    const [kind, ...fields] = line.split('\t');
    const module = (): GoModule => ({
      path: fields[0] ?? '',
      version: fields[1] ?? '',
      ...(fields[2] ? { sum: fields[2] } : {}),
    });
    switch (kind) {
      case 'path':
        info.path = fields[0] ?? '';
        break;
      case 'mod':
        info.main = last = module();
        break;
      case 'dep':
        info.deps.push((last = module()));
        break;
      case '=>':
        if (last) last.replacedBy = module();
        break;
      case 'build': {
        const setting = fields.join('\t');
        const eq = setting.startsWith('"') ? setting.indexOf('=', setting.indexOf('"', 1)) : setting.indexOf('=');
        if (eq > 0) info.settings[unquote(setting.slice(0, eq))] = unquote(setting.slice(eq + 1));
        break;
      }
    }
  }
  return info;
}

function unquote(s: string): string {
  if (!s.startsWith('"')) return s;
  try {
    return JSON.parse(s) as string;
  } catch {
    return s; // Go's strconv.Quote and JSON agree on what the go command writes here; anything else stays as written.
  }
}

/** The module a dependency path resolves to, after its replace directive. */
export function resolvedModule(info: GoBuildInfo, path: string): GoModule | undefined {
  const dep = info.main?.path === path ? info.main : info.deps.find((d) => d.path === path);
  return dep?.replacedBy ?? dep;
}

/** `od -An -v -tx1` output → bytes: how a node without Go or a byte-safe copy hands a binary's bytes over as text. */
export function parseOdHex(text: string): Buffer {
  const hex = text.replace(/\s+/g, '');
  if (!/^[0-9a-f]*$/i.test(hex) || hex.length % 2) throw new Error('od printed something other than hex bytes');
  return Buffer.from(hex, 'hex');
}

/**
 * argv that prints `length` bytes at `offset` of `file` as hex (POSIX od: coreutils and busybox have -j, -N, -v, -t
 * x1).
 */
export function odArgv(file: string, offset: number, length: number): string[] {
  return ['od', '-An', '-v', '-tx1', '-j', String(offset), '-N', String(length), file];
}
