/**
 * A credential that also sits in a name: a directory or file named after it, a branch or tag
 * holding it, an author who pasted it into user.name. Every name ends up in every report (paths in
 * occurrences and SARIF URIs, refs in history facts, authors in JSON), so the engine masks the
 * scan's own credentials, and anything it would detect on its own, wherever it shows a name.
 */
import { execFileSync } from 'node:child_process';
import { DEFAULT_CONFIG, type ScanResult } from '../../src/core/index.js';
import { scanHistory } from '../../src/engine/scan-history.js';
import { scanRange } from '../../src/engine/scan-range.js';
import { scanStaged } from '../../src/engine/scan-staged.js';
import { scanTree } from '../../src/engine/scan-tree.js';
import { createRepo, type TestRepo } from '../helpers/git-repo.js';
import { renderedOutputs } from '../helpers/report-outputs.js';
import { redisTokenParts } from '../helpers/synthetic.js';

const opts = { config: DEFAULT_CONFIG };

const outputs = renderedOutputs;

function expectNoSecret(result: ScanResult, secret: string): void {
  expect(result.findings.length).toBeGreaterThan(0);
  for (const out of outputs(result)) expect(out).not.toContain(secret);
}

describe('a credential in a name is masked in every report', () => {
  let repo: TestRepo;
  let token: string;
  beforeEach(() => {
    repo = createRepo();
    token = redisTokenParts().token;
    repo.write('README.md', 'x\n');
    repo.commit('base');
  });
  afterEach(() => repo.cleanup());

  it('in a directory and a file name (tree, staged, range, history)', async () => {
    const base = repo.head();
    repo.write(`${token}/.env`, `UPSTASH_REDIS_REST_TOKEN=${token}\n`);
    repo.write(`cfg/leak-${token}.env`, `UPSTASH_REDIS_REST_TOKEN=${token}\n`);
    repo.git('add', '-A');
    const tree = await scanTree(repo.dir, opts);
    expect(tree.findings[0]!.occurrences).toHaveLength(2);
    expectNoSecret(tree, token);
    expectNoSecret(await scanStaged(repo.dir, opts), token);
    repo.commit('leak');
    expectNoSecret(await scanRange(repo.dir, { include: ['HEAD'], exclude: [base] }, opts), token);
    const history = await scanHistory(repo.dir, opts);
    expectNoSecret(history, token);
    // Its history facts are found by the raw paths: a masked path matched no blob, and a leak
    // at HEAD read "no longer at HEAD", on no branch, introduced by no commit.
    expect(history.findings[0]).toMatchObject({ presentAtHead: true, commitCount: 1 });
    expect(history.findings[0]!.branches).toEqual(['main']);
    expect(history.findings[0]!.introducedBy?.path).toMatch(/…/);
  });

  it('in a branch name, a tag name and an author name (history, range)', async () => {
    const base = repo.head();
    repo.write('app.env', `UPSTASH_REDIS_REST_TOKEN=${token}\n`);
    repo.commit('leak', { author: `Dev ${token} <dev@example.org>` });
    repo.branch(`leak/${token}`);
    repo.branch(`x-${token}`);
    repo.tag(`v-${token}`);
    execFileSync('git', ['tag', '-a', '-m', 'release', `rel_${token}`], {
      cwd: repo.dir,
      env: { ...process.env, GIT_COMMITTER_NAME: 'c', GIT_COMMITTER_EMAIL: 'c@example.org' },
    });
    const history = await scanHistory(repo.dir, opts);
    expect(history.findings[0]!.branches!.length).toBeGreaterThanOrEqual(4);
    expectNoSecret(history, token);
    expectNoSecret(await scanRange(repo.dir, { include: ['HEAD'], exclude: [base] }, opts), token);
  });

  it('also masks a credential found only in the name', async () => {
    const other = redisTokenParts().token;
    repo.write(`keys/${other}`, `UPSTASH_REDIS_REST_TOKEN=${token}\n`);
    const result = await scanTree(repo.dir, opts);
    expect(result.findings).toHaveLength(1);
    expectNoSecret(result, other);
  });

  it('masks a name holding the credential base64-encoded, a form the engine detects in text', async () => {
    // Base64 with no `/` (a name cannot hold one); the engine decodes it in a file's text too.
    let seed = 0;
    let encoded = '';
    for (; ; seed++) {
      token = redisTokenParts({ seed: `b64-name-${seed}` }).token;
      encoded = Buffer.from(token).toString('base64');
      if (!encoded.includes('/')) break;
    }
    const base = repo.head();
    repo.write(`${encoded}/.env`, `UPSTASH_REDIS_REST_TOKEN=${token}\n`);
    repo.git('add', '-A');
    const tree = await scanTree(repo.dir, opts);
    expectNoSecret(tree, encoded);
    expectNoSecret(await scanStaged(repo.dir, opts), encoded);
    repo.commit('leak');
    repo.branch(`leak/${encoded}`);
    expectNoSecret(
      await scanRange(repo.dir, { include: ['HEAD'], exclude: [base] }, opts),
      encoded,
    );
    const history = await scanHistory(repo.dir, opts);
    // Found again by their raw paths: at HEAD, on both branches, introduced by the commit.
    expect(history.findings[0]).toMatchObject({ presentAtHead: true, commitCount: 1 });
    expect(history.findings[0]!.branches).toHaveLength(2);
    expectNoSecret(history, encoded);
  });

  it('leaves ordinary names, content hashes included, as they are', async () => {
    const path = '.next/static/chunks/pages/_app-3f2a9c8b7d6e5f4a.js';
    repo.write(path, `const t = "${token}";\n`);
    repo.commit('bundle');
    const result = await scanTree(repo.dir, opts);
    expect(result.findings[0]!.occurrences.map((o) => o.path)).toEqual([path]);
  });
});
