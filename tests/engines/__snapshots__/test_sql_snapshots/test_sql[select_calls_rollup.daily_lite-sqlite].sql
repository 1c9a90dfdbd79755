SELECT
    strftime('%Y-%m', rollup_calls_daily_lite.started_at) AS d_month,
    rollup_calls_daily_lite.campaign_id AS d_campaign,
    sum(rollup_calls_daily_lite.outbound_calls) AS outbound_calls,
    sum(rollup_calls_daily_lite.inbound_calls) AS inbound_calls,
    sum(rollup_calls_daily_lite.connected_calls) AS connected_calls,
    sum(rollup_calls_daily_lite.effective_calls) AS effective_calls,
    sum(CASE WHEN (rollup_calls_daily_lite.callee_province IN ('新疆', '西藏')) THEN rollup_calls_daily_lite.outbound_calls ELSE 0 END) AS blocked_region_calls,
    sum(CASE WHEN (rollup_calls_daily_lite.callee_province IS NOT NULL AND (rollup_calls_daily_lite.callee_province NOT IN ('上海', '北京'))) THEN rollup_calls_daily_lite.outbound_calls ELSE 0 END) AS out_of_coverage_calls,
    sum(CASE WHEN (n.number IS NULL OR coalesce(n.registered, 0) = 0 OR n.allocated_on IS NOT NULL AND strftime('%Y-%m-%d', rollup_calls_daily_lite.started_at) < strftime('%Y-%m-%d', n.allocated_on) OR n.released_on IS NOT NULL AND strftime('%Y-%m-%d', rollup_calls_daily_lite.started_at) > strftime('%Y-%m-%d', n.released_on)) THEN rollup_calls_daily_lite.outbound_calls ELSE 0 END) AS unregistered_number_calls,
    sum(CASE WHEN (c.purpose IN ('marketing')) THEN rollup_calls_daily_lite.connected_calls ELSE 0 END) AS connected_recorded_purpose,
    sum(CASE WHEN (c.purpose IN ('marketing')) THEN rollup_calls_daily_lite.recorded_connected_calls ELSE 0 END) AS recorded_connected_purpose,
    sum(CASE WHEN (rollup_calls_daily_lite.campaign_id IN ('C1', 'C3')) THEN rollup_calls_daily_lite.out_h00 + rollup_calls_daily_lite.out_h01 + rollup_calls_daily_lite.out_h02 + rollup_calls_daily_lite.out_h03 + rollup_calls_daily_lite.out_h04 + rollup_calls_daily_lite.out_h05 + rollup_calls_daily_lite.out_h06 + rollup_calls_daily_lite.out_h07 + rollup_calls_daily_lite.out_h08 + rollup_calls_daily_lite.out_h21 + rollup_calls_daily_lite.out_h22 + rollup_calls_daily_lite.out_h23 ELSE rollup_calls_daily_lite.out_h00 + rollup_calls_daily_lite.out_h01 + rollup_calls_daily_lite.out_h02 + rollup_calls_daily_lite.out_h03 + rollup_calls_daily_lite.out_h04 + rollup_calls_daily_lite.out_h05 + rollup_calls_daily_lite.out_h06 + rollup_calls_daily_lite.out_h07 + rollup_calls_daily_lite.out_h21 + rollup_calls_daily_lite.out_h22 + rollup_calls_daily_lite.out_h23 END) AS outside_hours_calls
FROM rollup_calls_daily_lite
    LEFT OUTER JOIN numbers AS n ON n.number = rollup_calls_daily_lite.caller_number
    LEFT OUTER JOIN campaigns AS c ON c.campaign_id = rollup_calls_daily_lite.campaign_id
WHERE
    rollup_calls_daily_lite.started_at >= '2025-09-01 00:00:00.000000'
    AND rollup_calls_daily_lite.started_at < '2025-10-01 00:00:00.000000'
GROUP BY
    strftime('%Y-%m', rollup_calls_daily_lite.started_at),
    rollup_calls_daily_lite.campaign_id
