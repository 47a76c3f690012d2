import { Writable } from 'node:stream';
import { pino } from 'pino';
import { redactLogs } from '../../src/app/redact-logs.js';
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
});
