/**
 * Where the lake lives: S3 in AWS, a local directory on one machine. Keys are `/`-separated
 * (`hits/year=2026/month=11/day=25/hour=03/shard-1-9.parquet`). A `put` is atomic for readers:
 * an object is either absent or complete (S3 PUT semantics; the local adapter writes a temporary
 * file whose name no `*.parquet` glob matches, then renames it into place).
 */
export interface ObjectInfo {
  key: string;
  size: number;
}

export interface ObjectStore {
  /** Writes bytes, or the contents of a local file (`{ file }`), replacing any object at `key`. */
  put(key: string, body: Uint8Array | { file: string }): Promise<void>;
  /** The object's bytes, or null when it does not exist. */
  get(key: string): Promise<Uint8Array | null>;
  /** Copies the object to a local file (DuckDB reads local files); false when it does not exist. */
  download(key: string, file: string): Promise<boolean>;
  /** Every object under `prefix`, sorted by key. */
  list(prefix: string): Promise<ObjectInfo[]>;
  /** Deletes the objects; missing ones are ignored. */
  delete(keys: string[]): Promise<void>;
  /** A human-readable location of `key` (a path or an `s3://` URL) for logs and reports. */
  describe(key: string): string;
}
