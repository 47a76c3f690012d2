/**
 * What a GitHub Actions run scans, worked out from the event itself (GITHUB_EVENT_NAME and the
 * payload at GITHUB_EVENT_PATH), as `ggshield secret scan ci` does:
 * - pull_request / pull_request_target: the PR's commits, base..head;
 * - push: before..after; a new branch (before is all zeros) or a force push scans the commits
 *   that are on no other branch; a deleted branch scans nothing;
 * - merge_group: base..head of the queued merge;
 * - anything else (workflow_dispatch, schedule, …): the full history.
 */
import { redactSecrets } from '../core/index.js';
export type ScanPlan =
  | {
      kind: 'range';
      head: string;
      /** Commits reachable from it are not scanned. Absent for a new branch. */
      base?: string;
      /** Branch of a push: other branches' commits are excluded for new branches and force pushes. */
      branch?: string;
      /** A force push: if `base` cannot be fetched, fall back to "not on another branch". */
      forced?: boolean;
      /**
       * A pull request: the commit whose .github/upstash-guard.yml decides the scan (its base).
       * The head's own file must not be able to switch its scan off, as in the App.
       */
      configAt?: string;
      label: string;
    }
  | { kind: 'history'; label: string }
  | { kind: 'skip'; label: string };

const ZERO = /^0{40}$|^0{64}$/;
const SHA = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

interface Payload {
  pull_request?: { number?: number; base?: { sha?: string }; head?: { sha?: string } };
  merge_group?: { base_sha?: string; head_sha?: string };
  ref?: string;
  before?: string;
  after?: string;
  deleted?: boolean;
  forced?: boolean;
}

function sha(value: unknown, what: string): string {
  if (typeof value !== 'string' || !SHA.test(value))
    throw new Error(`the event payload has no valid ${what}`);
  return value;
}

export function planFromEvent(eventName: string, payload: Payload): ScanPlan {
  if (eventName === 'pull_request' || eventName === 'pull_request_target') {
    const pr = payload.pull_request;
    const base = sha(pr?.base?.sha, 'pull_request.base.sha');
    const head = sha(pr?.head?.sha, 'pull_request.head.sha');
    return {
      kind: 'range',
      base,
      head,
      configAt: base,
      label: `pull request #${pr?.number ?? '?'} (${base.slice(0, 7)}..${head.slice(0, 7)})`,
    };
  }
  if (eventName === 'merge_group') {
    const base = sha(payload.merge_group?.base_sha, 'merge_group.base_sha');
    const head = sha(payload.merge_group?.head_sha, 'merge_group.head_sha');
    return {
      kind: 'range',
      base,
      head,
      label: `merge group (${base.slice(0, 7)}..${head.slice(0, 7)})`,
    };
  }
  if (eventName === 'push') {
    const branch = payload.ref?.startsWith('refs/heads/')
      ? payload.ref.slice('refs/heads/'.length)
      : undefined;
    // A ref name is the repository's text: it goes to the log and the job summary masked.
    const shown = (ref: string | undefined): string | undefined =>
      ref === undefined ? undefined : redactSecrets(ref);
    if (payload.deleted || (payload.after && ZERO.test(payload.after)))
      return {
        kind: 'skip',
        label: `push deleting ${shown(payload.ref) ?? 'a ref'}: nothing to scan`,
      };
    const head = sha(payload.after, 'after');
    const before = payload.before;
    if (!before || ZERO.test(before))
      return {
        kind: 'range',
        head,
        ...(branch ? { branch } : {}),
        label: `new branch ${shown(branch ?? payload.ref) ?? ''} (commits on no other branch, up to ${head.slice(0, 7)})`,
      };
    return {
      kind: 'range',
      head,
      base: sha(before, 'before'),
      ...(branch ? { branch } : {}),
      ...(payload.forced ? { forced: true } : {}),
      label: `push ${before.slice(0, 7)}..${head.slice(0, 7)}${payload.forced ? ' (forced)' : ''}`,
    };
  }
  return { kind: 'history', label: `full history (${eventName || 'no event'})` };
}
