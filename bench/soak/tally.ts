// What one scenario did over the run, as the client saw it.
import type { EchoCheck } from './echo-check.js';

const ERRORS_KEPT = 5;

export class Tally {
  /** Connections that reached the server. */
  connections = 0;
  /** Connections that did everything the scenario expects of them. */
  completed = 0;
  errors = 0;
  /** The first few errors, verbatim. */
  readonly firstErrors: string[] = [];
  bytesSent = 0;
  bytesEchoed = 0;
  /** Sent and never echoed on a connection that should have echoed it all. */
  bytesLost = 0;
  bytesWrong = 0;
  /** Connect to the server dropping the connection (never-reading clients). */
  readonly dropMs: number[] = [];
  /** Connect to the server taking bytes again after it had stopped (never-reading clients). */
  readonly readAgainMs: number[] = [];
  /** Send to full echo, per connection (short connections). */
  readonly roundTripMs: number[] = [];

  error(message: string): void {
    this.errors++;
    if (this.firstErrors.length < ERRORS_KEPT) this.firstErrors.push(message);
  }

  /** Adds a finished connection's bytes; whatever was not echoed counts as lost. */
  settle(check: EchoCheck): void {
    this.bytesSent += check.sent;
    this.bytesEchoed += check.echoed;
    this.bytesWrong += check.wrong;
    this.bytesLost += check.outstanding;
  }
}
