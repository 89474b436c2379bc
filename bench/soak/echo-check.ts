// Compares every byte a connection gets back with what it sent, in order.
// Sent chunks are kept (as views, not copies) until their echo arrives.

export class EchoCheck {
  /** Bytes handed to the socket. */
  sent = 0;
  /** Bytes echoed back equal to what was sent at that position. */
  echoed = 0;
  /** Bytes echoed back that differ from what was sent there, or that were never sent. */
  wrong = 0;
  /** Stream offset of the first wrong byte, for the error message. */
  firstWrongAt: number | null = null;
  private readonly queue: Buffer[] = [];
  private headAt = 0;

  expect(chunk: Buffer): void {
    this.queue.push(chunk);
    this.sent += chunk.length;
  }

  /** Sent and not yet answered by any byte, right or wrong. */
  get outstanding(): number {
    return Math.max(0, this.sent - this.echoed - this.wrong);
  }

  receive(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length) {
      const head = this.queue[0];
      if (head === undefined) {
        this.mark(chunk.length - at);
        return;
      }
      const n = Math.min(head.length - this.headAt, chunk.length - at);
      const want = head.subarray(this.headAt, this.headAt + n);
      const got = chunk.subarray(at, at + n);
      if (want.equals(got)) {
        this.echoed += n;
      } else {
        let bad = 0;
        for (let i = 0; i < n; i++) if (want[i] !== got[i]) bad++;
        this.mark(bad);
        this.echoed += n - bad;
      }
      at += n;
      this.headAt += n;
      if (this.headAt === head.length) {
        this.queue.shift();
        this.headAt = 0;
      }
    }
  }

  private mark(bad: number): void {
    if (this.firstWrongAt === null) this.firstWrongAt = this.echoed + this.wrong;
    this.wrong += bad;
  }
}
