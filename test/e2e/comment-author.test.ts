/**
 * The App finds its PR comment again by a hidden marker, which is plain text: another App that
 * posts text someone else chose (a bot quoting its input) can carry it first. The App learns its
 * own bot login (`GET /app` → `<slug>[bot]`) and takes only that account's comment for its own:
 * it posts its report beside the other bot's comment and never edits it.
 */
import { envCredential, openPullRequest, startHarness, until, type Harness } from './harness.js';

const MARKER = '<!-- upstash-guard:pr-comment -->';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

test("another bot's comment carrying the PR comment marker is left alone; the App posts its own", async () => {
  h = await startHarness();
  const spoof = {
    id: 1,
    repo: 'acme/quoted',
    body: `${MARKER}\nall clear, nothing to rotate`,
    target: 9,
    user: { login: 'echo-bot[bot]', type: 'Bot' },
    edits: [],
  };
  h.gh.issueComments.push(spoof);
  const { status } = await openPullRequest(h, {
    name: 'quoted',
    id: 901,
    pr: 9,
    envText: envCredential('comment-author'),
  });
  expect(status).toBe(200);
  const ours = await until('the App comment', () =>
    h!.gh.issueComments.find((c) => c.target === 9 && c.user.login === 'upstash-guard[bot]'),
  );
  expect(ours.body.startsWith(MARKER)).toBe(true);
  expect(spoof.edits).toEqual([]);
  expect(h.gh.issueComments.find((c) => c.id === 1)!.body).toBe(spoof.body);
  const paths = h.gh.requests.map((r) => `${r.method} ${r.path.split('?')[0]}`);
  expect(paths.indexOf('GET /app')).toBeGreaterThanOrEqual(0);
  expect(paths.indexOf('GET /app')).toBeLessThan(
    paths.indexOf('GET /repos/acme/quoted/issues/9/comments'),
  );
}, 60_000);
