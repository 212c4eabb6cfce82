// A parser for the klog text that kubectl writes to stderr at -v 6 and above, and the HTTP exchanges in it.
// Pure functions: they read text and never run anything.
//
// A klog line is `Lmmdd hh:mm:ss.uuuuuu PID file.go:LINE] MESSAGE`. A structured MESSAGE is a quoted string
// followed by key=value pairs; a multi-line value is written `key=<`, then its lines indented (a tab from klog,
// spaces when pasted in an article), closed by a line ` >` that may carry more pairs (` > milliseconds=3`).

export interface KlogEntry {
  /** I, W, E or F. */
  severity: string;
  /** mmdd hh:mm:ss.uuuuuu as printed (klog prints no year). */
  timestamp: string;
  pid: number;
  /** file.go:LINE */
  source: string;
  /** The message: the quoted string of a structured entry, unquoted, or the whole text of a plain one. */
  message: string;
  structured: boolean;
  fields: Record<string, string>;
}

export interface KlogParse {
  entries: KlogEntry[];
  /** Lines that belong to no entry (a command's own output mixed into the same text). */
  otherLines: string[];
}

const HEADER = /^([IWEF])(\d{4} \d{2}:\d{2}:\d{2}\.\d{6})\s+(\d+) ([^\s\]]+:\d+)\] (.*)$/;
const BLOCK_END = /^ >(?: (.*))?$/;
const KEY = /^([A-Za-z_][A-Za-z0-9_.-]*)=/;

/** Reads a Go-quoted string (strconv.Quote) at the start of `s`; returns its value and the text after it. */
export function readGoQuoted(s: string): { value: string; rest: string } | undefined {
  if (s[0] !== '"') return undefined;
  let value = '';
  for (let i = 1; i < s.length; i++) {
    const ch = s[i]!;
    if (ch === '"') return { value, rest: s.slice(i + 1) };
    if (ch !== '\\') {
      value += ch;
      continue;
    }
    const esc = s[++i];
    const simple: Record<string, string> = {
      n: '\n',
      t: '\t',
      r: '\r',
      '"': '"',
      '\\': '\\',
      a: '\x07',
      b: '\b',
      f: '\f',
      v: '\v',
    };
    if (esc !== undefined && esc in simple) {
      value += simple[esc];
      continue;
    }
    const width = esc === 'x' ? 2 : esc === 'u' ? 4 : esc === 'U' ? 8 : 0;
    if (width && /^[0-9a-fA-F]+$/.test(s.slice(i + 1, i + 1 + width)) && s.length >= i + 1 + width) {
      value += String.fromCodePoint(parseInt(s.slice(i + 1, i + 1 + width), 16));
      i += width;
      continue;
    }
    value += `\\${esc ?? ''}`;
  }
  return undefined; // unterminated
}

/** Removes the indentation klog (a tab) or a pasted article (spaces common to all lines) put before block lines. */
function dedent(lines: string[]): string {
  if (lines.every((l) => l.startsWith('\t') || l === '')) return lines.map((l) => l.slice(1)).join('\n');
  const indents = lines.filter((l) => l.trim()).map((l) => /^[ \t]*/.exec(l)![0].length);
  const cut = indents.length ? Math.min(...indents) : 0;
  return lines.map((l) => l.slice(cut)).join('\n');
}

/**
 * Parses key=value pairs from `line`; a `key=<` value takes the following lines from `next` up to its ` >`.
 * Text that is not a pair ends the parse and is kept under the key "" (so nothing is silently dropped).
 */
function parseFields(line: string, next: () => string | undefined): Record<string, string> {
  const fields: Record<string, string> = {};
  let rest = line;
  for (;;) {
    rest = rest.replace(/^ +/, '');
    if (!rest) return fields;
    const key = KEY.exec(rest);
    if (!key) {
      fields[''] = rest;
      return fields;
    }
    rest = rest.slice(key[0].length);
    if (rest === '<') {
      const block: string[] = [];
      let l: string | undefined;
      let after = '';
      while ((l = next()) !== undefined) {
        const end = BLOCK_END.exec(l);
        if (end) {
          after = end[1] ?? '';
          break;
        }
        block.push(l);
      }
      fields[key[1]!] = dedent(block);
      rest = after;
    } else if (rest.startsWith('"')) {
      const q = readGoQuoted(rest);
      if (!q) {
        fields[key[1]!] = rest;
        return fields;
      }
      fields[key[1]!] = q.value;
      rest = q.rest;
    } else {
      const word = /^\S*/.exec(rest)![0];
      fields[key[1]!] = word;
      rest = rest.slice(word.length);
    }
  }
}

