SELECT
    count(*) AS dnc_calls
FROM calls
    LEFT OUTER JOIN agents AS a ON a.agent_id = calls.agent_id
    INNER JOIN (
        SELECT
            dnc.callee_id AS callee_id,
            min(dnc.added_at) AS first_added
        FROM dnc
        GROUP BY
            dnc.callee_id
    ) AS dn ON dn.callee_id = calls.callee_id
WHERE
    calls.started_at >= '2025-09-01 00:00:00'
    AND calls.started_at < '2025-10-01 00:00:00'
    AND calls.direction = 'out'
    AND (a.site_id IN ('S1') AND a.team IN ('T1') OR calls.agent_id IS NULL AND calls.campaign_id IN (
        SELECT DISTINCT
            kf.campaign_id
        FROM calls AS kf
            INNER JOIN agents AS af ON af.agent_id = kf.agent_id
        WHERE
            kf.started_at >= '2025-09-01 00:00:00'
            AND kf.started_at < '2025-10-01 00:00:00'
            AND af.site_id IN ('S1')
            AND af.team IN ('T1')
    ))
    AND calls.campaign_id IN ('C1', 'C2')
    AND calls.started_at > dn.first_added
