/**
 * Errors that reach a user. Expected problems in input are diagnostics (data), not errors;
 * an IwlError is for everything else a user can act on: it carries a stable code from the one
 * table (engine/contract/errors.ts) and, optionally, a cause.
 * The CLI prints `message` alone (never a stack trace) unless IWL_DEBUG is set.
 */
import type { ErrorCode } from '../contract/errors';

export class IwlError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'IwlError';
  }
}

/** A user's request to stop. Not an error: callers report it as a cancelled outcome. */
export class CancelledError extends Error {
  constructor(message = 'cancelled') {
    super(message);
    this.name = 'CancelledError';
  }
}
