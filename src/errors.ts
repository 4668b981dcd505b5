/**
 * Errors a user can fix (bad argument, missing file, unknown name). The CLI prints their message
 * on one line and exits with code 2, without a stack trace; anything else is a bug and keeps its
 * stack.
 */
export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UserError";
  }
}

/** A loss or weight became NaN or infinite, or exploded: training cannot go on from here. */
export class DivergenceError extends UserError {
  constructor(readonly step: number, readonly what: string, readonly value: number, hint: string, why?: string) {
    super(`training diverged at step ${step + 1}: ${what} is ${value}${why ? ` (${why})` : ""}. ${hint}`);
    this.name = "DivergenceError";
  }
}
