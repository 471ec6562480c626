/** Drives `ack-writer.ts` children and reads the log_ids a stream holds, for the fault tests. */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import type { StreamReader } from '../../stream/contract.ts';
import { decodeEnvelope } from '../../stream/envelope.ts';

const WRITER = join(import.meta.dirname, 'ack-writer.ts');

export interface Writer {
  acked: string[];
  waitForAcks(n: number): Promise<void>;
  kill(): Promise<void>;
}

/** Children still alive are SIGKILLed by `killWriters` (call it in afterAll). */
const children: ChildProcess[] = [];
export function killWriters(): void {
  for (const c of children) c.kill('SIGKILL');
}

export function startWriter(args: string[]): Writer {
  const child = spawn(process.execPath, ['--import', 'tsx', WRITER, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const acked: string[] = [];
  let partial = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => {
    const text = partial + d.toString();
    const lines = text.split('\n');
    partial = lines.pop() ?? ''; // a line cut by the kill is not counted
    acked.push(...lines.filter((l) => l.length > 0));
  });
  child.stderr!.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-2000);
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    acked,
    async waitForAcks(n) {
      const deadline = Date.now() + 30_000;
      while (acked.length < n) {
        if (child.exitCode !== null) throw new Error(`writer exited: ${stderr}`);
        if (Date.now() > deadline) throw new Error(`only ${acked.length} acks: ${stderr}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

export async function idsIn(
  reader: StreamReader,
  until?: (ids: Set<string>) => boolean,
): Promise<Set<string>> {
  const ids = new Set<string>();
  const deadline = Date.now() + 30_000;
  for (;;) {
    const batch = await reader.next(500);
    if (batch) {
      for (const r of batch.records) {
        const d = decodeEnvelope(r.data);
        if (!d.ok) throw new Error(d.reason);
        for (const l of d.lines) ids.add(JSON.parse(l).log_id);
      }
      await reader.commit(batch);
      continue;
    }
    if (!until || until(ids) || Date.now() > deadline) return ids;
    await new Promise((r) => setTimeout(r, 50));
  }
}
