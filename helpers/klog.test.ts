// Unit tests of the klog parser, on the article's own `kubectl version -v 8` output (§3.1) and on the
// tab-indented form kubectl really writes.
import { describe, expect, test } from 'vitest';
import { configLoadedFrom, loggedExchanges, parseKlog, readGoQuoted } from './klog.ts';

// Copied from the article (§3.1), indentation and all: stderr and stdout as one text.
const ARTICLE = `I0729 21:45:30.645383  778204 loader.go:402] Config loaded from file:  /etc/kubernetes/admin.conf
I0729 21:45:30.645608  778204 envvar.go:172] "Feature gate default state" feature="ClientsAllowCBOR" enabled=false
I0729 21:45:30.645619  778204 envvar.go:172] "Feature gate default state" feature="ClientsPreferCBOR" enabled=false
I0729 21:45:30.645625  778204 envvar.go:172] "Feature gate default state" feature="InformerResourceVersion" enabled=false
I0729 21:45:30.645631  778204 envvar.go:172] "Feature gate default state" feature="InOrderInformers" enabled=true
I0729 21:45:30.645636  778204 envvar.go:172] "Feature gate default state" feature="WatchListClient" enabled=false
I0729 21:45:30.645665  778204 discovery_client.go:657] "Request Body" body=""
I0729 21:45:30.645718  778204 round_trippers.go:527] "Request" verb="GET" url="https://192.168.1.150:6443/version?timeout=32s" headers=<
    Accept: application/json, */*
    User-Agent: kubectl/v1.33.3 (linux/amd64) kubernetes/80779bd
 >
I0729 21:45:30.649450  778204 round_trippers.go:632] "Response" status="200 OK" headers=<
    Audit-Id: ea53bfd7-8bd4-4cbc-9354-e3cbc656c712
    Cache-Control: no-cache, private
    Content-Length: 379
    Content-Type: application/json
    Date: Tue, 29 Jul 2025 13:45:30 GMT
    X-Kubernetes-Pf-Flowschema-Uid: a85b9af0-4d2d-493d-8ebf-b43193f9dd31
    X-Kubernetes-Pf-Prioritylevel-Uid: bb92ee23-b810-4c85-9fbc-b3c9f72105d2
 > milliseconds=3
I0729 21:45:30.649617  778204 discovery_client.go:657] "Response Body" body=<
    {
      "major": "1",
      "minor": "33",
      "emulationMajor": "1",
      "emulationMinor": "33",
      "minCompatibilityMajor": "1",
      "minCompatibilityMinor": "32",
      "gitVersion": "v1.33.3",
      "gitCommit": "80779bd6ff08b451e1c165a338a7b69351e9b0b8",
      "gitTreeState": "clean",
      "buildDate": "2025-07-15T17:59:42Z",
      "goVersion": "go1.24.4",
      "compiler": "gc",
      "platform": "linux/amd64"
    }
 >
Client Version: v1.33.3
Kustomize Version: v5.6.0
Server Version: v1.33.3`;

/** The same text as kubectl writes it: block lines indented by one tab. */
const AS_KUBECTL_WRITES = ARTICLE.replace(/^ {4}/gm, '\t');

describe('parseKlog', () => {
  for (const [name, text] of [
    ["the article's text (space-indented)", ARTICLE],
    ["kubectl's own output (tab-indented)", AS_KUBECTL_WRITES],
  ] as const) {
    test(`reads entries, fields and blocks of ${name}`, () => {
      const { entries, otherLines } = parseKlog(text);
      expect(entries).toHaveLength(10);
      expect(otherLines).toEqual(['Client Version: v1.33.3', 'Kustomize Version: v5.6.0', 'Server Version: v1.33.3']);
      expect(entries[0]).toMatchObject({
        severity: 'I',
        timestamp: '0729 21:45:30.645383',
        pid: 778204,
        source: 'loader.go:402',
        structured: false,
      });
      expect(configLoadedFrom(entries)).toBe('/etc/kubernetes/admin.conf');
      expect(entries[1]).toMatchObject({
        message: 'Feature gate default state',
        fields: { feature: 'ClientsAllowCBOR', enabled: 'false' },
      });

      const exchanges = loggedExchanges(entries);
      expect(exchanges).toHaveLength(1);
      const [x] = exchanges;
      expect(x!.verb).toBe('GET');
      expect(x!.url).toBe('https://192.168.1.150:6443/version?timeout=32s');
      expect(x!.requestBody).toBe('');
      expect(x!.requestHeaders.get('accept')).toBe('application/json, */*');
      expect(x!.requestHeaders.get('User-Agent')).toBe('kubectl/v1.33.3 (linux/amd64) kubernetes/80779bd');
      expect(x!.status).toBe('200 OK');
      expect(x!.milliseconds).toBe(3);
      expect(x!.responseHeaders!.names()).toEqual([
        'Audit-Id',
        'Cache-Control',
        'Content-Length',
        'Content-Type',
        'Date',
        'X-Kubernetes-Pf-Flowschema-Uid',
        'X-Kubernetes-Pf-Prioritylevel-Uid',
      ]);
      expect(x!.responseHeaders!.get('cache-control')).toBe('no-cache, private');
      expect(x!.responseHeaders!.get('Date')).toBe('Tue, 29 Jul 2025 13:45:30 GMT');
      expect(JSON.parse(x!.responseBody!)).toMatchObject({
        gitVersion: 'v1.33.3',
        minCompatibilityMinor: '32',
        platform: 'linux/amd64',
      });
    });
  }

  test('reads the one-line exchanges of -v 6, structured and the older plain form', () => {
    const text = [
      'I1125 13:40:56.707093    6403 round_trippers.go:632] "Response" verb="GET" url="https://127.0.0.1:36309/version?timeout=32s" status="200 OK" milliseconds=6',
      'I0101 00:00:00.000001       7 round_trippers.go:553] GET https://127.0.0.1:1/api?timeout=32s 403 Forbidden in 2 milliseconds',
    ].join('\n');
    expect(
      loggedExchanges(parseKlog(text).entries).map((x) => [
        x.verb,
        x.url,
        x.status,
        x.milliseconds,
        x.requestHeaders.names().length,
      ]),
    ).toEqual([
      ['GET', 'https://127.0.0.1:36309/version?timeout=32s', '200 OK', 6, 0],
      ['GET', 'https://127.0.0.1:1/api?timeout=32s', '403 Forbidden', 2, 0],
    ]);
  });

  test('keeps what is not a key=value pair instead of dropping it', () => {
    const { entries } = parseKlog(
      'E0101 00:00:00.000001       7 x.go:1] "Oops" err="a \\"quoted\\" \\u00e9 thing" not a pair',
    );
    expect(entries[0]).toMatchObject({
      severity: 'E',
      message: 'Oops',
      fields: { err: 'a "quoted" é thing', '': 'not a pair' },
    });
  });

  test('an unterminated block takes the rest of the text', () => {
    const { entries } = parseKlog('I0101 00:00:00.000001       7 x.go:1] "Request" headers=<\n\tAccept: a');
    expect(entries[0]!.fields.headers).toBe('Accept: a');
  });
});

describe('readGoQuoted', () => {
  test('unquotes Go escapes and returns what follows', () => {
    expect(readGoQuoted('"a\\tb\\\\c\\x41" rest')).toEqual({ value: 'a\tb\\cA', rest: ' rest' });
    expect(readGoQuoted('"unterminated')).toBeUndefined();
    expect(readGoQuoted('bare')).toBeUndefined();
  });
});
