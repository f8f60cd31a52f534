/**
 * A progress bar for long work, on standard error: redrawn in place on a
 * terminal, a line every few seconds otherwise (so logs stay readable).
 *
 * @module
 */

/** Options of {@link ProgressBar}. */
export interface ProgressOptions {
  /** Label before the bar. */
  label?: string;
  /** Bar width in characters (default 28). */
  width?: number;
  /** Write here instead of standard error (tests). */
  write?: (text: string) => void;
  /** Whether to redraw in place (default: standard error is a terminal). */
  interactive?: boolean;
}

const encoder = new TextEncoder();

function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return "?";
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)}s`;
  const m = Math.floor(s / 60);
  return `${m}m${String(Math.round(s - 60 * m)).padStart(2, "0")}s`;
}

/**
 * A progress bar.
 *
 * @example
 * ```ts
 * import { ProgressBar } from "@recognize/cli";
 * const lines: string[] = [];
 * const bar = new ProgressBar(3, { label: "epoch 1", write: (t) => lines.push(t), interactive: false });
 * for (let i = 0; i < 3; i++) bar.tick({ loss: 0.5 });
 * bar.done();
 * console.assert(lines.at(-1)!.includes("3/3"));
 * ```
 */
export class ProgressBar {
  readonly #total: number;
  readonly #label: string;
  readonly #width: number;
  readonly #write: (text: string) => void;
  readonly #interactive: boolean;
  readonly #start = performance.now();
  #done = 0;
  #lastDraw = performance.now();
  #fields: Record<string, string | number> = {};

  /**
   * @param total Units of work.
   * @param options Label, width, sink.
   */
  constructor(total: number, options: ProgressOptions = {}) {
    this.#total = Math.max(total, 0);
    this.#label = options.label ?? "";
    this.#width = options.width ?? 28;
    this.#write = options.write ?? ((t) => Deno.stderr.writeSync(encoder.encode(t)));
    let tty = false;
    try {
      tty = Deno.stderr.isTerminal();
    } catch { /* not available */ }
    this.#interactive = options.interactive ?? tty;
  }

  /**
   * Advance by `n` units, updating the figures shown after the bar.
   *
   * @param fields Named figures (numbers are shown with 4 significant digits).
   * @param n Units done.
   */
  tick(fields: Record<string, string | number> = {}, n = 1): void {
    this.#done = Math.min(this.#total, this.#done + n);
    this.#fields = { ...this.#fields, ...fields };
    const now = performance.now();
    const complete = this.#done === this.#total;
    // on a terminal redraw often; in a log, a line every 5 s and the last one from done()
    const due = this.#interactive
      ? complete || now - this.#lastDraw > 80
      : !complete && now - this.#lastDraw > 5000;
    if (due) this.#draw(now);
  }

  /** Finish the bar (draws it complete, ends the line). */
  done(fields: Record<string, string | number> = {}): void {
    this.#fields = { ...this.#fields, ...fields };
    this.#done = this.#total;
    this.#draw(performance.now(), true);
  }

  #draw(now: number, final = false): void {
    this.#lastDraw = now;
    const frac = this.#total === 0 ? 1 : this.#done / this.#total;
    const filled = Math.round(frac * this.#width);
    const elapsed = (now - this.#start) / 1000;
    const eta = frac > 0 ? elapsed * (1 - frac) / frac : NaN;
    const figures = Object.entries(this.#fields).map(([k, v]) =>
      `${k} ${typeof v === "number" ? Number(v.toPrecision(4)) : v}`
    ).join("  ");
    const time = final || frac === 1
      ? formatSeconds(elapsed)
      : `${formatSeconds(elapsed)}<${formatSeconds(eta)}`;
    const bar = `${"█".repeat(filled)}${"░".repeat(this.#width - filled)}`;
    const text = `${
      this.#label ? this.#label + " " : ""
    }${bar} ${this.#done}/${this.#total} ${time}${figures ? "  " + figures : ""}`;
    if (this.#interactive) this.#write(`\r\x1b[2K${text}${final ? "\n" : ""}`);
    else this.#write(`${text}\n`);
  }
}
