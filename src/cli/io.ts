/** Everything the CLI touches in its process, injected so run-cli is testable in-process. */
export interface CliStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface CliIo {
  stdout: CliStream;
  stderr: CliStream;
  /** Standard input, for `scan -`. Default: none (an empty input). */
  stdin?: AsyncIterable<Buffer | string>;
  env: Record<string, string | undefined>;
  cwd: string;
  /** Network for --verify (tests inject a double). Default: global fetch. */
  fetch?: typeof fetch;
  /** Clock for progress lines (tests inject one). Default: Date.now. */
  now?: () => number;
}

/** A failure the user can fix: printed as one line, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
  /** Append "(see --help)": the fix is in the help text (a flag or command problem). */
  readonly help: boolean;
  constructor(message: string, opts: { help?: boolean } = {}) {
    super(message);
    this.help = opts.help ?? false;
  }
}
