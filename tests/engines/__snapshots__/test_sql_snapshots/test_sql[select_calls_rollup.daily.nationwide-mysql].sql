SELECT
    date_format(rollup_calls_daily_lite.started_at, '%%Y-%%m-%%d') AS d_day,
    sum(rollup_calls_daily_lite.out_h00 + rollup_calls_daily_lite.out_h01 + rollup_calls_daily_lite.out_h02 + rollup_calls_daily_lite.out_h03 + rollup_calls_daily_lite.out_h04 + rollup_calls_daily_lite.out_h05 + rollup_calls_daily_lite.out_h06 + rollup_calls_daily_lite.out_h07 + rollup_calls_daily_lite.out_h21 + rollup_calls_daily_lite.out_h22 + rollup_calls_daily_lite.out_h23) AS outside_hours_calls,
    sum(CASE WHEN false THEN rollup_calls_daily_lite.outbound_calls ELSE 0 END) AS out_of_coverage_calls
FROM rollup_calls_daily_lite
WHERE
    rollup_calls_daily_lite.started_at >= '2025-09-01 00:00:00'
    AND rollup_calls_daily_lite.started_at < '2025-10-01 00:00:00'
GROUP BY
    date_format(rollup_calls_daily_lite.started_at, '%%Y-%%m-%%d')
