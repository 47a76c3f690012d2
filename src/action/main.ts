#!/usr/bin/env node
// Entry point of the GitHub Action (action.yml); all behaviour lives in run-action.ts.
import { runAction } from './run-action.js';

process.exitCode = await runAction({ env: process.env, write: (s) => process.stdout.write(s) });
