/** Timing helpers for the benchmark: wall time of a command, optionally its peak RSS via GNU time. */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Measured {
  seconds: number;
  /** Peak RSS in MB of the largest process of the tree (GNU time %M), when /usr/bin/time exists. */
  peakRssMb?: number;
  stdout: string;
}

const GNU_TIME = '/usr/bin/time';

/** Runs `cmd args` in `cwd` with stdin closed; stdout is discarded unless `capture`. */
export function measure(
  cmd: string,
  args: readonly string[],
  cwd: string,
  capture = false,
): Promise<Measured> {
  const timed = existsSync(GNU_TIME);
  const dir = timed ? mkdtempSync(join(tmpdir(), 'ug-bench-')) : '';
  const timeFile = join(dir, 'time');
  const [bin, argv] = timed
    ? [GNU_TIME, ['-f', '%M', '-o', timeFile, cmd, ...args]]
    : [cmd, [...args]];
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(bin, argv, {
      cwd,
      stdio: ['ignore', capture ? 'pipe' : 'ignore', 'inherit'],
      env: {
        ...process.env,
        GIT_CONFIG_NOSYSTEM: '1',
        GIT_CONFIG_GLOBAL: '/dev/null',
        LC_ALL: 'C',
      },
    });
    let stdout = '';
    child.stdout?.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      let peakRssMb: number | undefined;
      if (timed) {
        const kb = Number(readFileSync(timeFile, 'utf8').trim().split('\n').pop());
        if (Number.isFinite(kb)) peakRssMb = kb / 1024;
        rmSync(dir, { recursive: true, force: true });
      }
      if (code !== 0) return reject(new Error(`${cmd} ${args.join(' ')} exited ${code}`));
      resolve({ seconds, stdout, ...(peakRssMb !== undefined ? { peakRssMb } : {}) });
    });
  });
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
