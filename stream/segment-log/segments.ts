/**
 * Segment files: `<start position, 20 digits>.seg`, where a position is the byte offset of a frame
 * in the whole log. Zero padding makes name order = log order and lets a position name its file.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

export const SEGMENT_SUFFIX = '.seg';
const SEGMENT_NAME = /^(\d{20})\.seg$/;

export const formatPosition = (position: number): string => String(position).padStart(20, '0');

export const segmentFileName = (start: number): string => `${formatPosition(start)}${SEGMENT_SUFFIX}`;

export interface SegmentFile {
  start: number;
  path: string;
}

/** Segments in log order; a missing directory has none. */
export async function listSegments(dir: string): Promise<SegmentFile[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const out: SegmentFile[] = [];
  for (const name of names) {
    const m = SEGMENT_NAME.exec(name);
    if (m) out.push({ start: Number(m[1]), path: join(dir, name) });
  }
  return out.sort((a, b) => a.start - b.start);
}
