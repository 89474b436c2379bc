// Path resolution below a directory descriptor, for the file-system code of
// both runtimes: a module's path is resolved one component at a time on the
// real file system, every symlink expanded by hand, so that neither `..` nor
// a symlink (relative or absolute) can leave the directory the path is
// relative to (a capability: a descriptor for a/b gives no access to a/c). What comes out is a
// host path whose directories hold no symlink: only its final component may
// be one, and only when the caller asked not to follow it.
//
// Like uvwasi (and unlike openat(2)), a directory descriptor is a path: a
// directory renamed while it is open keeps its old path here.

import { lstatSync, readlinkSync } from 'node:fs';
import * as w from '../../wasi/index.js';
import { WasiErrnoError } from '../../wasi/index.js';
import { errnoOfFsError } from './errors.js';

/** POSIX's SYMLOOP_MAX as Linux has it: more symlinks than this in one resolution is ELOOP. */
export const MAX_SYMLINKS = 40;

/** A directory inside a preopen: the preopen's real host path and the names below it. */
export interface Location {
  readonly root: string;
  readonly parts: readonly string[];
}

export function hostPath(location: Location, name?: string): string {
  const parts = name === undefined ? location.parts : [...location.parts, name];
  return parts.length === 0 ? location.root : `${location.root}/${parts.join('/')}`;
}

/** What a module's path names. */
export interface Target {
  /** The directory that holds `name`. */
  parent: Location;
  /**
   * The final component; null when the path ends in `.` or `..` (or is `.`):
   * it names `parent` itself, and nothing can be created or removed there.
   */
  name: string | null;
  /** The path ended with '/': it must name a directory. */
  trailingSlash: boolean;
  /** The host path of the target. */
  host: string;
}

/**
 * Resolves `path` below `dir`. `followFinal` expands a final symlink too (a
 * trailing slash always does, as in POSIX). A final component that does not
 * exist is not an error: the caller may be about to create it. Throws
 * WasiErrnoError: EINVAL for a NUL byte, ENOENT for an empty path,
 * ENOTCAPABLE for an absolute path or one that leaves `dir`, ENOTDIR or
 * ENOENT for a missing directory on the way, ELOOP past MAX_SYMLINKS.
 */
export function resolveTarget(dir: Location, path: string, followFinal: boolean): Target {
  if (path.includes('\0')) throw new WasiErrnoError(w.ERRNO_INVAL, 'a path holds a NUL byte');
  if (path === '') throw new WasiErrnoError(w.ERRNO_NOENT, 'empty path');
  if (path.startsWith('/')) throw new WasiErrnoError(w.ERRNO_NOTCAPABLE, 'an absolute path leaves the preopened directory');
  const trailingSlash = path.endsWith('/');
  const stack = [...dir.parts];
  const floor = dir.parts.length;
  // Components still to walk, next one last.
  const queue = path.split('/').reverse();
  let symlinks = 0;
  let name: string | null = null;
  while (queue.length > 0) {
    const component = queue.pop()!;
    if (component === '') continue;
    const final = queue.every((c) => c === '');
    if (component === '.' || component === '..') {
      if (component === '..') {
        if (stack.length === floor) throw new WasiErrnoError(w.ERRNO_NOTCAPABLE, 'the path leaves the directory it is relative to');
        stack.pop();
      }
      if (final) name = null;
      continue;
    }
    const at = hostPath({ root: dir.root, parts: stack }, component);
    if (final && !followFinal && !trailingSlash) {
      name = component;
      break;
    }
    let stat;
    try {
      stat = lstatSync(at);
    } catch (error) {
      const errno = errnoOfFsError(error);
      if (final && errno === w.ERRNO_NOENT) {
        name = component;
        break;
      }
      throw new WasiErrnoError(errno);
    }
    if (stat.isSymbolicLink()) {
      if (++symlinks > MAX_SYMLINKS) throw new WasiErrnoError(w.ERRNO_LOOP, 'too many symbolic links');
      const target = readlinkSync(at, 'utf8');
      if (target.startsWith('/')) throw new WasiErrnoError(w.ERRNO_NOTCAPABLE, 'a symbolic link to an absolute path leaves the directory');
      // A final symlink that is expanded still decides whether a trailing slash was given.
      queue.push(...target.split('/').reverse());
      continue;
    }
    if (final) {
      name = component;
      break;
    }
    if (!stat.isDirectory()) throw new WasiErrnoError(w.ERRNO_NOTDIR);
    stack.push(component);
  }
  const parent = { root: dir.root, parts: stack };
  return { parent, name, trailingSlash, host: name === null ? hostPath(parent) : hostPath(parent, name) };
}

/** The location of the directory a target names (after it was checked to be one). */
export function locationOf(target: Target): Location {
  return target.name === null ? target.parent : { root: target.parent.root, parts: [...target.parent.parts, target.name] };
}
