// The directory the fuzzed module gets as its preopen, the one beside it
// that it must never reach, and the session process's working directory
// (a relative path resolved by the host lands there). Each instance starts
// from the same contents (so a seed replays the same file system), with a
// symlink out of the sandbox and one to itself among them; after each
// instance, the outside and the working directory must be as they were.

import { mkdirSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const SECRET = 'the fuzzed module must never see or change this\n';

export class Sandbox {
  /** The preopened directory. */
  readonly root: string;
  private readonly outside: string;
  /** For the session's process.chdir(). */
  readonly cwd: string;
  private outsideState = '';

  /** In `base`, a new directory that nothing else uses (fuzz.ts removes it, even after a crash). */
  constructor(private readonly base: string) {
    mkdirSync(base);
    this.root = join(base, 'root');
    this.outside = join(base, 'outside');
    this.cwd = join(base, 'cwd');
    mkdirSync(this.cwd);
    mkdirSync(this.outside);
    writeFileSync(join(this.outside, 'secret.txt'), SECRET);
    this.outsideState = this.describeOutside();
  }

  /** Back to the initial contents, before an instance. */
  reset(): void {
    rmSync(this.root, { recursive: true, force: true });
    mkdirSync(join(this.root, 'dir'), { recursive: true });
    writeFileSync(join(this.root, 'a.txt'), 'hello\n');
    writeFileSync(join(this.root, 'dir', 'b.txt'), 'b'.repeat(100));
    symlinkSync('a.txt', join(this.root, 'link-a'));
    symlinkSync('..', join(this.root, 'up'));
    symlinkSync('loop', join(this.root, 'loop'));
  }

  /** What changed outside the preopened directory since the start, or null. */
  escaped(): string | null {
    const now = this.describeOutside();
    return now === this.outsideState ? null : `outside the preopened directory, ${JSON.stringify(this.outsideState)} became ${JSON.stringify(now)}`;
  }

  remove(): void {
    rmSync(this.base, { recursive: true, force: true });
  }

  private describeOutside(): string {
    const names = readdirSync(this.base).filter((name) => name !== 'root').sort();
    const inside = readdirSync(this.outside).sort();
    const cwd = readdirSync(this.cwd).sort();
    const secret = statSync(join(this.outside, 'secret.txt'), { throwIfNoEntry: false });
    return `${names.join(',')} | outside: ${inside.join(',')} | cwd: ${cwd.join(',')} | secret: ${secret ? `${secret.size}B mode ${secret.mode.toString(8)} mtime ${secret.mtimeMs}` : 'gone'}`;
  }
}
