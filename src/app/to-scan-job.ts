/**
 * Pure mapping from webhook payloads to scan jobs. Returns undefined for events that need no scan
 * (deleted refs, closed PRs, malformed payloads); never throws on bad input.
 */
import { isValidRepoName, parseFullName } from '../github/repo-name.js';
import type { ScanJob } from '../queue/scan-job.js';
import { withheldName } from '../queue/withheld-name.js';

type Json = Record<string, unknown>;
const obj = (v: unknown): Json | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : undefined;
const str = (v: unknown): string | undefined =>
  typeof v === 'string' && v.length > 0 ? v : undefined;
/**
 * GitHub's ids and numbers: positive safe integers. Anything else (1.5, -3, 1e21) would reach an
 * API path or a refspec (`refs/pull/1e+21/head`) and fail every retry for hours.
 */
const id = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isSafeInteger(v) && v > 0 ? v : undefined;
const SHA = /^[0-9a-f]{40}$/;
/** A commit to scan: 40 lower-case hex digits, not the all-zero "no commit" of push payloads. */
const commitSha = (v: unknown): string | undefined =>
  typeof v === 'string' && SHA.test(v) && !/^0+$/.test(v) ? v : undefined;

/** Longest ref name accepted (bytes): job ids and log lines carry it. */
export const MAX_REF_BYTES = 1024;
/**
 * A full ref name as git accepts it (`git check-ref-format`): under `refs/`, no control
 * characters, spaces, `~^:?*[\`, `..`, `@{`, `//`, no component starting with `.` or ending
 * with `.lock`, at most MAX_REF_BYTES. Anything else in a payload is not a ref: a 1 MB "ref" went
 * into the job (and, hex-encoded, into its id and every log line naming it).
 */
