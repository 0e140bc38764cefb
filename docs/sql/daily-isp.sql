-- The daily review's ISP table, in DuckDB SQL over the Parquet export of deferwatch
-- (`deferwatch export --format parquet --out DIR`): per ISP on one UTC day, the counts,
-- the deferral and bounce rates, the previous day's deferral rate and the deferral rate
-- of the 7 days before (docs/metrics.md). Equal to `deferwatch report --tz UTC --day DAY`
-- (tests/export_sql.rs runs both). Set the two variables, then read this file:
--
--   duckdb -c "SET VARIABLE deferwatch_parquet = '/data/deferwatch/*/*.parquet';
--              SET VARIABLE deferwatch_day = DATE '2026-10-14';
--              .read docs/sql/daily-isp.sql"
--
-- Attempts are delivered, deferred and bounced rows; queue-level deferrals (`tq`) are
-- counted apart and never attempts. A rate is NULL without attempts.
WITH daily AS (
    SELECT
        isp,
        CAST(hour AS DATE) AS utc_day,
        sum(delivered + deferred + bounced) AS attempts,
        sum(delivered) AS delivered,
        sum(deferred) AS deferred,
        sum(bounced) AS bounced,
        sum(queue_deferrals) AS queue_deferrals
    FROM read_parquet(getvariable('deferwatch_parquet'), hive_partitioning = false)
    WHERE CAST(hour AS DATE) BETWEEN getvariable('deferwatch_day') - 7
                                 AND getvariable('deferwatch_day')
    GROUP BY ALL
),
rate AS (
    SELECT *,
        CASE WHEN attempts > 0 THEN deferred / attempts END AS deferral_rate,
        CASE WHEN attempts > 0 THEN bounced / attempts END AS bounce_rate
    FROM daily
)
SELECT
    day.isp,
    day.attempts,
    day.delivered,
    day.deferred,
    day.bounced,
    day.queue_deferrals,
    day.deferral_rate,
    day.bounce_rate,
    previous.deferral_rate AS prev_day_deferral_rate,
    (SELECT CASE WHEN sum(attempts) > 0 THEN sum(deferred) / sum(attempts) END
       FROM daily AS before
      WHERE before.isp = day.isp AND before.utc_day < day.utc_day) AS rolling_7d_deferral_rate
FROM rate AS day
LEFT JOIN rate AS previous
       ON previous.isp = day.isp AND previous.utc_day = day.utc_day - 1
WHERE day.utc_day = getvariable('deferwatch_day')
ORDER BY day.attempts DESC, day.isp;
