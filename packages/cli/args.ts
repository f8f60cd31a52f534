/**
 * Command-line flags with a generated `--help`, on `node:util`'s
 * `parseArgs`: typed values (string, number, boolean, one of a list),
 * defaults, and errors that name the flag and what it accepts.
 *
 * @module
 */

import { parseArgs } from "node:util";

/** One flag. */
export interface FlagSpec {
  /** Value type. */
  type: "string" | "number" | "boolean";
  /** What the flag does, for `--help`. */
  description: string;
  /** Default value. */
  default?: string | number | boolean;
  /** Allowed values of a string flag. */
  choices?: readonly string[];
  /** One-letter alias. */
  short?: string;
  /** Name of the value in `--help` (e.g. DIR). */
  placeholder?: string;
}

/** A command's interface. */
export interface CommandSpec {
  /** Usage line, e.g. `deno task q3 [options]`. */
  usage: string;
  /** One or two sentences on what the command does. */
  description: string;
  /** Flags by long name. */
  flags: Record<string, FlagSpec>;
  /** Extra help text after the flags (examples). */
  epilog?: string;
}

/** Parsed flag values. */
export type FlagValues = Record<string, string | number | boolean | undefined>;

/**
 * A path given on the command line, resolved against the folder the user ran
 * the command from (`deno task` runs apps from the workspace root and passes
 * the original folder as `INIT_CWD`).
 *
 * @param path As typed by the user.
 * @returns A path valid from the current working directory.
 */
export function userPath(path: string): string {
  if (path.startsWith("/")) return path;
  let base: string | undefined;
  try {
    base = Deno.env.get("INIT_CWD");
  } catch { /* no env permission */ }
  return base ? `${base.replace(/\/+$/, "")}/${path}` : path;
}

/** A bad command line; the message says what to change. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/**
 * The `--help` text of a command.
 *
 * @param spec The command.
 * @returns The text.
 */
export function helpText(spec: CommandSpec): string {
  const rows = Object.entries({
    ...spec.flags,
    help: { type: "boolean", description: "Show this help" } as FlagSpec,
  })
    .map(([name, f]) => {
      const value = f.type === "boolean"
        ? ""
        : ` ${f.placeholder ?? (f.choices ? f.choices.join("|") : f.type.toUpperCase())}`;
      const flag = `${f.short ? `-${f.short}, ` : "    "}--${name}${value}`;
      const def = f.default !== undefined && f.type !== "boolean" ? ` (default: ${f.default})` : "";
      return [flag, f.description + def];
    });
  const width = Math.max(...rows.map(([f]) => f.length)) + 2;
  return [
    `Usage: ${spec.usage}`,
    "",
    spec.description,
    "",
    "Options:",
    ...rows.map(([f, d]) => `  ${f.padEnd(width)}${d}`),
    ...(spec.epilog ? ["", spec.epilog] : []),
  ].join("\n");
}

/**
 * Parse `args` against `spec`.
 *
 * @param args The command line after the command (e.g. `Deno.args`).
 * @param spec The command.
 * @returns Values (with defaults) and positional arguments; `help` is true when asked for.
 * @throws {UsageError} On an unknown flag, a missing or malformed value.
 */
export function parseFlags(
  args: readonly string[],
  spec: CommandSpec,
): { values: FlagValues; positionals: string[]; help: boolean } {
  const options: Record<string, { type: "string" | "boolean"; short?: string }> = {
    help: { type: "boolean", short: "h" },
  };
  for (const [name, f] of Object.entries(spec.flags)) {
    options[name] = {
      type: f.type === "boolean" ? "boolean" : "string",
      ...(f.short ? { short: f.short } : {}),
    };
  }
  let parsed;
  try {
    parsed = parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError(`${(e as Error).message.replace(/\. To specify a positional.*$/s, "")}`);
  }
  const values: FlagValues = {};
  for (const [name, f] of Object.entries(spec.flags)) {
    const raw = (parsed.values as Record<string, string | boolean | undefined>)[name];
    if (raw === undefined) {
      values[name] = f.default;
      continue;
    }
    if (f.type === "number") {
      const v = Number(raw);
      if (typeof raw !== "string" || raw.trim() === "" || !Number.isFinite(v)) {
        throw new UsageError(`--${name} takes a number, got "${raw}"`);
      }
      values[name] = v;
    } else if (f.choices && !f.choices.includes(String(raw))) {
      throw new UsageError(`--${name} must be one of ${f.choices.join(", ")}, got "${raw}"`);
    } else values[name] = raw;
  }
  return { values, positionals: parsed.positionals, help: Boolean(parsed.values.help) };
}

/**
 * Run a command's main function with the usual behaviour: `--help` prints
 * and exits 0; a usage error prints the message and a hint and exits 2; any
 * other error prints its message (not a stack) and exits 1.
 *
 * @param spec The command.
 * @param main The work, given the parsed flags.
 * @param args The command line (default `Deno.args`).
 */
export async function runCommand(
  spec: CommandSpec,
  main: (values: FlagValues, positionals: string[]) => Promise<void> | void,
  args: readonly string[] = Deno.args,
): Promise<void> {
  let parsed;
  try {
    parsed = parseFlags(args, spec);
  } catch (e) {
    console.error(`error: ${(e as Error).message}\nRun with --help for the options.`);
    Deno.exit(2);
  }
  if (parsed.help) {
    console.log(helpText(spec));
    return;
  }
  try {
    await main(parsed.values, parsed.positionals);
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`error: ${e.message}\nRun with --help for the options.`);
      Deno.exit(2);
    }
    console.error(`error: ${(e as Error).message}`);
    if (Deno.env.get("RECOGNIZE_DEBUG")) console.error((e as Error).stack);
    Deno.exit(1);
  }
}
