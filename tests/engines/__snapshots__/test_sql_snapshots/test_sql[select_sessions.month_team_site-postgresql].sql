SELECT
    date_trunc('month', agent_sessions.login_at) AS d_month,
    a.team AS d_team,
    a.site_id AS d_site,
    sum(CASE WHEN (agent_sessions.logout_at IS NOT NULL) THEN (CAST(EXTRACT(epoch FROM agent_sessions.logout_at) AS BIGINT) - CAST(EXTRACT(epoch FROM agent_sessions.login_at) AS BIGINT)) - coalesce(agent_sessions.break_seconds, 0) ELSE 0 END) AS logged_in_seconds
FROM agent_sessions
    LEFT OUTER JOIN agents AS a ON a.agent_id = agent_sessions.agent_id
WHERE
    agent_sessions.login_at >= '2025-09-01 00:00:00'
    AND agent_sessions.login_at < '2025-10-01 00:00:00'
GROUP BY
    date_trunc('month', agent_sessions.login_at),
    a.team,
    a.site_id
