SELECT
    date_trunc('month', rollup_calls_daily.started_at) AS d_month,
    rollup_calls_daily.agent_id AS d_agent,
    sum(rollup_calls_daily.outbound_calls) AS outbound_calls,
    sum(rollup_calls_daily.inbound_calls) AS inbound_calls,
    sum(rollup_calls_daily.connected_calls) AS connected_calls,
    sum(rollup_calls_daily.effective_calls) AS effective_calls,
    sum(CASE WHEN (rollup_calls_daily.callee_province IN ('新疆', '西藏')) THEN rollup_calls_daily.outbound_calls ELSE 0 END) AS blocked_region_calls,
    sum(CASE WHEN (rollup_calls_daily.callee_province IS NOT NULL AND (rollup_calls_daily.callee_province NOT IN ('上海', '北京'))) THEN rollup_calls_daily.outbound_calls ELSE 0 END) AS out_of_coverage_calls,
    sum(CASE WHEN (n.number IS NULL OR coalesce(n.registered, false) = false OR n.allocated_on IS NOT NULL AND CAST(rollup_calls_daily.started_at AS DATE) < CAST(n.allocated_on AS DATE) OR n.released_on IS NOT NULL AND CAST(rollup_calls_daily.started_at AS DATE) > CAST(n.released_on AS DATE)) THEN rollup_calls_daily.outbound_calls ELSE 0 END) AS unregistered_number_calls,
    sum(CASE WHEN (c.purpose IN ('marketing')) THEN rollup_calls_daily.connected_calls ELSE 0 END) AS connected_recorded_purpose,
    sum(CASE WHEN (c.purpose IN ('marketing')) THEN rollup_calls_daily.recorded_connected_calls ELSE 0 END) AS recorded_connected_purpose,
    sum(CASE WHEN (rollup_calls_daily.campaign_id IN ('C1', 'C3')) THEN rollup_calls_daily.out_h00 + rollup_calls_daily.out_h01 + rollup_calls_daily.out_h02 + rollup_calls_daily.out_h03 + rollup_calls_daily.out_h04 + rollup_calls_daily.out_h05 + rollup_calls_daily.out_h06 + rollup_calls_daily.out_h07 + rollup_calls_daily.out_h08 + rollup_calls_daily.out_h21 + rollup_calls_daily.out_h22 + rollup_calls_daily.out_h23 ELSE rollup_calls_daily.out_h00 + rollup_calls_daily.out_h01 + rollup_calls_daily.out_h02 + rollup_calls_daily.out_h03 + rollup_calls_daily.out_h04 + rollup_calls_daily.out_h05 + rollup_calls_daily.out_h06 + rollup_calls_daily.out_h07 + rollup_calls_daily.out_h21 + rollup_calls_daily.out_h22 + rollup_calls_daily.out_h23 END) AS outside_hours_calls
FROM rollup_calls_daily
    LEFT OUTER JOIN numbers AS n ON n.number = rollup_calls_daily.caller_number
    LEFT OUTER JOIN campaigns AS c ON c.campaign_id = rollup_calls_daily.campaign_id
WHERE
    rollup_calls_daily.started_at >= '2025-09-01 00:00:00'
    AND rollup_calls_daily.started_at < '2025-10-01 00:00:00'
GROUP BY
    date_trunc('month', rollup_calls_daily.started_at),
    rollup_calls_daily.agent_id
