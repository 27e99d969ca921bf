import { setMaxListeners } from 'node:events';
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * The abort signal of one request: fired when the client goes away or the request
 * runs out of time; adapters cancel their backend queries on it.
 *
 * Made on first use only: most requests (cache hits, decisions by key) never ask
 * for it, and an AbortController, a timer and a socket listener per request are a
 * measurable share of a cached answer (bench/framework-overhead.mjs). Made late, it
 * behaves as if made at the start: the deadline counts from the request's arrival,
 * and a client already gone aborts it at once.
 */
export class RequestAbort {
  private controller: AbortController | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly deadline: number;
  private disposed = false;
  private cancelled: Error | undefined;
  private readonly onClose = () => {
    if (!this.reply.sent) this.controller?.abort(new Error('client closed the connection'));
  };

  constructor(
    private readonly request: FastifyRequest,
    private readonly reply: FastifyReply,
    private readonly timeoutMs: number,
  ) {
    this.deadline = Date.now() + timeoutMs;
  }

  get signal(): AbortSignal {
    if (this.controller) return this.controller.signal;
    const controller = new AbortController();
    // Every backend call of the request listens on this signal (DataLoader batches,
    // ledger reads in parallel); many listeners are expected, not a leak.
    setMaxListeners(1000, controller.signal);
    this.controller = controller;
    if (this.cancelled) {
      controller.abort(this.cancelled);
      return controller.signal;
    }
    // Asked for after the answer: nothing is left to cancel.
    if (this.disposed) return controller.signal;
    const timedOut = () => new Error(`request exceeded ${this.timeoutMs} ms`);
    const remaining = this.deadline - Date.now();
    if (remaining <= 0) controller.abort(timedOut());
    else this.timer = setTimeout(() => controller.abort(timedOut()), remaining);
    const socket = this.request.raw.socket;
    if (socket?.destroyed) this.onClose();
    else socket?.once('close', this.onClose);
    return controller.signal;
  }

  /**
   * Cancels what the request still runs: its answer is final (a field failed and
   * nulled the whole data, the response was sent) and nobody waits for the rest.
   */
  cancel(reason: Error): void {
    this.cancelled ??= reason;
    if (this.controller && !this.controller.signal.aborted) this.controller.abort(reason);
  }

  /**
   * The request is answered: cancel whatever backend work of it is still running
   * (nothing reads its result any more), stop the timer, let go of the socket.
   */
  dispose(): void {
    this.disposed = true;
    if (!this.controller) return;
    if (!this.controller.signal.aborted) this.controller.abort(new Error('the response was already sent'));
    clearTimeout(this.timer);
    this.request.raw.socket?.off('close', this.onClose);
  }
}
