/**
 * Which report surfaces a job writes, planned from the installation's permissions as the token
 * response lists them (`POST /app/installations/{id}/access_tokens` answers `permissions:
 * { checks: 'write', contents: 'read', … }`). A surface the installation cannot write is not
 * asked for: each was one refused POST per job (and one per retry), answered 403 "Resource not
 * accessible by integration". A response without permissions (older GitHub Enterprise) plans
 * every surface: each is tried and a refusal handled as before (src/github/refusal.ts).
 */
import { GitHubRefusedError, type GitHubRefusal } from './refusal.js';

/** Permission name → level (`read`, `write`, `admin`), as GitHub lists them. */
export type InstallationPermissions = Readonly<Record<string, string>>;

export type Surface = 'checkRun' | 'prComment' | 'commitComments';

export interface SurfaceOff {
  surface: Surface;
  /** What the surface needs, as the App's settings name it ("Contents: write"). */
  needs: string;
  /** A second permission GitHub also accepts ("Issues: write" for the PR comment). */
  alternative?: string;
  /** What the installation grants instead ("Contents: read", "no Contents access"). */
  grants: string;
}

export interface ReportPlan {
  /** The listed permissions; undefined when the token response had none (everything is tried). */
  permissions?: InstallationPermissions;
  /** Surfaces the installation cannot write: not asked for. */
  off: Partial<Record<Surface, SurfaceOff>>;
}

const LABEL: Record<string, string> = {
  checks: 'Checks',
  contents: 'Contents',
  pull_requests: 'Pull requests',
  issues: 'Issues',
};
const KEY: Record<string, string> = Object.fromEntries(
  Object.entries(LABEL).map(([k, v]) => [v, k]),
);

/** Each surface's permission (first) and the one GitHub also accepts (PR comments are issue comments). */
const NEEDS: Record<Surface, { keys: [string, ...string[]]; title: string }> = {
  checkRun: { keys: ['checks'], title: 'Check runs' },
  prComment: { keys: ['pull_requests', 'issues'], title: 'PR comments' },
  commitComments: { keys: ['contents'], title: 'Commit comments' },
};

/**
 * The `permissions` of a token response, or undefined: absent, not an object, or without one
 * readable entry (GitHub lists `metadata: read` for every App, so an empty object says nothing).
 */
export function permissionsOf(data: unknown): InstallationPermissions | undefined {
  const p =
    typeof data === 'object' && data !== null
      ? (data as { permissions?: unknown }).permissions
      : undefined;
  if (typeof p !== 'object' || p === null || Array.isArray(p)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(p as Record<string, unknown>))
    if (/^[a-z_]{1,64}$/.test(k) && typeof v === 'string' && /^(read|write|admin)$/.test(v))
      out[k] = v;
  return Object.keys(out).length > 0 ? out : undefined;
}

const writes = (p: InstallationPermissions, key: string): boolean =>
  p[key] === 'write' || p[key] === 'admin';

function granted(p: InstallationPermissions, key: string): string {
  const level = p[key];
  return level ? `${LABEL[key]}: ${level}` : `no ${LABEL[key]} access`;
}

export function planReport(permissions?: InstallationPermissions): ReportPlan {
  if (!permissions) return { off: {} };
  const off: ReportPlan['off'] = {};
  for (const surface of Object.keys(NEEDS) as Surface[]) {
    const [key, alt] = NEEDS[surface].keys;
    if (writes(permissions, key) || (alt && writes(permissions, alt))) continue;
    off[surface] = {
      surface,
      needs: `${LABEL[key]}: write`,
      ...(alt ? { alternative: `${LABEL[alt]}: write` } : {}),
      grants: [key, ...(alt && permissions[alt] ? [alt] : [])]
        .map((k) => granted(permissions, k))
        .join(' and '),
    };
  }
  return { permissions, off };
}

/** The line users read where the report is: "Commit comments are off: this installation grants Contents: read (…)". */
export function offNote(o: SurfaceOff): string {
  const needs = o.alternative ? `${o.needs} or ${o.alternative}` : o.needs;
  return `${NEEDS[o.surface].title} are off: this installation grants ${o.grants} (they need ${needs}).`;
}

/** The surface in the words of one log field. */
export function offLabel(o: SurfaceOff): string {
  return `${NEEDS[o.surface].title.toLowerCase()} (need ${o.needs}${o.alternative ? ` or ${o.alternative}` : ''}; granted: ${o.grants})`;
}

/**
 * GitHub refused a permission the listed permissions grant: they changed since the token was
 * minted (the App's owner lowered one), and the cached token must go.
 */
export function contradicts(
  permissions: InstallationPermissions | undefined,
  r: GitHubRefusal,
): boolean {
  if (!permissions || r.kind !== 'permission' || r.granted) return false;
  return [r.permission, r.alternative].some((name) => {
    const m = name ? /^(.+): (read|write)$/.exec(name) : null;
    const key = m ? KEY[m[1]!] : undefined;
    if (!m || !key || !permissions[key]) return false;
    return m[2] === 'read' || writes(permissions, key);
  });
}

/**
 * A check run the installation cannot write, as the refusal it would have been: the job fails
 * for good on it (the check run is the main report) with one error naming the permission, and
 * no "the scan could not run" run is attempted. Nothing was sent.
 */
export function checkRunNotGranted(o: SurfaceOff): GitHubRefusedError {
  return new GitHubRefusedError({
    route: 'POST /repos/{owner}/{repo}/check-runs',
    permission: o.needs,
    scope: 'checks',
    kind: 'permission',
    message: 'not sent',
    granted: o.grants,
  });
}
