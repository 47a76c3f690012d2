/** Everything the CLI touches in its process, injected so run-cli is testable in-process. */
export interface CliStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface CliIo {
  stdout: CliStream;
  stderr: CliStream;
  env: Record<string, string | undefined>;
  cwd: string;
  /** Network for --verify (tests inject a double). Default: global fetch. */
  fetch?: typeof fetch;
}

/** A failure the user can fix: printed as one line, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}
