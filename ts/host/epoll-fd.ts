// An epoll set as a descriptor (wasix epoll_create): readable when epoll_wait
// would report something, never writable, as on Linux.

import * as w from '../wasi/index.js';
import { Descriptor, type PollState } from './descriptor.js';
import { Epoll } from './epoll.js';

const EPOLL_RIGHTS = w.RIGHTS_POLL_FD_READWRITE | w.RIGHTS_FD_FDSTAT_SET_FLAGS | w.RIGHTS_FD_FILESTAT_GET;

export class EpollFd extends Descriptor {
  readonly epoll = new Epoll();

  pollState(out: PollState): void {
    out.readReady = this.epoll.hasEvents();
    out.writeReady = false;
    out.toRead = out.toWrite = 0;
    out.hangup = false;
  }

  release(): number {
    this.epoll.clear();
    return w.ERRNO_SUCCESS;
  }

  protected stat() {
    return { filetype: w.FILETYPE_UNKNOWN, rightsBase: EPOLL_RIGHTS, rightsInheriting: 0n };
  }
}
