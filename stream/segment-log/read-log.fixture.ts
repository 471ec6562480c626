/**
 * Test fixture: a reader in its own process. Polls `<dir>` until it has read `<count>` records,
 * then prints one JSON line per record `{seq, hex}` and exits.
 */
import { createSegmentLogReader } from './reader.ts';

const [dir, countArg] = process.argv.slice(2);
const count = Number(countArg);
const reader = await createSegmentLogReader(dir, {
  checkpointFile: `${dir}/child-checkpoint.json`,
  retention: false,
});
let seen = 0;
const deadline = Date.now() + 20_000;
while (seen < count && Date.now() < deadline) {
  const batch = await reader.next(50);
  if (!batch) {
    await new Promise((r) => setTimeout(r, 5));
    continue;
  }
  for (const r of batch.records) {
    process.stdout.write(
      `${JSON.stringify({ seq: r.sequenceNumber, hex: Buffer.from(r.data).toString('hex') })}\n`,
    );
  }
  seen += batch.records.length;
  await reader.commit(batch);
}
await reader.close();
