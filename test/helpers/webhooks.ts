/**
 * Webhook payloads for process-level tests, built from trimmed recorded shapes in
 * test/fixtures/webhooks, plus signing and HTTP delivery exactly as GitHub does it.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

type Json = Record<string, unknown>;

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'webhooks');

export type FixtureName =
  | 'pull_request.opened'
  | 'pull_request.synchronize'
  | 'push'
  | 'installation.created'
  | 'installation_repositories.added'
  | 'check_run.rerequested'
  | 'check_run.requested_action';

export function loadFixture(name: FixtureName): Json {
  return JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8')) as Json;
}

export interface RepoRef {
  owner: string;
  name: string;
  id?: number;
  cloneUrl: string;
  defaultBranch?: string;
  installationId?: number;
}

function repository(r: RepoRef): Json {
  return {
    id: r.id ?? 501,
    node_id: 'R_1',
    name: r.name,
    full_name: `${r.owner}/${r.name}`,
    private: true,
    owner: { login: r.owner, id: 9001, type: 'Organization' },
    html_url: `https://github.com/${r.owner}/${r.name}`,
    clone_url: r.cloneUrl,
    default_branch: r.defaultBranch ?? 'main',
    fork: false,
    archived: false,
  };
}

const installation = (r: RepoRef): Json => ({ id: r.installationId ?? 4242, node_id: 'MDIz' });

export function pullRequestEvent(
  r: RepoRef,
  o: {
    action?: 'opened' | 'synchronize' | 'reopened';
    number: number;
    headSha: string;
    baseSha: string;
    headRef?: string;
    /** synchronize: the head it replaced (GitHub's `before`; `after` is the new head). */
    before?: string;
  },
): Json {
  const base = loadFixture('pull_request.opened');
  const repo = repository(r);
  const pr = base.pull_request as Json;
  return {
    ...base,
    action: o.action ?? 'opened',
    number: o.number,
    ...(o.before ? { before: o.before, after: o.headSha } : {}),
    pull_request: {
      ...pr,
      number: o.number,
      head: { ref: o.headRef ?? 'feature', sha: o.headSha, repo },
      base: { ref: r.defaultBranch ?? 'main', sha: o.baseSha, repo },
    },
    repository: repo,
    installation: installation(r),
  };
}

export function pushEvent(
  r: RepoRef,
  o: { ref: string; before: string; after: string; forced?: boolean },
): Json {
  const created = /^0{40}$/.test(o.before);
  return {
    ...loadFixture('push'),
    ref: o.ref,
    before: o.before,
    after: o.after,
    created,
    deleted: /^0{40}$/.test(o.after),
    forced: o.forced ?? false,
    repository: repository(r),
    installation: installation(r),
  };
}

export function installationCreatedEvent(r: RepoRef): Json {
  const base = loadFixture('installation.created');
  return {
    ...base,
    installation: { ...(base.installation as Json), id: r.installationId ?? 4242 },
    repositories: [
      {
        id: r.id ?? 501,
        node_id: 'R_1',
        name: r.name,
        full_name: `${r.owner}/${r.name}`,
        private: true,
      },
    ],
  };
}

export function installationRepositoriesAddedEvent(r: RepoRef): Json {
  const base = loadFixture('installation_repositories.added');
  return {
    ...base,
    installation: { ...(base.installation as Json), id: r.installationId ?? 4242 },
    repositories_added: [
      {
        id: r.id ?? 501,
        node_id: 'R_1',
        name: r.name,
        full_name: `${r.owner}/${r.name}`,
        private: true,
      },
    ],
  };
}

export function checkRunEvent(
  r: RepoRef,
  o: {
    action: 'rerequested' | 'requested_action';
    id: number;
    headSha: string;
    pr?: { number: number; baseSha: string };
  },
): Json {
  const base = loadFixture(`check_run.${o.action}`);
  const run = base.check_run as Json;
  return {
    ...base,
    check_run: {
      ...run,
      id: o.id,
      head_sha: o.headSha,
      check_suite: { ...(run.check_suite as Json), head_sha: o.headSha },
      pull_requests: o.pr
        ? [{ number: o.pr.number, head: { sha: o.headSha }, base: { sha: o.pr.baseSha } }]
        : [],
    },
    repository: repository(r),
    installation: installation(r),
  };
}

/** `X-Hub-Signature-256` value for a body: `sha256=` + hex HMAC-SHA256 with the webhook secret. */
export function sign(body: string | Buffer, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export interface DeliverOptions {
  /** Omit to send the delivery unsigned. */
  secret?: string;
  deliveryId?: string;
  /** Overrides the computed signature (for wrongly signed deliveries). */
  signature?: string;
}

export interface DeliveryResult {
  status: number;
  body: string;
  deliveryId: string;
  ms: number;
}

/** POSTs a webhook the way GitHub does: JSON body, event and delivery headers, HMAC signature. */
export async function deliver(
  url: string,
  event: string,
  payload: unknown,
  opts: DeliverOptions = {},
): Promise<DeliveryResult> {
  const body = JSON.stringify(payload);
  const deliveryId = opts.deliveryId ?? randomUUID();
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'GitHub-Hookshot/test',
    'x-github-event': event,
    'x-github-delivery': deliveryId,
    'x-github-hook-id': '1',
  };
  const signature =
    opts.signature ?? (opts.secret !== undefined ? sign(body, opts.secret) : undefined);
  if (signature) headers['x-hub-signature-256'] = signature;
  const t0 = performance.now();
  const res = await fetch(url, { method: 'POST', headers, body });
  const text = await res.text();
  return { status: res.status, body: text, deliveryId, ms: performance.now() - t0 };
}
