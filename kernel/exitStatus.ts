/**
 * Exit statuses of the kernel process that its launcher can act on.
 *
 * The connection file names the ports, chosen by the launcher before the kernel starts; in between,
 * another process may take one (the Jupyter protocol has this race by design). The kernel then exits
 * with PORT_TAKEN, which says "start me again with other ports", unlike any other failure.
 */
export const PORT_TAKEN_EXIT_STATUS = 98; // Linux's errno for EADDRINUSE, a number people recognise

/** True for the error ZeroMQ (or Node) raises when a bind finds its address in use. */
export function isAddressInUse(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const { code, message } = err as { code?: unknown; message?: unknown };
  return code === 'EADDRINUSE' || (typeof message === 'string' && /address already in use/i.test(message));
}
