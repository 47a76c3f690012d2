import type { CliIo } from '../../src/cli/run-cli.js';
import { runCli } from '../../src/cli/run-cli.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in-process with captured streams (not a TTY unless asked). */
export async function cli(
  argv: string[],
  o: { cwd: string; env?: Record<string, string>; tty?: boolean; fetch?: typeof fetch },
): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (s: string) => (stdout += s), isTTY: o.tty ?? false },
    stderr: { write: (s: string) => (stderr += s), isTTY: o.tty ?? false },
    env: o.env ?? {},
    cwd: o.cwd,
    ...(o.fetch ? { fetch: o.fetch } : {}),
  };
  const code = await runCli(argv, io);
  return { code, stdout, stderr };
}
