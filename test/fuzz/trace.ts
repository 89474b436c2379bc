// The record of one instance: every call (with its arguments and what the
// pointers led to) and every peer action, in order. Each line also goes to
// the session's trace pipe as it happens (a call before it runs, its result
// after), so that a call that kills the whole process is still named by the
// parent (fuzz.ts).

/** Lines kept for a failure report. */
const KEPT = 400;

export class Trace {
  private readonly lines: { text: string; result?: string }[] = [];
  private lastCall: { text: string; result?: string } | null = null;
  private dropped = 0;

  constructor(private readonly sink: ((line: string) => void) | null) {}

  /** A call about to run (sent on at once), its result added by result(). */
  call(text: string): void {
    this.sink?.(`C ${text}`);
    this.lastCall = { text };
    this.keep(this.lastCall);
  }

  result(text: string): void {
    this.sink?.(`R ${text}`);
    if (this.lastCall !== null) this.lastCall.result = text;
  }

  /** Something else that happened: a peer's action, a watchdog stop. */
  note(text: string): void {
    this.sink?.(`P ${text}`);
    this.keep({ text: `  ${text}` });
  }

  /** The last `n` lines, and a first line saying how many earlier ones were left out. */
  tail(n: number): string[] {
    const shown = this.lines.slice(-n).map((line) => (line.result === undefined ? line.text : `${line.text} -> ${line.result}`));
    const omitted = this.dropped + this.lines.length - shown.length;
    return omitted > 0 ? [`(${omitted} earlier lines omitted)`, ...shown] : shown;
  }

  private keep(line: { text: string; result?: string }): void {
    this.lines.push(line);
    if (this.lines.length > KEPT) {
      this.lines.shift();
      this.dropped++;
    }
  }
}

/** A property the host broke, with what the report should say. */
export class FuzzFailure extends Error {
  constructor(
    readonly property: string,
    message: string,
  ) {
    super(message);
    this.name = 'FuzzFailure';
  }
}
