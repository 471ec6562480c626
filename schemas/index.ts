export * from './columns.ts';
export {
  athenaDdl,
  DEFAULT_ATHENA,
  type ProjectionYears,
  projectionParameters,
  projectionYears,
} from './ddl/athena.ts';
export { auroraMigrations, type Migration } from './ddl/aurora.ts';
export {
  DEFAULT_QUALITY_DAYS,
  type QualityQuery,
  type QualityWindow,
  qualityQueries,
  qualitySql,
  windowPredicate,
} from './ddl/quality.ts';
export { DEFAULT_SNOWFLAKE, snowflakeDdl } from './ddl/snowflake.ts';
export * from './lake.ts';
export * from './rollups.ts';
export * from './types.ts';
export * from './wire.ts';
