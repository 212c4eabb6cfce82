// JUnit XML, as CI test viewers read it: one testsuite per claim group, one testcase per claim
// (classname = group, name = "ID title") and one per negative control. Like kube-bench, a failure carries
// the remediation and a skip its reason; the claim's description and evidence go to system-out.
import { STAGING_LABELS } from '../contract/catalogue.ts';
import { environmentRows } from './environment.ts';
import { escapeXml } from './escape.ts';
import { plainFindingsTable } from './findings.ts';
import { redactDeep } from './redact-model.ts';
import { readOnlyText } from './text.ts';
import type {
  ClaimResult,
  EvidenceItem,
  Finding,
  NegativeControlResult,
  OtherTestResult,
  ResultsModel,
  Status,
} from './types.ts';

interface Case {
  classname: string;
  name: string;
  status: Status | 'error';
  durationMs: number;
  /** Short text for the failure/skipped message attribute. */
  summary?: string;
  /** Full failure text (element content). */
  detail?: string;
  systemOut?: string;
  properties?: Array<[string, string]>;
}

export function renderJunit(input: ResultsModel): string {
  const model = redactDeep(input);
  const suites: Array<{ name: string; cases: Case[]; properties?: Array<[string, string]> }> = [];
  for (const group of model.groups) {
    suites.push({
      name: group.id,
      properties: [
        ['section', group.section],
        ['title', group.title],
      ],
      cases: group.claims.flatMap((claim) => [
        claimCase(claim),
        ...claim.negativeControls.map((nc) => controlCase(claim, nc)),
      ]),
    });
  }
  const others = [...model.unknownClaimTests, ...model.otherTests];
  if (others.length) suites.push({ name: 'other tests', cases: others.map(otherCase) });
  if (model.errors.length) {
    suites.push({
      name: 'errors outside tests',
      cases: model.errors.map((e) => ({
        classname: 'errors',
        name: e.origin,
        status: 'error' as const,
        durationMs: 0,
        summary: firstLine(e.message),
        detail: e.message,
      })),
    });
  }

  const all = suites.flatMap((s) => s.cases);
  const runProperties: Array<[string, string]> = [
    ['runId', model.runId],
    ['outcome', model.outcome],
    ...(model.readOnly ? [['read-only', readOnlyText(model.readOnly)] as [string, string]] : []),
    ...(model.articleReplay ? [['article-replay', model.articleReplay.summary] as [string, string]] : []),
    ...(model.articleReplay?.literals ?? []).map((l): [string, string] => [
      `article line ${l.line}: ${l.kind} ${l.field}`,
      `${l.status}: ${l.value}${l.observed !== undefined && l.observed !== l.value ? ` → ${l.observed}` : ''}${l.reason ? ` (${l.reason})` : ''}`,
    ]),
    ...environmentRows(model.environment).map((row): [string, string] => [
      row.kind === 'timing' ? `timing: ${row.label}` : row.label,
      row.value,
    ]),
  ];
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="kube-claims" ${countAttributes(all)} time="${seconds(model.durationMs)}" timestamp="${escapeXml(model.startedAt, true)}">`,
  ];
  for (const suite of suites) {
    lines.push(
      `  <testsuite name="${escapeXml(suite.name, true)}" ${countAttributes(suite.cases)} time="${seconds(sumDurations(suite.cases))}" timestamp="${escapeXml(model.startedAt, true)}">`,
    );
    lines.push('    <properties>');
    for (const [name, value] of [...runProperties, ...(suite.properties ?? [])]) {
      lines.push(`      <property name="${escapeXml(name, true)}" value="${escapeXml(value, true)}"/>`);
    }
    lines.push('    </properties>');
    for (const c of suite.cases) lines.push(...testcase(c));
    lines.push('  </testsuite>');
  }
  lines.push('</testsuites>', '');
  return lines.join('\n');
}

function claimCase(claim: ClaimResult): Case {
  const description = [
    `Section: ${claim.section}`,
    `Checks: ${claim.checks}`,
    `Remediation: ${claim.remediation}`,
  ].join('\n');
  return {
    classname: claim.group,
    name: `${claim.id} ${claim.title}`,
    status: claim.status,
    durationMs: claim.durationMs,
    summary: claim.message ? firstLine(claim.message) : undefined,
    detail:
      claim.status === 'fail'
        ? [claim.message ?? 'failed', findingsText(claim.findings), `Remediation: ${claim.remediation}`]
            .filter(Boolean)
            .join('\n\n')
        : undefined,
    systemOut: [
      description,
      claim.notFalsified ? `Not falsified in this run: ${claim.notFalsified}` : '',
      evidenceText(claim.evidence),
    ]
      .filter(Boolean)
      .join('\n\n'),
    properties: claim.notFalsified ? [['not-falsified', claim.notFalsified]] : undefined,
  };
}

function controlCase(claim: ClaimResult, nc: NegativeControlResult): Case {
  return {
    classname: claim.group,
    name: `${claim.id} negative control: ${nc.name}`,
    status: nc.status,
    durationMs: nc.durationMs,
    summary: nc.message ? firstLine(nc.message) : undefined,
    detail:
      nc.status === 'fail'
        ? `${nc.message ?? 'failed'}\n\nThe check of ${claim.id} did not reject a cluster that deviates (${nc.name}); its verdict cannot be trusted.`
        : undefined,
    systemOut:
      [
        nc.staging ? `Staging: ${STAGING_LABELS[nc.staging]}` : '',
        findingsText(nc.findings, 'What the check found on the deviating cluster'),
        evidenceText(nc.evidence),
      ]
        .filter(Boolean)
        .join('\n\n') || undefined,
    properties: nc.staging ? [['staging', nc.staging]] : undefined,
  };
}

function otherCase(test: OtherTestResult): Case {
  return {
    classname: test.file,
    name: test.name,
    status: test.status,
    durationMs: test.durationMs,
    summary: test.message ? firstLine(test.message) : undefined,
    detail: test.message,
  };
}

function testcase(c: Case): string[] {
  const open = `    <testcase classname="${escapeXml(c.classname, true)}" name="${escapeXml(c.name, true)}" time="${seconds(c.durationMs)}"`;
  const body: string[] = [];
  if (c.properties?.length) {
    body.push(
      '      <properties>',
      ...c.properties.map(
        ([name, value]) => `        <property name="${escapeXml(name, true)}" value="${escapeXml(value, true)}"/>`,
      ),
      '      </properties>',
    );
  }
  const message = c.summary ? ` message="${escapeXml(c.summary, true)}"` : '';
  if (c.status === 'fail')
    body.push(`      <failure${message} type="ClaimFailed">${escapeXml(c.detail ?? '')}</failure>`);
  if (c.status === 'error') body.push(`      <error${message} type="Error">${escapeXml(c.detail ?? '')}</error>`);
  if (c.status === 'skip') body.push(`      <skipped${message}/>`);
  if (c.systemOut) body.push(`      <system-out>${escapeXml(c.systemOut)}</system-out>`);
  return body.length ? [`${open}>`, ...body, '    </testcase>'] : [`${open}/>`];
}

/** The findings as a table, expected beside actual ('' when there are none). */
function findingsText(findings: readonly Finding[], title = 'Findings'): string {
  return findings.length ? `== ${title} ==\n${plainFindingsTable(findings)}` : '';
}

function evidenceText(evidence: readonly EvidenceItem[]): string {
  return evidence.map((e) => `== ${e.label} ==\n${e.body}`).join('\n\n');
}

function countAttributes(cases: readonly Case[]): string {
  const count = (status: Case['status']) => cases.filter((c) => c.status === status).length;
  return `tests="${cases.length}" failures="${count('fail')}" errors="${count('error')}" skipped="${count('skip')}"`;
}

function sumDurations(cases: readonly Case[]): number {
  return cases.reduce((total, c) => total + c.durationMs, 0);
}

function seconds(ms: number): string {
  return (Math.max(0, ms) / 1000).toFixed(3);
}

function firstLine(text: string): string {
  return text.split('\n').find((line) => line.trim()) ?? '';
}
