/**
 * The loop guard as cells get it: the kernel's guard (loopGuard.ts, which throws for a request
 * nobody has taken yet) plus what the executor knows about the cells, so that a request taken
 * elsewhere still stops the code of the cell it interrupted.
 *
 * A request taken elsewhere dooms the cell all the same: when the SIGINT handler or the optimize
 * poll took it while an objective was awaiting, a loop the objective starts afterwards must stop
 * too, or the cell (and the study waiting for its trial) would run on; and a cell reported as
 * interrupted while it awaited must not come back to life in a loop after its await settles.
 */
import { requestContext, type RequestContext } from '../context';
import type { LoopGuard } from './loopGuard';

/** What the executor tells the guard about the cells (executor.ts). */
export interface CellsUnderInterrupt {
  /** True while vm runs a cell's synchronous part, which SIGINT reaches. */
  inSyncSection(): boolean;
  /**
   * Whether code running for `request` (context.ts; undefined outside any) must stop: it belongs to
   * the running cell once that was interrupted, or to a cell the interrupt ended while it awaited.
   */
  isDoomed(request: RequestContext | undefined): boolean;
}

export function cellLoopGuard(guard: LoopGuard, cells: CellsUnderInterrupt, makeError: () => Error): LoopGuard {
  return {
    sites: (count) => guard.sites(count),
    check: (sites, site) => {
      // While vm runs the cell's synchronous part, SIGINT breaks it: the socket thread raises one
      // for a request nobody has taken within its signal delay. Taking the request here could
      // race with that signal and leave it to land later, possibly inside the next cell, which it
      // would break; so this part is left to the signal.
      if (cells.inSyncSection()) return guard.check(sites, site, false);
      const refill = guard.check(sites, site);
      // Other code (a timer an earlier cell set, a comm handler) runs on.
      if (cells.isDoomed(requestContext.getStore())) throw makeError();
      return refill;
    },
  };
}
