/**
 * How long the collector keeps an idle keep-alive connection open (its own module so the stack and
 * the cost model read it without loading Fastify).
 *
 * Behind the ALB (idle timeout 60 s) it must be longer, so the ALB, which reuses its connections to
 * us, closes them and never sends on one we closed. Behind an NLB nothing is reused (each client
 * connection has its own connection to us) and the NLB's TLS idle timeout is 350 s and fixed
 * (https://docs.aws.amazon.com/elasticloadbalancing/latest/network/update-idle-timeout.html), so
 * this is how long a browser's idle connection lasts: we close first, and the NLB, which keeps one
 * connection to us per client connection, ends the client's side with ours (what a proxy that
 * pools nothing does; the NLB documentation does not say it in as many words). The cost model
 * prices the `scale` preset's connections with this value.
 */
export const KEEP_ALIVE_TIMEOUT_MS = 65_000;
