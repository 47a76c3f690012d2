import { Writable } from 'node:stream';
import { pino } from 'pino';
import { MAX_LINE_CHARS, redactLogs, shortenLine } from '../../src/app/redact-logs.js';
import { isRefName } from '../../src/app/to-scan-job.js';
import { redisToken } from '../helpers/synthetic.js';

describe('redactLogs', () => {
  it('masks credential shapes in every line of the logger and its children, at every level', () => {
    let out = '';
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        out += chunk.toString();
        done();
      },
    });
    const root = pino({ level: 'trace' }, sink);
    const before = root.child({ name: 'github' }); // children made before the hook are covered
    redactLogs(root);
    redactLogs(root); // idempotent
    const after = root.child({ name: 'worker' });
    const token = redisToken();
    // What Probot's Octokit request logging writes at debug: the request body.
    before.debug(
      { output: { summary: `unknown setting "${token}"` } },
      'GitHub request: POST /repos/acme/app/check-runs - 201',
    );
    after.trace(`fatal: bad revision '${token}'`);
    root.error({ err: new Error(`config ${token}`) }, 'failed');
    const lines = out.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(out).not.toContain(token);
    expect(out).not.toContain(token.slice(10, 30));
    for (const line of lines) expect(() => JSON.parse(line) as unknown).not.toThrow();
    expect(out).toContain('check-runs - 201');
  });

  it('shortens a line over 32 KB: long strings keep 1 KB, never half a token, and stay JSON', () => {
    const token = redisToken({ seed: 'shorten' });
    // The cut (1 KB into the string) falls inside the token.
    const ref = `refs/heads/${'a '.repeat(500)}${token}${'x'.repeat(2 * 1024 * 1024)}`;
    const line = `${JSON.stringify({ level: 20, msg: 'Webhook received', event: { ref, q: 'a\\"b'.repeat(9000) } })}\n`;
    const short = shortenLine(line);
    expect(short.length).toBeLessThan(4 * 1024);
    expect(short.endsWith('\n')).toBe(true);
    const parsed = JSON.parse(short) as { msg: string; event: { ref: string; q: string } };
    expect(parsed.msg).toBe('Webhook received');
    expect(parsed.event.ref).toMatch(/chars cut\]$/);
    expect(short).not.toContain(token.slice(0, 8));
    // Many short values: the line keeps its level and message only.
    const many = `${JSON.stringify({ level: 30, msg: 'm', list: Array.from({ length: 9000 }, (_, i) => `v${i}`) })}\n`;
    expect(JSON.parse(shortenLine(many))).toMatchObject({ level: 30, msg: 'm' });
    expect(shortenLine(many).length).toBeLessThan(MAX_LINE_CHARS);
    // Short lines are left alone.
    expect(shortenLine('{"msg":"ok"}\n')).toBe('{"msg":"ok"}\n');
  });
});

describe('isRefName', () => {
  it('accepts refs git accepts, nothing else', () => {
    for (const ok of [
      'refs/heads/main',
      'refs/tags/v1.0',
      'refs/heads/feature/ü-x',
      'refs/pull/1/head',
    ])
      expect([ok, isRefName(ok)]).toEqual([ok, true]);
    for (const bad of [
      'main',
      'refs/heads/a b',
      'refs/heads/a\nb',
      'refs/heads/../x',
      'refs/heads/x.lock',
      'refs/heads/.x',
      'refs/heads/x/',
      'refs/heads/a@{1}',
      'refs/heads/a:b',
      'refs//x',
      `refs/heads/${'x'.repeat(1100)}`,
      42,
      null,
    ])
      expect([bad, isRefName(bad)]).toEqual([bad, false]);
  });
});
