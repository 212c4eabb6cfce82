// Kubeconfig files as data: parse the YAML, resolve a context, decode and verify the credentials in it.
// Key material stays in memory: what leaves this module for evidence is structure (`redactedKubeconfig`)
// and certificate facts (subject, issuer, validity), never a key or a certificate body.
import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { parse } from 'yaml';

export interface KubeconfigCluster {
  server?: string;
  'certificate-authority-data'?: string;
  'certificate-authority'?: string;
  'insecure-skip-tls-verify'?: boolean;
  [key: string]: unknown;
}

export interface KubeconfigUser {
  'client-certificate-data'?: string;
  'client-key-data'?: string;
  'client-certificate'?: string;
  'client-key'?: string;
  token?: string;
  [key: string]: unknown;
}

export interface KubeconfigContext {
  cluster?: string;
  user?: string;
  namespace?: string;
  [key: string]: unknown;
}

export interface Kubeconfig {
  apiVersion?: string;
  kind?: string;
  preferences?: unknown;
  clusters?: Array<{ name: string; cluster: KubeconfigCluster }>;
  contexts?: Array<{ name: string; context: KubeconfigContext }>;
  users?: Array<{ name: string; user: KubeconfigUser }>;
  'current-context'?: string;
  [key: string]: unknown;
}

export class KubeconfigError extends Error {
  override name = 'KubeconfigError';
}

