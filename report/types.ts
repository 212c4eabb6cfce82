import type { ReplayedLiteral, ReplayStatus } from '../suites/checks/article/compare.ts';
// The results model: built once per run (model.ts), rendered by every format (junit, json, markdown, html, terminal).
// Every string in it has already passed through redact(); renderers redact again (redact-model.ts) so that a
// hand-made model cannot leak either.
import type { Claim, ClaimGroup, Staging } from '../contract/catalogue.ts';

export type Status = 'pass' | 'fail' | 'skip';

/**
 * Bumped when a field is added, changes meaning or disappears; scripts reading results.json check it. 4: readOnly;
 * 5: articleReplay; 6: pool.
 */
export const RESULTS_SCHEMA_VERSION = 6;

export interface EvidenceItem {
  label: string;
  body: string;
}

/**
 * One thing a check compared and found differing, as kube-bench's ExpectedResult and ActualValue: `check` is a
 * short kebab-case id naming what was compared ("namespace-present", "http-status"), `expected` and `actual`
 * the values compared as short strings (absent where not meaningful), `message` the sentence saying it.
 * Plain data, of the same shape as the findings the suites' checks return (suites/differences.ts).
 */
export interface Finding {
  check: string;
  expected?: string;
  actual?: string;
  message: string;
}

/**
 * One finished test, as the model needs it: independent of vitest's classes so the model can be built
 * (and unit-tested) from plain data. report/test-record.ts makes these from vitest TestCases.
 */
export interface TestRecord {
  name: string;
  /** Suite path and name, "describe > test". */
  fullName: string;
  /** Test file, relative to the project root. */
  file: string;
  /** Effective state: a test skipped because a hook of its suite failed counts as failed. */
  state: 'passed' | 'failed' | 'skipped';
  durationMs: number;
  /** Failure text (message and diff), or the skip note. Not yet redacted nor shortened. */
  message?: string;
  claimId?: string;
  negativeControl?: boolean;
  evidence?: EvidenceItem[];
  /** Where the article is imprecise: what it says and what the cluster shows. */
  notes?: ArticleNote[];
  /** A negative control held back by policy (a cluster kube-claims did not make). */
  heldBack?: boolean;
  /** How a negative control staged its deviation (contract/catalogue.ts Staging). */
  staging?: Staging;
  /** A negative control's deviation (the test's meta; its name says it after "ID negative control: "). */
  deviation?: string;
  /** What the check found: a failed claim's findings, or those a negative control's check produced on the deviation. */
  findings?: Finding[];
  /** The article replayed (suites/article/replay.test.ts): each literal beside this run's. */
  article?: ReplayedLiteral[];
  /** The worker process that ran the test, and the CPU it had used before its first test (start-up, modules). */
  worker?: WorkerStart;
  /** How long the run's scheduler held the test back for conflicting tests (contract/touches.ts). */
  waitedMs?: number;
}

export interface WorkerStart {
  pid: number;
  startupCpuMs: number;
}

/** "What the article says / what the cluster shows", beside the evidence. */
export interface ArticleNote {
  article: string;
  cluster: string;
}

export interface NegativeControlResult {
  /** The deviation the control simulates (suites/claim.ts negativeControl() puts it in the test's meta). */
  name: string;
  status: Status;
  /** Not run by policy: it would disturb a cluster kube-claims did not make. */
  heldBack?: boolean;
  /** Where it staged its deviation: live, on a copy, on a recorded observation. */
  staging?: Staging;
  durationMs: number;
  message?: string;
  evidence: EvidenceItem[];
  /**
   * What the claim's check found on the deviating cluster: what made it reject the deviation (or, failing, what it saw
   * instead).
   */
  findings: Finding[];
}

/** A catalogue entry with its outcome in this run. */
export interface ClaimResult extends Claim {
  needsNode: boolean;
  status: Status;
  /** How many tests of this claim (its own and its negative controls) the run had; 0 = not run. */
  testCount: number;
  /** Duration of the claim's own test(s); each negative control has its own. */
  durationMs: number;
  /** Why it failed (first lines of the error) or why it was skipped. */
  message?: string;
  evidence: EvidenceItem[];
  /** Where the claim's check failed: each thing it compared that differed, expected beside actual. */
  findings: Finding[];
  notes: ArticleNote[];
  negativeControls: NegativeControlResult[];
  /** Failed because a bounded wait ran out: the claim could not finish (message says what it waited for). */
  unfinished?: boolean;
  /**
   * Passed, but no negative control of it passed in this run (held back, not staged, not applicable, left out):
   * nothing in this run showed that its check can fail. Says why.
   */
  notFalsified?: string;
}

export interface GroupResult {
  id: ClaimGroup;
  section: string;
  title: string;
  totals: StatusTotals;
  claims: ClaimResult[];
}

/** A test that is no claim (unit tests of helpers, of the reports). */
export interface OtherTestResult {
  name: string;
  file: string;
  status: Status;
  durationMs: number;
  message?: string;
}

export interface StatusTotals {
  pass: number;
  fail: number;
  skip: number;
}

