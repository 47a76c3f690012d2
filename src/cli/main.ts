#!/usr/bin/env node
// Entry point only: all behaviour lives in run-cli.ts so it can be tested in-process.
import { runCli } from './run-cli.js';

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
  cwd: process.cwd(),
});
