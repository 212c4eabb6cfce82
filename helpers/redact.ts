// Redaction for everything that leaves a test: evidence, logs, reports.
// Private keys, client-key-data, tokens and certificate bodies never appear in output.
// The rules run in order; each is idempotent, so redacting twice changes nothing.
// Replacements say what was removed but never repeat a PEM header, so secret scanners stay quiet on reports.

type Replacer = (match: string, ...groups: string[]) => string;

/** A line break in a PEM body, raw or as the escaped "\n" of a JSON string. */
const EOL = String.raw`(?:\r?\n|\\r?\\n)`;
/** PEM body characters: standard base64 and line breaks. */
const PEM_BODY = String.raw`(?:[A-Za-z0-9+/=]|\s|\\[nr])*`;

/** Keys whose value is a credential, in kubeconfigs (YAML or JSON), client-node objects, HTTP and CLI options. */
const CREDENTIAL_KEYS = [
  'client-key-data',
  'client-certificate-data',
  'certificate-authority-data',
  '(?:client-?)?key-?data',
  'cert-?data',
  'ca-?data', // @kubernetes/client-node: keyData, certData, caData
  'token',
  'id-token',
  'refresh-token',
  'secret',
  'password',
].join('|');

const RULES: Array<[RegExp, Replacer | string]> = [
  // Complete PEM blocks: keys and certificates alike.
  [/-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g, (_m, kind) => `[REDACTED ${kind}]`],
  // A PEM block cut short (truncated output): its header and the base64 after it.
  [new RegExp(String.raw`-----BEGIN ([A-Z0-9 ]+)-----${PEM_BODY}`, 'g'), (_m, kind) => `[REDACTED ${kind}]`],
  // The tail of a PEM block whose start was cut off: the base64 lines before its footer.
  [
    new RegExp(String.raw`(?:[A-Za-z0-9+/=]+${EOL})*-----END ([A-Z0-9 ]+)-----`, 'g'),
    (_m, kind) => `[REDACTED ${kind}]`,
  ],
  // Credential fields whose value is a YAML block scalar ("client-key-data: |"): the lines indented under the key.
  [
    new RegExp(
      String.raw`^([ \t]*(?:- )?)((?:${CREDENTIAL_KEYS})\s*:\s*)[|>][-+]?[ \t]*\n(?:\1[ \t]+\S.*(?:\n|$))+`,
      'gmi',
    ),
    (match, indent, key) => `${indent}${key}[REDACTED]${match.endsWith('\n') ? '\n' : ''}`,
  ],
  // Credential fields with an inline value: a quoted string (quotes kept, so JSON stays JSON) or a bare word.
  [
    new RegExp(String.raw`((?:${CREDENTIAL_KEYS})"?\s*[:=]\s*)(?:"(?:[^"\\]|\\.)*"|'[^']*'|[^\s",}]+)`, 'gi'),
    (match, key) => {
      const value = match.slice(key.length);
      const quote = value[0] === '"' || value[0] === "'" ? value[0] : '';
      return `${key}${quote}[REDACTED]${quote}`;
    },
  ],
  // Passwords and tokens in URLs: scheme://user:SECRET@host. Quotes, brackets and commas end a URL, so
  // "server":"https://host:6443"},…"name":"admin@kubernetes" in compact JSON is no userinfo.
  [/(\b[a-z][a-z0-9+.-]*:\/\/[^\s/:@"'<>{}[\],]*:)[^\s/@"'<>{}[\],]+@/gi, '$1[REDACTED]@'],
  // HTTP authorization headers, as text or as a JSON header map.
  [/(Authorization"?\s*[:=]\s*"?(?:Bearer|Basic)\s+)(?!<masked>|\[REDACTED)[^\s",]+/gi, '$1[REDACTED]'],
  // Bearer tokens anywhere else (curl -H, logs); kubectl's own "Bearer <masked>" is left alone.
  [/(\bBearer\s+)(?!\[REDACTED)[A-Za-z0-9._~+/-]{8,}=*/g, '$1[REDACTED]'],
  // JWTs (service-account tokens, OIDC id-tokens).
  [/\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}/g, '[REDACTED-JWT]'],
  // kubeadm bootstrap tokens: [a-z0-9]{6}.[a-z0-9]{16}.
  [/\b[a-z0-9]{6}\.[a-z0-9]{16}\b/g, '[REDACTED-BOOTSTRAP-TOKEN]'],
  // Base64 of a PEM block ("-----BEGI…") or of DER ("MII…"), as in *-data fields and certificate dumps.
  [/(?:LS0tLS1CRUdJ|MII)[A-Za-z0-9+/=]{40,}/g, '[REDACTED-BASE64]'],
  // Any other long run of mixed-case base64: key material that lost its field name (a PEM body line,
  // a decoded value). Hex digests (no upper case) and paths (short segments with dots) are left alone.
  [
    /[A-Za-z0-9+/]{64,}={0,2}/g,
    (m) => (/[A-Z]/.test(m) && /[a-z]/.test(m) && /[0-9]/.test(m) ? '[REDACTED-BASE64]' : m),
  ],
];

export function redact(text: string): string {
  let out = text;
  for (const [pattern, replacement] of RULES) out = out.replace(pattern, replacement as Replacer);
  return out;
}