/** Counts of every test case of the run: claim tests, negative controls and other tests. */
export interface TestCaseTotals {
  passed: number;
  failed: number;
  skipped: number;
}

/**
 * What the cluster global setup wrote to reports/RUN-ID/environment.json. Every field is optional and
 * unknown fields are kept: renderers show the known ones first with labels, then whatever else is there.
 */
export interface EnvironmentInfo {
  /** The cluster's name (kind/providers/facts.ts writes `cluster`). */
  cluster?: string;
  clusterName?: string;
  /** 'kind' when kube-claims provisioned the cluster, 'external' for KUBE_CLAIMS_KUBECONFIG. */
  source?: string;
  kubeconfigSource?: string;
  nodeName?: string;
  serverUrl?: string;
  kubernetesVersion?: string;
  /** The line profile of the server ("v1.38 (v1.38.0-beta.0, pre-release)"). */
  kubernetesLine?: string;
  /** The server runs a Kubernetes pre-release: every format marks its version so. */
  preRelease?: boolean;
  etcdVersion?: string;
  nodeImage?: string;
  createdByThisRun?: boolean;
  /**
   * Per phase; the key names the unit (contract/cluster.ts TIMING_LABELS: imageBuildSeconds, clusterCreateSeconds,
   * ...).
   */
  timings?: Record<string, number>;
  [key: string]: unknown;
}

export interface RunError {
  /** Where it came from: a test file or suite ("file > suite"), "unhandled", or "vitest" for the run itself. */
  origin: string;
  message: string;
  /**
   * Whether the CI summary line counts it as a failure: false only for a hook error that already failed
   * the tests it kept from running (they count themselves); true for a file that did not load, an
   * afterAll that threw, an unhandled error, a run that failed before any test.
   */
  countsAsFailure: boolean;
}

export interface ArticleReplay {
  /** "article literals: N same, M differ as expected, K differ, L not observed". */
  summary: string;
  counts: Record<ReplayStatus, number>;
  literals: ReplayedLiteral[];
}

export interface ResultsModel {
  schemaVersion: typeof RESULTS_SCHEMA_VERSION;
  tool: 'kube-claims';
  runId: string;
  /** ISO 8601. */
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  /** vitest's verdict on the run: passed, failed or interrupted. */
  outcome: string;
  environment: EnvironmentInfo | null;
  /** Claims by status. */
  totals: StatusTotals;
  /** Every test case of the run: claim tests, negative controls, other tests. */
  testCases: TestCaseTotals;
  /**
   * What the CI summary line ("N passed, N failed, N skipped") prints: testCases, with the errors outside
   * tests that count as failures added to failed, so that a run whose setup failed never reads "0 failed".
   */
  summaryCounts: TestCaseTotals;
  groups: GroupResult[];
  /** Claim tests whose ID is not in the catalogue (a typo in a suite); they still count in testCases. */
  unknownClaimTests: OtherTestResult[];
  otherTests: OtherTestResult[];
  otherTotals: StatusTotals;
  errors: RunError[];
  /** Claims of the run that were not checked (skipped), with why: the exit code does not read as a pass. */
  unchecked: Array<{ id: string; title: string; reason: string }>;
  /** Claims that passed with none of their negative controls run and passed in this run, with why. */
  notFalsified: Array<{ id: string; title: string; reason: string }>;
  /** Negative controls held back by policy, with why. */
  heldBack: Array<{ id: string; control: string; reason: string }>;
  /**
   * A read-only run (--read-only): nothing was written to the cluster, and what needed a write went unchecked. Else
   * null.
   */
  readOnly: ReadOnlyRun | null;
  /**
   * The article replayed: each literal output of the article beside what this run printed for the same command;
   * beside the verdicts, never one of them. null when the replay did not run.
   */
  articleReplay: ArticleReplay | null;
  /** Node diagnostics collected because claims failed, relative to the run's folder. */
  diagnostics: string[];
  /** The slowest claim tests and negative controls of the run, slowest first (at most SLOWEST_COUNT). */
  slowest: SlowTest[];
  /** The run's pool of workers and its scheduler; null when no claim test ran. */
  pool: PoolUse | null;
}

/** How the live tests ran: in how many worker processes, what starting them cost, how long tests waited. */
export interface PoolUse {
  workers: number;
  /** CPU-seconds the workers used before their first test: the process, vitest and the first file's modules. */
  startupCpuSeconds: number;
  /** Tests the scheduler held back for a conflicting test, and their waits in all. */
  waitedTests: number;
  waitedSeconds: number;
}

/** What a read-only run left unchecked because it writes nothing. */
export interface ReadOnlyRun {
  /** Claims of the run unchecked because their check needs a write (their reasons name it). */
  uncheckedClaims: number;
  /** Negative controls skipped because they need a write (their claims' checks ran or not on their own). */
  uncheckedControls: number;
}

export interface SlowTest {
  id: string;
  /** 'claim' for the claim's own test, else the negative control's deviation. */
  test: string;
  negativeControl: boolean;
  durationMs: number;
}
