/**
 * The error every reader in this package throws for malformed input.
 *
 * @module
 */

/**
 * A file's content is corrupt, truncated or of an unsupported kind. The
 * message names the file (when known) and what is wrong with it.
 */
export class FormatError extends Error {
  /**
   * @param message What is wrong.
   * @param options `cause`, when wrapping another error.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "FormatError";
  }
}

/**
 * Run `fn`, prefixing any error's message with `context` (a file name).
 *
 * @param context Usually the path being read.
 * @param fn The reader.
 * @returns What `fn` returns.
 */
export function withContext<T>(context: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof FormatError) throw new FormatError(`${context}: ${e.message}`, { cause: e });
    if (e instanceof RangeError || e instanceof TypeError) {
      throw new FormatError(`${context}: ${e.message}`, { cause: e });
    }
    throw e;
  }
}
