/** The local `StreamReader`: lives with the log's format in `lib/segment-log/`. */

export type { SegmentLogReader, SegmentLogReaderOptions } from '../segment-log/index.ts';
export { createSegmentLogReader, LOCAL_SHARD_ID } from '../segment-log/index.ts';
