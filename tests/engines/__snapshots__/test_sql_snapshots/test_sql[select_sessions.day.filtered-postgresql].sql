SELECT
    CAST(agent_sessions.login_at AS DATE) AS d_day,
    sum(CASE WHEN (agent_sessions.logout_at IS NOT NULL) THEN (CAST(EXTRACT(epoch FROM agent_sessions.logout_at) AS BIGINT) - CAST(EXTRACT(epoch FROM agent_sessions.login_at) AS BIGINT)) - coalesce(agent_sessions.break_seconds, 0) ELSE 0 END) AS logged_in_seconds
FROM agent_sessions
    LEFT OUTER JOIN agents AS a ON a.agent_id = agent_sessions.agent_id
WHERE
    agent_sessions.login_at >= '2025-09-01 00:00:00'
    AND agent_sessions.login_at < '2025-10-01 00:00:00'
    AND a.site_id IN ('S1')
    AND a.team IN ('T1')
    AND agent_sessions.agent_id IN (
        SELECT DISTINCT
            calls.agent_id
        FROM calls
        WHERE
            calls.campaign_id IN ('C1', 'C2')
            AND calls.started_at >= '2025-09-01 00:00:00'
            AND calls.started_at < '2025-10-01 00:00:00'
            AND calls.agent_id IS NOT NULL
    )
GROUP BY
    CAST(agent_sessions.login_at AS DATE)
