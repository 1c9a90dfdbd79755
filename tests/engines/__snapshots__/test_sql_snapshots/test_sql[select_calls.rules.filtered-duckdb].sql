SELECT
    CAST(calls.started_at AS DATE) AS d_day,
    sum(CASE WHEN (calls.direction = 'out' AND (CAST(EXTRACT(hour FROM calls.started_at) AS INTEGER) * 60 + CAST(EXTRACT(minute FROM calls.started_at) AS INTEGER) < CASE WHEN (calls.campaign_id IN ('C1', 'C3')) THEN 540 ELSE 480 END OR CAST(EXTRACT(hour FROM calls.started_at) AS INTEGER) * 60 + CAST(EXTRACT(minute FROM calls.started_at) AS INTEGER) >= CASE WHEN (calls.campaign_id IN ('C1', 'C3')) THEN 1260 ELSE 1260 END)) THEN 1 ELSE 0 END) AS outside_hours_calls,
    sum(CASE WHEN (calls.direction = 'out' AND calls.callee_province IN ('新疆', '西藏')) THEN 1 ELSE 0 END) AS blocked_region_calls,
    sum(CASE WHEN (calls.direction = 'out' AND calls.callee_province IS NOT NULL AND (calls.callee_province NOT IN ('上海', '北京'))) THEN 1 ELSE 0 END) AS out_of_coverage_calls,
    sum(CASE WHEN (calls.direction = 'out' AND (n.number IS NULL OR coalesce(n.registered, false) = false OR n.allocated_on IS NOT NULL AND CAST(calls.started_at AS DATE) < CAST(n.allocated_on AS DATE) OR n.released_on IS NOT NULL AND CAST(calls.started_at AS DATE) > CAST(n.released_on AS DATE))) THEN 1 ELSE 0 END) AS unregistered_number_calls,
    sum(CASE WHEN (calls.direction = 'out' AND calls.disposition = 'answered' AND c.purpose IN ('marketing')) THEN 1 ELSE 0 END) AS connected_recorded_purpose,
    sum(CASE WHEN (calls.direction = 'out' AND calls.disposition = 'answered' AND calls.recorded AND c.purpose IN ('marketing')) THEN 1 ELSE 0 END) AS recorded_connected_purpose,
    sum(CASE WHEN (calls.disposition = 'answered' AND calls.call_id IN (
        SELECT
            qa_reviews.call_id
        FROM qa_reviews
    )) THEN 1 ELSE 0 END) AS reviewed_connected_all
FROM calls
    LEFT OUTER JOIN numbers AS n ON n.number = calls.caller_number
    LEFT OUTER JOIN campaigns AS c ON c.campaign_id = calls.campaign_id
    LEFT OUTER JOIN agents AS a ON a.agent_id = calls.agent_id
WHERE
    calls.started_at >= '2025-09-01 00:00:00'
    AND calls.started_at < '2025-10-01 00:00:00'
    AND (a.site_id IN ('S1') AND a.team IN ('T1') OR calls.agent_id IS NULL AND calls.campaign_id IN (
        SELECT DISTINCT
            kf.campaign_id
        FROM calls AS kf
            JOIN agents AS af ON af.agent_id = kf.agent_id
        WHERE
            kf.started_at >= '2025-09-01 00:00:00'
            AND kf.started_at < '2025-10-01 00:00:00'
            AND af.site_id IN ('S1')
            AND af.team IN ('T1')
    ))
    AND calls.campaign_id IN ('C1', 'C2')
GROUP BY
    CAST(calls.started_at AS DATE)
