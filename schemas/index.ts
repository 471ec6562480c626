export * from './columns.ts';
export { athenaDdl, DEFAULT_ATHENA, projectionParameters } from './ddl/athena.ts';
export { auroraMigrations, HISTOGRAM_CELLS, type Migration } from './ddl/aurora.ts';
export { type QualityQuery, qualityQueries, qualitySql } from './ddl/quality.ts';
export { DEFAULT_SNOWFLAKE, snowflakeDdl } from './ddl/snowflake.ts';
export * from './lake.ts';
export * from './types.ts';
export * from './wire.ts';
