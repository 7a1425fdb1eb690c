/**
 * `input(prompt?, { password? })` for cells: Jupyter's stdin channel. The kernel sends an
 * `input_request` on its stdin ROUTER to the frontend that sent the running execute_request (same
 * ZeroMQ identity, parent = that request); the frontend answers `input_reply` with `value`.
 *
 * A frontend that cannot answer says so with `allow_stdin: false` in its execute_request (nbclient,
 * nbconvert, `tunelab run`): input() then fails at once instead of waiting forever. One request may
 * be pending at a time, and an interrupt, or the end of its cell, rejects it.
 */
import type { MessageHeader } from './wire';

/** input() was called but the frontend of the running cell does not answer input requests. */
export class StdinNotAllowedError extends Error {
  override name = 'StdinNotAllowedError';
  constructor() {
    super(
      'input(): this frontend does not accept input (its execute_request has allow_stdin: false, as with ' +
        'nbclient, nbconvert and `tunelab run`). Pass the value as a parameter instead: a variable in the ' +
        'cell tagged "parameters", set with `tunelab run NOTEBOOK --param NAME=VALUE`.',
    );
  }
}

/** input() could not ask (wrong time, or another request is waiting); the message says why. */
export class InputRequestError extends Error {
  override name = 'InputRequestError';
}

/** The execute_request whose cell is running: where input requests go. */
export interface InputTarget {
  parent: MessageHeader;
  /** ZeroMQ routing identities of the request's sender (the stdin socket shares them). */
  identities: Buffer[];
  allowStdin: boolean;
}

export interface InputOptions {
  /** Ask the frontend to hide what is typed. */
  password?: boolean;
}

export type InputFunction = (prompt?: string, options?: InputOptions) => Promise<string>;

interface Pending {
  requestId: string;
  resolve(value: string): void;
  reject(err: Error): void;
}

export class InputRequests {
  private target: InputTarget | undefined;
  private pending: Pending | undefined;

  constructor(
    /** Sends input_request on stdin to the target; returns the new message's msg_id. */
    private readonly sendRequest: (target: InputTarget, content: { prompt: string; password: boolean }) => string,
    /** The request the calling code belongs to (context.ts). */
    private readonly callerParent: () => MessageHeader | undefined,
  ) {}

  cellStarted(target: InputTarget): void {
    this.target = target;
  }

  cellFinished(): void {
    this.target = undefined;
    this.fail(new InputRequestError('input(): the cell finished before the frontend answered'));
  }

  /** An interrupt rejects the request being waited for with `err`. */
  interrupt(err: Error): void {
    this.fail(err);
  }

  /**
   * input_reply from the stdin channel, its value already read as text (messages.ts). A reply nobody
   * waits for (answered after an interrupt) is dropped.
   */
  onReply(parentId: string | undefined, value: string): void {
    const p = this.pending;
    if (!p || (parentId !== undefined && parentId !== p.requestId)) return;
    this.pending = undefined;
    p.resolve(value);
  }

  /** What cells call as `input`. */
  readonly ask: InputFunction = (prompt = '', options = {}) => {
    const target = this.target;
    if (!target || this.callerParent()?.msg_id !== target.parent.msg_id) {
      return Promise.reject(
        new InputRequestError(
          'input() can only ask while the cell that calls it runs (not from a comm handler or a task of a finished cell)',
        ),
      );
    }
    if (!target.allowStdin) return Promise.reject(new StdinNotAllowedError());
    if (this.pending) {
      return Promise.reject(
        new InputRequestError('input(): another input request is still waiting for an answer; await it before asking again'),
      );
    }
    return new Promise<string>((resolve, reject) => {
      const requestId = this.sendRequest(target, { prompt: String(prompt), password: options.password === true });
      this.pending = { requestId, resolve, reject };
    });
  };

  private fail(err: Error): void {
    const p = this.pending;
    if (!p) return;
    this.pending = undefined;
    p.reject(err);
  }
}