/** Parses kubeconfig YAML; fails when the text is not a YAML mapping. Names lists absent from the file stay absent. */
export function parseKubeconfig(text: string): Kubeconfig {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    throw new KubeconfigError(`not YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new KubeconfigError('not a YAML mapping');
  return doc as Kubeconfig;
}

export interface ResolvedContext {
  contextName: string;
  clusterName: string;
  userName: string;
  server: string;
  cluster: KubeconfigCluster;
  user: KubeconfigUser;
}

/**
 * The namespace kubectl uses without -n: the named (or current) context's, `default` when it names none
 * (client-go's clientcmd: an empty context namespace means default).
 */
export function contextNamespace(kc: Kubeconfig, contextName = kc['current-context']): string {
  return kc.contexts?.find((c) => c.name === contextName)?.context?.namespace || 'default';
}

/** The named (or current) context with the cluster and user it refers to. */
export function resolveContext(kc: Kubeconfig, contextName = kc['current-context']): ResolvedContext {
  if (!contextName) throw new KubeconfigError('no context named and no current-context');
  const ctx = kc.contexts?.find((c) => c.name === contextName);
  if (!ctx)
    throw new KubeconfigError(
      `context ${contextName} not found (contexts: ${kc.contexts?.map((c) => c.name).join(', ') || 'none'})`,
    );
  const clusterName = ctx.context?.cluster ?? '';
  const userName = ctx.context?.user ?? '';
  const cluster = kc.clusters?.find((c) => c.name === clusterName)?.cluster;
  if (!cluster)
    throw new KubeconfigError(`context ${contextName} refers to cluster ${clusterName}, which is not in the file`);
  const user = kc.users?.find((u) => u.name === userName)?.user;
  if (!user) throw new KubeconfigError(`context ${contextName} refers to user ${userName}, which is not in the file`);
  return { contextName, clusterName, userName, server: cluster.server ?? '', cluster, user };
}

/** PEM text of a *-data field (base64 of PEM). */
export function decodeData(value: string | undefined): string | undefined {
  return value === undefined ? undefined : Buffer.from(value, 'base64').toString('utf8');
}

export interface PemCredentials {
  ca?: string;
  cert?: string;
  key?: string;
}

/** The CA, client certificate and key of a context, as PEM; only the inline *-data form is read. */
export function contextCredentials(ctx: ResolvedContext): PemCredentials {
  return {
    ca: decodeData(ctx.cluster['certificate-authority-data']),
    cert: decodeData(ctx.user['client-certificate-data']),
    key: decodeData(ctx.user['client-key-data']),
  };
}

/** "CN=kubernetes-admin\nO=kubeadm:cluster-admins" (node:crypto's form) → { CN: [...], O: [...] }. */
export function parseDistinguishedName(dn: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const line of dn.split('\n')) {
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    (out[line.slice(0, eq)] ??= []).push(line.slice(eq + 1));
  }
  return out;
}

export interface CertificateFacts {
  subject: Record<string, string[]>;
  issuer: Record<string, string[]>;
  serialNumber: string;
  validFrom: string;
  validTo: string;
  isCA: boolean;
  fingerprint256: string;
  publicKeyType: string;
}

function certificateFacts(cert: X509Certificate): CertificateFacts {
  return {
    subject: parseDistinguishedName(cert.subject),
    issuer: parseDistinguishedName(cert.issuer),
    serialNumber: cert.serialNumber,
    validFrom: cert.validFromDate.toISOString(),
    validTo: cert.validToDate.toISOString(),
    isCA: cert.ca,
    fingerprint256: cert.fingerprint256,
    publicKeyType: cert.publicKey.asymmetricKeyType ?? 'unknown',
  };
}

/** What can be said about a CA, client certificate and key; safe to record (no key material). */
export interface CredentialInspection {
  ca?: CertificateFacts;
  cert?: CertificateFacts;
  keyType?: string;
  /** The key's public half equals the certificate's public key. */
  keyMatchesCertificate?: boolean;
  /** The certificate names the CA as issuer and its signature verifies with the CA's key. */
  certificateSignedByCa?: boolean;
  /** The certificate is within its validity period at `now`. */
  certificateValidNow?: boolean;
  /** Parse failures, one line each ("client key: ..."). */
  errors: string[];
}

export function inspectCredentials(pem: PemCredentials, now: Date = new Date()): CredentialInspection {
  const out: CredentialInspection = { errors: [] };
  const attempt = <T>(what: string, fn: () => T): T | undefined => {
    try {
      return fn();
    } catch (e) {
      out.errors.push(`${what}: ${(e as Error).message}`);
      return undefined;
    }
  };
  const ca = pem.ca === undefined ? undefined : attempt('CA certificate', () => new X509Certificate(pem.ca!));
  const cert = pem.cert === undefined ? undefined : attempt('client certificate', () => new X509Certificate(pem.cert!));
  const key = pem.key === undefined ? undefined : attempt('client key', () => createPrivateKey(pem.key!));
  if (ca) out.ca = certificateFacts(ca);
  if (cert) {
    out.cert = certificateFacts(cert);
    out.certificateValidNow = cert.validFromDate <= now && now <= cert.validToDate;
  }
  if (key) out.keyType = key.asymmetricKeyType;
  if (key && cert) {
    const fromKey = createPublicKey(key).export({ type: 'spki', format: 'der' });
    const fromCert = cert.publicKey.export({ type: 'spki', format: 'der' });
    out.keyMatchesCertificate = fromKey.equals(fromCert);
  }
  if (ca && cert) out.certificateSignedByCa = cert.checkIssued(ca) && cert.verify(ca.publicKey);
  return out;
}

const CREDENTIAL_FIELDS = [
  'certificate-authority-data',
  'client-certificate-data',
  'client-key-data',
  'token',
  'password',
];

/** The kubeconfig with every credential value replaced by "[REDACTED]": its structure, for evidence. */
export function redactedKubeconfig(kc: Kubeconfig): Kubeconfig {
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') {
      return Object.fromEntries(
        Object.entries(v).map(([k, x]) => [k, CREDENTIAL_FIELDS.includes(k) ? '[REDACTED]' : walk(x)]),
      );
    }
    return v;
  };
  return walk(kc) as Kubeconfig;
}

/**
 * The kubeconfig files kubectl loads, by client-go's loading rules (tools/clientcmd, ClientConfigLoadingRules):
 * the --kubeconfig flag alone when it is given; else each file KUBECONFIG lists (path-list separated, those that
 * exist); else ~/.kube/config. `exists` says which files exist.
 */
export function kubeconfigFilesLoaded(
  input: { flag?: string; env?: string; home: string },
  exists: (path: string) => boolean,
): { files: string[]; rule: string } {
  if (input.flag)
    return {
      files: [input.flag],
      rule: `--kubeconfig ${input.flag} (the flag wins over KUBECONFIG${input.env ? `=${input.env}` : ', unset here,'} and ~/.kube/config)`,
    };
  const listed = (input.env ?? '').split(':').filter(Boolean);
  if (listed.length) return { files: listed.filter(exists), rule: `KUBECONFIG=${input.env} (no --kubeconfig)` };
  return { files: [`${input.home}/.kube/config`], rule: 'neither --kubeconfig nor KUBECONFIG: ~/.kube/config' };
}
