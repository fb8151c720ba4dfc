/** A progress bar on stderr, drawn only when stderr is a terminal, at most ten times a second. */
export class ProgressBar {
  readonly #label: string;
  readonly #total: number | undefined;
  readonly #stream: NodeJS.WriteStream;
  readonly #enabled: boolean;
  #lastDraw = 0;
  readonly #started = Date.now();

  constructor(label: string, total: number | undefined, stream: NodeJS.WriteStream = process.stderr) {
    this.#label = label;
    this.#total = total;
    this.#stream = stream;
    this.#enabled = stream.isTTY === true;
  }

  update(done: number): void {
    if (!this.#enabled) return;
    const now = Date.now();
    if (now - this.#lastDraw < 100 && done !== this.#total) return;
    this.#lastDraw = now;
    const seconds = Math.max((now - this.#started) / 1000, 0.001);
    const rate = `${Math.round(done / seconds).toLocaleString("en-GB")} rows/s`;
    let line: string;
    if (this.#total) {
      const share = Math.min(done / this.#total, 1);
      const width = 30;
      const filled = Math.round(share * width);
      line = `${this.#label} [${"#".repeat(filled)}${"-".repeat(width - filled)}] ${Math.round(share * 100)}% ${done.toLocaleString("en-GB")}/${this.#total.toLocaleString("en-GB")} ${rate}`;
    } else {
      line = `${this.#label} ${done.toLocaleString("en-GB")} rows ${rate}`;
    }
    this.#stream.write(`\r${line}\u001b[K`);
  }

  finish(): void {
    if (this.#enabled) this.#stream.write("\r\u001b[K");
  }
}

/**
 * One bar per table for a fabrication run: `onProgress` (as runProject takes it) starts a new
 * bar when the table changes; `finish` clears the last one.
 */
export function tableProgress(): {
  onProgress: (table: string, done: number, total: number | undefined) => void;
  finish: () => void;
} {
  let bar: ProgressBar | undefined;
  let current = "";
  return {
    onProgress(table, done, total) {
      if (table !== current) {
        bar?.finish();
        bar = new ProgressBar(table, total);
        current = table;
      }
      bar!.update(done);
    },
    finish: () => bar?.finish(),
  };
}
