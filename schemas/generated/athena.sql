-- Generated from schemas/columns.ts by `npm run generate` — do not edit.
-- Defaults shown; `npm run alt -- ddl <target>` prints it for your configuration.

CREATE EXTERNAL TABLE IF NOT EXISTS `alt`.`hits` (
  `log_id` string COMMENT 'unique per hit (UUIDv7 text)',
  `app_id` string COMMENT 'registered app',
  `client_sub_id` string COMMENT 'customer-side sub-account or tenant',
  `module_id` string COMMENT 'page module or widget that sent the hit',
  `event_type` string COMMENT 'pageview | event | request',
  `event_name` string COMMENT 'custom event name',
  `source` string COMMENT 'beacon | pixel | server',
  `timestamp` timestamp COMMENT 'event time, UTC',
  `received_at` timestamp COMMENT 'arrival at the collector, UTC',
  `url` string COMMENT 'page or request URL, fragment dropped',
  `referrer` string COMMENT 'referring URL',
  `user_agent` string COMMENT 'User-Agent header or server-supplied',
  `client_ip` string COMMENT 'masked: IPv4 /24, IPv6 /48',
  `session_id` string COMMENT 'only when the site opts into sessions',
  `visitor_id` string COMMENT 'hash(daily salt, app, IP, UA): cookieless',
  `status_code` int COMMENT 'HTTP status of the page or request',
  `status` string COMMENT 'application state: RUNNING | SUCCEEDED | FAILED',
  `response_time_ms` int COMMENT 'page or request latency in ms',
  `request_id` string COMMENT 'joins to backend logs',
  `metadata` string COMMENT 'free-form JSON object, at most 4 KiB',
  `is_bot` boolean COMMENT 'true only when the app keeps bot hits',
  `schema_version` int COMMENT 'schema version of the row'
)
PARTITIONED BY (`year` int, `month` int, `day` int, `hour` int)
STORED AS PARQUET
LOCATION 's3://alt-lake-dev/hits/'
TBLPROPERTIES (
  'projection.enabled'='true',
  'projection.year.type'='integer',
  'projection.year.range'='2026,2027',
  'projection.year.digits'='4',
  'projection.month.type'='integer',
  'projection.month.range'='1,12',
  'projection.month.digits'='2',
  'projection.day.type'='integer',
  'projection.day.range'='1,31',
  'projection.day.digits'='2',
  'projection.hour.type'='integer',
  'projection.hour.range'='0,23',
  'projection.hour.digits'='2',
  'storage.location.template'='s3://alt-lake-dev/hits/year=${year}/month=${month}/day=${day}/hour=${hour}/',
  'parquet.compression'='ZSTD',
  'classification'='parquet'
);
