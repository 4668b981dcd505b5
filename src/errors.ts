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
