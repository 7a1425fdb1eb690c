/**
 * Which request a piece of output belongs to. Each shell message (a cell's execute_request, a
 * frontend comm_msg, ...) is handled inside an AsyncLocalStorage context holding its header, and
 * every async task it starts inherits that context, so output a timer or a promise produces after
 * the cell finished is still parented to the cell that started it. Node also restores the context
 * for 'unhandledRejection' and 'uncaughtException', so those reach the right cell as well.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { MessageHeader } from './wire';

export interface RequestContext {
  parent: MessageHeader;
}

export const requestContext = new AsyncLocalStorage<RequestContext>();

let lastParent: MessageHeader | undefined;

/** Remembers the request being handled, for output produced outside any context. */
export function setLastParent(h: MessageHeader): void {
  lastParent = h;
}

/** The header output should be parented to right now. */
export function currentParent(): MessageHeader | undefined {
  return requestContext.getStore()?.parent ?? lastParent;
}
