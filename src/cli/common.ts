/**
 * What every CLI entry shares: argument parsing with clear errors, and the rule that user errors
 * print one line and exit with code 2 (no stack trace), while bugs keep their stack.
 */
import { parseArgs, ParseArgsConfig } from "util";
import { UserError } from "../errors";

export type Options = NonNullable<ParseArgsConfig["options"]>;

export function parse<O extends Options>(options: O, usage: string, argv = process.argv.slice(2)) {
  argv = glueNegativeNumbers(argv);
  try {
    const { values, positionals } = parseArgs({ args: argv, options: { ...options, help: { type: "boolean", short: "h" } }, allowPositionals: true, strict: true });
    if ((values as Record<string, unknown>).help) {
      console.log(usage);
      process.exit(0);
    }
    return { values: values as { [K in keyof O]?: O[K]["type"] extends "boolean" ? boolean : string }, positionals };
  } catch (err) {
    if (err instanceof TypeError && "code" in err && String((err as { code: string }).code).startsWith("ERR_PARSE_ARGS")) {
      throw new UserError(`${err.message.split("\n")[0].split(". To specify")[0]} (see --help)`);
    }
    throw err;
  }
}

/** "--batch-size -3" would read as an option named "-3": glue negative numbers to their option. */
function glueNegativeNumbers(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith("--") && !a.includes("=") && /^-\d/.test(argv[i + 1] ?? "")) out.push(`${a}=${argv[++i]}`);
    else out.push(a);
  }
  return out;
}

/**
 * An integer option of at least `min` (1: positive), or a UserError naming the option. Plain
 * decimal digits only: "1e3", "0x5", "5.0" and numbers past 2^53 (which would lose digits) are refused.
 */
export function intOption(name: string, raw: string | undefined, fallback: number, min = 1): number {
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (/^-?\d+$/.test(raw) && !Number.isSafeInteger(v)) throw new UserError(`--${name} is too large, got "${raw}"`);
  if (!/^-?\d+$/.test(raw) || !Number.isInteger(v) || v < min) {
    throw new UserError(`--${name} must be ${min === 1 ? "a positive" : min === 0 ? "a non-negative" : `an integer >= ${min}, i.e. an`} integer, got "${raw}"`);
  }
  return v;
}

/** --quick and --budget of the notebook commands: whether the run is quick, and the budget to pass on (GAN_BUDGET). */
export function budgetOption(quickFlag: boolean | undefined, raw: string | undefined): { quick: boolean; budget?: "quick" | "lab" | "full" } {
  if (raw !== undefined && !["quick", "lab", "full"].includes(raw)) throw new UserError(`--budget must be quick, lab or full, got "${raw}"`);
  if (quickFlag && raw !== undefined && raw !== "quick") throw new UserError(`--quick and --budget ${raw} disagree: give one`);
  const quick = (quickFlag ?? false) || raw === "quick";
  return { quick, budget: quick ? "quick" : (raw as "lab" | "full" | undefined) };
}

/** Refuse positional arguments on a CLI that takes none (`npm run train -- began` is not a model name). */
export function noPositionals(positionals: string[]): void {
  if (positionals.length) {
    throw new UserError(`unexpected argument "${positionals[0]}": options are written --name value (see --help)`);
  }
}

/** Run a CLI main: user errors become one line on stderr and exit code 2. */
export function runMain(main: () => Promise<void>): void {
  main().then(
    () => process.exit(process.exitCode ?? 0),
    (err) => {
      if (err instanceof UserError) {
        console.error(`error: ${err.message}`);
        process.exit(2);
      }
      console.error(err);
      process.exit(1);
    },
  );
}
