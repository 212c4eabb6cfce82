// The package's programmatic interface (`import { parseConfig, verify } from 'kube-claims'`): the same
// configuration, run and results the CLI has. A run's configuration comes from parseConfig, as the CLI's
// does, so a program gets the CLI's defaults and validation; verify resolves with the exit code the CLI
// would exit with, the reports' folder and the results model, and throws UsageError or EnvironmentError
// where the CLI exits 2.
export {
  parseConfig,
  selectClaims,
  selectedClaims,
  USAGE,
  ENVIRONMENT_VARIABLES,
  type Command,
  type RunConfig,
} from './config.ts';
export { verify, exitCodeOf, type ExitCode, type VerifyResult } from './verify.ts';
export { EXIT, type AnyExitCode, type RunExitCode } from '../contract/exit-codes.ts';
export { runMatrix, mergeMatrix } from './matrix.ts';
export { CATALOGUE, GROUPS, claimById, type Claim, type ClaimGroup, type ClaimId } from '../contract/catalogue.ts';
export { LINES, LINE_IDS, DEFAULT_LINE, type KubernetesLine } from '../contract/lines.ts';
export { UsageError, EnvironmentError } from '../contract/errors.ts';
export { setVerbose } from '../helpers/log.ts';
export type { ResultsModel, ClaimResult, GroupResult, NegativeControlResult, Status } from '../report/types.ts';
