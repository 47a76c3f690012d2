#!/usr/bin/env node
// Entry point only: all behaviour lives in run-cli.ts so it can be tested in-process.
import { enableCompileCache } from './compile-cache.js';

// Before the CLI's modules load, so that their compiled code can come from the cache.
enableCompileCache(process.env);
const { runCli } = await import('./run-cli.js');

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
  cwd: process.cwd(),
});
