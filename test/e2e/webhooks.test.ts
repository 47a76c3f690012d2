import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import { verify } from '@octokit/webhooks-methods';

import { pullRequestJob, pushJob, rerunJob } from '../../src/app/to-scan-job.js';
import {
  checkRunEvent,
  deliver,
  installationCreatedEvent,
  pullRequestEvent,
  pushEvent,
  sign,
} from '../helpers/webhooks.js';

const repo = { owner: 'acme', name: 'app', cloneUrl: 'http://127.0.0.1:1/acme/app.git' };
const A = 'a'.repeat(40);
const B = 'b'.repeat(40);

describe('webhook builders and delivery', () => {
  it('signs like GitHub (verifiable by @octokit/webhooks-methods)', async () => {
    const body = JSON.stringify({ hello: 'world' });
    expect(await verify('s3cret', body, sign(body, 's3cret'))).toBe(true);
    expect(await verify('other', body, sign(body, 's3cret'))).toBe(false);
  });

  it('builds payloads the app maps to scan jobs', () => {
    const pr = pullRequestJob(pullRequestEvent(repo, { number: 9, headSha: B, baseSha: A }));
    expect(pr).toMatchObject({
      kind: 'pull_request',
      pr: 9,
      headSha: B,
      baseSha: A,
      owner: 'acme',
      repo: 'app',
      installationId: 4242,
    });
    const push = pushJob(
      pushEvent(repo, { ref: 'refs/heads/x', before: '0'.repeat(40), after: B }),
    );
    expect(push).toMatchObject({ kind: 'push', headSha: B, ref: 'refs/heads/x' });
    expect(push).not.toHaveProperty('baseSha');
    expect(
      pushJob(pushEvent(repo, { ref: 'refs/heads/x', before: A, after: B, forced: true })),
    ).toMatchObject({ forced: true, baseSha: A });
    expect(
      rerunJob(
        checkRunEvent(repo, {
          action: 'rerequested',
          id: 5,
          headSha: B,
          pr: { number: 9, baseSha: A },
        }),
      ),
    ).toMatchObject({ kind: 'pull_request', pr: 9, checkRunId: 5 });
    expect(installationCreatedEvent(repo)).toMatchObject({
      action: 'created',
      repositories: [{ full_name: 'acme/app' }],
    });
  });

  it('delivers over HTTP with event, delivery id and signature headers', async () => {
    const seen: Array<{ headers: Record<string, unknown>; body: string }> = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        seen.push({ headers: req.headers, body });
        res.writeHead(202).end('ok');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/github/webhooks`;
    try {
      const res = await deliver(url, 'push', { a: 1 }, { secret: 'k', deliveryId: 'd-1' });
      expect(res.status).toBe(202);
      await deliver(url, 'push', { a: 1 });
      expect(seen[0]!.headers).toMatchObject({
        'x-github-event': 'push',
        'x-github-delivery': 'd-1',
        'x-hub-signature-256': sign(seen[0]!.body, 'k'),
      });
      expect(seen[1]!.headers).not.toHaveProperty('x-hub-signature-256');
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