export function isRefName(v: unknown): v is string {
  return (
    typeof v === 'string' &&
    v.startsWith('refs/') &&
    Buffer.byteLength(v, 'utf8') <= MAX_REF_BYTES &&
    // eslint-disable-next-line no-control-regex
    !/[\x00-\x20\x7f~^:?*[\\]|\.\.|\/\/|@\{|\/\.|\.lock(\/|$)|[/.]$/.test(v)
  );
}
/** A branch name (a ref without its `refs/heads/`), or undefined. */
const branchName = (v: unknown): string | undefined =>
  typeof v === 'string' && isRefName(`refs/heads/${v}`) ? v : undefined;

type RepoFields = Pick<
  ScanJob,
  'owner' | 'repo' | 'repoId' | 'defaultBranch' | 'defaultBranchDigest'
>;

/** A ref as job data may hold it: masked, plus its digest, when the name holds a credential. */
function refFields(ref: string): Pick<ScanJob, 'ref' | 'refDigest'> {
  const { shown, digest } = withheldName(ref);
  return { ref: shown, ...(digest ? { refDigest: digest } : {}) };
}

/**
 * The repository as a job names it: validated `full_name` (or owner login + name) and id. The
 * payload's URLs (`clone_url`, `html_url`, …) are ignored: the worker fetches from, and links
 * reports to, the configured GitHub only (a link to another host in a check run or comment, or
 * a `git clone` of it in the history-rewrite recipe, would send users there).
 */
export function repoFields(repository: unknown): RepoFields | undefined {
  const r = obj(repository);
  const login = str(obj(r?.owner)?.login);
  const name = str(r?.name);
  const parsed =
    r?.full_name !== undefined
      ? parseFullName(r.full_name)
      : login && name
        ? { owner: login, repo: name }
        : undefined;
  const repoId = id(r?.id);
  if (!r || !parsed || !isValidRepoName(parsed) || repoId === undefined) return undefined;
  const { owner, repo } = parsed;
  const branch = branchName(r.default_branch);
  const defaultBranch = branch ? withheldName(branch) : undefined;
  return {
    owner,
    repo,
    repoId,
    ...(defaultBranch ? { defaultBranch: defaultBranch.shown } : {}),
    ...(defaultBranch?.digest ? { defaultBranchDigest: defaultBranch.digest } : {}),
  };
}

function installationId(payload: Json): number | undefined {
  return id(obj(payload.installation)?.id);
}

export function pullRequestJob(payload: Json, deliveryId?: string): ScanJob | undefined {
  const action = str(payload.action);
  if (action !== 'opened' && action !== 'synchronize' && action !== 'reopened') return undefined;
  const pr = obj(payload.pull_request);
  const head = commitSha(obj(pr?.head)?.sha);
  const base = commitSha(obj(pr?.base)?.sha);
  const number = id(pr?.number) ?? id(payload.number);
  const repo = repoFields(payload.repository);
  const inst = installationId(payload);
  if (!repo || !inst || !head || number === undefined) return undefined;
  // synchronize: the head this one replaced, to order heads delivered out of order.
  const before = action === 'synchronize' ? commitSha(payload.before) : undefined;
  return {
    kind: 'pull_request',
    installationId: inst,
    ...repo,
    headSha: head,
    ...(base ? { baseSha: base } : {}),
    pr: number,
    ...(before && before !== head ? { prBefore: before } : {}),
    ...(deliveryId ? { deliveryId } : {}),
  };
}

export function pushJob(payload: Json, deliveryId?: string): ScanJob | undefined {
  if (payload.deleted === true) return undefined;
  const after = commitSha(payload.after);
  const before = commitSha(payload.before);
  const ref = isRefName(payload.ref) ? payload.ref : undefined;
  const repo = repoFields(payload.repository);
  const inst = installationId(payload);
  if (!repo || !inst || !ref || !after) return undefined;
  // An annotated tag's `after` is the tag object, on which GitHub refuses a check run ("No commit
  // found for SHA"); `head_commit` is the commit it points to.
  const tagged = commitSha(obj(payload.head_commit)?.id);
  const head = ref.startsWith('refs/tags/') && tagged ? tagged : after;
  return {
    kind: 'push',
    installationId: inst,
    ...repo,
    headSha: head,
    // Its message is pushed with it: the scan reads it from the object.
    ...(head !== after ? { tagObject: after } : {}),
    ...(before ? { baseSha: before } : {}),
    ...refFields(ref),
    ...(payload.forced === true ? { forced: true } : {}),
    ...(deliveryId ? { deliveryId } : {}),
  };
}

/** check_run.rerequested / requested_action and check_suite.rerequested: rescan that head. */
export function rerunJob(payload: Json, deliveryId?: string): ScanJob | undefined {
  const run = obj(payload.check_run);
  const suite = obj(payload.check_suite) ?? obj(run?.check_suite);
  const head = commitSha(run?.head_sha !== undefined ? run.head_sha : suite?.head_sha);
  const repo = repoFields(payload.repository);
  const inst = installationId(payload);
  if (!repo || !inst || !head) return undefined;
  const prs = (run?.pull_requests ?? suite?.pull_requests) as unknown[] | undefined;
  const pr = Array.isArray(prs) ? obj(prs[0]) : undefined;
  const prNumber = id(pr?.number);
  const baseSha = commitSha(obj(pr?.base)?.sha);
  const branch = branchName(suite?.head_branch);
  const checkRunId = id(run?.id);
  const common = {
    installationId: inst,
    ...repo,
    headSha: head,
    rerun: true,
    ...(checkRunId ? { checkRunId } : {}),
    ...(deliveryId ? { deliveryId } : {}),
  };
  if (prNumber !== undefined)
    return { kind: 'pull_request', ...common, pr: prNumber, ...(baseSha ? { baseSha } : {}) };
  return {
    kind: 'push',
    ...common,
    ...(branch ? refFields(`refs/heads/${branch}`) : {}),
    forced: true,
  };
}
