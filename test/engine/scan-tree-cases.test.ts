/** Working-tree scan cases: plain-directory walk rules, FIFOs, symlinked dirs, binaries, caps. */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_CONFIG } from '../../src/core/index.js';
import type { Progress } from '../../src/engine/types.js';
import { scanTree } from '../../src/engine/scan-tree.js';
import { redisTokenParts } from '../helpers/synthetic.js';

const opts = { config: DEFAULT_CONFIG };
const env = (t: string): string => `UPSTASH_REDIS_REST_TOKEN=${t}\n`;

describe('scanTree cases', () => {
  let dir: string;
  let outside: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ug-tree-'));
    outside = mkdtempSync(join(tmpdir(), 'ug-outside-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  });

  it('walks a plain directory: skips .git, node_modules, symlinked dirs, FIFOs; reads binaries, big files', async () => {
    const t = redisTokenParts().token;
    mkdirSync(join(dir, 'src/deep'), { recursive: true });
    writeFileSync(join(dir, 'src/deep/app config.env'), `A=1\n${env(t)}`);
    for (const skipped of ['.git', 'node_modules/pkg']) {
      mkdirSync(join(dir, skipped), { recursive: true });
      writeFileSync(join(dir, skipped, 'x.env'), env(redisTokenParts().token));
    }
    writeFileSync(join(outside, 'secret.env'), env(redisTokenParts().token));
    symlinkSync(outside, join(dir, 'linked-dir'));
    symlinkSync(join(outside, 'secret.env'), join(dir, 'linked.env'));
    execFileSync('mkfifo', [join(dir, 'pipe.env')]);
    writeFileSync(join(dir, 'blob.bin'), Buffer.concat([Buffer.from([0]), Buffer.from(env(t))]));
    writeFileSync(join(dir, 'big.env'), 'x'.repeat(2048) + env(redisTokenParts().token));
    const progress: Progress[] = [];
    const result = await scanTree(dir, {
      config: { ...DEFAULT_CONFIG, maxFileSize: 1024 },
      onProgress: (p) => progress.push(p),
    });
    expect(result.mode).toBe('tree');
    // blob.bin holds t too (one finding, two places); big.env is over maxFileSize: windows.
    expect(
      result.findings.flatMap((f) => f.occurrences.map((o) => `${o.path}:${o.line}`)).sort(),
    ).toEqual(['big.env:1', 'blob.bin:1', 'src/deep/app config.env:2']);
    expect(result.stats).toMatchObject({ filesScanned: 3, skippedBinary: 0, skippedTooLarge: 0 });
    expect(result.stats.binaryScanned).toBe(1);
    expect(result.warnings).toEqual([]);
    expect(progress.at(-1)).toMatchObject({ phase: 'done' });
    expect(JSON.stringify(result)).not.toContain(t);
  });

  it('reads two thousand files quickly and stops when aborted', async () => {
    for (let d = 0; d < 10; d++) {
      mkdirSync(join(dir, `d${d}`));
      for (let f = 0; f < 200; f++)
        writeFileSync(join(dir, `d${d}`, `f${f}.ts`), `export const v = ${f};\n`.repeat(10));
    }
    writeFileSync(join(dir, 'd7/leak.env'), env(redisTokenParts().token));
    const started = Date.now();
    const result = await scanTree(dir, opts);
    expect(result.stats.filesScanned).toBe(2001);
    expect(result.findings).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(5_000);

    const controller = new AbortController();
    controller.abort();
    await expect(scanTree(dir, { ...opts, signal: controller.signal })).rejects.toThrow(
      /cancelled/,
    );
  });
});
