SELECT
    strftime('%Y-%m-%d', calls.started_at) AS d_day,
    calls.campaign_id AS d_campaign,
    sum(CASE WHEN (calls.direction = 'out' AND (CAST(strftime('%H', calls.started_at) AS INTEGER) * 60 + CAST(strftime('%M', calls.started_at) AS INTEGER) < CASE WHEN (calls.campaign_id IN ('C1', 'C3')) THEN 540 ELSE 480 END OR CAST(strftime('%H', calls.started_at) AS INTEGER) * 60 + CAST(strftime('%M', calls.started_at) AS INTEGER) >= CASE WHEN (calls.campaign_id IN ('C1', 'C3')) THEN 1260 ELSE 1260 END)) THEN 1 ELSE 0 END) AS outside_hours_calls,
    sum(CASE WHEN (calls.direction = 'out' AND calls.callee_province IN ('新疆', '西藏')) THEN 1 ELSE 0 END) AS blocked_region_calls,
    sum(CASE WHEN (calls.direction = 'out' AND calls.callee_province IS NOT NULL AND (calls.callee_province NOT IN ('上海', '北京'))) THEN 1 ELSE 0 END) AS out_of_coverage_calls,
    sum(CASE WHEN (calls.direction = 'out' AND (n.number IS NULL OR coalesce(n.registered, 0) = 0 OR n.allocated_on IS NOT NULL AND strftime('%Y-%m-%d', calls.started_at) < strftime('%Y-%m-%d', n.allocated_on) OR n.released_on IS NOT NULL AND strftime('%Y-%m-%d', calls.started_at) > strftime('%Y-%m-%d', n.released_on))) THEN 1 ELSE 0 END) AS unregistered_number_calls,
    sum(CASE WHEN (calls.direction = 'out' AND calls.disposition = 'answered' AND c.purpose IN ('marketing')) THEN 1 ELSE 0 END) AS connected_recorded_purpose,
    sum(CASE WHEN (calls.direction = 'out' AND calls.disposition = 'answered' AND calls.recorded = 1 AND c.purpose IN ('marketing')) THEN 1 ELSE 0 END) AS recorded_connected_purpose,
    sum(CASE WHEN (calls.disposition = 'answered' AND calls.call_id IN (
        SELECT
            qa_reviews.call_id
        FROM qa_reviews
    )) THEN 1 ELSE 0 END) AS reviewed_connected_all
FROM calls
    LEFT OUTER JOIN numbers AS n ON n.number = calls.caller_number
    LEFT OUTER JOIN campaigns AS c ON c.campaign_id = calls.campaign_id
WHERE
    calls.started_at >= '2025-09-01 00:00:00.000000'
    AND calls.started_at < '2025-10-01 00:00:00.000000'
GROUP BY
    strftime('%Y-%m-%d', calls.started_at),
    calls.campaign_id
