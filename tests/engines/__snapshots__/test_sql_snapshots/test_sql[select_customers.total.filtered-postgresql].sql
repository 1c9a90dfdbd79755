SELECT
    count(*) AS reached_customers,
    coalesce(sum(pc.eff), 0) AS effective_customers
FROM (
    SELECT
        calls.callee_id AS callee_id,
        max(CASE WHEN (calls.talk_seconds >= 30 AND calls.two_way_voice) THEN 1 ELSE 0 END) AS eff
    FROM calls
        LEFT OUTER JOIN agents AS a ON a.agent_id = calls.agent_id
    WHERE
        calls.started_at >= '2025-09-01 00:00:00'
        AND calls.started_at < '2025-10-01 00:00:00'
        AND calls.direction = 'out'
        AND calls.disposition = 'answered'
        AND calls.callee_id IS NOT NULL
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
        calls.callee_id
) AS pc
