// The one place errors become text on stderr and an exit code. A StocksyncError is an
// expected failure with a message written for people: no stack trace.

import { StocksyncError } from '../errors.js';
import type { ConfigIssue } from '../config/issues.js';
import { EXIT, exitCodeFor, type ExitCode } from './exit-codes.js';

export type Write = (text: string) => void;
const stderr: Write = (text) => process.stderr.write(text);

export function reportError(err: unknown, write: Write = stderr): ExitCode {
  if (err instanceof StocksyncError) {
    write(`error ${err.code}: ${err.message}\n`);
    for (const issue of configIssues(err)) write(`  ${issue.path}: ${issue.message}\n`);
    return exitCodeFor(err.code);
  }
  // Anything else is a bug: keep the stack, it is what a bug report needs.
  const detail = err instanceof Error ? (err.stack ?? err.message) : String(err);
  write(`error INTERNAL: ${detail}\n`);
  return EXIT.FAILURE;
}

export function configIssues(err: StocksyncError): ConfigIssue[] {
  const issues = err.details?.issues;
  return Array.isArray(issues) ? (issues as ConfigIssue[]) : [];
}

/** Thrown by a command that already printed its outcome and only needs an exit code. */
export class ExitWith {
  constructor(readonly code: ExitCode) {}
}