export function parseKlog(text: string): KlogParse {
  const lines = text.split(/\r?\n/);
  const entries: KlogEntry[] = [];
  const otherLines: string[] = [];
  let i = 0;
  const next = () => (i < lines.length ? lines[i++] : undefined);
  let line: string | undefined;
  while ((line = next()) !== undefined) {
    const h = HEADER.exec(line);
    if (!h) {
      if (line.trim()) otherLines.push(line);
      continue;
    }
    const [, severity, timestamp, pid, source, body] = h as unknown as [string, string, string, string, string, string];
    const quoted = readGoQuoted(body);
    if (quoted) {
      entries.push({
        severity,
        timestamp,
        pid: Number(pid),
        source,
        message: quoted.value,
        structured: true,
        fields: parseFields(quoted.rest, next),
      });
    } else {
      entries.push({ severity, timestamp, pid: Number(pid), source, message: body, structured: false, fields: {} });
    }
  }
  return { entries, otherLines };
}

/** HTTP headers as logged: "Name: value" lines; names compared case-insensitively. */
export class LoggedHeaders {
  readonly lines: ReadonlyArray<readonly [string, string]>;

  constructor(block: string | undefined) {
    this.lines = (block ?? '')
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => {
        const colon = l.indexOf(':');
        return colon < 0 ? ([l.trim(), ''] as const) : ([l.slice(0, colon).trim(), l.slice(colon + 1).trim()] as const);
      });
  }

  get(name: string): string | undefined {
    const values = this.lines.filter(([n]) => n.toLowerCase() === name.toLowerCase()).map(([, v]) => v);
    return values.length ? values.join(', ') : undefined;
  }

  names(): string[] {
    return this.lines.map(([n]) => n);
  }
}

export interface LoggedExchange {
  verb: string;
  url: string;
  requestHeaders: LoggedHeaders;
  requestBody?: string;
  /** As logged: "200 OK". Absent when no response was logged (a connection error, or -v below 6). */
  status?: string;
  responseHeaders?: LoggedHeaders;
  milliseconds?: number;
  responseBody?: string;
}

/**
 * The HTTP exchanges kubectl logged, in order. client-go logs "Request Body", then "Request" (verb, url,
 * headers), then "Response" (status, headers, milliseconds), then "Response Body". At -v 6 an exchange is one
 * "Response" entry with verb, url, status and milliseconds, and no headers.
 */
export function loggedExchanges(entries: KlogEntry[]): LoggedExchange[] {
  const out: LoggedExchange[] = [];
  let pendingBody: string | undefined;
  for (const e of entries) {
    const current = out.at(-1);
    if (e.structured && e.message === 'Request Body') {
      pendingBody = e.fields.body;
    } else if (e.structured && e.message === 'Request') {
      out.push({
        verb: e.fields.verb ?? '',
        url: e.fields.url ?? '',
        requestHeaders: new LoggedHeaders(e.fields.headers),
        requestBody: pendingBody,
      });
      pendingBody = undefined;
    } else if (e.structured && e.message === 'Response' && e.fields.verb) {
      // -v 6: the whole exchange on one line, `"Response" verb="GET" url="..." status="200 OK" milliseconds=7`.
      out.push({
        verb: e.fields.verb,
        url: e.fields.url ?? '',
        requestHeaders: new LoggedHeaders(undefined),
        status: e.fields.status,
        milliseconds: Number(e.fields.milliseconds),
      });
    } else if (e.structured && e.message === 'Response' && current && current.status === undefined) {
      current.status = e.fields.status;
      current.responseHeaders = new LoggedHeaders(e.fields.headers);
      if (e.fields.milliseconds !== undefined) current.milliseconds = Number(e.fields.milliseconds);
    } else if (e.structured && e.message === 'Response Body' && current && current.responseBody === undefined) {
      current.responseBody = e.fields.body;
    } else if (!e.structured) {
      // kubectl before 1.30 logged -v 6 exchanges unstructured: "GET URL 200 OK in 7 milliseconds".
      const plain = /^([A-Z]+) (\S+) (\d{3}(?: \D.*?)?) in (\d+) milliseconds$/.exec(e.message);
      if (plain)
        out.push({
          verb: plain[1]!,
          url: plain[2]!,
          requestHeaders: new LoggedHeaders(undefined),
          status: plain[3],
          milliseconds: Number(plain[4]),
        });
    }
  }
  return out;
}

/** The kubeconfig kubectl says it loaded ("Config loaded from file:  PATH"), if it logged one. */
export function configLoadedFrom(entries: KlogEntry[]): string | undefined {
  for (const e of entries) {
    const m = /^Config loaded from file:\s+(.+)$/.exec(e.message);
    if (m) return m[1]!.trim();
  }
  return undefined;
}
