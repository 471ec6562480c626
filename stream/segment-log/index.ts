export { FRAME_HEADER_BYTES } from './frame.ts';
export type { SegmentLogReader, SegmentLogReaderOptions } from './reader.ts';
export { createSegmentLogReader, LOCAL_SHARD_ID } from './reader.ts';
export { formatPosition, listSegments } from './segments.ts';
export type { SegmentLog, SegmentLogOptions, SegmentLogStats } from './writer.ts';
export { openSegmentLog, SEGMENT_LOG_DEFAULTS } from './writer.ts';
