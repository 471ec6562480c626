/**
 * Progress display on stderr: on a TTY one live line per step with elapsed/expected seconds; in
 * a pipe or CI, plain lines when steps start and end.
 */
export interface Progress {
  /** Starts a step expected to take about `expectSec`; returns its finisher. */
  step(label: string, expectSec?: number): (outcome?: string) => void;
  log(line: string): void;
}

export function createProgress(stream: NodeJS.WriteStream = process.stderr): Progress {
  const tty = Boolean(stream.isTTY);
  return {
    step(label, expectSec) {
      const t0 = Date.now();
      const elapsed = () => ((Date.now() - t0) / 1000).toFixed(0);
      const draw = () => {
        const bar =
          expectSec && expectSec > 0
            ? (() => {
                const done = Math.min(20, Math.round((20 * (Date.now() - t0)) / 1000 / expectSec));
                return `[${'#'.repeat(done)}${'.'.repeat(20 - done)}] `;
              })()
            : '';
        stream.write(`\r\x1b[2K… ${label} ${bar}${elapsed()}s${expectSec ? `/~${expectSec}s` : ''}`);
      };
      let timer: NodeJS.Timeout | undefined;
      if (tty) {
        draw();
        timer = setInterval(draw, 500);
      } else stream.write(`… ${label}${expectSec ? ` (~${expectSec}s)` : ''}\n`);
      return (outcome = 'done') => {
        if (timer) clearInterval(timer);
        const line = `✓ ${label}: ${outcome} (${elapsed()}s)`;
        stream.write(tty ? `\r\x1b[2K${line}\n` : `${line}\n`);
      };
    },
    log(line) {
      stream.write(tty ? `\r\x1b[2K${line}\n` : `${line}\n`);
    },
  };
}
