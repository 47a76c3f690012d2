import { lstatSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { failsScan, redactSecrets } from '../core/index.js';
import { renderJson, renderSarif, renderText, TOOL_VERSION } from '../report/index.js';
import { printable } from '../report/printable.js';
import { HELP } from './help.js';
import { installHook } from './install-hook.js';
import { UsageError, type CliIo } from './io.js';
import { parseCliArgs, type CliArgs } from './parse-args.js';
import { runScan, type ScanOutcome } from './run-scan.js';

export type { CliIo } from './io.js';

/** Colour and rendered guidance only for a person at a terminal; files and pipes get plain text. */
function forTerminal(args: CliArgs, io: CliIo): boolean {
  return !args.output && !!io.stdout.isTTY;
}

function render(
  args: CliArgs,
  io: CliIo,
  { result, config }: ScanOutcome,
  failed: boolean,
): string {
  if (args.format === 'json') return renderJson(result, { toolVersion: TOOL_VERSION });
  if (args.format === 'sarif') return renderSarif(result, { toolVersion: TOOL_VERSION });
  // Quiet still speaks when content was not scanned: silence would read as a clean result.
  if (args.quiet && !failed && result.skippedCount === 0) return '';
  const terminal = forTerminal(args, io);
  return renderText(result, {
    color: terminal && !args.noColor && !io.env.NO_COLOR,
    guidance: args.guidance,
    guidanceStyle: terminal ? 'terminal' : 'markdown',
    verbose: args.verbose,
    failOn: config.failOn,
  });
}

/** Writes a report file, creating missing parent directories; a clear error otherwise. */
export async function writeReport(cwd: string, file: string, text: string): Promise<void> {
  const full = resolve(cwd, file);
  try {
    await mkdir(dirname(full), { recursive: true });
    await writeFile(full, text, { mode: 0o644 });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOTDIR' || code === 'EEXIST'
        ? 'a parent of it is a file, not a directory'
        : code === 'EISDIR'
          ? 'it is a directory'
          : code === 'EACCES' || code === 'EPERM'
            ? 'permission denied'
            : (code ?? 'error');
    throw new UsageError(`cannot write the report to ${file}: ${why}`);
  }
}

async function scanCommand(args: CliArgs, io: CliIo): Promise<number> {
  if (args.org) {
    const { orgScanCommand } = await import('../org-scan/org-scan-command.js');
    return orgScanCommand(args, args.org, io);
  }
  const outcome = await runScan(args, io);
  const failed = failsScan(outcome.result.findings, outcome.config);
  const report = render(args, io, outcome, failed);
  if (outcome.notLive && !args.quiet)
    io.stderr.write(
      `upstash-guard: ${outcome.notLive} not shown: not confirmed live (--only-verified)\n`,
    );
  if (args.output) {
    await writeReport(io.cwd, args.output, report);
    if (!args.quiet) io.stderr.write(`upstash-guard: report written to ${args.output}\n`);
  } else if (report) {
    io.stdout.write(report);
  }
  return failed ? 1 : 0;
}

/** The whole CLI as a function: argv without node/script, injected io; resolves to the exit code. */
function exists(path: string): boolean {
  try {
    return lstatSync(path, { throwIfNoEntry: false }) !== undefined;
  } catch {
    return false; // a name too long, a file where a directory would be: no such path
  }
}

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    const args = parseCliArgs(argv, { isPath: (arg) => exists(resolve(io.cwd, arg)) });
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
    // No stack. Usage errors are ours and may list several problems (a config file); anything
    // else is shown as one line. Messages quote what they were given (a path, a revision, a
    // config key, git's stderr), so credential shapes are masked here once more.
    // A path or git's stderr can hold escape sequences: each line is shown printable.
    const message = redactSecrets(err instanceof Error ? err.message : String(err))
      .split('\n')
      .map(printable)
      .join('\n');
    const text = err instanceof UsageError ? message.trimEnd() : message.split('\n')[0];
    const hint = err instanceof UsageError && err.help ? ' (see --help)' : '';
    io.stderr.write(`upstash-guard: ${text}${hint}\n`);
    return 2;
  }
}
