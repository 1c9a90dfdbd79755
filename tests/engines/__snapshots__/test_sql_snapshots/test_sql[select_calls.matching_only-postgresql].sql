SELECT
    calls.caller_number AS d_caller_number,
    CAST(calls.started_at AS DATE) AS d_day,
    sum(CASE WHEN (calls.direction = 'out' AND (CAST(EXTRACT(hour FROM calls.started_at) AS INTEGER) * 60 + CAST(EXTRACT(minute FROM calls.started_at) AS INTEGER) < CASE WHEN (calls.campaign_id IN ('C1', 'C3')) THEN 540 ELSE 480 END OR CAST(EXTRACT(hour FROM calls.started_at) AS INTEGER) * 60 + CAST(EXTRACT(minute FROM calls.started_at) AS INTEGER) >= CASE WHEN (calls.campaign_id IN ('C1', 'C3')) THEN 1260 ELSE 1260 END)) THEN 1 ELSE 0 END) AS outside_hours_calls
FROM calls
    LEFT OUTER JOIN agents AS a ON a.agent_id = calls.agent_id
WHERE
    calls.started_at >= '2025-09-01 00:00:00'
    AND calls.started_at < '2025-10-01 00:00:00'
    AND (a.site_id IN ('S1', 'S2') OR calls.agent_id IS NULL AND calls.campaign_id IN (
        SELECT DISTINCT
            kf.campaign_id
        FROM calls AS kf
            JOIN agents AS af ON af.agent_id = kf.agent_id
        WHERE
            kf.started_at >= '2025-09-01 00:00:00'
            AND kf.started_at < '2025-10-01 00:00:00'
            AND af.site_id IN ('S1', 'S2')
    ))
    AND calls.direction = 'out'
    AND (CAST(EXTRACT(hour FROM calls.started_at) AS INTEGER) * 60 + CAST(EXTRACT(minute FROM calls.started_at) AS INTEGER) < CASE WHEN (calls.campaign_id IN ('C1', 'C3')) THEN 540 ELSE 480 END OR CAST(EXTRACT(hour FROM calls.started_at) AS INTEGER) * 60 + CAST(EXTRACT(minute FROM calls.started_at) AS INTEGER) >= CASE WHEN (calls.campaign_id IN ('C1', 'C3')) THEN 1260 ELSE 1260 END)
GROUP BY
    calls.caller_number,
    CAST(calls.started_at AS DATE)
