SELECT
    u.d_hour,
    count(DISTINCT u.agent_id) AS active_agents,
    count(DISTINCT CASE WHEN (a2.employment = 'outsourced') THEN u.agent_id ELSE NULL END) AS outsourced_agents
FROM (
    SELECT DISTINCT
        CAST(strftime('%H', rollup_calls_hourly.started_at) AS INTEGER) AS d_hour,
        rollup_calls_hourly.agent_id AS agent_id
    FROM rollup_calls_hourly
    WHERE
        rollup_calls_hourly.started_at >= '2025-09-01 00:00:00.000000'
        AND rollup_calls_hourly.started_at < '2025-10-01 00:00:00.000000'
        AND rollup_calls_hourly.human_calls > 0
) AS u
    LEFT OUTER JOIN agents AS a2 ON a2.agent_id = u.agent_id
GROUP BY
    u.d_hour
