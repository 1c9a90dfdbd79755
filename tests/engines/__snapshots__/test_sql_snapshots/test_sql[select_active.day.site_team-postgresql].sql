SELECT
    u.d_day,
    count(DISTINCT u.agent_id) AS active_agents,
    count(DISTINCT CASE WHEN (a2.employment = 'outsourced') THEN u.agent_id ELSE NULL END) AS outsourced_agents
FROM (
    SELECT DISTINCT
        CAST(calls.started_at AS DATE) AS d_day,
        calls.agent_id AS agent_id
    FROM calls
        LEFT OUTER JOIN agents AS a ON a.agent_id = calls.agent_id
    WHERE
        calls.started_at >= '2025-09-01 00:00:00'
        AND calls.started_at < '2025-10-01 00:00:00'
        AND calls.agent_id IS NOT NULL
        AND coalesce(calls.robot, false) = false
        AND (a.site_id IN ('S1') AND a.team IN ('T1', 'T2') OR calls.agent_id IS NULL AND calls.campaign_id IN (
            SELECT DISTINCT
                kf.campaign_id
            FROM calls AS kf
                JOIN agents AS af ON af.agent_id = kf.agent_id
            WHERE
                kf.started_at >= '2025-09-01 00:00:00'
                AND kf.started_at < '2025-10-01 00:00:00'
                AND af.site_id IN ('S1')
                AND af.team IN ('T1', 'T2')
        ))
    UNION
    SELECT DISTINCT
        CAST(agent_sessions.login_at AS DATE) AS d_day,
        agent_sessions.agent_id AS agent_id
    FROM agent_sessions
        LEFT OUTER JOIN agents AS a ON a.agent_id = agent_sessions.agent_id
    WHERE
        agent_sessions.login_at >= '2025-09-01 00:00:00'
        AND agent_sessions.login_at < '2025-10-01 00:00:00'
        AND a.site_id IN ('S1')
        AND a.team IN ('T1', 'T2')
) AS u
    LEFT OUTER JOIN agents AS a2 ON a2.agent_id = u.agent_id
GROUP BY
    u.d_day
