/**
 * The kernel's process and the processes its cells started: how the kernel notices that the process
 * that launched it is gone, and how it ends itself together with its children.
 *
 * Used from the socket thread (socketThread.ts), whose event loop a cell cannot block: a kernel busy
 * in a synchronous cell still notices its parent's death and ends. `process.exit` in a worker ends
 * only the worker, so the process is ended with SIGKILL on its own pid.
 *
 * Children are found through Linux's /proc (the parent of each process); elsewhere only the kernel's
 * own process group is signalled (when the kernel leads it, as under jupyter_client, which starts
 * kernels in a new session, and under `tunelab run`).
 */
import { readdirSync, readFileSync } from 'node:fs';

export interface ParentWatch {
  /** The kernel's parent when it started: a different `process.ppid` later means it was reparented. */
  originalPpid: number;
  /** `JPY_PARENT_PID`, which jupyter_client sets to its own pid (0 when absent). */
  jupyterParentPid: number;
}

export function parentWatchAtStart(env: NodeJS.ProcessEnv = process.env): ParentWatch {
  const jpy = Number(env.JPY_PARENT_PID);
  return { originalPpid: process.ppid, jupyterParentPid: Number.isSafeInteger(jpy) && jpy > 1 ? jpy : 0 };
}

interface ProcStat {
  state: string;
  ppid: number;
  pgrp: number;
}

function readStat(pid: number): ProcStat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses, so split after the last ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0], ppid: Number(fields[1]), pgrp: Number(fields[2]) };
  } catch {
    return undefined;
  }
}

/** True when no live process has this pid (a zombie counts as gone: it runs nothing). */
export function isGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
  const stat = readStat(pid);
  return stat?.state === 'Z' || stat?.state === 'X';
}

/** Why the kernel's parent is considered gone, or undefined while it lives. */
export function parentGone(watch: ParentWatch): string | undefined {
  const ppid = process.ppid;
  if (ppid !== watch.originalPpid) return `the parent process ${watch.originalPpid} is gone (the kernel was reparented to ${ppid})`;
  if (watch.jupyterParentPid && watch.jupyterParentPid !== ppid && isGone(watch.jupyterParentPid)) {
    return `the process that started the kernel (JPY_PARENT_PID ${watch.jupyterParentPid}) is gone`;
  }
  return undefined;
}

/** Every process descending from `root` (children, grandchildren...), from /proc; [] without /proc. */
export function descendantsOf(root: number): number[] {
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return [];
  }
  const childrenOf = new Map<number, number[]>();
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    const stat = readStat(pid);
    if (!stat) continue;
    const list = childrenOf.get(stat.ppid);
    if (list) list.push(pid);
    else childrenOf.set(stat.ppid, [pid]);
  }
  const found: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    for (const child of childrenOf.get(queue.shift()!) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

/** How long children get to act on SIGTERM before SIGKILL. */
const CHILD_TERM_GRACE_MS = 300;

/**
 * Ends the processes the kernel started (SIGTERM, then SIGKILL for those still there), then the
 * kernel's process group if it leads one, then the kernel itself. Never returns. Safe to call from a
 * worker thread: it blocks that thread only (Atomics.wait), never the cell's.
 */
export function endKernelAndChildren(): never {
  const me = process.pid;
  const children = descendantsOf(me);
  for (const pid of children) signal(pid, 'SIGTERM');
  if (children.length > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, CHILD_TERM_GRACE_MS);
  // Children started meanwhile (a cell still runs) are in the second reading.
  for (const pid of new Set([...children, ...descendantsOf(me)])) signal(pid, 'SIGKILL');
  if (readStat(me)?.pgrp === me) signal(-me, 'SIGKILL');
  process.kill(me, 'SIGKILL');
  // process.kill delivers SIGKILL to this process before returning; this line is never reached.
  throw new Error('unreachable: the kernel process was killed');
}
