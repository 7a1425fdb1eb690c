/**
 * Loopback ports for a kernel's connection file (and for the servers tests start).
 *
 * Letting the OS pick (listen on port 0, close, hand the number on) gives a port in the ephemeral
 * range, the same range the OS draws from for every outgoing connection. Between the choice and the
 * kernel's bind, any connect() on the machine may take that port as its local end: ZeroMQ's
 * reconnect loop towards a kernel that is still starting can even connect a socket to itself
 * (TCP simultaneous open), and the kernel's bind then fails. Ports below the ephemeral range are
 * never handed out by the OS, so only an explicit bind can take them; each one is checked free here
 * and not handed out twice by this process.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** Where to draw ports when the ephemeral range cannot be read, or leaves too little below it. */
const FALLBACK_RANGE: [number, number] = [20000, 29999];
/** Well clear of the registered services most machines run (PostgreSQL 5432, Redis 6379, Jupyter 8888). */
const LOWEST = 10000;

let ephemeralRange: [number, number] | null | undefined;

/** The OS's ephemeral port range (Linux), or null where it cannot be read. */
function readEphemeralRange(): [number, number] | null {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    return Number.isInteger(low) && Number.isInteger(high) && low <= high ? [low, high] : null;
  } catch {
    return null;
  }
}

/** The range ports are drawn from: below the ephemeral range where it leaves room, else the fallback. */
export function candidateRange(): [number, number] {
  if (ephemeralRange === undefined) ephemeralRange = readEphemeralRange();
  if (ephemeralRange && ephemeralRange[0] - 1 - LOWEST >= 1000) return [LOWEST, ephemeralRange[0] - 1];
  return FALLBACK_RANGE;
}

/** Ports this process has handed out; never handed out again (a process starts a few hundred kernels at most). */
const handedOut = new Set<number>();

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen({ port, host: '127.0.0.1', exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

/** A loopback port nobody listens on now, outside the OS's ephemeral range, not yet handed out by this process. */
export async function freeLoopbackPort(): Promise<number> {
  const [low, high] = candidateRange();
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = low + Math.floor(Math.random() * (high - low + 1));
    if (handedOut.has(port)) continue;
    handedOut.add(port);
    if (await isFree(port)) return port;
  }
  throw new Error(`no free loopback port found in ${low}-${high} after 200 tries; is something holding most of them?`);
}
