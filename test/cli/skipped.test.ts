/** The CLI never reads as clean over content it did not scan, even with --quiet (pre-commit hook). */
import { Readable } from 'node:stream';
import { runCli } from '../../src/cli/run-cli.js';
import { createRepo, type TestRepo } from '../helpers/git-repo.js';
import { redisToken } from '../helpers/synthetic.js';
import { cli } from './cli-harness.js';

describe('upstash-guard scan with content over hardMaxFileSize', () => {
  let repo: TestRepo;
  let token: string;
  beforeAll(() => {
    repo = createRepo();
    token = redisToken();
    repo.write('.github/upstash-guard.yml', 'maxFileSize: 64KiB\nhardMaxFileSize: 100KiB\n');
    repo.write('README.md', 'hello\n');
    repo.commit('init');
    repo.write('dump.sql', `${'x'.repeat(199)}\n`.repeat(1000) + `T=${token}\n`);
    repo.git('add', '-A');
  });
  afterAll(() => repo.cleanup());

  test.each([[['scan', '.']], [['scan', '--staged', '--quiet']]])(
    '%j: exit 0, but says what was not scanned and why',
    async (argv) => {
      const run = await cli(argv, { cwd: repo.dir });
      expect(run.code).toBe(0);
      expect(run.stdout).not.toContain('✓');
      expect(run.stdout).toContain(
        'No Upstash credentials found in what was scanned, but 1 file not scanned (1 over hardMaxFileSize)',
      );
      expect(run.stdout).toMatch(
        /not scanned: dump\.sql: 0\.2 MiB, over hardMaxFileSize \(0\.1 MiB\)/,
      );
      expect(run.stdout + run.stderr).not.toContain(token);
    },
  );

  test('JSON lists it', async () => {
    const run = await cli(['scan', '--format', 'json'], { cwd: repo.dir });
    const doc = JSON.parse(run.stdout) as { skipped: unknown[]; skippedCount: number };
    expect(doc.skippedCount).toBe(1);
    expect(doc.skipped).toEqual([
      {
        path: 'dump.sql',
        reason: 'too-large',
        detail: expect.any(String),
        size: 200_000 + token.length + 3,
        commit: null,
      },
    ]);
  });
});

describe('scan FILE and scan - read content like every mode', () => {
  it('UTF-16 on standard input and a binary file, with lines (and the byte offset)', async () => {
    const repo = createRepo();
    try {
      const a = redisToken();
      const b = redisToken();
      let stdout = '';
      const code = await runCli(['scan', '-'], {
        stdout: { write: (s: string) => (stdout += s) },
        stderr: { write: () => true },
        stdin: Readable.from([
          Buffer.concat([
            Buffer.from([0xff, 0xfe]),
            Buffer.from(`# x\r\nUPSTASH_REDIS_REST_TOKEN=${a}\r\n`, 'utf16le'),
          ]),
        ]),
        env: {},
        cwd: repo.dir,
      });
      expect(code).toBe(1);
      expect(stdout).toContain('(stdin):2');
      repo.write('app.db', Buffer.concat([Buffer.from('SQLite\0\n'), Buffer.from(`T=${b}\0`)]));
      const file = await cli(['scan', 'app.db'], { cwd: repo.dir });
      expect(file.code).toBe(1);
      expect(file.stdout).toContain('app.db:2 (byte 10)');
      expect(stdout + file.stdout + file.stderr).not.toContain(a);
      expect(file.stdout).not.toContain(b);
      const missing = await cli(['scan', 'nope.env'], { cwd: repo.dir });
      expect(missing.code).toBe(2);
    } finally {
      repo.cleanup();
    }
  });
});
