import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { failsScan, redactSecrets } from '../core/index.js';
import { renderJson, renderSarif, renderText, TOOL_VERSION } from '../report/index.js';
import { HELP } from './help.js';
import { installHook } from './install-hook.js';
import { UsageError, type CliIo } from './io.js';
import { parseCliArgs, type CliArgs } from './parse-args.js';
import { runScan, type ScanOutcome } from './run-scan.js';

export type { CliIo } from './io.js';

function render(args: CliArgs, io: CliIo, { result }: ScanOutcome, failed: boolean): string {
  if (args.format === 'json') return renderJson(result, { toolVersion: TOOL_VERSION });
  if (args.format === 'sarif') return renderSarif(result, { toolVersion: TOOL_VERSION });
  if (args.quiet && !failed) return '';
  const color = !args.noColor && !args.output && !!io.stdout.isTTY && !io.env.NO_COLOR;
  return renderText(result, { color, guidance: args.guidance, verbose: args.verbose });
}

async function scanCommand(args: CliArgs, io: CliIo): Promise<number> {
  const outcome = await runScan(args, io);
  const failed = failsScan(outcome.result.findings, outcome.config);
  const report = render(args, io, outcome, failed);
  if (args.output) {
    await writeFile(resolve(io.cwd, args.output), report, { mode: 0o644 });
    if (!args.quiet) io.stderr.write(`upstash-guard: report written to ${args.output}\n`);
  } else if (report) {
    io.stdout.write(report);
  }
  return failed ? 1 : 0;
}

/** The whole CLI as a function: argv without node/script, injected io; resolves to the exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    const args = parseCliArgs(argv);
    if (args.command === 'help') {
      io.stdout.write(HELP);
      return 0;
    }
    if (args.command === 'version') {
      io.stdout.write(`${TOOL_VERSION}\n`);
      return 0;
    }
    if (args.command === 'install-hook') {
      const file = await installHook(resolve(io.cwd, args.path), args.force);
      io.stdout.write(`upstash-guard: pre-commit hook installed at ${file}\n`);
      return 0;
    }
    return await scanCommand(args, io);
  } catch (err) {
    // One line, no stack. Messages quote what they were given (a path, a revision, a config key,
    // git's stderr), so credential shapes are masked here once more, whatever built the error.
    const message = redactSecrets(err instanceof Error ? err.message : String(err));
    const hint =
      err instanceof UsageError && /option|command|argument/.test(message) ? ' (see --help)' : '';
    io.stderr.write(`upstash-guard: ${message.split('\n')[0]}${hint}\n`);
    return 2;
  }
}
