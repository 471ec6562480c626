/**
 * Lingering close (RFC 9112 §9.6): when the collector refuses a request before reading its body
 * (413 from Content-Length) and closes the connection, closing at once makes the kernel answer the
 * client's still-arriving body with a reset, and many clients then report EPIPE/ECONNRESET instead
 * of the 413 they were sent — a server SDK retries the same batch instead of splitting it. So the
 * socket half-closes after the answer (FIN: the client sees the response end) and keeps reading and
 * discarding for a bounded time and size before it is destroyed.
 */
import type { Socket } from 'node:net';

export interface LingerLimits {
  /** Longest time to keep discarding the client's body after the answer. */
  ms: number;
  /** Most bytes to read in that time; past it the socket is destroyed (a reset, as before). */
  bytes: number;
}

export const LINGER: LingerLimits = { ms: 5_000, bytes: 16 * 1024 * 1024 };

/**
 * Makes the next close of `socket` a lingering one. Node's HTTP server closes a `Connection: close`
 * response's socket through `socket.destroySoon()` once the answer is written; this one socket's
 * destroySoon is replaced, so nothing else changes. The server's sockets are half-open capable
 * (http.Server sets allowHalfOpen), so reading goes on after `end()`; Node's HTTP parser keeps
 * consuming and discarding the rest of the request, so only the byte count is watched here.
 */
export function lingerOnClose(socket: Socket, limits: LingerLimits = LINGER): void {
  const startBytes = socket.bytesRead;
  socket.destroySoon = function lingeringDestroySoon(this: Socket) {
    this.end();
    const stop = () => {
      clearInterval(watch);
      clearTimeout(deadline);
      this.destroy();
    };
    const deadline = setTimeout(stop, limits.ms);
    const watch = setInterval(() => {
      if (this.bytesRead - startBytes > limits.bytes) stop();
    }, 50);
    deadline.unref();
    watch.unref();
    this.once('end', stop);
    this.once('close', stop);
  };
}
